"""Ideas and comments on a workshop's wall: posting from phones, paper notes, +1s, moderation."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import literal, union_all
from sqlalchemy import select as sql_select  # rows of several columns
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from app.domain.errors import Conflict, NotFound, UserError
from app.domain.paper import split_notes
from app.domain.rate_limit import PostingLimit, retry_after
from app.domain.text import IDEA_MAX_LENGTH
from app.domain.wall_view import WallView
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import (
    Channel,
    Idea,
    IdeaReaction,
    Participant,
    StaffAccount,
    StakeholderGroup,
    Workshop,
    utcnow,
)
from app.services import live
from app.services.workshops import ensure_open, text_or_error

MAX_TABLE_NUMBER = 999
POSTING_LIMIT = PostingLimit()


class TooFast(UserError):
    status_code = 429

    def __init__(self, seconds: int) -> None:
        super().__init__(
            ngettext(
                "You are posting very fast. Please wait %(num)s second and send again; your text is kept.",
                "You are posting very fast. Please wait %(num)s seconds and send again; your text is kept.",
                seconds,
            )
            % {"num": seconds}
        )
        self.retry_after = seconds


def _clean(text: str, empty_message: str) -> str:
    return text_or_error(text, max_length=IDEA_MAX_LENGTH, empty_message=empty_message)


def visible_idea(session: Session, workshop: Workshop, idea_id: int) -> Idea:
    idea = session.get(Idea, idea_id)
    if (
        idea is None
        or idea.workshop_id != workshop.id
        or idea.hidden
        or idea.duplicate_of_id is not None
    ):
        raise NotFound(_("This idea is no longer on the wall."))
    return idea


def post(
    session: Session,
    workshop: Workshop,
    participant: Participant,
    text: str,
    *,
    client_key: str | None,
    parent_id: int | None = None,
) -> tuple[Idea, bool]:
    """Post an idea (or a comment on one). Returns (idea, created).

    The same client_key from the same participant returns the first idea (a double tap or
    a resent form); posting too fast, into a locked or closed workshop, or on a hidden idea
    is refused with a message, and nothing is written.
    """
    key = (client_key or "").strip()[:64] or None
    if key is not None:
        existing = _by_key(session, participant, key)
        if existing is not None:
            return existing, False
    ensure_open(workshop)
    if workshop.posting_locked:
        raise Conflict(
            _(
                "Posting is paused by the facilitator. Your text is kept; send it when posting reopens."
            )
        )
    parent = visible_idea(session, workshop, parent_id) if parent_id is not None else None
    if parent is not None and parent.parent_id is not None:
        raise UserError(_("Comments can only be added to ideas."), status_code=422)
    clean = _clean(
        text,
        _("Please write your comment before sending.")
        if parent
        else _("Please write your idea before sending."),
    )
    now = utcnow()
    recent = session.exec(
        select(Idea.created_at).where(
            Idea.participant_id == participant.id, col(Idea.created_at) > now - POSTING_LIMIT.window
        )
    ).all()
    wait = retry_after(list(recent), now, POSTING_LIMIT)
    if wait is not None:
        raise TooFast(wait)
    idea = Idea(
        workshop_id=workshop.id or 0,
        participant_id=participant.id,
        parent_id=parent.id if parent else None,
        channel=Channel.phone,
        stakeholder_group=participant.stakeholder_group,
        text=clean,
        client_key=key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(idea)
    except IntegrityError:
        # The same key arrived twice at once; the unique constraint kept the first.
        if key is None:
            raise
        existing = _by_key(session, participant, key)
        if existing is None:
            raise
        return existing, False
    live.emit(session, workshop.id or 0, live.Kind.IDEA, idea.id)
    return idea, True


def _by_key(session: Session, participant: Participant, key: str) -> Idea | None:
    query = select(Idea).where(Idea.participant_id == participant.id, Idea.client_key == key)
    return session.exec(query).first()


def _table(table_number: int | None) -> int | None:
    if table_number is not None and not 1 <= table_number <= MAX_TABLE_NUMBER:
        raise UserError(
            _("Table numbers run from 1 to %(max)s.") % {"max": MAX_TABLE_NUMBER}, status_code=422
        )
    return table_number


def add_paper_notes(
    session: Session,
    workshop: Workshop,
    *,
    pasted: str,
    group: str,
    table_number: int | None,
    entered_by: StaffAccount,
) -> list[Idea]:
    """Sticky notes typed in by a facilitator, one per line; all saved or none."""
    if group not in StakeholderGroup.__members__:
        raise UserError(_("Please choose the group written on the note."), status_code=422)
    table = _table(table_number)
    notes, problems = split_notes(pasted, max_length=IDEA_MAX_LENGTH)
    if problems:
        line, problem = problems[0]
        raise UserError(
            _(
                "Line %(line)s is %(length)s characters long; the limit is %(limit)s. Nothing was saved."
            )
            % {"line": line, "length": f"{problem.length:,}", "limit": f"{problem.limit:,}"},
            status_code=422,
        )
    if not notes:
        raise UserError(_("Please type the note's text."), status_code=422)
    ideas = [
        Idea(
            workshop_id=workshop.id or 0,
            entered_by_id=entered_by.id,
            channel=Channel.paper,
            table_number=table,
            stakeholder_group=StakeholderGroup(group),
            text=note,
        )
        for note in notes
    ]
    session.add_all(ideas)
    session.flush()
    for idea in ideas:
        live.emit(session, workshop.id or 0, live.Kind.IDEA, idea.id)
    return ideas


def set_reaction(
    session: Session, workshop: Workshop, participant: Participant, idea_id: int, *, given: bool
) -> None:
    """Give or take back the participant's +1. Setting (not toggling) makes a double tap or a
    button showing stale state harmless."""
    ensure_open(workshop)
    idea = visible_idea(session, workshop, idea_id)
    existing = session.exec(
        select(IdeaReaction).where(
            IdeaReaction.idea_id == idea.id, IdeaReaction.participant_id == participant.id
        )
    ).first()
    if given == (existing is not None):
        return
    if existing is not None:
        session.delete(existing)
    else:
        try:
            with session.begin_nested():
                session.add(IdeaReaction(idea_id=idea.id or 0, participant_id=participant.id or 0))
        except IntegrityError:
            return  # given at the same moment by a double tap
    session.flush()
    live.emit(session, workshop.id or 0, live.Kind.REACTION, idea.id)


# --- moderation -------------------------------------------------------------------------


def idea_of(session: Session, workshop: Workshop, idea_id: int) -> Idea:
    idea = session.get(Idea, idea_id)
    if idea is None or idea.workshop_id != workshop.id:
        raise NotFound(_("This idea does not belong to this workshop."))
    return idea


def hide(
    session: Session, workshop: Workshop, idea_id: int, *, reason: str, by: StaffAccount
) -> Idea:
    idea = idea_of(session, workshop, idea_id)
    clean_reason = reason.strip()[:200]
    if not clean_reason:
        raise UserError(_("Please give a reason for hiding this idea."), status_code=422)
    idea.hidden, idea.hidden_reason, idea.hidden_by_id = True, clean_reason, by.id
    session.add(idea)
    live.emit(session, workshop.id or 0, live.Kind.WALL, idea.id)
    return idea


def restore(session: Session, workshop: Workshop, idea_id: int) -> Idea:
    idea = idea_of(session, workshop, idea_id)
    idea.hidden, idea.hidden_reason, idea.hidden_by_id = False, None, None
    session.add(idea)
    live.emit(session, workshop.id or 0, live.Kind.WALL, idea.id)
    return idea


def edit(session: Session, workshop: Workshop, idea_id: int, text: str) -> Idea:
    """Fix a typo; the participant's original wording is kept once, for the record."""
    idea = idea_of(session, workshop, idea_id)
    clean = _clean(text, _("Please write your idea before sending."))
    if clean != idea.text:
        if idea.original_text is None:
            idea.original_text = idea.text
        idea.text, idea.edited_at = clean, utcnow()
        session.add(idea)
        live.emit(session, workshop.id or 0, live.Kind.WALL, idea.id)
    return idea


