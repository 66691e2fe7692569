"""Proposals as staff shape them: promoting workshop ideas, creating, rewording (the history
keeps the original), setting a status with a public reason, merging duplicates, and
moderating comments. What participants do is in app.services.board."""

from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain import proposal_board as rules
from app.domain.errors import Conflict, NotFound, UserError
from app.i18n import gettext as _
from app.models import (
    City,
    Idea,
    PlanComment,
    Proposal,
    ProposalChange,
    ProposalComment,
    ProposalIdea,
    ProposalOrigin,
    ProposalStatus,
    ProposalSupport,
    StaffAccount,
    Theme,
    Workshop,
    utcnow,
)
from app.services import board_search, live
from app.services import themes as theme_service
from app.services.board import ProposalFields, clean_fields, get_comment
from app.services.workshops import text_or_error

TITLE_LENGTH = 120
# Statuses staff set by hand; "merged" comes only from a merge, "agreed" from the plan.
SETTABLE_STATUSES = (
    ProposalStatus.open,
    ProposalStatus.shortlisted,
    ProposalStatus.selected,
    ProposalStatus.not_selected,
    ProposalStatus.withdrawn,
)


def _title_from(text: str) -> str:
    first_line = text.splitlines()[0] if text else ""
    return first_line if len(first_line) <= TITLE_LENGTH else first_line[: TITLE_LENGTH - 1] + "…"


def _reindex(session: Session, proposal: Proposal) -> None:
    board_search.index_proposal(
        session, proposal, board_search.city_words(session, proposal.city_id)
    )


