"""Plan monitoring: Thai fiscal periods, due and overdue reports, indicator progress, totals.

Pure functions over plain values, shared by the report forms, the spreadsheet import
(app.domain.sheet_import) and the dashboards. Thai fiscal years run 1 October to
30 September and are named by the Buddhist Era year in which they end (FY 2569 = 1 Oct 2025
to 30 Sep 2026); quarters are fiscal quarters (Q1 = October to December).

Parsers raise MonitoringValueError with a stable code and parameters, so the caller can
show a translated message; str(error) is a plain English message for logs and tests.
"""

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import total_ordering
from typing import ClassVar

from app.domain.errors import CodedError
from app.domain.text import arabic_digits

BE_OFFSET = 543  # Buddhist Era year = Common Era year + 543
# A four-digit year from this on is Buddhist Era; below it, Common Era (2400 BE = 1857 CE).
BE_FROM = 2400
MIN_FISCAL_YEAR = 2443  # FY 1900 CE: older years are typing mistakes
MAX_FISCAL_YEAR = 2999
MAX_MONEY = 10**13  # baht; ten trillion is beyond any municipal budget, and fits a BIGINT
MAX_NUMBER = 10**15  # beyond any indicator; larger text is a typing or column mistake
BEHIND_TOLERANCE = 0.1  # an indicator is behind when this far below the expected share


class ItemStatus(StrEnum):
    not_started = "not_started"
    on_track = "on_track"
    delayed = "delayed"
    done = "done"
    cancelled = "cancelled"


class Direction(StrEnum):
    """Which way is better. Stored as "higher" / "lower"; the members are not named
    `higher` / `lower` because a str member named `lower` hides str.lower(), which breaks
    Jinja's |lower and any .lower() call on a Direction."""

    higher_is_better = "higher"  # recycled waste, green area per person
    lower_is_better = "lower"  # flood-prone households, PM2.5 days


class MonitoringValueError(CodedError):
    """A value that cannot be used, with a stable code and parameters for a translated message.

    Codes (params): not_a_number (value), wrong_unit (value, unit, found), negative (value),
    percent_range (value), too_many_decimals (value), too_large (value, max),
    bad_status (value), bad_period (value), bad_date (value),
    date_outside_period (value, period, start, end) with ISO dates.
    """

    messages: ClassVar[Mapping[str, str]] = {
        "not_a_number": "{value!r} is not a number",
        "wrong_unit": "{value!r} is in {found!r}; enter a number in {unit!r}",
        "negative": "{value!r} is below zero",
        "percent_range": "{value!r} is not a percentage from 0 to 100",
        "too_many_decimals": "{value!r} has more than 2 decimal places",
        "too_large": "{value!r} is more than {max}",
        "bad_status": "{value!r} is not a status (not started, on track, delayed, done, cancelled)",
        "bad_period": "{value!r} is not a reporting period such as 2569-Q1 or FY2569",
        "bad_date": "{value!r} is not a date such as 2026-01-31 or 31/01/2569",
        "date_outside_period": "{value} is outside {period} ({start} to {end})",
    }


def thai_digits_to_ascii(text: str) -> str:
    """Thai digits (U+0E50 to U+0E59) as ASCII ones: Thai documents and sheets often write numbers with Thai digits."""
    return arabic_digits(text)


# --- periods ---------------------------------------------------------------------------


def fiscal_year_of(d: date) -> int:
    """The fiscal year (BE) a day falls in: 1 October starts the next one."""
    return d.year + BE_OFFSET + (1 if d.month >= 10 else 0)


