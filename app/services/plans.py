"""Agreed priorities become items of the city's draft plan, keeping their provenance."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlmodel import Session, col, func, select

from app import labels
from app.domain import plan_documents as documents
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
    PlanItemChange,
    PlanItemSource,
    PlanStatus,
    Proposal,
    ProposalStatus,
    RoundStatus,
    StaffAccount,
    VoteRound,
    Workshop,
)
from app.services import access, live, plan_record, voting
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
    """The city's current plan (its draft if any, else its latest): what staff pages show."""
    return plan_record.city_plan(session, city)


def ensure_draft_plan(session: Session, city: City) -> Plan:
    """The city's draft plan, made if the city has no plan yet; a plan in consultation or
    adopted is refused (a planner starts a new draft first)."""
    plan = plan_record.city_plan(session, city)
    if plan is None:
        plan = Plan(city_id=city.id or 0, title=_("Draft development plan"))
        session.add(plan)
        session.flush()
    plan_record.ensure_editable(plan)
    return plan


@dataclass(frozen=True)
class Pick:
    """A proposal agreed as a priority: why, and the existing item it joins (None: new)."""

    proposal_id: int
    rationale: str = ""
    attach_to: int | None = None


RATIONALE_MAX = 500


def agree_from_round(
    session: Session,
    vote_round: VoteRound,
    picks: Sequence[Pick],
    actor: StaffAccount,
    *,
    require_rationale: bool = True,
) -> list[PlanItem]:
    """Agree priorities from a closed round's result into the city's draft plan.

    Each pick becomes a new item (after the existing ones, in the round's ranking order, ties
    by proposal id) or joins an existing item as one more proposal behind it; the round, the
    proposal's score and rank by the round's first rule and the rationale are kept as the
    item's source. A proposal already behind an item of the plan is left as it is. All or
    nothing: a refused pick writes nothing."""
    if not picks:
        raise UserError(_("Choose at least one proposal to add to the plan."), status_code=422)
    if vote_round.status != RoundStatus.closed:
        raise Conflict(_("This vote is not closed yet. Close it before agreeing priorities."))
    for pick in picks:
        if require_rationale and not pick.rationale.strip():
            raise UserError(_("Write a short rationale for each agreed priority."), status_code=422)
        if len(pick.rationale) > RATIONALE_MAX:
            raise UserError(
                _("A rationale can be at most %(max)s characters.") % {"max": RATIONALE_MAX},
                status_code=422,
            )
    chosen = {p.proposal_id for p in picks}
    on_ballot = {e.proposal.id or 0: e.proposal for e in voting.ballot_entries(session, vote_round)}
    if not chosen <= on_ballot.keys():
        raise NotFound(_("Some of the chosen proposals are not on this vote's ballot."))
    city = session.get(City, vote_round.city_id)
    if city is None:
        raise NotFound(_("This vote's city no longer exists."))
    plan = ensure_draft_plan(session, city)
    plan_record.ensure_version(session, plan, actor)
    items = {i.id or 0: i for i in plan_record.live_items(session, plan)}
    for pick in picks:
        if pick.attach_to is not None and pick.attach_to not in items:
            raise NotFound(_("Choose an item of this plan to attach the proposal to."))
    ranking = voting.results(session, vote_round).ranking(voting.primary_rule(vote_round))
    scores = {int(r.proposal_id): (r.score, r.rank) for r in ranking}
    order = {int(r.proposal_id): n for n, r in enumerate(ranking)}
    already = set(
        session.exec(
            select(PlanItemSource.proposal_id)
            .join(PlanItem, col(PlanItem.id) == PlanItemSource.item_id)
            .where(PlanItem.plan_id == plan.id)
        ).all()
    ) | {i.proposal_id for i in items.values() if i.proposal_id}
    next_priority = renumber(session, plan) + 1

    touched: list[PlanItem] = []
    for pick in sorted(picks, key=lambda p: (order.get(p.proposal_id, len(order)), p.proposal_id)):
        if pick.proposal_id in already:
            continue
        proposal = on_ballot[pick.proposal_id]
        score, rank = scores.get(pick.proposal_id, (0, None))
        rationale = pick.rationale.strip()
        if pick.attach_to is None:
            item = PlanItem(
                plan_id=plan.id or 0,
                proposal_id=pick.proposal_id,
                vote_round_id=vote_round.id,
                title=proposal.title[:200],
                description=getattr(proposal, "description", "") or "",
                place=getattr(proposal, "place", None),
                priority=next_priority,
                votes=int(score),
                created_by_id=actor.id,
            )
            next_priority += 1
            session.add(item)
            session.flush()
            change: dict[str, list[object]] = {"created": [None, item.title]}
        else:
            item = items[pick.attach_to]
            item.revision += 1
            session.add(item)
            change = {"proposals": [None, pick.proposal_id]}
        session.add(
            PlanItemSource(
                item_id=item.id or 0,
                proposal_id=pick.proposal_id,
                vote_round_id=vote_round.id,
                rationale=rationale,
                support=float(score),
                rank=rank,
                created_by_id=actor.id,
            )
        )
        session.add(
            PlanItemChange(
                item_id=item.id or 0,
                revision=item.revision,
                changes=change,
                reason=rationale,
                actor_id=actor.id,
            )
        )
        proposal.status = ProposalStatus.agreed
        session.add(proposal)
        already.add(pick.proposal_id)
        touched.append(item)
    session.flush()
    if vote_round.workshop_id is not None:
        live.emit(session, vote_round.workshop_id, live.Kind.VOTE)
    if touched:  # the agreed proposals' status shows on the board
        live.board_changed(session, city.id or 0)
    return touched


