"""Who may vote in a round, and the numbers that show whether a crowd is real.

A workshop's join link is made to be shared, so joining proves nothing: anyone anywhere can
join many times with fresh cookies. The eligibility rule says what else a ballot needs.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median


class Eligibility(StrEnum):
    """open: anyone who joined (informal, "not verified"); hall: phones that typed the
    projector's presence code or were marked present at the door; codes: one printed
    one-time code per voter (city-board rounds always)."""

    open = "open"
    hall = "hall"
    codes = "codes"


def joins_per_minute(times: Iterable[datetime], now: datetime, minutes: int = 10) -> list[int]:
    """Joins in each of the last `minutes` whole minutes, oldest first; the last is the
    minute `now` falls in (so it is still filling). Times outside the window are ignored.

    >>> from datetime import timezone
    >>> t = datetime(2026, 1, 1, 9, 5, 30, tzinfo=timezone.utc)
    >>> joins_per_minute([t, t - timedelta(minutes=1), t - timedelta(minutes=1)], t, 3)
    [0, 2, 1]
    """
    current = now.replace(second=0, microsecond=0)
    first = current - timedelta(minutes=minutes - 1)
    counts = [0] * minutes
    for time in times:
        index = int((time - first).total_seconds() // 60)
        if 0 <= index < minutes:
            counts[index] += 1
    return counts


@dataclass(frozen=True)
class BurstRule:
    factor: float = 3.0  # a minute more than this many times the median minute ...
    floor: int = 30  # ... and more than this many joins (a hall's doors opening is not a burst)


def is_burst(counts: Sequence[int], rule: BurstRule = BurstRule()) -> bool:
    """True if some minute has more than `floor` joins and more than `factor` times the
    median of the minutes shown. A script joining hundreds of phones in a minute or two
    stands out; a hall filling up steadily does not.

    >>> is_burst([2, 3, 2, 120, 1])
    True
    >>> is_burst([25, 28, 30, 27, 26])
    False
    """
    if not counts:
        return False
    middle = median(counts)
    return any(n > rule.floor and n > rule.factor * middle for n in counts)


@dataclass(frozen=True)
class GroupTurnout:
    group: str
    eligible: int | None  # None: not known per group (codes without a group)
    voted: int

    @property
    def share(self) -> float | None:
        """Voted / eligible, or None when nobody (or an unknown number) was eligible."""
        if not self.eligible:
            return None
        return self.voted / self.eligible


def turnout_rows(
    groups: Sequence[str], eligible: Mapping[str, int], voted: Mapping[str, int], *, known: bool
) -> list[GroupTurnout]:
    """One row per invited group, in the round's order; `known` False leaves eligible unknown
    (codes issued without a group can be used by any group).

    >>> turnout_rows(["resident"], {"resident": 4}, {"resident": 3}, known=True)[0].share
    0.75
    """
    return [GroupTurnout(g, eligible.get(g, 0) if known else None, voted.get(g, 0)) for g in groups]
