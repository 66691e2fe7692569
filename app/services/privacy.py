"""Residents' rights under the PDPA (B.E. 2562): consent given and withdrawn, a copy of
everything held about a participant, erasure, and retention.

What erasure clears is listed in one place (`erase`), so that new kinds of participant data
(city-board participants, board comments) are erased by adding them there.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from app.domain import join_codes
from app.domain.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import (
    AgeBand,
    ConsentPurpose,
    ConsentRecord,
    DeviceBoardParticipant,
    DeviceParticipant,
    Idea,
    IdeaReaction,
    Participant,
    PlanComment,
    PresenceMiss,
    Proposal,
    ProposalChange,
    ProposalComment,
    ProposalImage,
    RoundPresence,
    RoundVoter,
    VoteRound,
    Workshop,
)
from app.models.workshop import REFERENCE_LENGTH
from app.services import live

NOTICE_VERSION = "2026-11"  # the privacy notice shown on the join form
RETENTION_YEARS = 2
SEARCH_LIMIT = 20
# Participant fields that hold personal data only with a purpose's consent.
FIELDS_OF_PURPOSE: dict[ConsentPurpose, tuple[str, ...]] = {
    ConsentPurpose.demographics: ("age_band", "community"),
}
# Everything erase() clears on the participant row; the stakeholder group stays (counts).
ERASED_FIELDS = ("display_name", "age_band", "community")


def reference(participant: Participant) -> str:
    """The reference a phone shows on "my data", for a request made to staff: P-ABCD-EFGH."""
    ref = participant.reference
    return f"P-{ref[:4]}-{ref[4:]}"


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
) -> None:
    """Mark the participant's active consents (of one purpose, or all) withdrawn at `now`."""
    query = update(ConsentRecord).where(
        col(ConsentRecord.participant_id) == participant.id,
        col(ConsentRecord.withdrawn_at).is_(None),
    )
    if purpose is not None:
        query = query.where(col(ConsentRecord.purpose) == purpose.value)
    session.execute(query.values(withdrawn_at=now).execution_options(synchronize_session=False))


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


def export(
    session: Session, workshop: Workshop, participant: Participant, now: datetime
) -> dict[str, Any]:
    """Everything held about a participant, as JSON-ready data (PDPA section 30). Ballots are
    not in it: they hold no link to anyone, so they cannot be found for a person."""
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
    plan_comments = session.exec(
        select(PlanComment)
        .where(PlanComment.author_participant_id == participant.id)
        .order_by(col(PlanComment.id))
    ).all()
    present = session.exec(
        select(RoundPresence.round_id)
        .where(RoundPresence.participant_id == participant.id)
        .order_by(col(RoundPresence.round_id))
    ).all()

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    def post(idea: Idea) -> dict[str, Any]:
        return {
            "id": idea.id,
            "text": idea.text,
            "original_text": idea.original_text,
            "posted_at": stamp(idea.created_at),
            "hidden_by_moderator": idea.hidden,
        } | ({"on_idea": idea.parent_id} if idea.parent_id else {})

    return {
        "about": _("Everything Mueang Ruam Kit holds about you as a participant of this workshop."),
        "exported_at": stamp(now),
        "notice_version": NOTICE_VERSION,
        "participant": {
            "reference": reference(participant),
            "workshop": {
                "title": workshop.title,
                "join_code": workshop.join_code,
                "held_on": workshop.held_on.isoformat() if workshop.held_on else None,
            },
            "stakeholder_group": participant.stakeholder_group,
            "display_name": participant.display_name,
            "age_band": participant.age_band,
            "community": participant.community,
            "joined_at": stamp(participant.created_at),
            "erased_at": stamp(participant.erased_at),
            "kept_until": retention_date(workshop).isoformat(),
        },
        "consents": [
            {
                "purpose": record.purpose,
                "notice_version": record.notice_version,
                "given_at": stamp(record.given_at),
                "withdrawn_at": stamp(record.withdrawn_at),
            }
            for record in consents(session, participant)
        ],
        "ideas": [post(idea) for idea in posts if idea.parent_id is None],
        "comments": [post(idea) for idea in posts if idea.parent_id is not None],
        "plan_consultation_comments": [
            {
                "id": c.id,
                "text": c.text,
                "on_plan_item": c.item_id,
                "posted_at": stamp(c.created_at),
                "hidden_by_moderator": c.hidden,
            }
            for c in plan_comments
        ],
        "plus_ones": [{"idea": r.idea_id, "given_at": stamp(r.created_at)} for r in reactions],
        "votes": [{"round": rid, "question": q, "has_voted": True} for rid, q in voted],
        "presence_confirmed_in_rounds": list(present),
        "ballots": _(
            "Your ballots are not in this file: a ballot is stored without your name or any "
            "link that staff could follow, so the app cannot look up how you voted. The list "
            "above only says in which rounds you voted. Once your data is erased, nothing can "
            "link a ballot to you, not even the server's key."
        ),
    }