def agree_priorities(
    session: Session,
    workshop: Workshop,
    proposal_ids: Sequence[int],
    actor: StaffAccount,
    rationales: dict[int, str] | None = None,
) -> list[PlanItem]:
    """The workshop console's quick path: agree from the latest closed round of the workshop
    (the rationale is optional here, typed in the hall)."""
    if not proposal_ids:
        raise UserError(_("Choose at least one proposal to add to the plan."), status_code=422)
    if voting.open_round_of(session, workshop) is not None:
        raise Conflict(_("Close the vote before choosing the agreed priorities."))
    proposals = session.exec(select(Proposal).where(col(Proposal.id).in_(set(proposal_ids)))).all()
    if len(proposals) != len(set(proposal_ids)) or any(
        p.workshop_id != workshop.id for p in proposals
    ):
        raise NotFound(_("Some of the chosen proposals are not part of this workshop."))
    vote_round = voting.latest_closed_round(session, workshop)
    if vote_round is None:
        raise Conflict(_("Close the vote before choosing the agreed priorities."))
    picks = [Pick(pid, (rationales or {}).get(pid, "")) for pid in dict.fromkeys(proposal_ids)]
    return agree_from_round(session, vote_round, picks, actor, require_rationale=False)


def renumber(session: Session, plan: Plan) -> int:
    """Close gaps in the plan's priorities (1..N, order kept); returns N."""
    items = plan_record.live_items(session, plan)
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
        .where(PlanItem.plan_id == plan.id, col(PlanItem.removed_at).is_(None))
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
    """Every city the user plans for, with the number of items in its current plan (the
    same items its plan page and CSV list)."""
    current = (
        select(Plan.city_id, func.max(Plan.id).label("plan_id"))
        .where(Plan.status == PlanStatus.draft)
        .group_by(col(Plan.city_id))
    )
    drafts = dict(session.exec(current).all())
    latest = dict(
        session.exec(select(Plan.city_id, func.max(Plan.id)).group_by(col(Plan.city_id))).all()
    )
    plan_ids = {city_id: drafts.get(city_id, plan_id) for city_id, plan_id in latest.items()}
    counts = dict(
        session.exec(
            select(PlanItem.plan_id, func.count(col(PlanItem.id)))
            .where(col(PlanItem.plan_id).in_(plan_ids.values()), col(PlanItem.removed_at).is_(None))
            .group_by(col(PlanItem.plan_id))
        ).all()
    )
    cities = [c for c in city_service.list_cities(session) if access.is_planner(user, c)]
    return [(c, counts.get(plan_ids.get(c.id or 0) or -1, 0)) for c in cities]


# --- exports -------------------------------------------------------------------------------------


def ranked_proposals(
    session: Session, city: City
) -> tuple[list[str], list[tuple[VoteRound, list[documents.RankedProposal]]]]:
    """Every closed round of the city (newest first) with its proposals ranked by the round's
    first rule, each with its score and support per stakeholder group and its place in the
    current plan. One query for the rounds, one for proposal titles, one for the plan."""
    rounds = [r for r in voting.rounds_of_city(session, city) if r.status == RoundStatus.closed]
    docs = {r.id: voting.results(session, r) for r in rounds}
    ids = {
        int(item.proposal_id)
        for doc in docs.values()
        for result in doc.rules.values()
        for item in result.ranking
    }
    found = session.exec(
        select(Proposal.id, Proposal.title, Proposal.latitude, Proposal.longitude).where(
            col(Proposal.id).in_(ids)
        )
    ).all()
    titles = {pid: title for pid, title, _lat, _lon in found}
    points = {pid: (lat, lon) for pid, _title, lat, lon in found}
    plan = plan_record.city_plan(session, city)
    priorities: dict[int, int] = {}
    if plan is not None:
        for item in plan_record.live_items(session, plan):
            if item.proposal_id:
                priorities[item.proposal_id] = item.priority
    groups = sorted({g for doc in docs.values() for g in doc.by_group})
    tables = []
    for r in rounds:
        doc = docs[r.id]
        rule = voting.primary_rule(r)
        consensus = {int(s.proposal_id): s for s in doc.consensus}
        by_group = {
            g: {int(i.proposal_id): i.score for i in doc.by_group[g][rule].ranking}
            for g in doc.by_group
            if rule in doc.by_group[g]
        }
        rows = []
        for ranked in doc.rules[rule].ranking:
            pid = int(ranked.proposal_id)
            support = consensus.get(pid)
            rows.append(
                documents.RankedProposal(
                    round_id=r.id or 0,
                    round_question=r.question,
                    rank=ranked.rank,
                    proposal_id=pid,
                    title=titles.get(pid, str(pid)),
                    score=ranked.score,
                    unit=labels.rule_score(rule),
                    weakest_share=support.min_share if support and support.anyone_voted else None,
                    group_scores={g: by_group.get(g, {}).get(pid, 0) for g in groups},
                    group_shares={g: support.share(g) if support else None for g in groups},
                    plan_priority=priorities.get(pid),
                    latitude=points.get(pid, (None, None))[0],
                    longitude=points.get(pid, (None, None))[1],
                )
            )
        tables.append((r, rows))
    return groups, tables


def ranked_summary(
    tables: list[tuple[VoteRound, list[documents.RankedProposal]]],
) -> list[documents.RankedProposal]:
    """One row per proposal, from the newest closed round it was on, ranked: by rank, then
    by the weakest group's share (highest first), then by proposal id."""
    seen: dict[int, documents.RankedProposal] = {}
    for _round, rows in tables:  # newest first
        for row in rows:
            seen.setdefault(row.proposal_id, row)
    return sorted(
        seen.values(),
        key=lambda r: (r.rank, -(r.weakest_share or 0), r.proposal_id),
    )
