"""Residents' rights under the PDPA (B.E. 2562): consent given and withdrawn, a copy of
everything held about a participant, erasure, and retention.

A participant took part in a workshop or on a city's proposal board (its scope); every use
case here takes the participant whatever its scope, and only finding one (`find`,
`participant_of`) is told where to look. What erasure clears is listed in one place (`erase`),
so that new kinds of participant data are erased by adding them there; each erasure leaves an
ErasureRecord without personal data.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, or_, union_all, update
from sqlmodel import Session, col, func, select

from app import i18n
from app.domain import join_codes, retention
from app.domain.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import (
    AgeBand,
    City,
    CommentFlag,
    ConsentPurpose,
    ConsentRecord,
    DeviceBoardParticipant,
    DeviceParticipant,
    ErasedBy,
    ErasureRecord,
    Idea,
    IdeaReaction,
    Participant,
    PlanComment,
    PresenceMiss,
    Proposal,
    ProposalChange,
    ProposalComment,
    ProposalImage,
    ProposalSupport,
    Role,
    RoundPresence,
    RoundVoter,
    StaffAccount,
    VoteRound,
    Workshop,
)
from app.models.workshop import REFERENCE_LENGTH
from app.services import access, live

# The privacy notice shown on the join forms; a consent record keeps the version it was given
# under. 2026-12: the city board's notice states how long the board keeps personal data.
NOTICE_VERSION = "2026-12"
RETENTION_YEARS = 2
SEARCH_LIMIT = 20
# Participant fields that hold personal data only with a purpose's consent.
FIELDS_OF_PURPOSE: dict[ConsentPurpose, tuple[str, ...]] = {
    ConsentPurpose.demographics: ("age_band", "community"),
}
# Everything erase() clears on the participant row; the stakeholder group stays (counts).
ERASED_FIELDS = ("display_name", "age_band", "community")
LOG_PAGE_SIZE = 100
# Where a participant took part: a workshop, or a city's proposal board.
Scope = Workshop | City


def reference(participant: Participant) -> str:
    """The reference a phone shows on "my data", for a request made to staff: P-ABCD-EFGH."""
    return shown_reference(participant.reference)


def shown_reference(stored: str) -> str:
    return f"P-{stored[:4]}-{stored[4:]}"


def _parse_reference(text: str) -> str | None:
    """What staff typed, as a stored reference: P-ABCD-EFGH or abcd efgh give ABCDEFGH."""
    typed = join_codes.normalize(text)
    if len(typed) == REFERENCE_LENGTH + 1 and typed.startswith("P"):
        typed = typed[1:]
    ok = len(typed) == REFERENCE_LENGTH and all(ch in join_codes.ALPHABET for ch in typed)
    return typed if ok else None


# --- consent -------------------------------------------------------------------------------


def give_consent(
    session: Session, participant: Participant, purpose: ConsentPurpose, now: datetime
) -> ConsentRecord:
    record = ConsentRecord(
        participant_id=participant.id or 0,
        purpose=purpose,
        notice_version=NOTICE_VERSION,
        given_at=now,
    )
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class Demographics:
    """Age band and community as typed, checked: kept only with consent."""

    age_band: AgeBand | None
    community: str | None

    @property
    def given(self) -> bool:
        return self.age_band is not None or self.community is not None

    @classmethod
    def checked(cls, age_band: str, community: str, *, consent: bool) -> "Demographics":
        if age_band and age_band not in {a.value for a in AgeBand}:
            raise UserError(_("Please choose an age band from the list."), status_code=422)
        value = cls(AgeBand(age_band) if age_band else None, community.strip()[:120] or None)
        if value.given and not consent:
            raise UserError(
                _(
                    "To share your age band or community, tick the consent box, or leave both "
                    "empty."
                ),
                status_code=422,
            )
        return value


def give_demographics(
    session: Session, participant: Participant, demographics: Demographics, now: datetime
) -> None:
    """Keep the participant's age band and community, with a consent record; giving them
    again (after a withdrawal, or to change them) records a new consent."""
    if not demographics.given:
        raise UserError(
            _("Choose an age band or type a community, or leave this form."), status_code=422
        )
    _close_consents(session, participant, now, ConsentPurpose.demographics)
    participant.age_band = demographics.age_band
    participant.community = demographics.community
    session.add(participant)
    give_consent(session, participant, ConsentPurpose.demographics, now)


def _close_consents(
    session: Session,
    participant: Participant,
    now: datetime,
    purpose: ConsentPurpose | None = None,
) -> int:
    """Mark the participant's active consents (of one purpose, or all) withdrawn at `now`;
    returns how many were active."""
    query = update(ConsentRecord).where(
        col(ConsentRecord.participant_id) == participant.id,
        col(ConsentRecord.withdrawn_at).is_(None),
    )
    if purpose is not None:
        query = query.where(col(ConsentRecord.purpose) == purpose.value)
    closed = session.execute(
        query.values(withdrawn_at=now).execution_options(synchronize_session=False)
    )
    return int(closed.rowcount or 0)  # type: ignore[attr-defined]


def consents(session: Session, participant: Participant) -> list[ConsentRecord]:
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.participant_id == participant.id)
        .order_by(col(ConsentRecord.id))
    )
    return list(session.exec(query))


def has_consent(records: list[ConsentRecord], purpose: ConsentPurpose) -> bool:
    return any(r.purpose == purpose and r.withdrawn_at is None for r in records)


def withdraw_consent(
    session: Session, participant: Participant, purpose: str, now: datetime
) -> None:
    """Withdraw a consent and clear the data kept under it. Withdrawing what was not given
    (or twice) changes nothing."""
    if purpose not in {p.value for p in ConsentPurpose}:
        raise UserError(_("There is no such consent to withdraw."), status_code=422)
    chosen = ConsentPurpose(purpose)
    _close_consents(session, participant, now, chosen)
    for field in FIELDS_OF_PURPOSE[chosen]:
        setattr(participant, field, None)
    session.add(participant)
    session.flush()


# --- a copy of everything held ---------------------------------------------------------


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export(session: Session, participant: Participant, now: datetime) -> dict[str, Any]:
    """Everything held about a participant, as JSON-ready data (PDPA section 30), whether
    they took part in a workshop or on a city's board. Ballots are not in it: they hold no
    link to anyone, so they cannot be found for a person."""
    workshop = session.get(Workshop, participant.workshop_id) if participant.workshop_id else None
    if workshop is not None:
        about = _("Everything Mueang Ruam Kit holds about you as a participant of this workshop.")
        place: dict[str, Any] = {
            "workshop": {
                "title": workshop.title,
                "join_code": workshop.join_code,
                "held_on": workshop.held_on.isoformat() if workshop.held_on else None,
            }
        }
        kept_until: str | None = retention_date(workshop).isoformat()
    else:
        about = _(
            "Everything Mueang Ruam Kit holds about you as a participant of this city's "
            "proposal board."
        )
        city = session.get(City, participant.city_id)  # set when the workshop is not
        place = {
            "board": {"city": city.name_th, "city_en": city.name_en, "slug": city.slug}
            if city
            else {}
        }
        kept_until = board_retention_date(session, participant, city).isoformat() if city else None
    held = {
        "about": about,
        "exported_at": _stamp(now),
        "notice_version": NOTICE_VERSION,
        "participant": {
            "reference": reference(participant),
            **place,
            "stakeholder_group": participant.stakeholder_group,
            "display_name": participant.display_name,
            "age_band": participant.age_band,
            "community": participant.community,
            "joined_at": _stamp(participant.created_at),
            "erased_at": _stamp(participant.erased_at),
            "kept_until": kept_until,
        },
        "consents": [
            {
                "purpose": record.purpose,
                "notice_version": record.notice_version,
                "given_at": _stamp(record.given_at),
                "withdrawn_at": _stamp(record.withdrawn_at),
            }
            for record in consents(session, participant)
        ],
    }
    if workshop is not None:
        return held | _workshop_activity(session, participant)
    return held | _board_activity(session, participant)


def _workshop_activity(session: Session, participant: Participant) -> dict[str, Any]:
    posts = session.exec(
        select(Idea).where(Idea.participant_id == participant.id).order_by(col(Idea.id))
    ).all()
    reactions = session.exec(
        select(IdeaReaction)
        .where(IdeaReaction.participant_id == participant.id)
        .order_by(col(IdeaReaction.id))
    ).all()
    voted = session.exec(
        select(VoteRound.id, VoteRound.question)
        .join(RoundVoter, col(RoundVoter.round_id) == VoteRound.id)
        .where(RoundVoter.participant_id == participant.id)
        .order_by(col(VoteRound.id))
    ).all()
    present = session.exec(
        select(RoundPresence.round_id)
        .where(RoundPresence.participant_id == participant.id)
        .order_by(col(RoundPresence.round_id))
    ).all()

    def post(idea: Idea) -> dict[str, Any]:
        return {
            "id": idea.id,
            "text": idea.text,
            "original_text": idea.original_text,
            "posted_at": _stamp(idea.created_at),
            "hidden_by_moderator": idea.hidden,
        } | ({"on_idea": idea.parent_id} if idea.parent_id else {})

    return {
        "ideas": [post(idea) for idea in posts if idea.parent_id is None],
        "comments": [post(idea) for idea in posts if idea.parent_id is not None],
        "plus_ones": [{"idea": r.idea_id, "given_at": _stamp(r.created_at)} for r in reactions],
        "votes": [{"round": rid, "question": q, "has_voted": True} for rid, q in voted],
        "presence_confirmed_in_rounds": list(present),
        "ballots": _(
            "Your ballots are not in this file: a ballot is stored without your name or any "
            "link that staff could follow, so the app cannot look up how you voted. The list "
            "above only says in which rounds you voted. Once your data is erased, nothing can "
            "link a ballot to you, not even the server's key."
        ),
    }


def _board_activity(session: Session, participant: Participant) -> dict[str, Any]:
    """A board participant's proposals, comments, edits, supports, photos and reports."""
    pid = participant.id
    proposals = session.exec(
        select(Proposal).where(Proposal.author_participant_id == pid).order_by(col(Proposal.id))
    ).all()
    comments = session.exec(
        select(ProposalComment)
        .where(ProposalComment.author_participant_id == pid)
        .order_by(col(ProposalComment.id))
    ).all()
    edits = session.exec(
        select(ProposalChange)
        .where(ProposalChange.author_participant_id == pid)
        .order_by(col(ProposalChange.id))
    ).all()
    supports = session.exec(
        select(Proposal.id, Proposal.title, ProposalSupport.created_at)
        .join(ProposalSupport, col(ProposalSupport.proposal_id) == Proposal.id)
        .where(ProposalSupport.participant_id == pid)
        .order_by(col(ProposalSupport.id))
    ).all()
    photos = session.exec(  # the columns, not the images' bytes
        select(
            ProposalImage.id,
            ProposalImage.proposal_id,
            ProposalImage.media_type,
            ProposalImage.created_at,
        )
        .where(ProposalImage.author_participant_id == pid)
        .order_by(col(ProposalImage.id))
    ).all()
    flags = session.exec(
        select(CommentFlag).where(CommentFlag.participant_id == pid).order_by(col(CommentFlag.id))
    ).all()
    plan_comments = session.exec(
        select(PlanComment)
        .where(PlanComment.author_participant_id == pid)
        .order_by(col(PlanComment.id))
    ).all()
    return {
        "proposals": [
            {
                "id": p.id,
                "title": p.title,
                "body": p.description,
                "place": p.place,
                "estimated_cost": p.estimated_cost,
                "latitude": p.latitude,
                "longitude": p.longitude,
                "status": p.status,
                "proposed_at": _stamp(p.created_at),
            }
            for p in proposals
        ],
        "proposal_comments": [
            {
                "id": c.id,
                "proposal": c.proposal_id,
                "text": c.text,
                "posted_at": _stamp(c.created_at),
                "edited_at": _stamp(c.edited_at),
                "hidden_by_moderator": c.hidden,
                "deleted_by_you": c.deleted_at is not None,
                "waiting_for_a_moderator": c.held_for_review,
            }
            | ({"reply_to": c.parent_id} if c.parent_id else {})
            for c in comments
        ],
        "proposal_edits": [
            {
                "proposal": e.proposal_id,
                "action": e.action,
                "changes": e.changes,
                "made_at": _stamp(e.created_at),
            }
            for e in edits
        ],
        "supports": [
            {"proposal": proposal_id, "title": title, "given_at": _stamp(given)}
            for proposal_id, title, given in supports
        ],
        "photos": [
            {"id": photo_id, "proposal": proposal_id, "media_type": kind, "added_at": _stamp(at)}
            for photo_id, proposal_id, kind, at in photos
        ],
        "reported_comments": [
            {"comment": f.comment_id, "reported_at": _stamp(f.created_at)} for f in flags
        ],
        "plan_consultation_comments": [
            {
                "id": c.id,
                "text": c.text,
                "on_plan_item": c.item_id,
                "posted_at": _stamp(c.created_at),
                "hidden_by_moderator": c.hidden,
            }
            for c in plan_comments
        ],
    }


