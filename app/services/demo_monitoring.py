"""Demo monitoring data: four pilot cities with plan items, agencies, indicators and two
fiscal years of quarterly progress, so the dashboards are alive on first run. Every plan it
creates is marked is_demo, and the dashboards say so."""

import random
from datetime import date

from sqlmodel import Session, select

from app.domain import monitoring as rules
from app.domain.monitoring import ItemStatus
from app.models import (
    City,
    IndicatorValue,
    Plan,
    PlanItem,
    ProgressReport,
    Proposal,
    ReportState,
    utcnow,
)
from app.services import monitoring as service
from app.services import plans as plan_service

DEMO_CITIES = ("khon-kaen", "chiang-rai", "phitsanulok", "krabi")
FIRST = rules.Period(2568, 1)  # October 2024
LAST = rules.Period(2569, 4)  # September 2026: two fiscal years
AGENCIES = ("กองช่าง", "กองสาธารณสุขและสิ่งแวดล้อม", "กองสวัสดิการสังคม", "สำนักปลัดเทศบาล")
ITEMS = (  # title, dimension, agency index, budget (baht)
    ("ขยายทางเท้าและทางจักรยานรอบบึงกลางเมือง", "mobility", 0, 12_000_000),
    ("ลอกท่อระบายน้ำและติดตั้งเครื่องสูบน้ำจุดเสี่ยงน้ำท่วม", "disaster", 0, 8_500_000),
    ("ธนาคารขยะรีไซเคิลในทุกชุมชน", "environment", 1, 1_200_000),
    ("ปลูกต้นไม้ใหญ่ริมถนนสายหลัก", "environment", 1, 2_000_000),
    ("ศูนย์ดูแลผู้สูงอายุกลางวันในชุมชน", "society", 2, 4_800_000),
    ("รถโดยสารสาธารณะเชื่อมสถานีรถไฟกับตลาด", "mobility", 3, 15_000_000),
    ("ตลาดนัดสินค้าชุมชนวันหยุด", "economy", 3, 600_000),
    ("ระบบแจ้งเหตุและติดตามเรื่องร้องเรียนออนไลน์", "governance", 3, 900_000),
)
INDICATORS = {  # library key: (baseline, target)
    "waste_recycled": (18.0, 35.0),
    "green_area": (4.2, 6.0),
    "pm25_days": (62.0, 30.0),
    "flood_households": (1450.0, 600.0),
}


def load(session: Session) -> None:
    """Idempotent: a city that already has a demo plan is left as it is."""
    for number, slug in enumerate(DEMO_CITIES):
        city = session.exec(select(City).where(City.slug == slug)).one_or_none()
        if city is None:
            continue
        if session.exec(select(Plan).where(Plan.city_id == city.id, Plan.is_demo)).first():
            continue
        _city(session, city, random.Random(20261127 + number))  # noqa: S311  (demo figures)


def _city(session: Session, city: City, rng: random.Random) -> None:
    plan = plan_service.ensure_draft_plan(session, city)
    plan.is_demo = True
    session.add(plan)
    agencies = [service.add_agency(session, city, name) for name in AGENCIES]
    existing = session.exec(select(PlanItem).where(PlanItem.plan_id == plan.id)).all()
    taken = {i.proposal_id for i in existing}
    proposals = [
        p
        for p in session.exec(select(Proposal).where(Proposal.city_id == city.id)).all()
        if p.id not in taken
    ]
    periods = rules.periods_between(FIRST, LAST)
    for priority, (title, dimension, agency, budget) in enumerate(ITEMS, start=1):
        source = proposals.pop(0) if proposals and priority <= 2 else None
        item = PlanItem(
            plan_id=plan.id or 0,
            proposal_id=source.id if source else None,
            title=source.title if source else title,
            priority=len(existing) + priority,  # after the agreed priorities, no gap
            dimension=dimension,
            agency_id=agencies[agency].id,
            budget_planned=budget,
            fiscal_year_start=2568,
            fiscal_year_end=2569,
        )
        session.add(item)
        session.flush()
        _reports(session, item, periods, rng)
    for key, (baseline, target) in INDICATORS.items():
        indicator = service.adopt_indicator(session, city, key)
        indicator.baseline_value = round(baseline * rng.uniform(0.85, 1.15), 1)
        indicator.baseline_date = date(2024, 9, 30)
        indicator.target_value = target
        indicator.target_date = date(2027, 9, 30)
        session.add(indicator)
        step = (indicator.target_value - indicator.baseline_value) / 12
        value = indicator.baseline_value
        for period in periods:
            value += step * rng.uniform(0.2, 1.6)
            session.add(
                IndicatorValue(
                    indicator_id=indicator.id or 0,
                    period_key=period.key,
                    value=round(value, 1),
                    published=True,
                )
            )
    session.flush()


def _reports(
    session: Session, item: PlanItem, periods: list[rules.Period], rng: random.Random
) -> None:
    percent = 0.0
    spent = 0
    speed = rng.uniform(4, 16)
    skip_last = rng.random() < 0.25  # some agencies are late with their latest report
    for index, period in enumerate(periods):
        if skip_last and index == len(periods) - 1:
            break
        percent = min(100.0, percent + speed * rng.uniform(0.3, 1.5))
        spent = min(item.budget_planned or 0, spent + int((item.budget_planned or 0) * speed / 120))
        status = (
            ItemStatus.done
            if percent >= 100
            else ItemStatus.delayed
            if percent < (index + 1) * 6
            else ItemStatus.on_track
        )
        session.add(
            ProgressReport(
                plan_item_id=item.id or 0,
                period_key=period.key,
                period_end=period.end,
                status=status,
                percent=round(percent, 1),
                budget_spent=spent,
                narrative="ข้อมูลตัวอย่าง",
                state=ReportState.published,
                published_at=utcnow(),
            )
        )
        item.status = status.value
        if status == ItemStatus.done:
            break
    session.add(item)
