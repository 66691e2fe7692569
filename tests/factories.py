"""Keyword-only factories for test rows; passwords are hashed once per value.

Factories commit: in tests a commit only releases a savepoint of the per-test transaction.
"""

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from itertools import count

from sqlmodel import Session, select

from app.domain.eligibility import Eligibility
from app.domain.monitoring import ItemStatus
from app.domain.voting import Method
from app.models import (
    Agency,
    Channel,
    City,
    Idea,
    Indicator,
    Participant,
    Plan,
    PlanItem,
    ProgressReport,
    Proposal,
    Role,
    RoundProposal,
    RoundStatus,
    StaffAccount,
    StakeholderGroup,
    VoteRound,
    Workshop,
    WorkshopFacilitator,
    WorkshopPhase,
    WorkshopStatus,
    utcnow,
)
from app.security import hash_password
from app.services.workshops import DEFAULT_AGENDA

PASSWORD = "correct horse battery"
_seq = count(1)


@lru_cache
def _hash(password: str) -> str:
    return hash_password(password)


def city(session: Session, slug: str = "khon-kaen") -> City:
    return session.exec(select(City).where(City.slug == slug)).one()


def account(
    session: Session,
    *,
    role: Role = Role.facilitator,
    email: str | None = None,
    password: str = PASSWORD,
    is_active: bool = True,
    city_slug: str | None = None,
) -> StaffAccount:
    """A staff account; city_slug limits a planner to that city (none: every city)."""
    row = StaffAccount(
        email=email or f"{role.value}-{next(_seq)}@example.test",
        display_name=f"Test {role.value}",
        password_hash=_hash(password),
        role=role,
        is_active=is_active,
        city_id=city(session, city_slug).id if city_slug else None,
    )
    session.add(row)
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return row


def workshop(
    session: Session,
    *,
    city_slug: str = "khon-kaen",
    title: str = "เวทีทดสอบ",
    status: WorkshopStatus = WorkshopStatus.open,
    join_code: str | None = None,
    facilitators: Sequence[StaffAccount] = (),
    posting_locked: bool = False,
) -> Workshop:
    """A workshop with the default agenda (first phase current) and the given facilitators."""
    n = next(_seq)
    row = Workshop(
        city_id=city(session, city_slug).id or 0,
        title=title,
        join_code=join_code or f"T{n:05d}".replace("0", "A").replace("1", "B"),
        status=status,
        posting_locked=posting_locked,
    )
    session.add(row)
    session.flush()
    agenda = [
        WorkshopPhase(workshop_id=row.id or 0, position=i, kind=kind)
        for i, kind in enumerate(DEFAULT_AGENDA)
    ]
    session.add_all(agenda)
    for account_row in facilitators:
        session.add(WorkshopFacilitator(workshop_id=row.id or 0, account_id=account_row.id or 0))
    session.flush()
    row.current_phase_id = agenda[0].id
    session.add(row)
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return row


def phases(session: Session, workshop: Workshop) -> list[WorkshopPhase]:
    query = (
        select(WorkshopPhase)
        .where(WorkshopPhase.workshop_id == workshop.id)
        .order_by(WorkshopPhase.position)
    )
    return list(session.exec(query))


def participant(
    session: Session, *, workshop: Workshop, group: StakeholderGroup = StakeholderGroup.resident
) -> Participant:
    row = Participant(
        workshop_id=workshop.id or 0,
        token=f"token-{next(_seq)}-{'x' * 20}",
        stakeholder_group=group,
    )
    session.add(row)
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return row


def idea(
    session: Session,
    *,
    workshop: Workshop,
    text: str = "อยากให้มีทางเท้าที่ดี",
    group: StakeholderGroup = StakeholderGroup.resident,
    participant: Participant | None = None,
    channel: Channel = Channel.phone,
) -> Idea:
    row = Idea(
        workshop_id=workshop.id or 0,
        participant_id=participant.id if participant else None,
        stakeholder_group=group,
        text=text,
        channel=channel,
    )
    session.add(row)
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return row