# --- erasure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What erase() changed, for the confirmation, the purge's summary and the log."""

    fields_cleared: tuple[str, ...]
    posts_unlinked: int
    rows_deleted: int
    consents_withdrawn: int


def erase(
    session: Session, participant: Participant, now: datetime, *, by: ErasedBy | StaffAccount
) -> Erasure | None:
    """Erase a participant's personal data; None if it was already erased.

    `by` is who asked: the participant, the retention purge, or a staff account (answering a
    request); it goes into the ErasureRecord this leaves, with counts and no personal data.
    Clears: display name, age band and community (the participant row keeps only its
    stakeholder group and join time, and a fresh token; the devices that joined as it are
    unlinked, so no phone or cookie leads to it again); the authorship link (and double-tap
    key) of every idea and comment, and of a city board's proposals, proposal comments, edits,
    photos and plan consultation comments (they stay, as anonymous posts of their group: they
    are part of the public record, and themes, proposals and counts rest on them); wrong
    presence-code attempts;
    active consents are marked withdrawn (the records stay, as proof of what was agreed).
    Keeps: +1s, board supports and flags, "has voted" and presence markers, all tied to the
    now anonymous row, so every count (participants, ideas, +1s, supports, turnout) is
    unchanged; ballots never had a link.
    The first process to mark the row erased does the work (a conditional UPDATE), so two
    purges, or a purge and a staff member, never erase twice.
    """
    claimed = session.execute(
        update(Participant)
        .where(col(Participant.id) == participant.id, col(Participant.erased_at).is_(None))
        .values(erased_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    had_name = participant.display_name is not None
    cleared = tuple(f for f in ERASED_FIELDS if getattr(participant, f) is not None)
    for field in ERASED_FIELDS:
        setattr(participant, field, None)
    participant.erased_at = now
    participant.token = secrets.token_urlsafe(32)
    session.add(participant)
    unlinked = session.execute(
        update(Idea)
        .where(col(Idea.participant_id) == participant.id)
        .values(participant_id=None, client_key=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    for authored in (Proposal, ProposalChange, ProposalComment, ProposalImage, PlanComment):
        # A city board's proposals, comments, edits and photos, and comments on a plan in
        # public consultation, stay, anonymous, like ideas.
        unlinked += session.execute(
            update(authored)
            .where(col(authored.author_participant_id) == participant.id)
            .values(author_participant_id=None)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
    deleted = session.execute(
        delete(PresenceMiss).where(col(PresenceMiss.participant_id) == participant.id)
    ).rowcount  # type: ignore[attr-defined]
    for devices in (DeviceParticipant, DeviceBoardParticipant):  # no phone is it any more
        deleted += session.execute(
            delete(devices).where(col(devices.participant_id) == participant.id)
        ).rowcount  # type: ignore[attr-defined]
    withdrawn = _close_consents(session, participant, now)
    erasure = Erasure(cleared, int(unlinked or 0), int(deleted or 0), withdrawn)
    session.add(
        ErasureRecord(
            erased_at=now,
            erased_by=ErasedBy.staff if isinstance(by, StaffAccount) else by,
            staff_account_id=by.id if isinstance(by, StaffAccount) else None,
            workshop_id=participant.workshop_id,
            city_id=participant.city_id,
            participant_reference=participant.reference,
            fields_cleared=len(cleared),
            rows_unlinked=erasure.posts_unlinked,
            rows_deleted=erasure.rows_deleted,
            consents_withdrawn=withdrawn,
        )
    )
    session.flush()
    if had_name and unlinked and participant.workshop_id is not None:
        # Walls show authors' names and are cached per event: a new event renders them anew.
        live.emit(session, participant.workshop_id, live.Kind.WALL)
    return erasure


@dataclass(frozen=True)
class LogEntry:
    record: ErasureRecord
    place: str  # the workshop's title or the city's name
    staff_name: str | None


def erasure_log(
    session: Session, user: StaffAccount, *, before: int | None = None
) -> list[LogEntry]:
    """The latest erasures the staff member may see, newest first, LOG_PAGE_SIZE at a time
    (before: the id to continue below). Admins see all; others those of the workshops they
    facilitate and the city boards they run."""
    query = (
        select(ErasureRecord, Workshop.title, City, StaffAccount.display_name)
        .outerjoin(Workshop, col(Workshop.id) == ErasureRecord.workshop_id)
        .outerjoin(City, col(City.id) == ErasureRecord.city_id)
        .outerjoin(StaffAccount, col(StaffAccount.id) == ErasureRecord.staff_account_id)
        .order_by(col(ErasureRecord.id).desc())
        .limit(LOG_PAGE_SIZE)
    )
    if user.role != Role.admin:
        query = query.where(
            or_(
                col(ErasureRecord.workshop_id).in_(access.facilitated_workshop_ids(user)),
                col(ErasureRecord.city_id).in_(access.board_city_ids(user)),
            )
        )
    if before is not None:
        query = query.where(col(ErasureRecord.id) < before)
    thai = i18n.get_locale() == "th"
    return [
        LogEntry(record, title or (city and (city.name_th if thai else city.name_en)) or "", staff)
        for record, title, city, staff in session.exec(query)
    ]


# --- staff answering a request ---------------------------------------------------------------


def _in_scope(scope: Scope) -> Any:
    if isinstance(scope, Workshop):
        return col(Participant.workshop_id) == scope.id
    return col(Participant.city_id) == scope.id


def find(session: Session, scope: Scope, query: str) -> list[Participant]:
    """A workshop's or a city board's participants with this reference (P-ABCD-EFGH), or
    else whose display name holds the text."""
    text = query.strip()
    if not text:
        return []
    base = select(Participant).where(_in_scope(scope))
    typed_reference = _parse_reference(text)
    if typed_reference is not None:
        by_reference = list(session.exec(base.where(Participant.reference == typed_reference)))
        if by_reference:
            return by_reference
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = base.where(
        func.lower(col(Participant.display_name)).like(pattern.lower(), escape="\\")
    )
    return list(session.exec(matches.order_by(col(Participant.id)).limit(SEARCH_LIMIT)))


def participant_of(session: Session, scope: Scope, participant_id: int) -> Participant:
    query = select(Participant).where(Participant.id == participant_id, _in_scope(scope))
    participant = session.exec(query).first()
    if participant is None:
        raise NotFound(_("There is no participant with this reference here."))
    return participant


# --- retention -------------------------------------------------------------------------------


def default_retention(workshop: Workshop) -> date:
    start = workshop.held_on or workshop.created_at.date()
    try:
        return start.replace(year=start.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + RETENTION_YEARS, day=28)


def retention_date(workshop: Workshop) -> date:
    """The last day personal data of the workshop's participants is kept."""
    return workshop.retain_until or default_retention(workshop)


def set_retention(session: Session, workshop: Workshop, day: date | None) -> None:
    """A facilitator's own retention date (already within the app's date bounds); None goes
    back to the default."""
    workshop.retain_until = day
    session.add(workshop)
    session.flush()


def _activity_times(participant_id: int | None = None) -> Any:
    """(participant id, time) of everything a board participant did that the database keeps
    with a time: joining, proposing, editing a proposal or adding a photo, commenting (and
    editing or deleting their comment), supporting, reporting a comment, commenting on a plan
    in consultation, giving consent. Reading the board leaves no record, by design, so it does
    not count. Computed from these rows rather than kept in a column of its own, so that no
    write path can forget to update it; every one of them is indexed by participant."""
    comment_at = func.coalesce(
        ProposalComment.deleted_at, ProposalComment.edited_at, ProposalComment.created_at
    )
    times: list[tuple[Any, Any]] = [
        (Participant.id, Participant.created_at),
        (Proposal.author_participant_id, Proposal.created_at),
        (ProposalChange.author_participant_id, ProposalChange.created_at),
        (ProposalImage.author_participant_id, ProposalImage.created_at),
        (ProposalComment.author_participant_id, comment_at),
        (ProposalSupport.participant_id, ProposalSupport.created_at),
        (CommentFlag.participant_id, CommentFlag.created_at),
        (PlanComment.author_participant_id, PlanComment.created_at),
        (ConsentRecord.participant_id, ConsentRecord.given_at),
    ]
    parts = []
    for who, at in times:
        part: Any = select(col(who).label("participant_id"), at.label("at"))
        if participant_id is not None:
            part = part.where(col(who) == participant_id)
        parts.append(part)
    return union_all(*parts).subquery("activity")


def last_activity(session: Session, participant: Participant) -> datetime:
    """When the board participant last did something there (joining, at the latest)."""
    activity = _activity_times(participant.id)
    latest = session.exec(select(func.max(activity.c.at))).one()
    return _utc(latest) or participant.created_at


def _utc(value: datetime | str | None) -> datetime | None:
    """A MAX() over a union comes back untyped on SQLite (text, no zone): read it as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def board_retention_date(session: Session, participant: Participant, city: City) -> date:
    """The last day a board participant's personal data is kept (domain.retention)."""
    last = municipal_day(last_activity(session, participant))
    return retention.board_kept_until(last, city.board_retention_months)


def set_board_retention(session: Session, city: City, months: int) -> None:
    """A city's planners choose how many months after a participant's last activity the
    board keeps their personal data."""
    if not retention.months_in_range(months):
        raise UserError(_months_refusal(), status_code=422)
    city.board_retention_months = months
    session.add(city)
    session.flush()


def board_participants_due(session: Session, city: City, now: datetime) -> int:
    """How many of the board's participants the next purge erases: told to the planner who
    just shortened the rule, since erasure cannot be undone."""
    return len(_due_board_participants(session, now, city))


def _months_refusal() -> str:
    return _("Choose between %(low)s and %(high)s months.") % {
        "low": i18n.format_number(retention.MIN_BOARD_MONTHS),
        "high": i18n.format_number(retention.MAX_BOARD_MONTHS),
    }


def _due_board_participants(
    session: Session, now: datetime, city: City | None = None
) -> list[tuple[int, int]]:
    """(participant id, city id) of board participants (of every board, or of one) past their
    retention date and not yet erased: one grouped read, the rule applied here (the dates are
    months, which SQL dialects add differently)."""
    today = municipal_day(now)
    activity = _activity_times()
    query = (
        select(Participant.id, City.id, City.board_retention_months, func.max(activity.c.at))
        .join(City, col(City.id) == Participant.city_id)
        .join(activity, activity.c.participant_id == Participant.id)
        .where(col(Participant.erased_at).is_(None))
        .group_by(col(Participant.id), col(City.id), col(City.board_retention_months))
        .order_by(col(Participant.id))
    )
    if city is not None:
        query = query.where(col(City.id) == city.id)
    rows = session.exec(query).all()
    return [
        (pid or 0, city_id or 0)
        for pid, city_id, months, latest in rows
        if retention.board_kept_until(municipal_day(_utc(latest) or now), months) < today
    ]


@dataclass(frozen=True)
class Purge:
    workshops: int
    participants: int  # of those workshops
    boards: int = 0  # cities whose board had participants past their date
    board_participants: int = 0


def municipal_day(now: datetime) -> date:
    """The date in Thailand at `now`: retention dates are the municipalities' days, so one
    ends at midnight in Bangkok (17:00 UTC), not at midnight UTC."""
    return now.astimezone(i18n.THAI_TZ).date()


def _expired_workshops(session: Session, now: datetime) -> list[Workshop]:
    """Workshops past their retention date that still hold someone's personal data."""
    today = municipal_day(now)
    pending = select(Participant.workshop_id).where(col(Participant.erased_at).is_(None))
    candidates = session.exec(select(Workshop).where(col(Workshop.id).in_(pending))).all()
    return [w for w in candidates if retention_date(w) < today]


def any_due(session: Session, now: datetime) -> bool:
    return bool(_expired_workshops(session, now)) or bool(_due_board_participants(session, now))


def purge(session: Session, now: datetime) -> Purge:
    """Erase the participants of every workshop whose retention date has passed, and the
    board participants past theirs; counts, ideas, proposals, comments and results stay.
    Commits as it goes (the workshops, then each board participant). Safe to run in several
    processes at once (see erase)."""
    workshops = _expired_workshops(session, now)
    erased = 0
    for workshop in workshops:
        people = session.exec(
            select(Participant).where(
                Participant.workshop_id == workshop.id, col(Participant.erased_at).is_(None)
            )
        ).all()
        erased += sum(
            1 for person in people if erase(session, person, now, by=ErasedBy.retention) is not None
        )
    session.commit()
    cities: set[int] = set()
    board_erased = 0
    for participant_id, city_id in _due_board_participants(session, now):
        person = _still_due(session, participant_id, city_id, now)
        if person is not None and erase(session, person, now, by=ErasedBy.retention) is not None:
            cities.add(city_id)
            board_erased += 1
        # One board participant per transaction: holding an earlier erasure's locks (their
        # proposals) while waiting for the next participant's row could deadlock with that
        # participant supporting one of those proposals (PostgreSQL).
        session.commit()
    return Purge(len(workshops), erased, len(cities), board_erased)


def _still_due(
    session: Session, participant_id: int, city_id: int, now: datetime
) -> Participant | None:
    """The board participant, if they are still past their date now that their row is locked.

    The due list was read before: someone who supported or commented since (PostgreSQL lets
    them commit meanwhile) must not be erased for an activity date that is no longer theirs.
    The row lock (FOR UPDATE; SQLite's purge already holds the write lock) waits for their
    writes in flight, since each of those references the participant row, and holds off new
    ones until the erasure is committed."""
    person = session.exec(
        select(Participant)
        .where(col(Participant.id) == participant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    city = session.get(City, city_id)
    if person is None or city is None or person.erased_at is not None:
        return None
    if board_retention_date(session, person, city) >= municipal_day(now):
        return None
    return person
