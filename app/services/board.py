"""A city's proposal board: joining it online, the list with filters, sorting and search, a
proposal's page, and what participants do there (propose, comment, reply, edit, flag,
support). What staff do to proposals is in app.services.proposals."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, literal_column, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain import evidence
from app.domain import proposal_board as rules
from app.domain.errors import Conflict, Forbidden, NotFound, UserError
from app.i18n import gettext as _
from app.labels import dimension
from app.models import (
    City,
    CommentFlag,
    Idea,
    Participant,
    Proposal,
    ProposalCategory,
    ProposalChange,
    ProposalComment,
    ProposalIdea,
    ProposalImage,
    ProposalOrigin,
    ProposalStatus,
    ProposalSupport,
    RoundProposal,
    StaffAccount,
    StakeholderGroup,
    Theme,
    VoteRound,
    Workshop,
    utcnow,
)
from app.services import board_search, live
from app.services import workshops as workshop_service
from app.services.workshops import JoinDetails, text_or_error

PAGE_SIZE = 20
GROUPS = [g.value for g in StakeholderGroup]
MAX_PAGE_SIZE = 100
SORTS = ("newest", "supported", "discussed", "random")


# --- joining ------------------------------------------------------------------------------------


def join(session: Session, city: City, details: JoinDetails) -> Participant:
    """A device joins the city's board, as it would join a workshop (every group may)."""
    return workshop_service.add_participant(session, details, list(GROUPS), city_id=city.id)


# --- categories ----------------------------------------------------------------------------------


def categories(session: Session, city: City) -> list[ProposalCategory]:
    query = (
        select(ProposalCategory)
        .where(ProposalCategory.city_id == city.id)
        .order_by(col(ProposalCategory.position), col(ProposalCategory.id))
    )
    return list(session.exec(query))


def category_label(category: ProposalCategory) -> str:
    return category.name or dimension(category.code)


# --- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilter:
    category: str = ""
    status: str = ""
    group: str = ""
    workshop_id: int | None = None
    origin: str = ""
    place: str = ""
    q: str = ""
    sort: str = "newest"
    page: int = 1
    page_size: int = PAGE_SIZE


# What a card on the board page shows.
CARD_COLUMNS = tuple(
    Proposal.__table__.c[name]  # type: ignore[attr-defined]
    for name in (
        "id",
        "title",
        "status",
        "category",
        "place",
        "origin",
        "author_group",
        "support_count",
        "comment_count",
    )
)


@dataclass
class Card:
    proposal: Any  # a row of the proposal's columns: CARD_COLUMNS, or all of them
    supports: dict[str, int]
    snippet: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class BoardPage:
    cards: list[Card]
    total: int
    page: int
    pages: int
    words: list[str]


def board_page(
    session: Session, city: City, filters: BoardFilter, *, seed: int, every_column: bool = False
) -> BoardPage:
    """One page of the city's proposals, in a bounded number of queries whatever its size:
    (search), count, page, supports per group of the page. Rows, not entities: a card's
    columns (and the description a search's snippets come from), or `every_column`."""
    if every_column:
        columns: Any = list(Proposal.__table__.c)  # type: ignore[attr-defined]
    elif filters.q.strip():
        columns = [*CARD_COLUMNS, Proposal.__table__.c.description]  # type: ignore[attr-defined]
    else:
        columns = CARD_COLUMNS
    query = select(*columns).where(Proposal.city_id == city.id)
    if filters.status:
        query = query.where(Proposal.status == filters.status)
    else:
        query = query.where(col(Proposal.status) != ProposalStatus.merged)
    if filters.category:
        query = query.where(Proposal.category == filters.category)
    if filters.group:
        query = query.where(Proposal.author_group == filters.group)
    if filters.workshop_id is not None:
        query = query.where(Proposal.workshop_id == filters.workshop_id)
    if filters.origin:
        query = query.where(Proposal.origin == filters.origin)
    if filters.place:
        query = query.where(col(Proposal.place).contains(filters.place))
    words: list[str] = []
    ranks: dict[int, int] = {}
    if filters.q.strip():
        hits, words = board_search.search(session, city, filters.q)
        ranks = {h.proposal_id: position for position, h in enumerate(hits)}
        query = query.where(col(Proposal.id).in_(list(ranks) or [-1]))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, math.ceil(total / filters.page_size))
    page = min(max(1, filters.page), pages)
    offset = (page - 1) * filters.page_size
    if ranks and filters.sort == "newest":
        # Best match first: the ranks are known here, so order the matching ids (a few hundred
        # at most) in Python and load only the page's rows.
        matching = session.exec(select(query.subquery().c.id)).all()
        page_ids = sorted(matching, key=lambda i: ranks[i])[offset : offset + filters.page_size]
        rows = session.execute(select(*columns).where(col(Proposal.id).in_(page_ids or [-1])))
        by_id = {p.id: p for p in rows}
        proposals = [by_id[i] for i in page_ids if i in by_id]
    else:
        ordered = query.order_by(*_order(filters.sort, seed))
        proposals = list(session.execute(ordered.offset(offset).limit(filters.page_size)))
    supports = supports_by_group(session, [p.id for p in proposals])
    cards = [
        Card(
            p,
            supports.get(p.id, rules.supporters_by_group([], GROUPS)),
            board_search.rules.snippet(f"{p.title} — {p.description}", words) if words else [],
        )
        for p in proposals
    ]
    return BoardPage(cards, total, page, pages, words)


