from datetime import date

import pytest

from app.domain.monitoring import (
    Direction,
    IndicatorSpec,
    ItemSnapshot,
    ItemStatus,
    MonitoringValueError,
    Period,
    Report,
    budget_totals,
    check_in_period,
    fiscal_year_of,
    indicator_progress,
    indicator_state,
    latest_published,
    overall_progress,
    overdue_periods,
    parse_date,
    parse_money,
    parse_number,
    parse_percent,
    parse_period,
    parse_status,
    participation_share,
    periods_between,
    report_due,
    status_counts,
    target_reached,
    time_share,
)


def code_of(call: object, *args: object) -> str:
    with pytest.raises(MonitoringValueError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.code


# --- periods ---------------------------------------------------------------------------


def test_fiscal_year_2569_runs_from_1_october_2025_to_30_september_2026() -> None:
    year = Period(2569)
    assert (year.start, year.end) == (date(2025, 10, 1), date(2026, 9, 30))
    assert fiscal_year_of(date(2025, 9, 30)) == 2568
    assert fiscal_year_of(date(2025, 10, 1)) == 2569
    assert fiscal_year_of(date(2026, 9, 30)) == 2569


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (1, date(2025, 10, 1), date(2025, 12, 31)),
        (2, date(2026, 1, 1), date(2026, 3, 31)),
        (3, date(2026, 4, 1), date(2026, 6, 30)),
        (4, date(2026, 7, 1), date(2026, 9, 30)),
    ],
)
def test_fiscal_quarters(quarter: int, start: date, end: date) -> None:
    period = Period(2569, quarter)
    assert (period.start, period.end) == (start, end)
    assert Period.containing(start) == period
    assert Period.containing(end) == period


def test_the_quarter_containing_the_year_boundary() -> None:
    assert Period.containing(date(2025, 9, 30)) == Period(2568, 4)
    assert Period.containing(date(2025, 10, 1)) == Period(2569, 1)
    assert Period.year_containing(date(2025, 10, 1)) == Period(2569)


def test_labels_and_keys() -> None:
    q1, year = Period(2569, 1), Period(2569)
    assert (q1.label_th, q1.label_en, q1.key) == ("ไตรมาส 1/2569", "Q1 FY2569", "2569-Q1")
    assert (year.label_th, year.label_en, year.key) == ("ปีงบประมาณ 2569", "FY2569", "2569")
    assert q1.label("th") == q1.label_th
    assert q1.label("en") == q1.label_en


def test_keys_round_trip_and_bad_keys_are_refused() -> None:
    for period in (Period(2569, 1), Period(2569, 4), Period(2570)):
        assert Period.parse(period.key) == period
    for key in ("2569-Q5", "2569Q1", "Q1/2569", "", "2026-Q1x", "1000"):
        assert code_of(Period.parse, key) == "bad_period"


def test_next_and_previous_cross_fiscal_years() -> None:
    assert Period(2569, 4).next() == Period(2570, 1)
    assert Period(2570, 1).previous() == Period(2569, 4)
    assert Period(2569, 2).next() == Period(2569, 3)
    assert Period(2569).next() == Period(2570)
    assert Period(2569).previous() == Period(2568)


def test_a_period_must_be_a_buddhist_era_year_and_a_quarter_1_to_4() -> None:
    with pytest.raises(MonitoringValueError):
        Period(2026, 1)  # a Common Era year by mistake
    with pytest.raises(MonitoringValueError):
        Period(2569, 0)


def test_periods_order_by_their_end_and_a_year_just_before_its_fourth_quarter() -> None:
    periods = [Period(2570, 1), Period(2569, 4), Period(2569), Period(2569, 1)]
    assert sorted(periods) == [Period(2569, 1), Period(2569), Period(2569, 4), Period(2570, 1)]