@total_ordering
@dataclass(frozen=True)
class Period:
    """A reporting period: a fiscal quarter, or a whole fiscal year when quarter is None.

    Periods order by the day they end, then the day they start: quarters chronologically,
    and a whole year just before its fourth quarter (the more specific report is later).
    """

    fiscal_year: int  # Buddhist Era, the year in which the fiscal year ends
    quarter: int | None = None  # 1 = Oct-Dec, 2 = Jan-Mar, 3 = Apr-Jun, 4 = Jul-Sep

    def __post_init__(self) -> None:
        if not (
            isinstance(self.fiscal_year, int)
            and MIN_FISCAL_YEAR <= self.fiscal_year <= MAX_FISCAL_YEAR
            and (self.quarter is None or self.quarter in (1, 2, 3, 4))
        ):
            value = f"{self.fiscal_year}" + ("" if self.quarter is None else f"-Q{self.quarter}")
            raise MonitoringValueError("bad_period", {"value": value})

    @property
    def start(self) -> date:
        ce = self.fiscal_year - BE_OFFSET  # the CE year in which the fiscal year ends
        if self.quarter in (None, 1):
            return date(ce - 1, 10, 1)
        return date(ce, 3 * (self.quarter or 1) - 5, 1)

    @property
    def end(self) -> date:
        ce = self.fiscal_year - BE_OFFSET
        if self.quarter in (None, 4):
            return date(ce, 9, 30)
        if self.quarter == 1:
            return date(ce - 1, 12, 31)
        return date(ce, 3 * (self.quarter or 1) - 2, 1) - timedelta(days=1)

    @property
    def key(self) -> str:
        """Stable text for storage and URLs: "2569-Q1" or "2569"."""
        return (
            str(self.fiscal_year) if self.quarter is None else f"{self.fiscal_year}-Q{self.quarter}"
        )

    @property
    def label_th(self) -> str:
        if self.quarter is None:
            return f"ปีงบประมาณ {self.fiscal_year}"
        return f"ไตรมาส {self.quarter}/{self.fiscal_year}"

    @property
    def label_en(self) -> str:
        if self.quarter is None:
            return f"FY{self.fiscal_year}"
        return f"Q{self.quarter} FY{self.fiscal_year}"

    def label(self, locale: str) -> str:
        return self.label_th if locale == "th" else self.label_en

    @property
    def is_year(self) -> bool:
        return self.quarter is None

    def quarters(self) -> list["Period"]:
        """The four quarters of a year, or the quarter itself."""
        if self.quarter is None:
            return [Period(self.fiscal_year, q) for q in (1, 2, 3, 4)]
        return [self]

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def next(self) -> "Period":
        if self.quarter is None:
            return Period(self.fiscal_year + 1)
        if self.quarter == 4:
            return Period(self.fiscal_year + 1, 1)
        return Period(self.fiscal_year, self.quarter + 1)

    def previous(self) -> "Period":
        if self.quarter is None:
            return Period(self.fiscal_year - 1)
        if self.quarter == 1:
            return Period(self.fiscal_year - 1, 4)
        return Period(self.fiscal_year, self.quarter - 1)

    @classmethod
    def containing(cls, d: date) -> "Period":
        """The fiscal quarter a day falls in."""
        quarter = (d.month - 10) % 12 // 3 + 1
        return cls(fiscal_year_of(d), quarter)

    @classmethod
    def year_containing(cls, d: date) -> "Period":
        return cls(fiscal_year_of(d))

    @classmethod
    def parse(cls, key: str) -> "Period":
        """The period of a key as written by .key ("2569-Q1" or "2569"); strict, for stored
        values and URLs. Use parse_period for what people type."""
        match = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", key)
        if not match:
            raise MonitoringValueError("bad_period", {"value": key})
        return cls(int(match[1]), int(match[2]) if match[2] else None)

    def _order(self) -> tuple[date, date]:
        return (self.end, self.start)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._order() < other._order()


def periods_between(start: Period, end: Period) -> list[Period]:
    """Every quarter from start to end, both included; a year stands for its quarters
    (start from its Q1, end with its Q4). Empty when end is before start."""
    first, last = start.quarters()[0], end.quarters()[-1]
    periods: list[Period] = []
    current = first
    while current.start <= last.start:
        periods.append(current)
        current = current.next()
    return periods


def report_due(period: Period, grace_days: int = 30) -> date:
    """The last day to report on a period: grace_days after it ends (Q1 ends 31 Dec, so with
    30 days its report is due 30 Jan and overdue from 31 Jan)."""
    return period.end + timedelta(days=grace_days)


