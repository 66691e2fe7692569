"""Rules of a city's proposal board that need no database: merging duplicates, who counts as
a supporter, the comment edit window, the abusive-word screen, the board's stable random
order, and a proposal's map point."""

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

from app.domain.errors import CodedError
from app.domain.text import arabic_digits

EDIT_WINDOW = timedelta(minutes=15)
TITLE_MAX = 200
BODY_MAX = 5000
COMMENT_MAX = 1000
REASON_MAX = 300
PLACE_MAX = 200
COST_MAX = 10**12  # baht, the app's bound on money
# Statuses in which nobody may propose changes, comment or support any more.
CLOSED_STATUSES = frozenset({"merged", "withdrawn"})
# The large prime and multiplier of the random order (see random_order_key).
RANDOM_MODULUS = 1_000_003
RANDOM_MULTIPLIER = 2_654_435_761


@dataclass(frozen=True)
class Support:
    id: int
    participant_id: int


@dataclass(frozen=True)
class MergePlan:
    """What merging a duplicate into a surviving proposal does to the supports.

    move: supports re-pointed to the survivor; drop: supports of people who already support
    the survivor (they count once)."""

    move: tuple[int, ...]
    drop: tuple[int, ...]


def plan_merge(duplicate: Iterable[Support], survivor: Iterable[Support]) -> MergePlan:
    """Supporters of the duplicate become supporters of the survivor, each person once.

    A person who supports both keeps their support of the survivor and loses the duplicate's;
    ids come out in ascending order.

    >>> plan_merge([Support(1, 10), Support(2, 11)], [Support(3, 11)])
    MergePlan(move=(1,), drop=(2,))
    """
    already = {s.participant_id for s in survivor}
    move: list[int] = []
    drop: list[int] = []
    for support in sorted(duplicate, key=lambda s: s.id):
        (drop if support.participant_id in already else move).append(support.id)
        already.add(support.participant_id)
    return MergePlan(tuple(move), tuple(drop))


def merge_problem(
    *,
    duplicate_id: int,
    survivor_id: int,
    same_city: bool,
    duplicate_status: str,
    survivor_status: str,
) -> str | None:
    """Why a merge cannot happen (a code), or None.

    Codes: "self", "other_city", "duplicate_closed" (already merged or withdrawn),
    "survivor_closed"."""
    if duplicate_id == survivor_id:
        return "self"
    if not same_city:
        return "other_city"
    if duplicate_status in CLOSED_STATUSES:
        return "duplicate_closed"
    if survivor_status in CLOSED_STATUSES:
        return "survivor_closed"
    return None


def supporters_by_group(groups: Iterable[str], all_groups: Iterable[str]) -> dict[str, int]:
    """Supporters per stakeholder group, every group present (zeros included), in the order
    of all_groups."""
    counts = Counter(groups)
    return {g: counts.get(g, 0) for g in all_groups}


def can_edit_comment(created_at: datetime, now: datetime) -> bool:
    """An author may edit a comment for 15 minutes after posting it (inclusive)."""
    return now - created_at <= EDIT_WINDOW


def changes(before: dict[str, object], after: dict[str, object]) -> dict[str, list[object]]:
    """{field: [old, new]} for the fields whose value differs, in the order of `after`.

    >>> changes({"title": "a", "place": None}, {"title": "b", "place": None})
    {'title': ['a', 'b']}
    """
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


# A short list to hold comments for a person to look at, not to judge them: a false alarm only
# delays a comment. Thai words are matched anywhere (Thai has no spaces); the list avoids
# words that hide inside ordinary ones. English words must stand alone.
ABUSIVE_THAI = ("เหี้ย", "สัส", "ไอ้สัตว์", "อีสัตว์", "อีดอก", "เย็ด", "ชิบหาย", "ไอ้ควาย", "อีควาย", "มึง")
ABUSIVE_ENGLISH = ("fuck", "fucking", "shit", "bitch", "asshole", "bastard", "cunt", "dickhead")
_ENGLISH = re.compile(r"\b(?:" + "|".join(ABUSIVE_ENGLISH) + r")\b", re.IGNORECASE)


def needs_review(text: str) -> bool:
    """Whether a comment contains a word of the abusive-word screen.

    >>> needs_review("ถนนพังมาก"), needs_review("ไอ้ควายทำถนน"), needs_review("Shit road")
    (False, True, True)
    """
    return any(word in text for word in ABUSIVE_THAI) or _ENGLISH.search(text) is not None


def random_seed(visitor: str, day: date) -> int:
    """A seed for the board's random order: the same for one visitor all day, another the next
    day and for another visitor, so that no proposal is always last."""
    digest = hashlib.sha256(f"{visitor}|{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % RANDOM_MODULUS


def random_order_key(proposal_id: int, seed: int) -> int:
    """The sort key of the random order; the SQL query computes the same expression."""
    return (proposal_id * RANDOM_MULTIPLIER + seed) % RANDOM_MODULUS


# Thailand's bounding box in degrees (WGS 84), a little wider than its land borders. The
# database checks the same numbers (models.proposal).
THAILAND = (5.6, 20.5, 97.3, 105.7)  # south, north, west, east
POINT_DECIMALS = 6  # about 10 cm: more than any phone's GPS can tell
_DEGREES = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,15})?")


class MapPointError(CodedError):
    messages: ClassVar[Mapping[str, str]] = {
        "pair": "Give both latitude and longitude, or neither.",
        "number": "Latitude and longitude are decimal degrees, such as 16.441900 and 102.836000.",
        "outside": "The map point must be in Thailand.",
    }


def map_point(latitude: str, longitude: str) -> tuple[float, float] | None:
    """A proposal's map point from the two typed fields: None when both are empty, else the
    (latitude, longitude) in decimal degrees rounded to 6 decimals. Thai digits are read as
    digits. Raises MapPointError: "pair" (one field empty), "number" (not decimal degrees),
    "outside" (not within THAILAND, bounds included).

    >>> map_point(" 16.4419 ", "๑๐๒.๘๓๖"), map_point("", "")
    ((16.4419, 102.836), None)
    """
    lat_text, lon_text = (arabic_digits(v.strip()) for v in (latitude, longitude))
    if not lat_text and not lon_text:
        return None
    if not lat_text or not lon_text:
        raise MapPointError("pair")
    if not (_DEGREES.fullmatch(lat_text) and _DEGREES.fullmatch(lon_text)):
        raise MapPointError("number")
    lat, lon = round(float(lat_text), POINT_DECIMALS), round(float(lon_text), POINT_DECIMALS)
    south, north, west, east = THAILAND
    if not (south <= lat <= north and west <= lon <= east):
        raise MapPointError("outside")
    return lat, lon