def test_periods_between_counts_quarters_inclusively() -> None:
    quarters = periods_between(Period(2568, 4), Period(2569, 2))
    assert [p.key for p in quarters] == ["2568-Q4", "2569-Q1", "2569-Q2"]
    assert len(periods_between(Period(2566), Period(2570))) == 20
    assert periods_between(Period(2569, 2), Period(2569, 1)) == []


def test_a_report_is_due_thirty_days_after_the_period() -> None:
    assert report_due(Period(2569, 1)) == date(2026, 1, 30)
    assert report_due(Period(2569, 1), grace_days=0) == date(2025, 12, 31)
    assert report_due(Period(2569)) == date(2026, 10, 30)


def test_overdue_quarters_are_those_past_due_without_a_report() -> None:
    first = Period(2569, 1)
    # Q1 is due 30 Jan 2026: on that day it is not yet overdue, the day after it is.
    assert overdue_periods(set(), first, date(2026, 1, 30)) == []
    assert overdue_periods(set(), first, date(2026, 1, 31)) == [Period(2569, 1)]
    today = date(2026, 11, 1)  # Q4 2569 was due 30 Oct 2026
    missing = overdue_periods({"2569-Q2"}, first, today)
    assert [p.key for p in missing] == ["2569-Q1", "2569-Q3", "2569-Q4"]
    assert overdue_periods({"2569-Q1"}, first, today, last=Period(2569, 2)) == [Period(2569, 2)]
    assert overdue_periods(set(), first, today, grace_days=400) == []


def test_yearly_reporting_checks_years() -> None:
    assert overdue_periods(set(), Period(2568), date(2026, 11, 1)) == [Period(2568), Period(2569)]
    assert overdue_periods({"2568"}, Period(2568), date(2026, 10, 30)) == []


# --- indicators ------------------------------------------------------------------------

RECYCLING = IndicatorSpec(Direction.higher_is_better, baseline=20.0, target=40.0)
PM25_DAYS = IndicatorSpec(Direction.lower_is_better, baseline=60.0, target=30.0)


def test_direction_values_and_str_methods() -> None:
    assert Direction("lower") is Direction.lower_is_better
    assert Direction("higher") is Direction.higher_is_better
    assert Direction.lower_is_better.upper() == "LOWER"
    assert Direction.higher_is_better.lower() == "higher"  # str.lower is not hidden


@pytest.mark.parametrize(
    ("spec", "value", "progress"),
    [
        (RECYCLING, 30.0, 0.5),
        (RECYCLING, 20.0, 0.0),
        (RECYCLING, 50.0, 1.5),  # beyond the target: not clipped
        (RECYCLING, 10.0, -0.5),  # worse than the baseline
        (PM25_DAYS, 45.0, 0.5),
        (PM25_DAYS, 30.0, 1.0),
        (PM25_DAYS, 66.0, -0.2),
    ],
)
def test_progress_from_baseline_to_target_in_both_directions(
    spec: IndicatorSpec, value: float, progress: float
) -> None:
    assert indicator_progress(spec, value) == pytest.approx(progress)


def test_progress_cannot_be_computed_without_baseline_target_or_way_to_go() -> None:
    assert indicator_progress(RECYCLING, None) is None
    assert indicator_progress(IndicatorSpec(Direction.higher_is_better, None, 40.0), 30.0) is None
    assert indicator_progress(IndicatorSpec(Direction.higher_is_better, 20.0, None), 30.0) is None
    assert indicator_progress(IndicatorSpec(Direction.higher_is_better, 5.0, 5.0), 5.0) is None
    assert indicator_progress(RECYCLING, float("nan")) is None


def test_target_reached_follows_the_direction() -> None:
    assert target_reached(RECYCLING, 40.0) is True
    assert target_reached(RECYCLING, 39.9) is False
    assert target_reached(PM25_DAYS, 29.0) is True
    assert target_reached(PM25_DAYS, 31.0) is False
    assert target_reached(PM25_DAYS, None) is None
    assert target_reached(IndicatorSpec(Direction.lower_is_better, 60.0, None), 1.0) is None