def mark_duplicate(session: Session, workshop: Workshop, idea_id: int, of_id: int) -> Idea:
    """Merge an idea into another: it leaves the wall and counts under the one it repeats."""
    idea = idea_of(session, workshop, idea_id)
    try:
        target = idea_of(session, workshop, of_id)
    except NotFound:  # a number typed into the merge form: the form's error, not a missing page
        raise UserError(
            _("There is no idea number %(id)s in this workshop.") % {"id": of_id}, status_code=422
        ) from None
    while target.duplicate_of_id is not None:  # merge into the root of a chain
        target = idea_of(session, workshop, target.duplicate_of_id)
    if target.id == idea.id:
        raise UserError(_("An idea cannot be a duplicate of itself."), status_code=422)
    if idea.parent_id is not None or target.parent_id is not None:
        raise UserError(_("Only ideas, not comments, can be merged."), status_code=422)
    for earlier in session.exec(select(Idea).where(Idea.duplicate_of_id == idea.id)).all():
        earlier.duplicate_of_id = target.id  # keep chains flat
        session.add(earlier)
    idea.duplicate_of_id = target.id
    session.add(idea)
    live.emit(session, workshop.id or 0, live.Kind.WALL, idea.id)
    return idea


def unmark_duplicate(session: Session, workshop: Workshop, idea_id: int) -> Idea:
    idea = idea_of(session, workshop, idea_id)
    idea.duplicate_of_id = None
    session.add(idea)
    live.emit(session, workshop.id or 0, live.Kind.WALL, idea.id)
    return idea


