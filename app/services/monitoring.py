"""Monitoring plan implementation: who may report on what, indicators, progress reports with
evidence, spreadsheet import, and the numbers behind the city and programme dashboards.

Counting and scoring are app.domain.monitoring's; this module reads and writes rows.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app import labels
from app.domain import monitoring as rules
from app.domain.errors import Conflict, NotFound, UserError
from app.domain.evidence import EvidenceError, check_evidence
from app.domain.indicator_library import BY_KEY as LIBRARY
from app.domain.monitoring import Direction, ItemStatus
from app.i18n import gettext as _
from app.models import (
    Agency,
    City,
    EvidenceFile,
    Indicator,
    IndicatorValue,
    Plan,
    PlanItem,
    PlanItemChange,
    ProgressReport,
    Proposal,
    ReportState,
    StaffAccount,
    utcnow,
)
from app.services import access

MAX_EVIDENCE_FILES = 5


# --- finding rows --------------------------------------------------------------------------------


def city_of_item(session: Session, item: PlanItem) -> City:
    plan = session.get(Plan, item.plan_id)
    city = session.get(City, plan.city_id) if plan else None
    if city is None:  # pragma: no cover - foreign keys keep them
        raise NotFound(_("This plan item's city no longer exists."))
    return city


def get_item(session: Session, item_id: int) -> PlanItem:
    item = session.get(PlanItem, item_id)
    if item is None:
        raise NotFound(_("There is no plan item with this number."))
    return item


def items_of_city(session: Session, city: City) -> list[PlanItem]:
    query = (
        select(PlanItem)
        .join(Plan, col(Plan.id) == PlanItem.plan_id)
        .where(Plan.city_id == city.id)
        .order_by(col(PlanItem.priority), col(PlanItem.id))
    )
    return list(session.exec(query).all())


def items_of_agency(session: Session, agency_id: int) -> list[PlanItem]:
    query = select(PlanItem).where(PlanItem.agency_id == agency_id).order_by(col(PlanItem.id))
    return list(session.exec(query).all())


def agencies_of_city(session: Session, city: City) -> list[Agency]:
    query = select(Agency).where(Agency.city_id == city.id).order_by(col(Agency.name))
    return list(session.exec(query).all())


def add_agency(session: Session, city: City, name: str) -> Agency:
    name = " ".join(name.split())
    if not name:
        raise UserError(_("Write the agency's name."), status_code=422)
    if len(name) > 200:
        raise UserError(_("An agency name can be at most 200 characters."), status_code=422)
    existing = session.exec(
        select(Agency).where(Agency.city_id == city.id, Agency.name == name)
    ).first()
    if existing is not None:
        return existing
    agency = Agency(city_id=city.id or 0, name=name)
    session.add(agency)
    session.flush()
    return agency


def is_demo_city(session: Session, city: City) -> bool:
    query = select(func.count()).select_from(Plan).where(Plan.city_id == city.id, Plan.is_demo)
    return bool(session.exec(query).one())


# --- plan items ------------------------------------------------------------------------------------


def plan_of_item(session: Session, item: PlanItem) -> Plan:
    plan = session.get(Plan, item.plan_id)
    if plan is None:
        raise NotFound(_("There is no plan item with this number."))
    return plan


# --- indicators ----------------------------------------------------------------------------------


@dataclass
class IndicatorFields:
    name_th: str
    name_en: str = ""
    unit: str = ""
    direction: str = "higher"
    dimension: str = ""
    baseline_value: float | None = None
    baseline_date: date | None = None
    target_value: float | None = None
    target_date: date | None = None
    data_source: str = ""
    agency_id: int | None = None
    plan_item_id: int | None = None


def add_indicator(session: Session, city: City, fields: IndicatorFields) -> Indicator:
    name = " ".join(fields.name_th.split())
    if not name:
        raise UserError(_("Give the indicator a Thai name."), status_code=422)
    if fields.direction not in {d.value for d in Direction}:
        raise UserError(_("Say whether higher or lower values are better."), status_code=422)
    if fields.plan_item_id is not None:
        item = session.get(PlanItem, fields.plan_item_id)
        if item is None or city_of_item(session, item).id != city.id:
            raise UserError(_("Choose a plan item of this city."), status_code=422)
    if fields.baseline_date and fields.target_date and fields.target_date <= fields.baseline_date:
        raise UserError(_("The target date must come after the baseline date."), status_code=422)
    indicator = Indicator(
        city_id=city.id or 0,
        plan_item_id=fields.plan_item_id,
        dimension=fields.dimension[:40],
        name_th=name[:200],
        name_en=" ".join(fields.name_en.split())[:200],
        unit=fields.unit.strip()[:40],
        direction=Direction(fields.direction),
        baseline_value=fields.baseline_value,
        baseline_date=fields.baseline_date,
        target_value=fields.target_value,
        target_date=fields.target_date,
        data_source=fields.data_source.strip()[:200],
        agency_id=fields.agency_id,
    )
    session.add(indicator)
    session.flush()
    return indicator


def adopt_indicator(session: Session, city: City, key: str) -> Indicator:
    """A library indicator for the city (once): the programme compares cities on these."""
    entry = LIBRARY.get(key)
    if entry is None:
        raise NotFound(_("There is no such indicator in the library."))
    existing = session.exec(
        select(Indicator).where(Indicator.city_id == city.id, Indicator.library_key == key)
    ).first()
    if existing is not None:
        return existing
    indicator = Indicator(
        city_id=city.id or 0,
        library_key=key,
        dimension=entry.dimension,
        name_th=entry.name_th,
        name_en=entry.name_en,
        unit=entry.unit,
        direction=Direction(entry.direction),
        data_source=entry.data_source,
    )
    session.add(indicator)
    session.flush()
    return indicator


def indicators_of_item(session: Session, item: PlanItem) -> list[Indicator]:
    query = select(Indicator).where(Indicator.plan_item_id == item.id).order_by(col(Indicator.id))
    return list(session.exec(query).all())


def indicators_of_city(session: Session, city: City) -> list[Indicator]:
    query = select(Indicator).where(Indicator.city_id == city.id).order_by(col(Indicator.id))
    return list(session.exec(query).all())


def get_indicator(session: Session, indicator_id: int) -> Indicator:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(_("There is no indicator with this number."))
    return indicator


def set_baseline_target(
    session: Session,
    indicator: Indicator,
    *,
    baseline_value: float | None,
    baseline_date: date | None,
    target_value: float | None,
    target_date: date | None,
) -> Indicator:
    if baseline_date and target_date and target_date <= baseline_date:
        raise UserError(_("The target date must come after the baseline date."), status_code=422)
    indicator.baseline_value = baseline_value
    indicator.baseline_date = baseline_date
    indicator.target_value = target_value
    indicator.target_date = target_date
    session.add(indicator)
    session.flush()
    return indicator


def record_value(
    session: Session,
    indicator: Indicator,
    period: rules.Period,
    value: float,
    actor: StaffAccount,
    *,
    publish: bool,
) -> IndicatorValue:
    """One value per indicator and period; recording again corrects it."""
    if period.start > date.today():
        raise UserError(_("This period has not started yet."), status_code=422)
    row = _put_value(session, indicator.id or 0, period.key, value, actor, publish=publish)
    session.flush()
    return row


def _put_value(
    session: Session,
    indicator_id: int,
    period_key: str,
    value: float,
    actor: StaffAccount,
    *,
    publish: bool,
) -> IndicatorValue:
    row = session.exec(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator_id, IndicatorValue.period_key == period_key
        )
    ).first() or IndicatorValue(indicator_id=indicator_id, period_key=period_key, value=value)
    row.value = value
    row.published = publish
    row.recorded_by_id = actor.id
    session.add(row)
    return row


# --- progress reports -------------------------------------------------------------------------------


@dataclass
class ReportFields:
    period: rules.Period
    status: str
    percent: float | None = None
    budget_spent: int | None = None
    narrative: str = ""
    # Values of the item's own indicators for this period; published with the report.
    indicator_values: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _check_report(item: PlanItem, fields: ReportFields) -> None:
    if fields.status not in {s.value for s in ItemStatus}:
        raise UserError(_("Choose a status from the list."), status_code=422)
    if fields.percent is not None and not 0 <= fields.percent <= 100:
        raise UserError(_("Percent complete must be between 0 and 100."), status_code=422)
    if fields.budget_spent is not None and fields.budget_spent < 0:
        raise UserError(_("Budget spent cannot be negative."), status_code=422)
    if fields.period.start > date.today():
        raise UserError(
            _("You cannot report on a period that has not started yet."), status_code=422
        )
    years = (item.fiscal_year_start, item.fiscal_year_end)
    if years[0] is not None and fields.period.fiscal_year < years[0]:
        raise UserError(
            _("This item starts in fiscal year %(year)s; the period is before that.")
            % {"year": years[0]},
            status_code=422,
        )
    if len(fields.narrative) > 5000:
        raise UserError(_("The narrative can be at most 5,000 characters."), status_code=422)


def file_report(
    session: Session,
    item: PlanItem,
    fields: ReportFields,
    actor: StaffAccount,
    uploads: Sequence[Upload] = (),
) -> ProgressReport:
    """File (or correct) the report for one item and period, with its evidence.

    Everything is checked before anything is written: a bad file loses nothing else.
    """
    city = city_of_item(session, item)
    access.ensure_can_report(actor, item, city)
    _check_report(item, fields)
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise UserError(
            _("At most %(max)s files per report.") % {"max": MAX_EVIDENCE_FILES}, status_code=422
        )
    own = {i.id for i in indicators_of_item(session, item)}
    if set(fields.indicator_values) - own:
        raise UserError(_("A value is for an indicator of another plan item."), status_code=422)
    checked: list[tuple[str, str, bytes]] = []
    for upload in uploads:
        try:
            media_type, safe_name = check_evidence(upload.data, upload.filename)
        except EvidenceError as error:
            raise UserError(_evidence_message(error, upload.filename), status_code=422) from error
        checked.append((media_type, safe_name, upload.data))
    report = session.exec(
        select(ProgressReport).where(
            ProgressReport.plan_item_id == item.id,
            ProgressReport.period_key == fields.period.key,
        )
    ).first()
    if (
        report is not None
        and report.state == ReportState.published
        and not access.is_planner(actor, city)
    ):
        raise Conflict(_("This report is already published. Ask a planner to correct it."))
    if report is None:
        report = ProgressReport(
            plan_item_id=item.id or 0,
            period_key=fields.period.key,
            period_end=fields.period.end,
            status=ItemStatus(fields.status),
        )
    else:
        report.updated_at = utcnow()
    report.status = ItemStatus(fields.status)
    report.percent = fields.percent
    report.budget_spent = fields.budget_spent
    report.narrative = fields.narrative.strip()
    report.submitted_by_id = actor.id
    if report.state != ReportState.published:
        report.state = ReportState.submitted
    session.add(report)
    session.flush()
    published = report.state == ReportState.published
    for indicator_id, value in fields.indicator_values.items():
        _put_value(session, indicator_id, fields.period.key, value, actor, publish=published)
    for media_type, safe_name, data in checked:
        session.add(
            EvidenceFile(
                report_id=report.id or 0,
                filename=safe_name,
                media_type=media_type,
                size=len(data),
                data=data,
            )
        )
    session.flush()
    return report


def _evidence_message(error: EvidenceError, filename: str) -> str:
    if error.code == "too_large":
        return _("%(file)s is too large: at most %(mb)s MB.") % {
            "file": filename,
            "mb": error.params.get("max_mb", 5),
        }
    if error.code == "empty":
        return _("%(file)s is empty.") % {"file": filename}
    if error.code == "too_many_pixels":
        return _("%(file)s has too many pixels: at most %(mp)s megapixels.") % {
            "file": filename,
            "mp": error.params.get("max_megapixels", 40),
        }
    if error.code == "damaged":
        return _("%(file)s is damaged and cannot be opened.") % {"file": filename}
    return _("%(file)s is not a photo (JPEG, PNG, WebP) or a PDF.") % {"file": filename}


def get_report(session: Session, report_id: int) -> ProgressReport:
    report = session.get(ProgressReport, report_id)
    if report is None:
        raise NotFound(_("There is no report with this number."))
    return report


def publish_report(session: Session, report: ProgressReport, actor: StaffAccount) -> ProgressReport:
    item = get_item(session, report.plan_item_id)
    city = city_of_item(session, item)
    access.ensure_planner(actor, city)
    report.state = ReportState.published
    report.published_by_id = actor.id
    report.published_at = utcnow()
    session.add(report)
    # The item's status follows its latest published report.
    latest = session.exec(
        select(ProgressReport)
        .where(
            ProgressReport.plan_item_id == item.id,
            ProgressReport.state == ReportState.published,
        )
        .order_by(col(ProgressReport.period_end).desc())
    ).first()
    if latest is not None and latest.status != item.status:
        # Recorded in the item's history like any other change to it, with a new revision
        # (a monitoring form opened before this is then told the status moved on).
        item.revision += 1
        session.add(
            PlanItemChange(
                item_id=item.id or 0,
                revision=item.revision,
                changes={"status": [str(item.status), str(latest.status)]},
                reason=_("Progress report for %(period)s published")
                % {"period": labels.period_key_label(latest.period_key)},
                actor_id=actor.id,
            )
        )
        item.status = latest.status
        session.add(item)
    # The item's indicator values for the period go public with the report.
    for value in session.exec(
        select(IndicatorValue)
        .join(Indicator, col(Indicator.id) == IndicatorValue.indicator_id)
        .where(Indicator.plan_item_id == item.id, IndicatorValue.period_key == report.period_key)
    ).all():
        value.published = True
        session.add(value)
    session.flush()
    return report


def reports_of_item(session: Session, item: PlanItem) -> list[ProgressReport]:
    query = (
        select(ProgressReport)
        .where(ProgressReport.plan_item_id == item.id)
        .order_by(col(ProgressReport.period_end).desc())
    )
    return list(session.exec(query).all())


def evidence_of(session: Session, report_ids: Iterable[int]) -> dict[int, list[EvidenceFile]]:
    ids = list(report_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(EvidenceFile)
        .where(col(EvidenceFile.report_id).in_(ids))
        .order_by(col(EvidenceFile.id))
    ).all()
    found: dict[int, list[EvidenceFile]] = defaultdict(list)
    for row in rows:
        found[row.report_id].append(row)
    return found


def evidence_file(session: Session, file_id: int, user: StaffAccount | None) -> EvidenceFile:
    """A published report's evidence is public; otherwise only its city's staff see it."""
    row = session.get(EvidenceFile, file_id)
    if row is None:
        raise NotFound(_("There is no such file."))
    report = get_report(session, row.report_id)
    if report.state == ReportState.published:
        return row
    item = get_item(session, report.plan_item_id)
    if user is None or not access.can_report(user, item, city_of_item(session, item)):
        raise NotFound(_("There is no such file."))
    return row


def pending_reports(session: Session, city: City) -> list[tuple[ProgressReport, PlanItem]]:
    query = (
        select(ProgressReport, PlanItem)
        .join(PlanItem, col(PlanItem.id) == ProgressReport.plan_item_id)
        .join(Plan, col(Plan.id) == PlanItem.plan_id)
        .where(Plan.city_id == city.id, ProgressReport.state == ReportState.submitted)
        .order_by(col(ProgressReport.period_end), col(PlanItem.priority))
    )
    return [(r, i) for r, i in session.exec(query).all()]


# --- dashboards --------------------------------------------------------------------------------


@dataclass
class ItemRow:
    item: PlanItem
    agency: str
    status: str
    percent: float | None
    budget_spent: int | None
    latest_period: str | None
    overdue: list[rules.Period]
    from_participation: bool


@dataclass
class IndicatorRow:
    indicator: Indicator
    series: list[tuple[rules.Period, float]]
    latest: float | None
    progress: float | None
    state: str


@dataclass
class CityDashboard:
    city: City
    demo: bool
    items: list[ItemRow]
    status_counts: dict[str, int]
    budget_planned: int
    budget_spent: int
    participation_share: float | None
    overall_progress: float | None
    indicators: list[IndicatorRow]
    overdue_count: int
    include_unpublished: bool
    extra: dict[str, Any] = field(default_factory=dict)


def _first_period(item: PlanItem) -> rules.Period:
    if item.fiscal_year_start is not None:
        return rules.Period(item.fiscal_year_start, 1)
    return rules.Period.containing(item.created_at.date())


def _report_rows(
    session: Session, city_ids: Sequence[int], include_unpublished: bool
) -> list[tuple[int, str, date, str, float | None, int | None, str]]:
    query = (
        sa_select(
            col(ProgressReport.plan_item_id),
            col(ProgressReport.period_key),
            col(ProgressReport.period_end),
            col(ProgressReport.status),
            col(ProgressReport.percent),
            col(ProgressReport.budget_spent),
            col(ProgressReport.state),
        )
        .join(PlanItem, col(PlanItem.id) == ProgressReport.plan_item_id)
        .join(Plan, col(Plan.id) == PlanItem.plan_id)
        .where(col(Plan.city_id).in_(city_ids))
    )
    if not include_unpublished:
        query = query.where(col(ProgressReport.state) == ReportState.published)
    return [tuple(row) for row in session.execute(query).all()]


def _item_rows(
    session: Session, items: list[PlanItem], reports: list[tuple[Any, ...]], today: date
) -> list[ItemRow]:
    agencies = {
        a.id: a.name
        for a in session.exec(
            select(Agency).where(col(Agency.id).in_({i.agency_id for i in items if i.agency_id}))
        ).all()
    }
    from_workshops = {
        pid
        for pid in session.exec(
            select(Proposal.id).where(
                col(Proposal.id).in_({i.proposal_id for i in items if i.proposal_id}),
                col(Proposal.workshop_id).is_not(None),
            )
        ).all()
    }
    latest: dict[int, tuple[Any, ...]] = {}
    reported: dict[int, set[str]] = defaultdict(set)
    for row in reports:
        item_id, key, end = row[0], row[1], row[2]
        reported[item_id].add(key)
        if item_id not in latest or end > latest[item_id][2]:
            latest[item_id] = row
    rows = []
    for item in items:
        last = latest.get(item.id or 0)
        finished = item.status in ("done", "cancelled") or (
            last and last[3] in ("done", "cancelled")
        )
        overdue = (
            []
            if finished
            else rules.overdue_periods(
                reported[item.id or 0],
                _first_period(item),
                today,
                last=rules.Period(item.fiscal_year_end, 4) if item.fiscal_year_end else None,
            )
        )
        rows.append(
            ItemRow(
                item=item,
                agency=agencies.get(item.agency_id, ""),
                status=str(last[3]) if last else item.status,
                percent=last[4] if last else None,
                budget_spent=last[5] if last else None,
                latest_period=last[1] if last else None,
                overdue=overdue,
                from_participation=item.proposal_id in from_workshops,
            )
        )
    return rows


def _snapshots(rows: list[ItemRow]) -> list[rules.ItemSnapshot]:
    return [
        rules.ItemSnapshot(
            item_id=r.item.id or 0,
            status=rules.ItemStatus(r.status),
            percent=r.percent,
            budget_planned=r.item.budget_planned,
            budget_spent=r.budget_spent,
            from_participation=r.from_participation,
        )
        for r in rows
    ]


def _indicator_rows(
    session: Session, indicators: list[Indicator], include_unpublished: bool, today: date
) -> list[IndicatorRow]:
    query = select(IndicatorValue).where(
        col(IndicatorValue.indicator_id).in_([i.id for i in indicators])
    )
    if not include_unpublished:
        query = query.where(col(IndicatorValue.published).is_(True))
    values: dict[int, list[tuple[rules.Period, float]]] = defaultdict(list)
    for row in session.exec(query).all():
        values[row.indicator_id].append((rules.Period.parse(row.period_key), row.value))
    result = []
    for indicator in indicators:
        series = sorted(values.get(indicator.id or 0, []), key=lambda pv: pv[0].end)
        latest = series[-1][1] if series else None
        spec = rules.IndicatorSpec(
            direction=rules.Direction(indicator.direction),
            baseline=indicator.baseline_value,
            target=indicator.target_value,
        )
        expected = (
            rules.time_share(indicator.baseline_date, indicator.target_date, today)
            if indicator.baseline_date and indicator.target_date
            else None
        )
        result.append(
            IndicatorRow(
                indicator=indicator,
                series=series,
                latest=latest,
                progress=rules.indicator_progress(spec, latest),
                state=rules.indicator_state(spec, latest, expected_share=expected),
            )
        )
    return result


def city_dashboard(
    session: Session, city: City, *, include_unpublished: bool, today: date | None = None
) -> CityDashboard:
    today = today or date.today()
    items = items_of_city(session, city)
    rows = _item_rows(
        session, items, _report_rows(session, [city.id or 0], include_unpublished), today
    )
    snapshots = _snapshots(rows)
    planned, spent = rules.budget_totals(snapshots)
    return CityDashboard(
        city=city,
        demo=is_demo_city(session, city),
        items=rows,
        status_counts={str(k): v for k, v in rules.status_counts(snapshots).items()},
        budget_planned=planned,
        budget_spent=spent,
        participation_share=rules.participation_share(snapshots),
        overall_progress=rules.overall_progress(snapshots),
        indicators=_indicator_rows(
            session, indicators_of_city(session, city), include_unpublished, today
        ),
        overdue_count=sum(1 for r in rows if r.overdue),
        include_unpublished=include_unpublished,
    )


@dataclass
class CityColumn:
    city: City
    demo: bool
    items: int
    status_counts: dict[str, int]
    budget_planned: int
    budget_spent: int
    overall_progress: float | None
    participation_share: float | None
    overdue: int
    indicators: dict[str, IndicatorRow]  # library key -> the city's row


def programme_dashboard(
    session: Session, *, include_unpublished: bool, today: date | None = None
) -> list[CityColumn]:
    """The pilot cities side by side: plan progress and the library indicators they share."""
    today = today or date.today()
    cities = list(
        session.exec(select(City).order_by(col(City.programme_phase), col(City.name_en))).all()
    )
    items_by_city: dict[int, list[PlanItem]] = defaultdict(list)
    for item, city_id in session.exec(
        select(PlanItem, Plan.city_id).join(Plan, col(Plan.id) == PlanItem.plan_id)
    ).all():
        items_by_city[city_id].append(item)
    reports = _report_rows(session, [c.id or 0 for c in cities], include_unpublished)
    demo_cities = set(session.exec(select(Plan.city_id).where(col(Plan.is_demo).is_(True))).all())
    shared = list(
        session.exec(select(Indicator).where(col(Indicator.library_key).is_not(None))).all()
    )
    indicator_rows = _indicator_rows(session, shared, include_unpublished, today)
    by_city_key = {(r.indicator.city_id, r.indicator.library_key): r for r in indicator_rows}
    # One pass over every city's items: the queries stay the same for any number of cities.
    everything = [item for items in items_by_city.values() for item in items]
    row_of = {row.item.id: row for row in _item_rows(session, everything, reports, today)}
    columns = []
    for city in cities:
        items = items_by_city.get(city.id or 0, [])
        rows = [row_of[item.id] for item in items]
        snapshots = _snapshots(rows)
        planned, spent = rules.budget_totals(snapshots)
        columns.append(
            CityColumn(
                city=city,
                demo=city.id in demo_cities,
                items=len(items),
                status_counts={str(k): v for k, v in rules.status_counts(snapshots).items()},
                budget_planned=planned,
                budget_spent=spent,
                overall_progress=rules.overall_progress(snapshots),
                participation_share=rules.participation_share(snapshots),
                overdue=sum(1 for r in rows if r.overdue),
                indicators={
                    key: row
                    for (cid, key), row in by_city_key.items()
                    if cid == city.id and key is not None
                },
            )
        )
    return columns