def test_indicator_states() -> None:
    assert indicator_state(RECYCLING, None) == "no_data"
    assert indicator_state(IndicatorSpec(Direction.higher_is_better, 1.0, None), 5.0) == "no_data"
    assert indicator_state(PM25_DAYS, 28.0, expected_share=0.2) == "reached"
    assert indicator_state(PM25_DAYS, 45.0, expected_share=0.55) == "on_track"  # 0.5 >= 0.45
    assert indicator_state(PM25_DAYS, 45.0, expected_share=0.7) == "behind"
    assert indicator_state(PM25_DAYS, 45.0) == "on_track"  # no dates: nothing shows behind
    assert indicator_state(PM25_DAYS, 31.0, expected_share=1.0) == "behind"  # deadline passed
    no_baseline = IndicatorSpec(Direction.higher_is_better, None, 40.0)
    assert indicator_state(no_baseline, 30.0, expected_share=0.9) == "on_track"
    assert indicator_state(no_baseline, 30.0, expected_share=1.0) == "behind"


def test_time_share() -> None:
    start, end = date(2025, 10, 1), date(2026, 10, 1)
    assert time_share(start, end, date(2025, 9, 1)) == 0.0
    assert time_share(start, end, date(2026, 4, 1)) == pytest.approx(182 / 365)
    assert time_share(start, end, date(2027, 1, 1)) == 1.0
    # A target date before the baseline date: all the time has passed once it is reached.
    assert time_share(end, start, date(2025, 9, 1)) == 0.0
    assert time_share(end, start, date(2026, 1, 1)) == 1.0
    assert time_share(end, end, end) == 1.0


# --- plan items ------------------------------------------------------------------------


def snap(
    status: ItemStatus,
    percent: float | None = None,
    planned: int | None = None,
    spent: int | None = None,
    participation: bool = False,
    item_id: int = 1,
) -> ItemSnapshot:
    return ItemSnapshot(item_id, status, percent, planned, spent, participation)


def test_status_counts_list_every_status_in_order_with_zeros() -> None:
    counts = status_counts([snap(ItemStatus.delayed), snap(ItemStatus.delayed)])
    assert list(counts) == list(ItemStatus)
    assert counts[ItemStatus.delayed] == 2
    assert sum(counts.values()) == 2
    assert status_counts([]) == dict.fromkeys(ItemStatus, 0)


def test_budget_totals_count_unknown_amounts_as_zero() -> None:
    items = [
        snap(ItemStatus.on_track, planned=1_000_000, spent=250_000),
        snap(ItemStatus.not_started, planned=500_000, spent=None),
        snap(ItemStatus.done, planned=None, spent=10),
    ]
    assert budget_totals(items) == (1_500_000, 250_010)
    assert budget_totals([]) == (0, 0)


def test_participation_share() -> None:
    items = [snap(ItemStatus.done, participation=True), *[snap(ItemStatus.on_track)] * 3]
    assert participation_share(items) == 0.25
    assert participation_share([]) is None


def test_overall_progress_leaves_out_cancelled_items_and_unknown_percentages() -> None:
    items = [
        snap(ItemStatus.done, percent=80),  # done counts 100
        snap(ItemStatus.not_started, percent=30),  # not started counts 0
        snap(ItemStatus.on_track, percent=50),
        snap(ItemStatus.delayed, percent=None),  # unknown: left out, not guessed
        snap(ItemStatus.cancelled, percent=10),
        snap(ItemStatus.on_track, percent=140),  # clipped to 100
    ]
    assert overall_progress(items) == pytest.approx((100 + 0 + 50 + 100) / 4)
    assert overall_progress([snap(ItemStatus.cancelled)]) is None
    assert overall_progress([]) is None


