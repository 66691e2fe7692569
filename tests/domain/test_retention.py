"""A board participant's retention date: months after their last activity, month ends kept."""

from datetime import date

import pytest

from app.domain import retention


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 1), 24, date(2028, 12, 1)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # February has no 31st: its last day
        (date(2027, 1, 31), 13, date(2028, 2, 29)),  # a leap year's
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),  # across the year
        (date(2026, 12, 31), 120, date(2036, 12, 31)),
    ],
)
def test_board_kept_until_adds_calendar_months(day: date, months: int, expected: date) -> None:
    assert retention.board_kept_until(day, months) == expected


@pytest.mark.parametrize(
    ("months", "ok"), [(0, False), (1, True), (24, True), (120, True), (121, False), (-1, False)]
)
def test_months_in_range_is_one_to_one_hundred_twenty(months: int, ok: bool) -> None:
    assert retention.months_in_range(months) is ok


def test_the_default_is_within_the_bounds() -> None:
    assert retention.months_in_range(retention.DEFAULT_BOARD_MONTHS)
