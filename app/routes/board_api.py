"""The proposal board in JSON (/api/v1): public reads with the board's filters, sorting,
pages and search; writes (comment, support) with the same rules, CSRF and session as the
pages. Errors are problem details (app.errors)."""

from typing import Any

from fastapi import APIRouter, Request
from markupsafe import escape

from app.db import SessionDep
from app.deps import (
    BoardParticipant,
    BoardProposal,
    BoardQuery,
    CityBySlug,
    OptionalBoardParticipant,
)
from app.models import (
    ChangePublic,
    City,
    CommentIn,
    CommentPublic,
    Proposal,
    ProposalComment,
    ProposalDetail,
    ProposalPage,
    ProposalPublic,
    SupportIn,
    SupportResult,
)
from app.routes.board import visitor_seed
from app.services import board

router = APIRouter(prefix="/api/v1", tags=["proposals"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown city or proposal (problem details)"}
}
# What a write can meet besides (problem details, like every error here).
WRITE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    401: {"description": "This device has not joined the city's board (join_url says where)"},
    403: {"description": "Missing or wrong X-CSRF-Token, or a request from another site"},
    409: {"description": "The proposal is merged or withdrawn, or the comment cannot be taken"},
    429: {"description": "Too many posts in a short time (Retry-After)"},
}


def _public(
    city: City, proposal: Proposal, supports: dict[str, int], snippet: str | None = None
) -> ProposalPublic:
    return ProposalPublic(
        id=proposal.id or 0,
        title=proposal.title,
        body=proposal.description,
        category=proposal.category,
        place=proposal.place,
        latitude=proposal.latitude,
        longitude=proposal.longitude,
        estimated_cost=proposal.estimated_cost,
        origin=proposal.origin,
        status=proposal.status,
        status_reason=proposal.status_reason,
        author_group=proposal.author_group,
        workshop_id=proposal.workshop_id,
        merged_into_id=proposal.merged_into_id,
        support_count=proposal.support_count,
        comment_count=proposal.comment_count,
        supporters_by_group=supports,
        created_at=proposal.created_at,
        url=f"/cities/{city.slug}/proposals/{proposal.id}",
        snippet=snippet,
    )


def _marked(parts: list[tuple[str, bool]]) -> str:
    return "".join(f"<mark>{escape(p)}</mark>" if hit else str(escape(p)) for p, hit in parts)


@router.get("/cities/{slug}/proposals", response_model=ProposalPage, responses=PROBLEMS)
def list_proposals(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    participant: OptionalBoardParticipant,
    filters: BoardQuery,
) -> ProposalPage:
    """A city's proposals: search (Thai words found inside unspaced text), filters (category,
    status, author's group, workshop, origin, place), sort (newest or best match, supported,
    discussed, random) and pages. Merged proposals only appear with status=merged."""
    seed = visitor_seed(request, participant)
    result = board.board_page(session, city, filters, seed=seed, every_column=True)
    return ProposalPage(
        total=result.total,
        page=result.page,
        pages=result.pages,
        page_size=filters.page_size,
        items=[
            _public(city, c.proposal, c.supports, _marked(c.snippet) if c.snippet else None)
            for c in result.cards
        ],
    )


@router.get(
    "/cities/{slug}/proposals/{proposal_id}", response_model=ProposalDetail, responses=PROBLEMS
)
def get_proposal(session: SessionDep, city: CityBySlug, proposal: BoardProposal) -> ProposalDetail:
    """One proposal with its supporters per group, origin, votes and history. A merged one
    names the proposal it was merged into (merged_into_id)."""
    supports = board.supports_by_group(session, [proposal.id or 0])[proposal.id or 0]
    origin = board.origin_of(session, proposal)
    public = _public(city, proposal, supports)
    return ProposalDetail(
        **public.model_dump(),
        history=[
            ChangePublic(
                action=c.action, changes=c.changes, reason=c.reason, created_at=c.created_at
            )
            for c, _who in board.history(session, proposal)
        ],
        round_ids=[r.id or 0 for r in board.rounds_of(session, proposal)],
        idea_ids=[i.id or 0 for i in origin.ideas if not i.hidden],
        theme_id=proposal.source_theme_id,
    )


def _comment(c: ProposalComment, replies: list[ProposalComment] | None = None) -> CommentPublic:
    return CommentPublic(
        id=c.id or 0,
        parent_id=c.parent_id,
        stakeholder_group=c.stakeholder_group,
        text=c.text,
        deleted=c.deleted_at is not None,
        edited_at=c.edited_at,
        created_at=c.created_at,
        replies=[_comment(r) for r in replies or []],
    )


@router.get(
    "/cities/{slug}/proposals/{proposal_id}/comments",
    response_model=list[CommentPublic],
    responses=PROBLEMS,
)
def list_comments(session: SessionDep, proposal: BoardProposal) -> list[CommentPublic]:
    """Visible comments, oldest first, each with its replies."""
    threads = board.comment_threads(session, proposal, staff=False, participant=None)
    return [_comment(t.comment, t.replies) for t in threads]


@router.post(
    "/cities/{slug}/proposals/{proposal_id}/comments",
    response_model=CommentPublic,
    status_code=201,
    responses=WRITE_PROBLEMS,
)
def post_comment(
    session: SessionDep, proposal: BoardProposal, participant: BoardParticipant, body: CommentIn
) -> CommentPublic:
    """Comment (or reply, with parent_id) as the device's board participant; needs the
    session cookie and the X-CSRF-Token header. A held comment is stored for review."""
    row = board.comment(session, proposal, participant, body.text, parent_id=body.parent_id)
    session.commit()
    return _comment(row)


@router.post(
    "/cities/{slug}/proposals/{proposal_id}/support",
    response_model=SupportResult,
    responses=WRITE_PROBLEMS,
)
def support(
    session: SessionDep, proposal: BoardProposal, participant: BoardParticipant, body: SupportIn
) -> SupportResult:
    """Support (or with support=false withdraw) as the device's board participant; one
    support per participant. Needs the session cookie and the X-CSRF-Token header."""
    supported = board.set_support(session, proposal, participant, given=body.support)
    session.commit()
    supports = board.supports_by_group(session, [proposal.id or 0])[proposal.id or 0]
    return SupportResult(
        supported=supported,
        support_count=proposal.support_count,
        supporters_by_group=supports,
    )