def overdue_periods(
    reported: set[str],
    first: Period,
    today: date,
    grace_days: int = 30,
    *,
    last: Period | None = None,
) -> list[Period]:
    """Periods from `first` (to `last`, if given) whose report is past due and missing.

    The cadence follows `first`: a quarter checks quarters, a whole year checks years
    (for items reported once a year). `reported` holds period keys (Period.key); a year's
    report does not stand in for missing quarter reports.
    """
    missing: list[Period] = []
    current = first
    while report_due(current, grace_days) < today and (last is None or current <= last):
        if current.key not in reported:
            missing.append(current)
        current = current.next()
    return missing


# --- indicators ------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    direction: Direction
    baseline: float | None
    target: float | None


def indicator_progress(spec: IndicatorSpec, value: float | None) -> float | None:
    """How far a value has come from baseline to target: 0 at baseline, 1 at target.

    Not clipped, so a chart or table can say so: above 1 when the target is exceeded,
    below 0 when things got worse than the baseline. Works the same for both directions
    (PM2.5 days 60 -> target 30, value 45 gives 0.5). None without a value, baseline or
    target, or when baseline equals target (there is no way to go).
    """
    if value is None or spec.baseline is None or spec.target is None:
        return None
    if not all(math.isfinite(x) for x in (value, spec.baseline, spec.target)):
        return None
    if spec.target == spec.baseline:
        return None
    return (value - spec.baseline) / (spec.target - spec.baseline)


def target_reached(spec: IndicatorSpec, value: float | None) -> bool | None:
    """Whether the value is at or beyond the target in the indicator's good direction;
    None without a value or target."""
    if value is None or spec.target is None:
        return None
    if spec.direction is Direction.lower_is_better:
        return value <= spec.target
    return value >= spec.target


INDICATOR_STATES = ("reached", "on_track", "behind", "no_data")


def indicator_state(
    spec: IndicatorSpec,
    value: float | None,
    *,
    expected_share: float | None = None,
    tolerance: float = BEHIND_TOLERANCE,
) -> str:
    """One of INDICATOR_STATES, for a badge next to the latest value.

    "no_data" without a value or a target. "reached" at or beyond the target. "behind" when
    progress is more than `tolerance` below expected_share (the share of the time from
    baseline date to target date that has passed, see time_share), or when the target
    date has passed (expected_share >= 1) unreached. Otherwise "on_track": nothing shows
    it is behind, which includes indicators without a baseline or without dates.
    """
    if value is None or spec.target is None:
        return "no_data"
    if target_reached(spec, value):
        return "reached"
    if expected_share is not None:
        if expected_share >= 1:
            return "behind"
        progress = indicator_progress(spec, value)
        if progress is not None and progress < expected_share - tolerance:
            return "behind"
    return "on_track"


def time_share(start: date, end: date, today: date) -> float:
    """The share of the time from start to end that has passed by today, from 0 to 1."""
    if end <= start:
        return 1.0 if today >= end else 0.0
    share = (today - start).days / (end - start).days
    return min(1.0, max(0.0, share))


# --- plan items ------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSnapshot:
    """A plan item as the dashboard sees it: its latest status and money."""

    item_id: int
    status: ItemStatus
    percent: float | None
    budget_planned: int | None
    budget_spent: int | None
    from_participation: bool  # traces back to a workshop proposal


def status_counts(items: Iterable[ItemSnapshot]) -> dict[ItemStatus, int]:
    """Items per status, every status present (zeros too) in ItemStatus order, so charts
    and tables keep the same rows from city to city."""
    counts = dict.fromkeys(ItemStatus, 0)
    for item in items:
        counts[item.status] += 1
    return counts


def budget_totals(items: Iterable[ItemSnapshot]) -> tuple[int, int]:
    """(planned, spent) in baht; an unknown amount counts as 0."""
    planned = spent = 0
    for item in items:
        planned += item.budget_planned or 0
        spent += item.budget_spent or 0
    return planned, spent


def participation_share(items: Iterable[ItemSnapshot]) -> float | None:
    """The share (0-1) of plan items that trace back to workshop proposals; None without
    items. Cancelled items count: the plan adopted them."""
    flags = [item.from_participation for item in items]
    if not flags:
        return None
    return sum(flags) / len(flags)


