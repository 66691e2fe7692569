"""Presence codes, check-in numbers, joins per minute and bursts: pure, with fixed times."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from app.domain import presence
from app.domain.eligibility import GroupTurnout, is_burst, joins_per_minute, turnout_rows

SECRET = "a-secret-for-presence-codes"
OPENED = datetime(2026, 12, 1, 9, 0, 20, tzinfo=UTC)


def _code(at: datetime, round_id: int = 7) -> str:
    return presence.current_code(SECRET, round_id, at)


def _accepts(typed: str, now: datetime, opened_at: datetime | None = OPENED) -> bool:
    return presence.accepts(SECRET, 7, typed, opened_at=opened_at, now=now)


def test_presence_code_has_six_digits_and_changes_each_minute() -> None:
    codes = [_code(OPENED + timedelta(minutes=m)) for m in range(30)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert all(a != b for a, b in itertools.pairwise(codes))
    # The same minute gives the same code; another round or secret another code.
    assert _code(OPENED) == _code(OPENED + timedelta(seconds=30))
    assert _code(OPENED, round_id=8) != _code(OPENED)
    assert presence.current_code("another-secret", 7, OPENED) != _code(OPENED)


def test_presence_code_of_the_current_and_previous_minute_is_accepted() -> None:
    now = OPENED + timedelta(minutes=5, seconds=10)
    assert _accepts(_code(now), now)
    assert _accepts(_code(now - timedelta(minutes=1)), now)
    assert _accepts(presence.display(_code(now)), now)  # "123 456" as shown on the screen


def test_presence_code_two_minutes_old_is_refused() -> None:
    now = OPENED + timedelta(minutes=5, seconds=10)
    assert not _accepts(_code(now - timedelta(minutes=2)), now)
    assert not _accepts(_code(now + timedelta(minutes=1)), now)


def test_presence_code_before_the_round_opened_is_refused() -> None:
    # The minute before opening: its code was never on the screen for this round.
    now = OPENED + timedelta(seconds=30)  # 09:00:50, the minute it opened in
    assert _accepts(_code(now), now)
    assert not _accepts(_code(now - timedelta(minutes=1)), now)
    # Before the opening moment, or a round never opened: nothing.
    before = OPENED - timedelta(seconds=10)
    assert not _accepts(_code(before), before)
    assert not _accepts(_code(OPENED), OPENED, opened_at=None)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef"])
def test_presence_code_of_the_wrong_shape_is_refused(typed: str) -> None:
    assert not _accepts(typed, OPENED)


def test_presence_code_typed_in_thai_digits_is_accepted() -> None:
    thai = _code(OPENED).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert _accepts(thai, OPENED)


def test_checkin_number_is_short_stable_and_per_workshop() -> None:
    number = presence.checkin_number(SECRET, 1, "token-a")
    assert len(number) == 6
    assert set(number) <= set(presence.CHECKIN_ALPHABET)
    assert presence.checkin_number(SECRET, 1, "token-a") == number
    assert presence.checkin_number(SECRET, 2, "token-a") != number
    assert presence.checkin_number(SECRET, 1, "token-b") != number
    assert presence.normalize_checkin(f" {number[:3].lower()} {number[3:]} ") == number


def test_wrong_code_limit_allows_five_tries_per_ten_minutes() -> None:
    from app.domain.rate_limit import retry_after

    limit = presence.WRONG_CODE_LIMIT
    tries = [OPENED + timedelta(seconds=s) for s in range(5)]
    assert retry_after(tries[:4], OPENED + timedelta(seconds=5), limit) is None
    wait = retry_after(tries, OPENED + timedelta(seconds=5), limit)
    assert wait == 600 - 5
    assert retry_after(tries, OPENED + timedelta(minutes=10, seconds=1), limit) is None


def test_joins_per_minute_counts_the_last_ten_minutes() -> None:
    now = datetime(2026, 12, 1, 9, 30, 40, tzinfo=UTC)
    times = [
        now,
        now - timedelta(seconds=39),
        now - timedelta(minutes=9),
        now - timedelta(minutes=10),
    ]
    counts = joins_per_minute(times, now)
    assert len(counts) == 10
    assert counts[-1] == 2
    assert counts[0] == 1
    assert sum(counts) == 3  # ten minutes back is outside the window


@pytest.mark.parametrize(
    ("counts", "burst"),
    [
        ([0] * 9 + [31], True),  # a script: 31 joins in a minute after a quiet room
        ([0] * 9 + [30], False),  # not more than 30
        ([20, 25, 30, 28, 35, 32, 30, 29, 31, 33], False),  # doors open, a hall fills
        ([10, 12, 11, 9, 10, 10, 12, 11, 10, 37], True),  # more than 3x the median and > 30
        ([], False),
    ],
)
def test_burst_needs_more_than_30_and_three_times_the_median(
    counts: list[int], burst: bool
) -> None:
    assert is_burst(counts) is burst


def test_turnout_rows_leave_unknown_eligible_empty() -> None:
    rows = turnout_rows(["resident", "business"], {"resident": 4}, {"resident": 3}, known=True)
    assert rows == [GroupTurnout("resident", 4, 3), GroupTurnout("business", 0, 0)]
    assert rows[0].share == 0.75
    assert rows[1].share is None  # nobody eligible: no percentage, not 0%
    unknown = turnout_rows(["resident"], {}, {"resident": 2}, known=False)
    assert unknown[0].eligible is None
    assert unknown[0].share is None