# --- reading the wall ---------------------------------------------------------------------


@dataclass
class WallItem:
    idea: Idea
    reactions: int = 0
    duplicates: int = 0
    comments: list[Idea] = field(default_factory=list)
    authors: dict[int, str] = field(default_factory=dict)  # display names people chose to show

    def author(self, idea: Idea | None = None) -> str | None:
        participant_id = (idea or self.idea).participant_id
        return self.authors.get(participant_id) if participant_id is not None else None


def _visible(query: Any, idea: Any = Idea) -> Any:
    return query.where(col(idea.hidden).is_(False), col(idea.duplicate_of_id).is_(None))


def _top_level(workshop: Workshop, *columns: Any) -> Any:
    """Ideas (not comments) of the workshop with their authors' shown names, and `columns`."""
    return (
        sql_select(Idea, *columns, col(Participant.display_name))
        .outerjoin(Participant, col(Participant.id) == Idea.participant_id)
        .where(col(Idea.workshop_id) == workshop.id, col(Idea.parent_id).is_(None))
    )


def wall(
    session: Session,
    workshop: Workshop,
    *,
    include_hidden: bool = False,
    limit: int = 200,
    before: int | None = None,
    view: WallView = WallView(),
) -> list[WallItem]:
    """Ideas on the wall, newest first, with their comments, +1s, merged duplicates and the
    names people chose to show (three queries, whatever the number of ideas).

    `before` is an idea id: only older ideas come back, so the next page of a wall stays the
    same while new ideas arrive on top (a keyset, not an offset; newest-first views only).
    `view` filters by group or paper, or puts the most +1s first (ties: newest first)."""
    query = _top_level(workshop)
    if not include_hidden:
        query = _visible(query)
    if view.group:
        query = query.where(col(Idea.stakeholder_group) == view.group)
    if view.paper_only:
        query = query.where(col(Idea.channel) == Channel.paper)
    if view.sort == "plus":
        plus_ones = (
            select(func.count())
            .where(col(IdeaReaction.idea_id) == col(Idea.id))
            .correlate(Idea)
            .scalar_subquery()
        )
        query = query.order_by(plus_ones.desc())
    elif before is not None:
        query = query.where(col(Idea.id) < before)
    rows = session.execute(query.order_by(col(Idea.id).desc()).limit(limit)).all()
    return _decorate(session, [idea for idea, _name in rows], _names(rows))


def wall_page(
    session: Session, workshop: Workshop, *, limit: int, before: int | None = None
) -> tuple[list[WallItem], int]:
    """A page of the visible wall (as wall()) and the number of visible ideas in all, which
    rides along the page's own query."""
    other = aliased(Idea)
    total = _visible(
        select(func.count()).where(
            other.workshop_id == workshop.id, col(other.parent_id).is_(None)
        ),
        other,
    ).scalar_subquery()
    query = _visible(_top_level(workshop, total))
    if before is not None:
        query = query.where(col(Idea.id) < before)
    rows = session.execute(query.order_by(col(Idea.id).desc()).limit(limit)).all()
    count = int(rows[0][1]) if rows else visible_count(session, workshop)
    ideas = [idea for idea, _total, _name in rows]
    return _decorate(session, ideas, _names([(i, n) for i, _t, n in rows])), count


