"""Agreed priorities become items of the city's draft plan, keeping their provenance."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlmodel import Session, col, func, select

from app.domain.errors import Conflict, NotFound, UserError
from app.i18n import gettext as _
from app.models import (
    City,
    Plan,
    PlanItem,
    PlanStatus,
    Proposal,
    ProposalStatus,
    StaffAccount,
    Workshop,
)
from app.services import access, live, voting
from app.services import cities as city_service


class PrioritizedProposal(NamedTuple):
    """One row of the planner's export: a plan item with where it came from."""

    priority: int
    proposal_id: int
    title: str
    description: str
    category: str | None
    place: str | None
    workshop_title: str | None
    workshop_date: date | None
    votes: int
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
    next_priority = (
        session.exec(select(func.max(PlanItem.priority)).where(PlanItem.plan_id == plan.id)).one()
        or 0
    ) + 1

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


def prioritized(session: Session, city: City) -> list[PrioritizedProposal]:
    plan = draft_plan(session, city)
    if plan is None:
        return []
    query = (
        select(PlanItem, Proposal, Workshop)
        .join(Proposal, col(PlanItem.proposal_id) == Proposal.id)
        .join(Workshop, col(Proposal.workshop_id) == Workshop.id, isouter=True)
        .where(PlanItem.plan_id == plan.id)
        .order_by(col(PlanItem.priority))
    )
    return [
        PrioritizedProposal(
            priority=item.priority,
            proposal_id=proposal.id or 0,
            title=item.title,
            description=proposal.description,
            category=proposal.category,
            place=proposal.place,
            workshop_title=workshop.title if workshop else None,
            workshop_date=workshop.held_on if workshop else None,
            votes=item.votes,
            vote_round_id=item.vote_round_id,
            agreed_at=item.created_at,
        )
        for item, proposal, workshop in session.exec(query).all()
    ]


def export_rows(rows: list[PrioritizedProposal]) -> tuple[list[str], list[list[object]]]:
    """Header and rows for the planner's CSV; column names are stable English identifiers."""
    header = list(PrioritizedProposal._fields)
    body: list[list[object]] = [
        [
            r.priority,
            r.proposal_id,
            r.title,
            r.description,
            r.category,
            r.place,
            r.workshop_title,
            r.workshop_date.isoformat() if r.workshop_date else None,
            r.votes,
            r.vote_round_id,
            r.agreed_at.isoformat(timespec="seconds"),
        ]
        for r in rows
    ]
    return header, body


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