def test_latest_published_report_per_item() -> None:
    def report(item: int, period: Period, published: bool = True, percent: float = 0) -> Report:
        return Report(item, period, ItemStatus.on_track, percent, None, published)

    reports = [
        report(1, Period(2569, 1)),
        report(1, Period(2569, 3), published=False),
        report(1, Period(2569, 2)),
        report(2, Period(2569)),
        report(2, Period(2569, 4)),
        report(3, Period(2569, 1), published=False),
        report(4, Period(2569, 1), percent=10),
        report(4, Period(2569, 1), percent=20),  # resubmitted: the later one wins
    ]
    latest = latest_published(reports)
    assert set(latest) == {1, 2, 4}
    assert latest[1].period == Period(2569, 2)
    assert latest[2].period == Period(2569, 4)
    assert latest[4].percent == 20
    assert latest_published([]) == {}


# --- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12.0),
        ("1,234.5", 1234.5),
        (" ๑,๒๓๔.๕ ", 1234.5),
        ("-3", -3.0),
        ("\u22123", -3.0),  # unicode minus
        (".5", 0.5),
        ("1 234 567", 1234567.0),
        ("１２", 12.0),  # full-width digits
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["", "abc", "1,23", "12,5", "1.234,5", "1e5", "nan", "inf", "-", "1.2.3", "12 3", "5 2"]
)
def test_parse_number_refuses(text: str) -> None:
    assert code_of(parse_number, text) == "not_a_number"


def test_parse_number_refuses_absurdly_large_numbers() -> None:
    assert parse_number("1" + "0" * 15) == 1e15
    assert code_of(parse_number, "1" + "0" * 16) == "too_large"
    assert code_of(parse_number, "9" * 400) == "too_large"


def test_a_unit_after_a_number_must_be_the_indicators_unit() -> None:
    assert parse_number("12 กม.", "กม.") == 12.0
    assert parse_number("12กม", "กม.") == 12.0
    assert parse_number("3.5 m2", "M2") == 3.5
    assert parse_number("3.5 m²", "m2") == 3.5
    assert parse_number("35 µg/m³", "µg/m3") == 35.0
    assert code_of(parse_number, "12 กม.") == "not_a_number"
    with pytest.raises(MonitoringValueError) as caught:
        parse_number("1,200 ม.", "กม.")
    assert caught.value.code == "wrong_unit"
    assert caught.value.params == {"value": "1,200 ม.", "unit": "กม.", "found": "ม."}
    assert "กม." in str(caught.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("45", 45.0), ("45%", 45.0), ("45 %", 45.0), ("๔๕%", 45.0), ("ร้อยละ 45", 45.0), ("0", 0.0)],
)
def test_parse_percent(text: str, value: float) -> None:
    assert parse_percent(text) == value


def test_parse_percent_refuses() -> None:
    assert code_of(parse_percent, "101") == "percent_range"
    assert code_of(parse_percent, "-1%") == "percent_range"
    assert code_of(parse_percent, "45 บาท") == "wrong_unit"
    assert code_of(parse_percent, "ครึ่ง") == "not_a_number"


@pytest.mark.parametrize(
    ("text", "baht"),
    [
        ("1,234,567", 1234567),
        ("฿1,500", 1500),
        ("1,500 บาท", 1500),
        ("1,500.- บาท", 1500),
        ("THB 2000", 2000),
        ("1500.50", 1501),  # half a baht rounds up
        ("1500.49", 1500),
        ("1500.500", 1501),
        ("๒๕๐,๐๐๐", 250000),
        ("0", 0),
        ("1.5 ล้านบาท", 1_500_000),
        ("2 ล้าน", 2_000_000),
        ("1.2345675 ล้านบาท", 1_234_568),
    ],
)
def test_parse_money(text: str, baht: int) -> None:
    assert parse_money(text) == baht