def _order(sort: str, seed: int) -> list[Any]:
    if sort == "supported":
        return [col(Proposal.support_count).desc(), col(Proposal.id).desc()]
    if sort == "discussed":
        return [col(Proposal.comment_count).desc(), col(Proposal.id).desc()]
    if sort == "random":
        key: Any = literal_column(
            f"(proposal.id * {rules.RANDOM_MULTIPLIER} + {int(seed)}) % {rules.RANDOM_MODULUS}"
        )
        return [key, col(Proposal.id)]
    return [col(Proposal.id).desc()]


def supports_by_group(session: Session, proposal_ids: list[int]) -> dict[int, dict[str, int]]:
    if not proposal_ids:
        return {}
    query = (
        select(ProposalSupport.proposal_id, ProposalSupport.stakeholder_group, func.count())
        .where(col(ProposalSupport.proposal_id).in_(proposal_ids))
        .group_by(col(ProposalSupport.proposal_id), col(ProposalSupport.stakeholder_group))
    )
    groups: dict[int, list[str]] = defaultdict(list)
    for proposal_id, group, count in session.exec(query):
        groups[proposal_id].extend([group] * count)
    return {pid: rules.supporters_by_group(groups.get(pid, []), GROUPS) for pid in proposal_ids}


def random_seed(visitor: str, day: date) -> int:
    return rules.random_seed(visitor, day)


# --- one proposal ----------------------------------------------------------------------------