# --- erasure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What erase() changed, for the confirmation and the purge's summary."""

    fields_cleared: tuple[str, ...]
    posts_unlinked: int
    presence_misses_deleted: int


def erase(session: Session, participant: Participant, now: datetime) -> Erasure | None:
    """Erase a participant's personal data; None if it was already erased.

    Clears: display name, age band and community (the participant row keeps only its
    stakeholder group and join time, and a fresh token; the devices that joined as it are
    unlinked, so no phone or cookie leads to it again); the authorship link (and double-tap key) of every idea and comment, and of a city
    board's proposals, proposal comments, edits and photos, and plan consultation comments
    (they stay on
    the wall as anonymous posts of their group: they are part of the workshop's public record,
    and their themes, proposals and counts rest on them); wrong presence-code attempts;
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
    misses = session.execute(
        delete(PresenceMiss).where(col(PresenceMiss.participant_id) == participant.id)
    ).rowcount  # type: ignore[attr-defined]
    for devices in (DeviceParticipant, DeviceBoardParticipant):  # no phone is it any more
        session.execute(delete(devices).where(col(devices.participant_id) == participant.id))
    _close_consents(session, participant, now)
    session.flush()
    if had_name and unlinked and participant.workshop_id is not None:
        # Walls show authors' names and are cached per event: a new event renders them anew.
        live.emit(session, participant.workshop_id, live.Kind.WALL)
    return Erasure(cleared, int(unlinked or 0), int(misses or 0))


# --- staff answering a request ---------------------------------------------------------------


def find(session: Session, workshop: Workshop, query: str) -> list[Participant]:
    """A workshop's participants with this reference (P-ABCD-EFGH), or else whose display
    name holds the text."""
    text = query.strip()
    if not text:
        return []
    base = select(Participant).where(Participant.workshop_id == workshop.id)
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


def participant_of(session: Session, workshop: Workshop, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop.id:
        raise NotFound(_("This workshop has no participant with this reference."))
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


@dataclass(frozen=True)
class Purge:
    workshops: int
    participants: int


def _expired_workshops(session: Session, today: date) -> list[Workshop]:
    """Workshops past their retention date that still hold someone's personal data."""
    pending = select(Participant.workshop_id).where(col(Participant.erased_at).is_(None))
    candidates = session.exec(select(Workshop).where(col(Workshop.id).in_(pending))).all()
    return [w for w in candidates if retention_date(w) < today]


def any_due(session: Session, today: date) -> bool:
    return bool(_expired_workshops(session, today))


def purge(session: Session, now: datetime) -> Purge:
    """Erase the participants of every workshop whose retention date has passed; counts,
    ideas and results stay. Safe to run in several processes at once (see erase)."""
    workshops = _expired_workshops(session, now.date())
    erased = 0
    for workshop in workshops:
        people = session.exec(
            select(Participant).where(
                Participant.workshop_id == workshop.id, col(Participant.erased_at).is_(None)
            )
        ).all()
        erased += sum(1 for person in people if erase(session, person, now) is not None)
    return Purge(len(workshops), erased)
