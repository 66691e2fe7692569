"""Bounds on the numbers and dates people type. Anything outside is refused with a message
before it reaches the database, where an integer past its column (2^31 for ids, 2^63 for
BIGINT) or a year the driver cannot store is an error of the server, not of the input."""

from datetime import date

MAX_ID = 2**31 - 1  # the database's INTEGER primary keys
MAX_COUNT = 10_000  # dots, approvals, ranks: far beyond any ballot
MAX_BAHT = 10**12  # a trillion baht: beyond any municipal budget, well inside BIGINT
FIRST_DAY = date(2000, 1, 1)  # dates are typed in the Common Era; B.E. 2543
LAST_DAY = date(2200, 12, 31)  # B.E. 2743


def is_id(text: str) -> bool:
    """Whether a typed value can name a row: ASCII digits, within the key column.

    >>> is_id("12"), is_id("9223372036854775808"), is_id("๓"), is_id("²")
    (True, False, False, False)
    """
    return text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID


def day_in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
