"""Agreed priorities become items of the city's draft plan, keeping their provenance."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlmodel import Session, col, func, select

from app import labels
from app.domain import plan_order
from app.domain.errors import Conflict, NotFound, UserError
from app.domain.export import be_date, be_datetime, local_iso
from app.domain.voting import RULES, Method
from app.i18n import THAI_TZ
from app.i18n import gettext as _
from app.models import (
    City,
    Plan,
    PlanItem,
    PlanStatus,
    Proposal,
    ProposalStatus,
    StaffAccount,
    VoteRound,
    Workshop,
)
from app.services import access, live, voting
from app.services import cities as city_service


class PrioritizedProposal(NamedTuple):
    """One row of the planner's export: a plan item with where it came from."""

    priority: int  # its place in the plan, 1, 2, 3 ... without gaps
    proposal_id: int | None  # none for items a planner entered without a proposal
    title: str
    description: str
    category: str | None
    place: str | None
    workshop_title: str | None
    workshop_date: date | None
    votes: int
    rule: str | None  # the counting rule behind `votes` (approvals, dots, points ...)
    vote_round_id: int | None
    agreed_at: datetime


def draft_plan(session: Session, city: City) -> Plan | None:
    query = select(Plan).where(Plan.city_id == city.id, Plan.status == PlanStatus.draft)
    return session.exec(query).first()


def ensure_draft_plan(session: Session, city: City) -> Plan:
    plan = draft_plan(session, city)
    if plan is None:
        plan = Plan(city_id=city.id or 0, title=_("Draft development plan"))
        session.add(plan)
        session.flush()
    return plan


def agree_priorities(
    session: Session, workshop: Workshop, proposal_ids: Sequence[int], actor: StaffAccount
) -> list[PlanItem]:
    """Mark proposals as agreed priorities and add them to the city's draft plan.

    Items are numbered after those already in the plan, in the order of the latest
    closed vote by its method's first rule (ties by proposal id); the score is recorded; proposals already in the plan are left as they are.
    """
    if not proposal_ids:
        raise UserError(_("Choose at least one proposal to add to the plan."), status_code=422)
    if voting.open_round_of(session, workshop) is not None:
        raise Conflict(_("Close the vote before choosing the agreed priorities."))
    chosen = set(proposal_ids)
    proposals = {
        p.id: p
        for p in session.exec(select(Proposal).where(col(Proposal.id).in_(chosen))).all()
        if p.workshop_id == workshop.id
    }
    if len(proposals) != len(chosen):
        raise NotFound(_("Some of the chosen proposals are not part of this workshop."))

    city = session.get(City, workshop.city_id)
    if city is None:
        raise NotFound(_("This workshop's city no longer exists."))
    plan = ensure_draft_plan(session, city)
    vote_round = voting.latest_closed_round(session, workshop)
    ranking = voting.primary_scores(session, vote_round) if vote_round else []
    votes = {pid: int(score) for pid, score in ranking}
    order = {pid: i for i, (pid, _score) in enumerate(ranking)}
    already = set(
        session.exec(select(PlanItem.proposal_id).where(PlanItem.plan_id == plan.id)).all()
    )
    # After every item already there: the old 101, 102, 109 came from max + 1 over gaps.
    next_priority = renumber(session, plan) + 1

    created: list[PlanItem] = []
    for pid in sorted(chosen - already, key=lambda p: (order.get(p, len(order)), p)):
        proposal = proposals[pid]
        proposal.status = ProposalStatus.agreed
        item = PlanItem(
            plan_id=plan.id or 0,
            proposal_id=pid,
            vote_round_id=vote_round.id if vote_round else None,
            title=proposal.title,
            priority=next_priority,
            votes=votes.get(pid, 0),
            created_by_id=actor.id,
        )
        next_priority += 1
        session.add_all([proposal, item])
        created.append(item)
    session.flush()
    live.emit(session, workshop.id or 0, live.Kind.VOTE)
    return created


def renumber(session: Session, plan: Plan) -> int:
    """Close gaps in the plan's priorities (1..N, order kept); returns N."""
    items = session.exec(select(PlanItem).where(PlanItem.plan_id == plan.id)).all()
    numbers = plan_order.dense_priorities([(i.id or 0, i.priority) for i in items])
    for item in items:
        if item.priority != numbers[item.id or 0]:
            item.priority = numbers[item.id or 0]
            session.add(item)
    return len(items)


def prioritized(session: Session, city: City) -> list[PrioritizedProposal]:
    """Every item of the city's draft plan, in priority order (ties by id), numbered 1..N."""
    plan = draft_plan(session, city)
    if plan is None:
        return []
    query = (
        select(PlanItem, Proposal, Workshop, VoteRound.method)
        .join(Proposal, col(PlanItem.proposal_id) == Proposal.id, isouter=True)
        .join(Workshop, col(Proposal.workshop_id) == Workshop.id, isouter=True)
        .join(VoteRound, col(PlanItem.vote_round_id) == VoteRound.id, isouter=True)
        .where(PlanItem.plan_id == plan.id)
        .order_by(col(PlanItem.priority), col(PlanItem.id))
    )
    return [
        PrioritizedProposal(
            priority=position,
            proposal_id=proposal.id if proposal else None,
            title=item.title,
            description=getattr(proposal, "description", "") or "",
            category=getattr(proposal, "category", None),
            place=getattr(proposal, "place", None),
            workshop_title=workshop.title if workshop else None,
            workshop_date=workshop.held_on if workshop else None,
            votes=item.votes,
            rule=RULES[Method(method)][0] if method else None,
            vote_round_id=item.vote_round_id,
            agreed_at=item.created_at,
        )
        for position, (item, proposal, workshop, method) in enumerate(
            session.exec(query).all(), start=1
        )
    ]


EXPORT_HEADER = [
    "priority",
    "proposal_id",
    "title",
    "description",
    "category",
    "place",
    "workshop_title",
    "workshop_date_be",
    "support",
    "support_unit",
    "vote_round_id",
    "agreed_on_be",
    "agreed_at_iso_local",
]


def export_rows(rows: list[PrioritizedProposal]) -> tuple[list[str], list[list[object]]]:
    """Header and rows for the planner's CSV; column names are stable English identifiers.

    Dates are Thailand's local time; `_be` columns read as a person writes them (B.E.
    years), the one `_iso_local` column is for machines (ISO 8601 with its +07:00 offset)."""
    body: list[list[object]] = [
        [
            r.priority,
            r.proposal_id,
            r.title,
            r.description,
            r.category,
            r.place,
            r.workshop_title,
            be_date(r.workshop_date),
            r.votes if r.rule else None,
            labels.rule_score(r.rule) if r.rule else None,
            r.vote_round_id,
            be_datetime(r.agreed_at, THAI_TZ),
            local_iso(r.agreed_at, THAI_TZ),
        ]
        for r in rows
    ]
    return list(EXPORT_HEADER), body


def plans_overview(session: Session, user: StaffAccount) -> list[tuple[City, int]]:
    """Every city the user plans for, with the number of items in its draft plan."""
    counts = dict(
        session.exec(
            select(Plan.city_id, func.count(col(PlanItem.id)))
            .join(PlanItem, col(PlanItem.plan_id) == Plan.id)
            .where(Plan.status == PlanStatus.draft)
            .group_by(col(Plan.city_id))
        ).all()
    )
    cities = [c for c in city_service.list_cities(session) if access.is_planner(user, c)]
    return [(c, counts.get(c.id or 0, 0)) for c in cities]