def overall_progress(items: Iterable[ItemSnapshot]) -> float | None:
    """Mean percent complete (0-100) of the items that are not cancelled.

    Done counts 100 and not started 0 whatever was reported; other items count with their
    reported percent (clipped to 0-100), and are left out if they have none, rather than
    guessed. None when no item counts.
    """
    values: list[float] = []
    for item in items:
        if item.status is ItemStatus.cancelled:
            continue
        if item.status is ItemStatus.done:
            values.append(100.0)
        elif item.status is ItemStatus.not_started:
            values.append(0.0)
        elif item.percent is not None and math.isfinite(item.percent):
            values.append(min(100.0, max(0.0, item.percent)))
    if not values:
        return None
    return sum(values) / len(values)


@dataclass(frozen=True)
class Report:
    item_id: int
    period: Period
    status: ItemStatus
    percent: float | None
    budget_spent: int | None
    published: bool


def latest_published(reports: Iterable[Report]) -> dict[int, Report]:
    """Each item's published report for its latest period (see Period ordering). Of two
    published reports for the same period, the later one in `reports` wins, so pass them
    in the order they were submitted."""
    latest: dict[int, Report] = {}
    for report in reports:
        if not report.published:
            continue
        current = latest.get(report.item_id)
        if current is None or not report.period < current.period:
            latest[report.item_id] = report
    return latest


# --- parsing what people type ----------------------------------------------------------

_NUMBER = re.compile(
    r"""(?P<sign>[+-]?)\s*
        (?P<int>\d{1,3}(?:[,\s]\d{3})+|\d+)?
        (?:\.(?P<frac>\d+))?
        \s*(?P<rest>.*)""",
    re.VERBOSE | re.DOTALL,
)


def _nfkc(text: str) -> str:
    """Full-width digits and signs, non-breaking spaces as plain ones; NFKC splits Thai
    sara am (U+0E33) in two, which is put back so Thai words still match."""
    return unicodedata.normalize("NFKC", text).replace("\u0e4d\u0e32", "\u0e33")


def _clean(text: str) -> str:
    """Thai digits as ASCII, unicode minus as "-", zero-width spaces gone, trimmed."""
    text = _nfkc(thai_digits_to_ascii(text))
    return text.replace("\u2212", "-").replace("\u200b", "").strip()


def _unit_key(unit: str) -> str:
    """Units compared without spaces, dots and case, "m²" as "m2"."""
    return re.sub(r"[\s.]", "", _nfkc(unit)).casefold()


