"""Pure rules behind the live workshop: posting limits, the shared timer, the agenda order,
bulk paper notes and the attendance report."""

from datetime import UTC, datetime, timedelta

import pytest

from app.domain import agenda
from app.domain import timer as clock
from app.domain.attendance import IdeaRow, attendance
from app.domain.paper import split_notes
from app.domain.rate_limit import PostingLimit, retry_after

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LIMIT = PostingLimit(max_posts=3, window=timedelta(seconds=60), min_interval=timedelta(seconds=2))


def _s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("recent", "now", "expected"),
    [
        ([], 0, None),
        ([0], 1, 1),  # too soon after the last post
        ([0], 1.5, 1),  # rounded up to whole seconds
        ([0], 2, None),
        ([0, 10, 20], 25, 35),  # fourth post in the window waits until the first leaves it
        ([0, 10, 20], 61, None),
        ([-120, 10, 20], 25, None),  # old posts do not count
    ],
)
def test_retry_after(recent: list[float], now: float, expected: int | None) -> None:
    assert retry_after([_s(t) for t in recent], _s(now), LIMIT) == expected


def test_retry_after_ignores_order() -> None:
    assert retry_after([_s(20), _s(0), _s(10)], _s(25), LIMIT) == 35


def test_timer_runs_pauses_and_resumes() -> None:
    running = clock.start(300, T0)
    assert running.running()
    assert running.remaining(_s(10)) == 290
    paused = clock.pause(running, _s(100))
    assert (paused.running(), paused.remaining(_s(5000))) == (False, 200)
    resumed = clock.resume(paused, _s(1000))
    assert resumed.remaining(_s(1050)) == 150
    assert resumed.remaining(_s(9999)) == 0  # never negative
    assert clock.reset().remaining(T0) is None


def test_timer_pause_and_resume_are_idempotent() -> None:
    paused = clock.pause(clock.start(60, T0), _s(30))
    assert clock.pause(paused, _s(40)) == paused
    running = clock.start(60, T0)
    assert clock.resume(running, _s(10)) == running
    assert clock.resume(clock.reset(), T0) == clock.reset()


def test_timer_rounds_partial_seconds_up() -> None:
    assert clock.start(10, T0).remaining(_s(0.2)) == 10


@pytest.mark.parametrize(
    ("order", "phase", "offset", "expected"),
    [
        ([1, 2, 3], 2, -1, [2, 1, 3]),
        ([1, 2, 3], 2, 1, [1, 3, 2]),
        ([1, 2, 3], 3, 1, [1, 2, 3]),
        ([1], 1, -1, [1]),
    ],
)
def test_agenda_move(order: list[int], phase: int, offset: int, expected: list[int]) -> None:
    assert agenda.move(order, phase, offset) == expected


@pytest.mark.parametrize(
    ("current", "offset", "expected"),
    [(1, 1, 2), (3, 1, 3), (1, -1, 1), (None, 1, 1), (None, -1, None), (99, 1, 1)],
)
def test_agenda_step(current: int | None, offset: int, expected: int | None) -> None:
    assert agenda.step([1, 2, 3], current, offset) == expected


def test_agenda_step_on_empty_agenda() -> None:
    assert agenda.step([], None, 1) is None


def test_split_notes_one_per_line() -> None:
    notes, problems = split_notes("  ถนน\r\n\n ไฟ \n\u200b\n", max_length=10)
    assert (notes, problems) == (["ถนน", "ไฟ"], [])


def test_split_notes_reports_long_lines_by_number() -> None:
    notes, problems = split_notes("ดี\n" + "ก" * 11, max_length=10)
    assert notes == ["ดี"]
    assert [(line, p.reason, p.length) for line, p in problems] == [(2, "too_long", 11)]


def test_attendance_per_group_and_table() -> None:
    groups = ["resident", "business"]
    report = attendance(
        groups,
        participants=[(1, "resident"), (2, "resident"), (3, "business")],
        ideas=[
            IdeaRow("resident", "phone", False, 1, None),
            IdeaRow("resident", "phone", True, 1, None),
            IdeaRow("business", "paper", False, None, 2),
            IdeaRow("business", "paper", False, None, None),
            IdeaRow("resident", "paper", False, None, 2),
        ],
        reactions=["resident", "business", "business"],
    )
    resident, business = report.groups
    assert (
        resident.participants,
        resident.active_participants,
        resident.phone_ideas,
        resident.comments,
    ) == (2, 1, 1, 1)
    assert (business.paper_ideas, business.reactions, business.active_participants) == (2, 2, 0)
    assert (report.total.participants, report.total.paper_ideas, report.total.reactions) == (
        3,
        3,
        3,
    )
    assert [(t.table_number, t.stakeholder_group, t.paper_ideas) for t in report.tables] == [
        (2, "resident", 1),
        (2, "business", 1),
        (None, "business", 1),
    ]


def test_attendance_of_empty_workshop_has_zero_lines() -> None:
    report = attendance(["resident"], [], [], [])
    assert report.groups[0].participants == 0
    assert report.tables == []