def test_parse_money_refuses() -> None:
    assert code_of(parse_money, "-5") == "negative"
    assert code_of(parse_money, "1.005") == "too_many_decimals"
    assert code_of(parse_money, "12 กม.") == "not_a_number"
    assert code_of(parse_money, "ห้าพัน") == "not_a_number"
    assert code_of(parse_money, "99,999,999,999,999") == "too_large"
    assert code_of(parse_money, "9" * 60) == "too_large"
    assert code_of(parse_money, "1.000000001 ล้าน") == "too_many_decimals"
    assert code_of(parse_money, "ล้าน") == "not_a_number"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("not_started", ItemStatus.not_started),
        ("Not started", ItemStatus.not_started),
        ("ยังไม่เริ่ม", ItemStatus.not_started),
        ("ยังไม่ได้ดำเนินการ", ItemStatus.not_started),
        (" ON TRACK ", ItemStatus.on_track),
        ("on-track", ItemStatus.on_track),
        ("ตามแผน", ItemStatus.on_track),
        ("ล่าช้า", ItemStatus.delayed),
        ("Delayed", ItemStatus.delayed),
        ("เสร็จสิ้น", ItemStatus.done),
        ("ดำเนินการแล้วเสร็จ", ItemStatus.done),
        ("done", ItemStatus.done),
        ("ยกเลิก", ItemStatus.cancelled),
        ("Canceled", ItemStatus.cancelled),
    ],
)
def test_parse_status(text: str, status: ItemStatus) -> None:
    assert parse_status(text) is status


def test_parse_status_refuses() -> None:
    assert code_of(parse_status, "กำลังทำ") == "bad_status"
    assert code_of(parse_status, "") == "bad_status"


@pytest.mark.parametrize(
    "text",
    [
        "2569-Q1",
        "2569 q1",
        "FY2569-Q1",
        "Q1/2569",
        "q1 FY2569",
        "ไตรมาส 1/2569",
        "ไตรมาส ๑/๒๕๖๙",
        "ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2569",
        "2026-Q1",  # Common Era: the fiscal year ending in 2026
        "Q1/2026",
    ],
)
def test_parse_period_quarters(text: str) -> None:
    assert parse_period(text) == Period(2569, 1)


@pytest.mark.parametrize("text", ["FY2569", "2569", "ปีงบประมาณ 2569", "ปีงบ ๒๕๖๙", "fy 2026"])
def test_parse_period_years(text: str) -> None:
    assert parse_period(text) == Period(2569)


@pytest.mark.parametrize("text", ["", "Q5/2569", "2569-Q0", "ไตรมาส 1", "69", "1800", "9999"])
def test_parse_period_refuses(text: str) -> None:
    assert code_of(parse_period, text) == "bad_period"


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-31",
        "2569-01-31",  # ISO order with a Buddhist Era year
        "31/01/2569",
        "31/1/2026",
        "31-01-2569",
        "31.01.2569",
        "๓๑/๐๑/๒๕๖๙",
        "31 ม.ค. 2569",
        "31 มกราคม พ.ศ. 2569",
        "31 Jan 2026",
        "31 January 2026",
    ],
)
def test_parse_date(text: str) -> None:
    assert parse_date(text) == date(2026, 1, 31)


@pytest.mark.parametrize(
    "text", ["", "31/02/2569", "1/2/69", "2026-13-01", "01/31/2026", "31 foo 2569", "1850-01-01"]
)
def test_parse_date_refuses(text: str) -> None:
    assert code_of(parse_date, text) == "bad_date"


def test_a_date_outside_its_period() -> None:
    assert check_in_period(date(2025, 12, 31), Period(2569, 1)) == date(2025, 12, 31)
    with pytest.raises(MonitoringValueError) as caught:
        check_in_period(date(2026, 1, 1), Period(2569, 1))
    assert caught.value.code == "date_outside_period"
    assert caught.value.params == {
        "value": "2026-01-01",
        "period": "2569-Q1",
        "start": "2025-10-01",
        "end": "2025-12-31",
    }


def test_error_messages_name_the_value() -> None:
    with pytest.raises(MonitoringValueError, match="'abc' is not a number"):
        parse_number("abc")
