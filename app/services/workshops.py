"""Workshops, joining from a device, and ideas from phones and paper notes."""

import random
import secrets
from collections import Counter
from datetime import date

from sqlmodel import Session, col, func, select

from app.domain import join_codes
from app.domain.text import TextProblem, clean_user_text
from app.errors import Conflict, UserError
from app.i18n import gettext as _
from app.models import (
    Channel,
    City,
    Idea,
    Participant,
    StaffAccount,
    StakeholderGroup,
    Workshop,
    WorkshopStatus,
)

IDEA_MAX_LENGTH = 1000
TITLE_MAX_LENGTH = 200
_rng = random.SystemRandom()


def text_or_error(text: str, *, max_length: int, empty_message: str) -> str:
    """Clean user text or raise a UserError (422) whose message says what to fix."""
    try:
        return clean_user_text(text, max_length=max_length)
    except TextProblem as problem:
        if problem.reason == "empty":
            raise UserError(empty_message, status_code=422) from problem
        raise UserError(
            _("This text is %(length)s characters long; the limit is %(limit)s. Please shorten it.")
            % {"length": f"{problem.length:,}", "limit": f"{problem.limit:,}"},
            status_code=422,
        ) from problem


def create_workshop(
    session: Session,
    *,
    city: City,
    title: str,
    description: str,
    held_on: date | None,
    created_by: StaffAccount,
) -> Workshop:
    clean_title = text_or_error(
        title, max_length=TITLE_MAX_LENGTH, empty_message=_("Please give the workshop a title.")
    )
    clean_description = description.strip()
    for _attempt in range(10):
        code = join_codes.generate(_rng)
        if find_by_code(session, code) is None:
            break
    else:  # 31^6 codes: reaching this means something is badly wrong
        raise Conflict(_("Could not find a free join code; please try again."))
    workshop = Workshop(
        city_id=city.id or 0,
        title=clean_title,
        description=clean_description,
        held_on=held_on,
        join_code=code,
        created_by_id=created_by.id,
    )
    session.add(workshop)
    session.flush()
    return workshop


def find_by_code(session: Session, typed_code: str) -> Workshop | None:
    code = join_codes.normalize(typed_code)
    if not join_codes.is_well_formed(code):
        return None
    return session.exec(select(Workshop).where(Workshop.join_code == code)).first()


def set_status(workshop: Workshop, status: WorkshopStatus) -> None:
    workshop.status = status


def participant_by_token(session: Session, workshop: Workshop, token: str) -> Participant | None:
    return session.exec(
        select(Participant).where(
            Participant.token == token, Participant.workshop_id == workshop.id
        )
    ).first()


def ensure_open(workshop: Workshop) -> None:
    if workshop.status != WorkshopStatus.open:
        raise Conflict(_("This workshop is closed; it no longer accepts ideas or votes."))


def join(
    session: Session, workshop: Workshop, *, group: StakeholderGroup, display_name: str | None
) -> Participant:
    ensure_open(workshop)
    name = (display_name or "").strip() or None
    if name is not None:
        name = text_or_error(name, max_length=80, empty_message="")
    participant = Participant(
        workshop_id=workshop.id or 0,
        token=secrets.token_urlsafe(32),
        stakeholder_group=group,
        display_name=name,
    )
    session.add(participant)
    session.flush()
    return participant


def post_idea(session: Session, workshop: Workshop, participant: Participant, text: str) -> Idea:
    ensure_open(workshop)
    idea = Idea(
        workshop_id=workshop.id or 0,
        participant_id=participant.id,
        channel=Channel.phone,
        stakeholder_group=participant.stakeholder_group,
        text=text_or_error(
            text,
            max_length=IDEA_MAX_LENGTH,
            empty_message=_("Please write your idea before sending."),
        ),
    )
    session.add(idea)
    session.flush()
    return idea


def add_paper_idea(
    session: Session,
    workshop: Workshop,
    *,
    text: str,
    group: StakeholderGroup,
    entered_by: StaffAccount,
) -> Idea:
    """A sticky note typed in by a facilitator: kept apart from phone input by its channel."""
    idea = Idea(
        workshop_id=workshop.id or 0,
        entered_by_id=entered_by.id,
        channel=Channel.paper,
        stakeholder_group=group,
        text=text_or_error(
            text, max_length=IDEA_MAX_LENGTH, empty_message=_("Please type the note's text.")
        ),
    )
    session.add(idea)
    session.flush()
    return idea


def wall(session: Session, workshop: Workshop, *, limit: int = 200) -> list[Idea]:
    """Visible ideas, newest first."""
    query = (
        select(Idea)
        .where(Idea.workshop_id == workshop.id, col(Idea.hidden).is_(False))
        .order_by(col(Idea.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def participation_counts(session: Session, workshop: Workshop) -> dict[str, dict[str, int]]:
    """Participants and ideas per stakeholder group, every group present (zeros included)."""
    people: Counter[str] = Counter(
        dict(
            session.exec(
                select(Participant.stakeholder_group, func.count())
                .where(Participant.workshop_id == workshop.id)
                .group_by(Participant.stakeholder_group)
            ).all()
        )
    )
    ideas: Counter[str] = Counter(
        dict(
            session.exec(
                select(Idea.stakeholder_group, func.count())
                .where(Idea.workshop_id == workshop.id)
                .group_by(Idea.stakeholder_group)
            ).all()
        )
    )
    return {
        g.value: {"participants": people[g.value], "ideas": ideas[g.value]}
        for g in StakeholderGroup
    }


def workshops_for_city(session: Session, city: City) -> list[Workshop]:
    query = select(Workshop).where(Workshop.city_id == city.id).order_by(col(Workshop.id).desc())
    return list(session.exec(query))


def recent_workshops(session: Session, *, limit: int = 50) -> list[tuple[Workshop, City]]:
    query = select(Workshop, City).join(City).order_by(col(Workshop.id).desc()).limit(limit)
    return [(w, c) for w, c in session.exec(query).all()]