def _names(rows: Any) -> dict[int, str]:
    return {idea.participant_id: name for idea, name in rows if idea.participant_id and name}


def wall_item(session: Session, idea: Idea) -> WallItem:
    names: dict[int, str] = {}
    if idea.participant_id is not None:
        person = session.get(Participant, idea.participant_id)
        if person is not None and person.display_name:
            names[idea.participant_id] = person.display_name
    return _decorate(session, [idea], names)[0]


@dataclass(frozen=True)
class WallChange:
    """What one moderation did to the phones' wall: an idea as it now shows, or its removal."""

    idea_id: int
    item: WallItem | None  # None: it left the wall


def wall_changes(session: Session, workshop: Workshop, idea_id: int) -> list[WallChange]:
    """The ideas a moderation of `idea_id` changed on the wall, so that phones update those in
    place and keep the older pages they have loaded (a comment: its idea, with its comments;
    a merge: the merged idea leaves and the one it joined shows the new count)."""
    idea = session.get(Idea, idea_id)
    if idea is None or idea.workshop_id != workshop.id:
        return []
    if idea.parent_id is not None:
        parent = session.get(Idea, idea.parent_id)
        return [_as_shown(session, parent)] if parent is not None else []
    changes = [_as_shown(session, idea)]
    if idea.duplicate_of_id is not None:
        target = session.get(Idea, idea.duplicate_of_id)
        if target is not None:
            changes.append(_as_shown(session, target))
    return changes


def _as_shown(session: Session, idea: Idea) -> WallChange:
    shown = not idea.hidden and idea.duplicate_of_id is None
    return WallChange(idea.id or 0, wall_item(session, idea) if shown else None)


def _decorate(session: Session, ideas: list[Idea], authors: dict[int, str]) -> list[WallItem]:
    """+1s and merged duplicates (one query), comments with their authors' names (one)."""
    ids = [i.id for i in ideas]
    if not ids:
        return []
    reactions: dict[int, int] = {}
    duplicates: dict[int, int] = {}
    counted: Any = union_all(
        sql_select(literal("r"), col(IdeaReaction.idea_id), func.count())
        .where(col(IdeaReaction.idea_id).in_(ids))
        .group_by(col(IdeaReaction.idea_id)),
        sql_select(literal("d"), col(Idea.duplicate_of_id), func.count())
        .where(col(Idea.duplicate_of_id).in_(ids))
        .group_by(col(Idea.duplicate_of_id)),
    )
    for kind, idea_id, number in session.execute(counted).all():
        (reactions if kind == "r" else duplicates)[idea_id] = number
    comments: dict[int, list[Idea]] = {}
    authors = dict(authors)
    for comment, name in session.execute(
        sql_select(Idea, col(Participant.display_name))
        .outerjoin(Participant, col(Participant.id) == Idea.participant_id)
        .where(col(Idea.parent_id).in_(ids), col(Idea.hidden).is_(False))
        .order_by(col(Idea.id))
    ).all():
        comments.setdefault(comment.parent_id or 0, []).append(comment)
        if comment.participant_id is not None and name:
            authors[comment.participant_id] = name
    return [
        WallItem(
            i,
            reactions.get(i.id or 0, 0),
            duplicates.get(i.id or 0, 0),
            comments.get(i.id or 0, []),
            authors,
        )
        for i in ideas
    ]


def reacted_ids(session: Session, participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    query = select(IdeaReaction.idea_id).where(IdeaReaction.participant_id == participant.id)
    return set(session.exec(query).all())


def visible_count(session: Session, workshop: Workshop) -> int:
    query = select(func.count()).where(
        Idea.workshop_id == workshop.id,
        col(Idea.parent_id).is_(None),
        col(Idea.hidden).is_(False),
        col(Idea.duplicate_of_id).is_(None),
    )
    return int(session.exec(query).one())


def moderation_count(session: Session, workshop: Workshop) -> int:
    """Every idea the console can moderate: hidden and merged ones too (not comments)."""
    query = select(func.count()).where(
        Idea.workshop_id == workshop.id, col(Idea.parent_id).is_(None)
    )
    return int(session.exec(query).one())