def promote_idea(
    session: Session, workshop: Workshop, idea_id: int, actor: StaffAccount
) -> Proposal:
    """Turn an idea into a proposal; promoting the same idea twice returns the first proposal."""
    idea = session.get(Idea, idea_id)
    if idea is None or idea.workshop_id != workshop.id:
        raise NotFound(_("This idea does not belong to this workshop."))
    existing = session.exec(select(Proposal).where(Proposal.source_idea_id == idea.id)).first()
    if existing is not None:
        return existing
    proposal = Proposal(
        city_id=workshop.city_id,
        workshop_id=workshop.id,
        source_idea_id=idea.id,
        title=_title_from(idea.text),
        description=idea.text,
        origin=ProposalOrigin.paper if idea.channel == "paper" else ProposalOrigin.idea,
        author_group=idea.stakeholder_group,
        created_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(proposal)
    except IntegrityError:
        # A concurrent click promoted it first: the unique constraint kept one proposal.
        return session.exec(select(Proposal).where(Proposal.source_idea_id == idea.id)).one()
    _reindex(session, proposal)
    live.emit(session, workshop.id or 0, live.Kind.VOTE, proposal.id)
    live.board_changed(session, proposal.city_id)
    return proposal


def promote_ideas(
    session: Session, workshop: Workshop, idea_ids: list[int], actor: StaffAccount
) -> Proposal:
    """Several ideas of a workshop become one proposal (each idea at most once: the unique
    constraint on proposal_idea)."""
    ids = sorted(set(idea_ids))
    if not ids:
        raise UserError(_("Choose at least one idea."), status_code=422)
    ideas = list(
        session.exec(
            select(Idea).where(col(Idea.id).in_(ids), Idea.workshop_id == workshop.id)
        ).all()
    )
    if len(ideas) != len(ids):
        raise NotFound(_("This idea does not belong to this workshop."))
    taken = session.exec(select(ProposalIdea.idea_id).where(col(ProposalIdea.idea_id).in_(ids)))
    promoted = session.exec(
        select(Proposal.source_idea_id).where(col(Proposal.source_idea_id).in_(ids))
    )
    if taken.first() is not None or promoted.first() is not None:
        raise Conflict(_("One of these ideas is already part of a proposal."))
    ideas.sort(key=lambda i: i.id or 0)
    proposal = Proposal(
        city_id=workshop.city_id,
        workshop_id=workshop.id,
        title=_title_from(ideas[0].text),
        description="\n\n".join(i.text for i in ideas)[: rules.BODY_MAX],
        origin=ProposalOrigin.idea,
        created_by_id=actor.id,
    )
    session.add(proposal)
    session.flush()
    for idea in ideas:
        session.add(ProposalIdea(proposal_id=proposal.id or 0, idea_id=idea.id or 0))
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(_("One of these ideas is already part of a proposal.")) from error
    _record(session, proposal, actor, "created", {"ideas": [None, ids]})
    _reindex(session, proposal)
    live.emit(session, workshop.id or 0, live.Kind.VOTE, proposal.id)
    live.board_changed(session, proposal.city_id)
    return proposal


def promote_theme(
    session: Session, workshop: Workshop, theme_id: int, actor: StaffAccount
) -> Proposal:
    """A theme of the workshop's current themes becomes a proposal (once per theme)."""
    city = session.get(City, workshop.city_id)
    if city is None:
        raise NotFound(_("This workshop's city no longer exists."))
    scope = theme_service.Scope(city, workshop)
    return theme_service.promote(
        session, scope, theme_service.get_theme(session, scope, theme_id), actor
    )


def themes_to_promote(session: Session, workshop: Workshop) -> list[Theme]:
    """The workshop's current themes that are not proposals yet (the "other" group never is)."""
    city = session.get(City, workshop.city_id)
    run = (
        theme_service.latest_done_run(session, theme_service.Scope(city, workshop))
        if city
        else None
    )
    if run is None:
        return []
    done = theme_service.proposals_from_themes(session, run)
    return [t for t in theme_service.themes_of(session, run) if not t.is_other and t.id not in done]


def promoted_idea_ids(session: Session, workshop: Workshop) -> set[int]:
    """Ideas of the workshop that are (part of) a proposal: promoted alone or with others."""
    alone = select(Proposal.source_idea_id).where(
        Proposal.workshop_id == workshop.id, col(Proposal.source_idea_id).is_not(None)
    )
    together = (
        select(ProposalIdea.idea_id)
        .join(Proposal, col(Proposal.id) == ProposalIdea.proposal_id)
        .where(Proposal.workshop_id == workshop.id)
    )
    return {i for i in session.execute(alone.union(together)).scalars() if i is not None}


def ideas_of(session: Session, proposal: Proposal) -> list[Idea]:
    """The ideas a proposal was made from (one promoted alone, or several together)."""
    together = select(ProposalIdea.idea_id).where(ProposalIdea.proposal_id == proposal.id)
    query = select(Idea).where(
        (col(Idea.id) == proposal.source_idea_id) | col(Idea.id).in_(together)
    )
    return list(session.exec(query.order_by(col(Idea.id))))


def for_workshop(session: Session, workshop: Workshop) -> list[Proposal]:
    query = select(Proposal).where(Proposal.workshop_id == workshop.id).order_by(col(Proposal.id))
    return list(session.exec(query))


def _record(
    session: Session,
    proposal: Proposal,
    actor: StaffAccount,
    action: str,
    changes: dict[str, Any],
    reason: str = "",
) -> None:
    session.add(
        ProposalChange(
            proposal_id=proposal.id or 0,
            staff_account_id=actor.id,
            action=action,
            changes=changes,
            reason=reason,
        )
    )


def _reason(text: str, *, required: bool) -> str:
    if not text.strip():
        if required:
            raise UserError(_("Please give a reason; it is shown publicly."), status_code=422)
        return ""
    return text_or_error(text, max_length=rules.REASON_MAX, empty_message="")


def _editable(proposal: Proposal) -> None:
    if proposal.status == ProposalStatus.merged:
        raise Conflict(_("This proposal was merged into another; change that one instead."))


def create(
    session: Session,
    city: City,
    actor: StaffAccount,
    fields: ProposalFields,
    *,
    origin: str = ProposalOrigin.online,
) -> Proposal:
    if origin not in (ProposalOrigin.online, ProposalOrigin.paper):
        raise UserError(_("Please choose where the proposal came from."), status_code=422)
    values = clean_fields(session, city, fields)
    proposal = Proposal(
        city_id=city.id or 0, origin=ProposalOrigin(origin), created_by_id=actor.id, **values
    )
    session.add(proposal)
    session.flush()
    _record(
        session,
        proposal,
        actor,
        "created",
        {k: [None, v] for k, v in values.items() if v not in (None, "")},
    )
    _reindex(session, proposal)
    live.board_changed(session, proposal.city_id)
    return proposal


def reword(
    session: Session,
    proposal: Proposal,
    actor: StaffAccount,
    fields: ProposalFields,
    reason: str = "",
) -> dict[str, list[object]]:
    """Change title, body, category, place or cost; the history keeps each old value."""
    _editable(proposal)
    city = session.get(City, proposal.city_id)
    if city is None:
        raise NotFound(_("There is no city with this identifier."))
    values = clean_fields(session, city, fields)
    before = {k: getattr(proposal, k) for k in values}
    changed = rules.changes(before, values)
    if not changed:
        return {}
    for key, value in values.items():
        setattr(proposal, key, value)
    proposal.updated_at = utcnow()
    session.add(proposal)
    _record(session, proposal, actor, "edited", changed, _reason(reason, required=False))
    session.flush()
    _reindex(session, proposal)
    live.board_changed(session, proposal.city_id)
    return changed


def set_status(
    session: Session, proposal: Proposal, actor: StaffAccount, status: str, reason: str
) -> None:
    """A new status with its public reason (required)."""
    _editable(proposal)
    if status not in {s.value for s in SETTABLE_STATUSES}:
        raise UserError(_("Please choose a status from the list."), status_code=422)
    why = _reason(reason, required=True)
    if status == proposal.status:
        raise Conflict(_("The proposal already has this status."))
    _record(session, proposal, actor, "status", {"status": [proposal.status, status]}, why)
    proposal.status = ProposalStatus(status)
    proposal.status_reason = why
    proposal.updated_at = utcnow()
    session.add(proposal)
    session.flush()
    live.board_changed(session, proposal.city_id)


def merge(
    session: Session,
    duplicate: Proposal,
    survivor_id: int,
    actor: StaffAccount,
    reason: str = "",
) -> Proposal:
    """Merge a duplicate into a surviving proposal of the same city: its supporters (each
    person once) and comments move, it is marked merged and points to the survivor, and both
    histories say so."""
    survivor = session.get(Proposal, survivor_id)
    if survivor is None:
        raise NotFound(_("There is no proposal with this number on this board."))
    problem = rules.merge_problem(
        duplicate_id=duplicate.id or 0,
        survivor_id=survivor.id or 0,
        same_city=survivor.city_id == duplicate.city_id,
        duplicate_status=duplicate.status,
        survivor_status=survivor.status,
    )
    if problem is not None:
        raise Conflict(
            {
                "self": _("A proposal cannot be merged into itself."),
                "other_city": _("Both proposals must be on the same city's board."),
                "duplicate_closed": _("This proposal was already merged or withdrawn."),
                "survivor_closed": _(
                    "The proposal to merge into was merged or withdrawn; choose an open one."
                ),
            }[problem]
        )
    why = _reason(reason, required=False)

    def supports(proposal: Proposal) -> list[rules.Support]:
        rows = session.exec(
            select(ProposalSupport.id, ProposalSupport.participant_id).where(
                ProposalSupport.proposal_id == proposal.id
            )
        ).all()
        return [rules.Support(i or 0, p) for i, p in rows]

    plan = rules.plan_merge(supports(duplicate), supports(survivor))
    if plan.drop:
        session.execute(delete(ProposalSupport).where(col(ProposalSupport.id).in_(plan.drop)))
    if plan.move:
        session.execute(
            update(ProposalSupport)
            .where(col(ProposalSupport.id).in_(plan.move))
            .values(proposal_id=survivor.id)
        )
    session.execute(
        update(ProposalComment)
        .where(col(ProposalComment.proposal_id) == duplicate.id)
        .values(proposal_id=survivor.id)
    )
    board_search.move_comments(session, duplicate.id or 0, survivor.id or 0)
    for proposal in (duplicate, survivor):
        _recount(session, proposal)
    _record(
        session,
        duplicate,
        actor,
        "merged",
        {"status": [duplicate.status, "merged"], "merged_into": [None, survivor.id]},
        why,
    )
    _record(session, survivor, actor, "merged_from", {"merged_from": [None, duplicate.id]}, why)
    duplicate.status = ProposalStatus.merged
    duplicate.merged_into_id = survivor.id
    duplicate.status_reason = why
    duplicate.updated_at = survivor.updated_at = utcnow()
    session.add(duplicate)
    session.add(survivor)
    session.flush()
    _reindex(session, duplicate)  # a merged proposal leaves the index
    live.board_changed(session, survivor.city_id)
    return survivor


def _recount(session: Session, proposal: Proposal) -> None:
    supports = select(func.count()).where(ProposalSupport.proposal_id == proposal.id)
    comments = select(func.count()).where(
        ProposalComment.proposal_id == proposal.id,
        col(ProposalComment.hidden).is_(False),
        col(ProposalComment.held_for_review).is_(False),
        col(ProposalComment.deleted_at).is_(None),
    )
    proposal.support_count = session.exec(supports).one()
    proposal.comment_count = session.exec(comments).one()
    session.add(proposal)


def hide(row: ProposalComment | PlanComment, actor: StaffAccount, reason: str) -> None:
    """Hide a resident's comment with the reason shown in its place (one rule for the board's
    and the plan consultation's comments)."""
    row.hidden = True
    row.hidden_reason = _reason(reason, required=True)[:200]
    row.hidden_by_id = actor.id


def unhide(row: ProposalComment | PlanComment) -> None:
    """Show a hidden comment again, or let one held by the abusive-word screen through."""
    row.hidden = False
    row.hidden_reason = None
    row.hidden_by_id = None
    row.held_for_review = False


def hide_comment(
    session: Session, proposal: Proposal, comment_id: int, actor: StaffAccount, reason: str
) -> ProposalComment:
    row = get_comment(session, proposal, comment_id)
    hide(row, actor, reason)
    session.add(row)
    session.flush()
    _recount(session, proposal)
    board_search.index_comment(
        session, row, proposal.city_id, board_search.city_words(session, proposal.city_id)
    )
    live.board_changed(session, proposal.city_id)
    return row


def restore_comment(
    session: Session, proposal: Proposal, comment_id: int, actor: StaffAccount
) -> ProposalComment:
    """Show a hidden comment again, or let a held one through after review."""
    row = get_comment(session, proposal, comment_id)
    unhide(row)
    session.add(row)
    session.flush()
    _recount(session, proposal)
    board_search.index_comment(
        session, row, proposal.city_id, board_search.city_words(session, proposal.city_id)
    )
    live.board_changed(session, proposal.city_id)
    return row
