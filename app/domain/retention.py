"""How long a city's proposal board keeps a participant's personal data.

A board has no end date the way a workshop has its day, so the rule runs from the participant:
their data is kept a number of months (the city's setting) after the last thing they did on
the board, and erased after that. Someone who keeps taking part keeps their name; someone who
left is forgotten a known time later.
"""

import calendar
from datetime import date

MIN_BOARD_MONTHS = 1
MAX_BOARD_MONTHS = 120  # ten years: beyond any plan period the data could serve
DEFAULT_BOARD_MONTHS = 24  # as a workshop's default of two years after its day


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a day the later month lacks becomes its last day.

    >>> add_months(date(2026, 1, 31), 1), add_months(date(2024, 2, 29), 12)
    (datetime.date(2026, 2, 28), datetime.date(2025, 2, 28))
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def board_kept_until(last_active: date, months: int) -> date:
    """The last day a board participant's personal data is kept: `months` after the day (in
    Thailand) of their last activity. They are erased from the day after.

    >>> board_kept_until(date(2026, 12, 1), 24)
    datetime.date(2028, 12, 1)
    """
    return add_months(last_active, months)


def months_in_range(months: int) -> bool:
    return MIN_BOARD_MONTHS <= months <= MAX_BOARD_MONTHS