def get_proposal(session: Session, city: City, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.city_id != city.id:
        raise NotFound(_("There is no proposal with this number on this board."))
    return proposal


@dataclass
class CommentThread:
    comment: ProposalComment
    replies: list[ProposalComment]


def comment_threads(
    session: Session, proposal: Proposal, *, staff: bool, participant: Participant | None
) -> list[CommentThread]:
    """Comments oldest first with their replies. The public sees visible comments; staff see
    hidden and held ones too; an author sees their own held comment (marked as such)."""
    rows = session.exec(
        select(ProposalComment)
        .where(ProposalComment.proposal_id == proposal.id)
        .order_by(col(ProposalComment.id))
    ).all()
    own = participant.id if participant else None

    def shown(c: ProposalComment) -> bool:
        if staff:
            return True
        if c.hidden:
            return False
        return not c.held_for_review or (own is not None and c.author_participant_id == own)

    threads: dict[int, CommentThread] = {}
    for c in rows:
        if c.parent_id is None and shown(c):
            threads[c.id or 0] = CommentThread(c, [])
    for c in rows:
        if c.parent_id in threads and c.deleted_at is None and shown(c):
            threads[c.parent_id].replies.append(c)
    # A comment its author deleted stays (as "deleted by its author") only to keep its replies.
    return [t for t in threads.values() if t.comment.deleted_at is None or t.replies]


@dataclass
class Origin:
    ideas: list[Idea]
    theme: Theme | None
    workshop: Workshop | None


def origin_of(session: Session, proposal: Proposal) -> Origin:
    idea_ids = set(
        session.exec(
            select(ProposalIdea.idea_id).where(ProposalIdea.proposal_id == proposal.id)
        ).all()
    )
    if proposal.source_idea_id:
        idea_ids.add(proposal.source_idea_id)
    ideas = (
        list(session.exec(select(Idea).where(col(Idea.id).in_(idea_ids)).order_by(col(Idea.id))))
        if idea_ids
        else []
    )
    theme = session.get(Theme, proposal.source_theme_id) if proposal.source_theme_id else None
    workshop = session.get(Workshop, proposal.workshop_id) if proposal.workshop_id else None
    return Origin(ideas, theme, workshop)


def rounds_of(session: Session, proposal: Proposal) -> list[VoteRound]:
    query = (
        select(VoteRound)
        .join(RoundProposal, col(RoundProposal.round_id) == VoteRound.id)
        .where(RoundProposal.proposal_id == proposal.id, col(VoteRound.status) != "draft")
        .order_by(col(VoteRound.id))
    )
    return list(session.exec(query))


def history(session: Session, proposal: Proposal) -> list[tuple[ProposalChange, str]]:
    """Every change, oldest first, with who made it (a staff member's name, or empty)."""
    query = (
        select(ProposalChange, StaffAccount.display_name)
        .join(
            StaffAccount,
            col(StaffAccount.id) == ProposalChange.staff_account_id,
            isouter=True,
        )
        .where(ProposalChange.proposal_id == proposal.id)
        .order_by(col(ProposalChange.id))
    )
    return [(change, name or "") for change, name in session.exec(query)]


def supported_by(session: Session, proposal: Proposal, participant: Participant | None) -> bool:
    if participant is None:
        return False
    query = select(ProposalSupport.id).where(
        ProposalSupport.proposal_id == proposal.id,
        ProposalSupport.participant_id == participant.id,
    )
    return session.exec(query).first() is not None


def proposals_of_workshop(session: Session, workshop: Workshop) -> list[Proposal]:
    query = (
        select(Proposal)
        .where(Proposal.workshop_id == workshop.id, col(Proposal.status) != "merged")
        .order_by(col(Proposal.id))
    )
    return list(session.exec(query))


# --- what participants do --------------------------------------------------------------------


def ensure_open(proposal: Proposal) -> None:
    if proposal.status in rules.CLOSED_STATUSES:
        raise Conflict(
            _("This proposal was merged or withdrawn; it no longer takes comments or support.")
        )


@dataclass(frozen=True)
class ProposalFields:
    title: str
    body: str = ""
    category: str = ""
    place: str = ""
    cost: int | None = None
    latitude: str = ""  # as typed; both or neither (rules.map_point)
    longitude: str = ""


def clean_fields(session: Session, city: City, fields: ProposalFields) -> dict[str, Any]:
    """Checked and cleaned values of a proposal form; a UserError (422) names what to fix."""
    title = text_or_error(
        fields.title,
        max_length=rules.TITLE_MAX,
        empty_message=_("Please give the proposal a title."),
    )
    body = (
        text_or_error(fields.body, max_length=rules.BODY_MAX, empty_message="")
        if fields.body.strip()
        else ""
    )
    place = (
        text_or_error(fields.place, max_length=rules.PLACE_MAX, empty_message="")
        if fields.place.strip()
        else None
    )
    category = fields.category.strip() or None
    if category is not None and category not in {c.code for c in categories(session, city)}:
        raise UserError(_("Please choose a category from the list."), status_code=422)
    if fields.cost is not None and not 0 <= fields.cost <= rules.COST_MAX:
        raise UserError(
            _("The estimated cost must be between 0 and 1,000,000,000,000 baht."),
            status_code=422,
        )
    try:
        point = rules.map_point(fields.latitude, fields.longitude)
    except rules.MapPointError as error:
        raise UserError(_map_point_message(error.code), status_code=422) from error
    return {
        "title": title,
        "description": body,
        "category": category,
        "place": place,
        "latitude": point[0] if point else None,
        "longitude": point[1] if point else None,
        "estimated_cost": fields.cost,
    }


def _map_point_message(code: str) -> str:
    if code == "pair":
        return _("Give both latitude and longitude of the map point, or neither.")
    if code == "outside":
        return _(
            "The map point must be in Thailand (latitude 5.6 to 20.5, longitude 97.3 to 105.7)."
        )
    return _("Type latitude and longitude as decimal degrees, such as 16.441900 and 102.836000.")


def propose(
    session: Session, city: City, participant: Participant, fields: ProposalFields
) -> Proposal:
    values = clean_fields(session, city, fields)
    proposal = Proposal(
        city_id=city.id or 0,
        origin=ProposalOrigin.online,
        author_participant_id=participant.id,
        author_group=participant.stakeholder_group,
        **values,
    )
    session.add(proposal)
    session.flush()
    session.add(
        ProposalChange(
            proposal_id=proposal.id or 0,
            author_participant_id=participant.id,
            action="created",
            changes={k: [None, v] for k, v in values.items() if v not in (None, "")},
        )
    )
    board_search.index_proposal(session, proposal, board_search.city_words(session, city.id or 0))
    live.board_changed(session, proposal.city_id)
    return proposal


def set_support(
    session: Session, proposal: Proposal, participant: Participant, *, given: bool
) -> bool:
    """Support or withdraw support; idempotent and safe under races (the unique constraint
    keeps one row; the count moves only with a row that was really added or removed).
    Returns whether the participant supports the proposal afterwards."""
    if given:
        ensure_open(proposal)
        try:
            with session.begin_nested():
                session.add(
                    ProposalSupport(
                        proposal_id=proposal.id or 0,
                        participant_id=participant.id or 0,
                        stakeholder_group=participant.stakeholder_group,
                    )
                )
        except IntegrityError:
            return True  # supported already (perhaps a moment ago, in another request)
        _bump(session, proposal, "support_count", 1)
        live.board_changed(session, proposal.city_id)
        return True
    removed = session.execute(
        delete(ProposalSupport).where(
            col(ProposalSupport.proposal_id) == proposal.id,
            col(ProposalSupport.participant_id) == participant.id,
        )
    )
    if removed.rowcount:  # type: ignore[attr-defined]
        _bump(session, proposal, "support_count", -1)
        live.board_changed(session, proposal.city_id)
    return False


def _bump(session: Session, proposal: Proposal, column: str, by: int) -> None:
    """Add to a counter in the database (not from the row read earlier: others add too)."""
    target = getattr(Proposal, column)
    session.execute(
        update(Proposal).where(col(Proposal.id) == proposal.id).values({target: target + by})
    )
    session.refresh(proposal, [column])


def get_comment(session: Session, proposal: Proposal, comment_id: int) -> ProposalComment:
    comment = session.get(ProposalComment, comment_id)
    if comment is None or comment.proposal_id != proposal.id:
        raise NotFound(_("There is no such comment on this proposal."))
    return comment


def counts(comment: ProposalComment) -> bool:
    """Whether a comment is in its proposal's comment_count: neither hidden, held nor deleted."""
    return not (comment.hidden or comment.held_for_review or comment.deleted_at is not None)


def own_comment(
    session: Session, proposal: Proposal, participant: Participant, comment_id: int
) -> ProposalComment:
    """A comment of this participant that is still there (not deleted)."""
    row = get_comment(session, proposal, comment_id)
    if row.deleted_at is not None:
        raise NotFound(_("There is no such comment on this proposal."))
    if row.author_participant_id != participant.id:
        raise Forbidden(_("You can only change your own comments."))
    return row


def delete_comment(
    session: Session,
    proposal: Proposal,
    participant: Participant,
    comment_id: int,
    *,
    now: datetime | None = None,
) -> None:
    """The author deletes their comment: the text is erased and the comment leaves the count
    and the search at once; with replies it stays in place as "deleted by its author". A second
    request finds no comment of theirs to delete (404); two at once delete it once."""
    row = own_comment(session, proposal, participant, comment_id)
    counted = counts(row)
    done = session.execute(
        update(ProposalComment)
        .where(col(ProposalComment.id) == row.id, col(ProposalComment.deleted_at).is_(None))
        .values(deleted_at=now or utcnow(), text="")
    )
    session.refresh(row)
    if not done.rowcount:  # type: ignore[attr-defined]
        return  # deleted a moment ago by another request
    if counted:
        _bump(session, proposal, "comment_count", -1)
    board_search.index_comment(session, row, proposal.city_id, frozenset())
    live.board_changed(session, proposal.city_id)


def _comment_text(text: str) -> str:
    return text_or_error(
        text, max_length=rules.COMMENT_MAX, empty_message=_("Please write your comment first.")
    )


def comment(
    session: Session,
    proposal: Proposal,
    participant: Participant,
    text: str,
    *,
    parent_id: int | None = None,
) -> ProposalComment:
    """A comment, or a reply (a reply to a reply joins its thread: one level only). A comment
    with a word of the abusive-word screen is held for review, not dropped."""
    ensure_open(proposal)
    body = _comment_text(text)
    parent = None
    if parent_id is not None:
        parent = get_comment(session, proposal, parent_id)
        if parent.hidden or parent.deleted_at is not None:
            raise NotFound(_("There is no such comment on this proposal."))
    row = ProposalComment(
        proposal_id=proposal.id or 0,
        parent_id=(parent.parent_id or parent.id) if parent else None,
        author_participant_id=participant.id,
        stakeholder_group=participant.stakeholder_group,
        text=body,
        held_for_review=rules.needs_review(body),
    )
    session.add(row)
    session.flush()
    if not row.held_for_review:
        _bump(session, proposal, "comment_count", 1)
    board_search.index_comment(
        session, row, proposal.city_id, board_search.city_words(session, proposal.city_id)
    )
    live.board_changed(session, proposal.city_id)
    return row


def edit_comment(
    session: Session,
    proposal: Proposal,
    participant: Participant,
    comment_id: int,
    text: str,
    *,
    now: datetime | None = None,
) -> ProposalComment:
    """An author changes their own comment within 15 minutes of posting it."""
    row = own_comment(session, proposal, participant, comment_id)
    if row.hidden:
        raise Conflict(_("This comment was hidden by a moderator; it can no longer be edited."))
    if not rules.can_edit_comment(row.created_at, now or utcnow()):
        raise Conflict(_("A comment can be edited for 15 minutes after it is posted."))
    ensure_open(proposal)
    was_visible = not row.held_for_review
    row.text = _comment_text(text)
    row.held_for_review = rules.needs_review(row.text)
    row.edited_at = now or utcnow()
    session.add(row)
    session.flush()
    if was_visible != (not row.held_for_review):
        _bump(session, proposal, "comment_count", 1 if was_visible is False else -1)
    board_search.index_comment(
        session, row, proposal.city_id, board_search.city_words(session, proposal.city_id)
    )
    live.board_changed(session, proposal.city_id)
    return row


def flag(session: Session, proposal: Proposal, participant: Participant, comment_id: int) -> None:
    """Report a comment to the moderators; one flag per person and comment."""
    row = get_comment(session, proposal, comment_id)
    if row.deleted_at is not None:
        return  # nothing left to look at
    try:
        with session.begin_nested():
            session.add(CommentFlag(comment_id=row.id or 0, participant_id=participant.id or 0))
    except IntegrityError:
        return
    session.execute(
        update(ProposalComment)
        .where(col(ProposalComment.id) == row.id)
        .values(flag_count=ProposalComment.flag_count + 1)
    )


# --- photos --------------------------------------------------------------------------------------

MAX_IMAGES = 5


def images_of(session: Session, proposal: Proposal) -> list[tuple[int, int, int]]:
    """(id, width, height) of a proposal's photos, in the order they were added."""
    query = (
        select(ProposalImage.id, ProposalImage.width, ProposalImage.height)
        .where(ProposalImage.proposal_id == proposal.id)
        .order_by(col(ProposalImage.id))
    )
    return [(i or 0, w, h) for i, w, h in session.exec(query)]


def add_image(
    session: Session,
    proposal: Proposal,
    data: bytes,
    *,
    participant: Participant | None = None,
    staff: StaffAccount | None = None,
) -> ProposalImage:
    """A photo for the proposal (its author or staff): at most five, PNG/JPEG/WebP checked by
    content, at most 5 MB, stored re-encoded without its metadata (EXIF, GPS)."""
    ensure_open(proposal)
    if staff is None and (participant is None or proposal.author_participant_id != participant.id):
        raise Forbidden(_("Only the author of a proposal can add photos to it."))
    if len(images_of(session, proposal)) >= MAX_IMAGES:
        raise Conflict(_("A proposal can have at most 5 photos."))
    try:
        photo = evidence.clean_photo(data)
    except evidence.EvidenceError as error:
        raise UserError(_photo_message(error), status_code=422) from error
    row = ProposalImage(
        proposal_id=proposal.id or 0,
        media_type=photo.media_type,
        width=photo.width,
        height=photo.height,
        data=photo.data,
        thumbnail=photo.thumbnail,
        author_participant_id=participant.id if participant and staff is None else None,
        staff_account_id=staff.id if staff else None,
    )
    session.add(row)
    session.flush()
    live.board_changed(session, proposal.city_id)
    return row


def _photo_message(error: evidence.EvidenceError) -> str:
    if error.code == "too_large":
        return _("The photo is too large: at most 5 MB.")
    if error.code == "too_many_pixels":
        return _("The photo has too many pixels.")
    if error.code == "damaged":
        return _("The photo is damaged or incomplete.")
    return _("Only photos (JPEG, PNG or WebP) can be added.")


def get_image(session: Session, image_id: int) -> ProposalImage:
    row = session.get(ProposalImage, image_id)
    if row is None:
        raise NotFound(_("There is no such photo."))
    return row


def delete_image(session: Session, proposal: Proposal, image_id: int) -> None:
    row = get_image(session, image_id)
    if row.proposal_id != proposal.id:
        raise NotFound(_("There is no such photo."))
    session.delete(row)
    session.flush()
    live.board_changed(session, proposal.city_id)