def proposal(
    session: Session, *, workshop: Workshop, title: str = "ทางเท้าปลอดภัย", idea: Idea | None = None
) -> Proposal:
    row = Proposal(
        city_id=workshop.city_id,
        workshop_id=workshop.id,
        source_idea_id=idea.id if idea else None,
        title=title,
    )
    session.add(row)
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return row


def vote_round(
    session: Session,
    *,
    workshop: Workshop | None = None,
    city_slug: str = "khon-kaen",
    proposals: Sequence[Proposal] = (),
    method: Method = Method.approval,
    status: RoundStatus = RoundStatus.draft,
    costs: Sequence[int] = (),
    eligibility: Eligibility | None = None,
    **limits: object,
) -> VoteRound:
    """A round on the given proposals (two new ones if none), draft unless told otherwise.

    Workshop rounds default to "open" here (not the app's "hall"), so that tests about
    ballots need no presence step; tests about eligibility choose it."""
    if not proposals:
        if workshop is None:
            raise ValueError("give proposals for a city board round")
        proposals = [
            proposal(session, workshop=workshop, title="ทางเท้าปลอดภัย"),
            proposal(session, workshop=workshop, title="ลอกท่อระบายน้ำ"),
        ]
    city_id = workshop.city_id if workshop else city(session, city_slug).id
    row = VoteRound(
        city_id=city_id or 0,
        workshop_id=workshop.id if workshop else None,
        question="ควรทำอะไรก่อน",
        method=method,
        status=status,
        eligibility=eligibility or (Eligibility.open if workshop else Eligibility.codes),
        opened_at=utcnow() if status != RoundStatus.draft else None,
        **limits,  # type: ignore[arg-type]
    )
    session.add(row)
    session.flush()
    for position, p in enumerate(proposals, start=1):
        cost = costs[position - 1] if costs else None
        session.add(
            RoundProposal(round_id=row.id or 0, proposal_id=p.id or 0, position=position, cost=cost)
        )
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return row


def monitored_item(
    session: Session, *, city_slug: str = "khon-kaen", agency_name: str = "กองช่าง"
) -> tuple[PlanItem, ProgressReport, Indicator, StaffAccount]:
    """A plan item of the city's draft plan with an agency, its agency's account, one
    submitted report and an item indicator."""
    target = city(session, city_slug)
    plan = session.exec(
        select(Plan).where(Plan.city_id == target.id, Plan.status == "draft")
    ).first() or Plan(city_id=target.id or 0, title="แผนพัฒนา (ร่าง)")
    session.add(plan)
    session.flush()
    agency = session.exec(
        select(Agency).where(Agency.city_id == target.id, Agency.name == agency_name)
    ).first() or Agency(city_id=target.id or 0, name=agency_name)
    session.add(agency)
    session.flush()
    item = PlanItem(
        plan_id=plan.id or 0,
        title="ขยายทางเท้ารอบบึง",
        priority=next(_seq),
        agency_id=agency.id,
        budget_planned=1_000_000,
        fiscal_year_start=2569,
        fiscal_year_end=2570,
    )
    session.add(item)
    session.flush()
    report = ProgressReport(
        plan_item_id=item.id or 0,
        period_key="2569-Q1",
        period_end=date(2025, 12, 31),
        status=ItemStatus.on_track,
        percent=20,
        budget_spent=100_000,
    )
    indicator = Indicator(
        city_id=target.id or 0, plan_item_id=item.id, name_th="ความยาวทางเท้า", unit="km"
    )
    session.add_all([report, indicator])
    reporter = StaffAccount(
        email=f"agency-{next(_seq)}@example.test",
        display_name="Test agency",
        password_hash=_hash(PASSWORD),
        role=Role.agency,
        city_id=target.id,
        agency_id=agency.id,
    )
    session.add(reporter)
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return item, report, indicator, reporter


def board_participant(
    session: Session,
    *,
    city_slug: str = "khon-kaen",
    group: StakeholderGroup = StakeholderGroup.resident,
) -> Participant:
    """Someone who joined a city's proposal board online."""
    row = Participant(
        city_id=city(session, city_slug).id,
        token=f"token-{next(_seq)}-{'y' * 20}",
        stakeholder_group=group,
    )
    session.add(row)
    session.commit()  # releases the test's savepoint: a handler's rollback cannot undo it
    return row