def _parse_decimal(text: str, unit: str | None = None, *, original: str | None = None) -> Decimal:
    """The number in text, exactly; a unit after it only if it is the expected one.
    Errors quote `original` (what the person typed) if given, else text."""
    shown = text if original is None else original
    match = _NUMBER.fullmatch(_clean(text))
    if not match or (match["int"] is None and match["frac"] is None):
        raise MonitoringValueError("not_a_number", {"value": shown})
    rest = match["rest"].strip()
    if rest:
        if unit is None or rest[0] in ".," or rest[0].isdigit():
            raise MonitoringValueError("not_a_number", {"value": shown})
        if _unit_key(rest) != _unit_key(unit):
            raise MonitoringValueError("wrong_unit", {"value": shown, "unit": unit, "found": rest})
    digits = re.sub(r"[,\s]", "", match["int"] or "0")
    try:
        number = Decimal(f"{match['sign'] or ''}{digits}.{match['frac'] or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise MonitoringValueError("not_a_number", {"value": shown}) from exc
    return number


def parse_number(text: str, unit: str | None = None) -> float:
    """A number as people write it: "1,234.5", " ๑๒ ", "-3", "12 กม." when unit is "กม.".

    Commas must group thousands ("1,23" is refused rather than read as 123, since it may
    be a decimal comma). A unit after the number must be the indicator's own unit (spaces,
    dots and letter case aside): "12 กม." for an indicator in metres is wrong_unit, not 12.
    """
    number = _parse_decimal(text, unit)
    if abs(number) > MAX_NUMBER:
        raise MonitoringValueError("too_large", {"value": text, "max": MAX_NUMBER})
    return float(number)


def parse_percent(text: str) -> float:
    """A percentage from 0 to 100: "45", "45%", "45 %", "ร้อยละ 45", "๔๕"."""
    cleaned = _clean(text).removeprefix("ร้อยละ")
    value = float(_parse_decimal(cleaned, "%", original=text))
    if not 0 <= value <= 100:
        raise MonitoringValueError("percent_range", {"value": text})
    return value


_MONEY_PREFIX = re.compile(r"^(?:฿|thb)\s*", re.IGNORECASE)
_MONEY_SUFFIX = re.compile(r"(?:\.-)?\s*(?:บาท|baht|thb|฿)?$", re.IGNORECASE)
_MILLIONS = re.compile(r"\s*ล้าน$")


def parse_money(text: str) -> int:
    """Whole baht from "1,234,567", "฿1,500", "1,500.- บาท", "1500.50" (satang round half
    up), "1.5 ล้านบาท" (millions, as budgets are often written); refuses negatives and
    more than two decimal places of baht (probably a wrong column)."""
    cleaned = _MONEY_SUFFIX.sub("", _MONEY_PREFIX.sub("", _clean(text)), count=1)
    millions = _MILLIONS.search(cleaned)
    if millions:
        cleaned = cleaned[: millions.start()]
    value = _parse_decimal(cleaned, original=text)
    if millions:
        value = value.scaleb(6)
    if value < 0:
        raise MonitoringValueError("negative", {"value": text})
    if value > MAX_MONEY:
        raise MonitoringValueError("too_large", {"value": text, "max": MAX_MONEY})
    if value != value.quantize(Decimal("0.01")):
        raise MonitoringValueError("too_many_decimals", {"value": text})
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


STATUS_LABELS: dict[ItemStatus, tuple[str, str]] = {
    ItemStatus.not_started: ("ยังไม่เริ่ม", "Not started"),
    ItemStatus.on_track: ("ตามแผน", "On track"),
    ItemStatus.delayed: ("ล่าช้า", "Delayed"),
    ItemStatus.done: ("เสร็จสิ้น", "Done"),
    ItemStatus.cancelled: ("ยกเลิก", "Cancelled"),
}
# Other ways planners' sheets say the same thing (compared without spaces, case-folded).
_STATUS_SYNONYMS: dict[str, ItemStatus] = {
    "ยังไม่ดำเนินการ": ItemStatus.not_started,
    "ยังไม่ได้ดำเนินการ": ItemStatus.not_started,
    "เป็นไปตามแผน": ItemStatus.on_track,
    "ล่าช้ากว่าแผน": ItemStatus.delayed,
    "เสร็จ": ItemStatus.done,
    "แล้วเสร็จ": ItemStatus.done,
    "ดำเนินการแล้วเสร็จ": ItemStatus.done,
    "completed": ItemStatus.done,
    "complete": ItemStatus.done,
    "canceled": ItemStatus.cancelled,
}


def _status_key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", _nfkc(text)).casefold()


_STATUS_LOOKUP: dict[str, ItemStatus] = {
    **{_status_key(k): v for k, v in _STATUS_SYNONYMS.items()},
    **{_status_key(s.value): s for s in ItemStatus},
    **{_status_key(label): s for s, labels in STATUS_LABELS.items() for label in labels},
}


def parse_status(text: str) -> ItemStatus:
    """A status from its value ("on_track"), Thai or English label ("ตามแผน", "On track")
    or a common synonym ("ดำเนินการแล้วเสร็จ"); spaces, "_", "-" and case do not matter."""
    status = _STATUS_LOOKUP.get(_status_key(text))
    if status is None:
        raise MonitoringValueError("bad_status", {"value": text})
    return status


def _be_year(year: int) -> int:
    """A four-digit year as Buddhist Era: from 2400 it already is, below it is Common Era."""
    return year if year >= BE_FROM else year + BE_OFFSET


_PERIOD_PATTERNS = (
    # 2569-Q1, 2569 Q1, 2569/Q1, FY2569-Q1, FY 2569 Q1
    re.compile(r"(?:fy)?(?P<year>\d{4})[-/]?q(?P<quarter>[1-4])"),
    # Q1/2569, Q1-2569, Q1 FY2569, Q1/FY2569
    re.compile(r"q(?P<quarter>[1-4])[-/]?(?:fy)?(?P<year>\d{4})"),
    # ไตรมาส 1/2569, ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2569, ไตรมาส ๑/๒๕๖๙
    re.compile(
        r"ไตรมาส(?:ที่)?(?P<quarter>[1-4])[-/]?(?:ปี(?:งบประมาณ|งบ)?)?(?:พ\.ศ\.)?(?P<year>\d{4})"
    ),
    # FY2569, ปีงบประมาณ 2569, ปีงบ 2569, 2569
    re.compile(r"(?:fy|ปีงบประมาณ|ปีงบ)?(?:พ\.ศ\.)?(?P<year>\d{4})"),
)


def parse_period(text: str) -> Period:
    """A reporting period as people write it: "2569-Q1", "Q1/2569", "ไตรมาส 1/2569",
    "ไตรมาส ๑/๒๕๖๙", "FY2569", "ปีงบประมาณ 2569", "2569". Years below 2400 are Common Era
    and name the fiscal year by the CE year in which it ends ("2026-Q1" = "2569-Q1")."""
    compact = re.sub(r"\s+", "", _clean(text)).casefold()
    for pattern in _PERIOD_PATTERNS:
        match = pattern.fullmatch(compact)
        if match:
            year = int(match["year"])
            quarter = match.groupdict().get("quarter")
            if year < 1900:
                break
            try:
                return Period(_be_year(year), int(quarter) if quarter else None)
            except MonitoringValueError:
                break
    raise MonitoringValueError("bad_period", {"value": text})


_THAI_MONTHS = (
    ("มกราคม", "ม.ค."),
    ("กุมภาพันธ์", "ก.พ."),
    ("มีนาคม", "มี.ค."),
    ("เมษายน", "เม.ย."),
    ("พฤษภาคม", "พ.ค."),
    ("มิถุนายน", "มิ.ย."),
    ("กรกฎาคม", "ก.ค."),
    ("สิงหาคม", "ส.ค."),
    ("กันยายน", "ก.ย."),
    ("ตุลาคม", "ต.ค."),
    ("พฤศจิกายน", "พ.ย."),
    ("ธันวาคม", "ธ.ค."),
)
_ENGLISH_MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
_MONTH_NUMBER = {
    name.replace(".", ""): number
    for number, names in enumerate(_THAI_MONTHS, start=1)
    for name in names
} | {name: number for number, name in enumerate(_ENGLISH_MONTHS, start=1)}


def _month(name: str) -> int | None:
    key = name.replace(".", "").casefold()
    return _MONTH_NUMBER.get(key) or _MONTH_NUMBER.get(key[:3] if key.isascii() else key)


def parse_date(text: str) -> date:
    """A day as people write it in Thailand: "2026-01-31", "31/01/2569", "31/1/2026",
    "31-01-2569", "31 ม.ค. 2569", "31 มกราคม 2569", with Thai or ASCII digits.

    Day first, never month first. Four-digit years only: from 2400 they are Buddhist Era,
    below it Common Era. Spreadsheet serial numbers are read by app.domain.sheet_import.
    """
    cleaned = _clean(text)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", cleaned)
    dmy = re.fullmatch(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})", cleaned)
    named = re.fullmatch(r"(\d{1,2})\s*([^\d\s]+?)\s*(?:พ\.ศ\.|ค\.ศ\.)?\s*(\d{4})", cleaned)
    try:
        if iso:
            year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
        elif dmy:
            day, month, year = int(dmy[1]), int(dmy[3]), int(dmy[4])
        elif named and _month(named[2]):
            day, month, year = int(named[1]), _month(named[2]) or 0, int(named[3])
        else:
            raise ValueError(text)
        if year < 1900:
            raise ValueError(text)
        return date(_be_year(year) - BE_OFFSET, month, day)
    except ValueError as exc:
        raise MonitoringValueError("bad_date", {"value": text}) from exc


def check_in_period(d: date, period: Period) -> date:
    """The day itself if it falls within the period, else date_outside_period."""
    if not period.contains(d):
        raise MonitoringValueError(
            "date_outside_period",
            {
                "value": d.isoformat(),
                "period": period.key,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
            },
        )
    return d
