"""Workshops: creating and editing them, their agenda, running them live, who runs them,
and devices joining them."""

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from app.domain import agenda, join_codes
from app.domain import timer as timer_rules
from app.domain.errors import Conflict, NotFound, UserError
from app.domain.text import TextProblem, clean_user_text
from app.i18n import gettext as _
from app.models import (
    City,
    Idea,
    Participant,
    PhaseKind,
    Role,
    StaffAccount,
    StakeholderGroup,
    Workshop,
    WorkshopEvent,
    WorkshopFacilitator,
    WorkshopPhase,
    WorkshopStatus,
    utcnow,
)
from app.services import live, privacy

TITLE_MAX_LENGTH = 200
DEFAULT_AGENDA = (PhaseKind.ideation, PhaseKind.themes, PhaseKind.voting, PhaseKind.wrap_up)
MAX_TIMER_MINUTES = 240
_rng = random.SystemRandom()


def text_or_error(
    text: str, *, max_length: int, empty_message: str, max_stored: int | None = None
) -> str:
    """Clean user text or raise a UserError (422) whose message says what to fix;
    `max_stored`: the column's length in code points, when it has one."""
    try:
        return clean_user_text(text, max_length=max_length, max_stored=max_stored)
    except TextProblem as problem:
        if problem.reason == "empty":
            raise UserError(empty_message, status_code=422) from problem
        raise UserError(
            _("This text is %(length)s characters long; the limit is %(limit)s. Please shorten it.")
            % {"length": f"{problem.length:,}", "limit": f"{problem.limit:,}"},
            status_code=422,
        ) from problem


@dataclass(frozen=True)
class WorkshopDetails:
    """What a facilitator fills in when creating or editing a workshop."""

    city: City
    title: str
    description: str = ""
    held_on: date | None = None
    venue: str = ""
    language: str = "th"
    invited_groups: tuple[str, ...] = tuple(g.value for g in StakeholderGroup)


def _apply_details(workshop: Workshop, details: WorkshopDetails) -> None:
    workshop.city_id = details.city.id or 0
    workshop.title = text_or_error(
        details.title,
        max_length=TITLE_MAX_LENGTH,
        empty_message=_("Please give the workshop a title."),
        max_stored=TITLE_MAX_LENGTH,
    )
    workshop.description = details.description.strip()
    workshop.held_on = details.held_on
    workshop.venue = details.venue.strip()[:200]
    if details.language not in ("th", "en"):
        raise UserError(_("Please choose Thai or English."), status_code=422)
    workshop.language = details.language
    groups: list[str] = [
        str(g.value) for g in StakeholderGroup if g.value in details.invited_groups
    ]
    if not groups:
        raise UserError(_("Invite at least one stakeholder group."), status_code=422)
    workshop.invited_groups = groups


def create_workshop(
    session: Session, details: WorkshopDetails, *, created_by: StaffAccount
) -> Workshop:
    """A new open workshop with a fresh join code, the default agenda, and its creator as
    facilitator."""
    workshop = Workshop(city_id=details.city.id or 0, title="", join_code=_free_code(session))
    _apply_details(workshop, details)
    workshop.created_by_id = created_by.id
    session.add(workshop)
    session.flush()
    phases = [
        WorkshopPhase(workshop_id=workshop.id or 0, position=i, kind=kind)
        for i, kind in enumerate(DEFAULT_AGENDA)
    ]
    session.add_all(phases)
    session.add(WorkshopFacilitator(workshop_id=workshop.id or 0, account_id=created_by.id or 0))
    session.flush()
    workshop.current_phase_id = phases[0].id
    session.add(workshop)
    session.flush()
    return workshop


def update_workshop(session: Session, workshop: Workshop, details: WorkshopDetails) -> None:
    _apply_details(workshop, details)
    session.add(workshop)
    live.emit(session, workshop.id or 0, live.Kind.STATE)


def _free_code(session: Session) -> str:
    for _attempt in range(10):
        code = join_codes.generate(_rng)
        if find_by_code(session, code) is None:
            return code
    raise Conflict(_("Could not find a free join code; please try again."))  # 31^6 codes


def find_by_code(session: Session, typed_code: str) -> Workshop | None:
    code = join_codes.normalize(typed_code)
    if not join_codes.is_well_formed(code):
        return None
    return session.exec(select(Workshop).where(Workshop.join_code == code)).first()


# --- who runs a workshop -------------------------------------------------------------


def facilitators(session: Session, workshop: Workshop) -> list[StaffAccount]:
    query = (
        select(StaffAccount)
        .join(WorkshopFacilitator, col(WorkshopFacilitator.account_id) == StaffAccount.id)
        .where(WorkshopFacilitator.workshop_id == workshop.id)
        .order_by(col(WorkshopFacilitator.id))
    )
    return list(session.exec(query))


def add_facilitator(session: Session, workshop: Workshop, email: str) -> StaffAccount:
    account = session.exec(
        select(StaffAccount).where(StaffAccount.email == email.strip().lower())
    ).first()
    if account is None or not account.is_active:
        raise UserError(
            _("There is no active staff account with this e-mail address."), status_code=422
        )
    if account.role not in (Role.facilitator, Role.admin):
        raise UserError(
            _("Only facilitators and administrators can run a workshop."), status_code=422
        )
    if account not in facilitators(session, workshop):
        session.add(WorkshopFacilitator(workshop_id=workshop.id or 0, account_id=account.id or 0))
        session.flush()
    return account


def remove_facilitator(session: Session, workshop: Workshop, account_id: int) -> None:
    rows = session.exec(
        select(WorkshopFacilitator).where(WorkshopFacilitator.workshop_id == workshop.id)
    ).all()
    row = next((r for r in rows if r.account_id == account_id), None)
    if row is None:
        raise NotFound(_("This person is not a facilitator of this workshop."))
    if len(rows) == 1:
        raise Conflict(_("A workshop needs at least one facilitator."))
    session.delete(row)
    session.flush()


def workshops_for_user(
    session: Session, user: StaffAccount, *, limit: int = 50
) -> list[tuple[Workshop, City]]:
    query = select(Workshop, City).join(City).order_by(col(Workshop.id).desc()).limit(limit)
    if user.role != Role.admin:
        query = query.join(
            WorkshopFacilitator, col(WorkshopFacilitator.workshop_id) == Workshop.id
        ).where(WorkshopFacilitator.account_id == user.id)
    return [(w, c) for w, c in session.exec(query).all()]


def workshops_for_city(session: Session, city: City) -> list[Workshop]:
    query = select(Workshop).where(Workshop.city_id == city.id).order_by(col(Workshop.id).desc())
    return list(session.exec(query))


# --- agenda ----------------------------------------------------------------------------


def phases(session: Session, workshop: Workshop) -> list[WorkshopPhase]:
    query = (
        select(WorkshopPhase)
        .where(WorkshopPhase.workshop_id == workshop.id)
        .order_by(col(WorkshopPhase.position), col(WorkshopPhase.id))
    )
    return list(session.exec(query))


def current_phase(session: Session, workshop: Workshop) -> WorkshopPhase | None:
    return (
        session.get(WorkshopPhase, workshop.current_phase_id) if workshop.current_phase_id else None
    )


def _phase(session: Session, workshop: Workshop, phase_id: int) -> WorkshopPhase:
    phase = session.get(WorkshopPhase, phase_id)
    if phase is None or phase.workshop_id != workshop.id:
        raise NotFound(_("This phase is not part of this workshop."))
    return phase


def _time_box(minutes: int | None) -> int | None:
    if minutes is not None and not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise UserError(
            _("A time box is between 1 and %(max)s minutes.") % {"max": MAX_TIMER_MINUTES},
            status_code=422,
        )
    return minutes


def add_phase(
    session: Session,
    workshop: Workshop,
    *,
    kind: PhaseKind,
    title: str,
    time_box_minutes: int | None,
) -> WorkshopPhase:
    clean_title = title.strip()[:120]
    if kind == PhaseKind.custom and not clean_title:
        raise UserError(_("Please name the new phase."), status_code=422)
    existing = phases(session, workshop)
    phase = WorkshopPhase(
        workshop_id=workshop.id or 0,
        position=(existing[-1].position + 1) if existing else 0,
        kind=kind,
        title=clean_title,
        time_box_minutes=_time_box(time_box_minutes),
    )
    session.add(phase)
    session.flush()
    live.emit(session, workshop.id or 0, live.Kind.STATE)
    return phase


def update_phase(
    session: Session,
    workshop: Workshop,
    phase_id: int,
    *,
    title: str,
    instructions: str,
    time_box_minutes: int | None,
) -> WorkshopPhase:
    phase = _phase(session, workshop, phase_id)
    phase.title = title.strip()[:120]
    phase.instructions = instructions.strip()[:2000]
    phase.time_box_minutes = _time_box(time_box_minutes)
    session.add(phase)
    live.emit(session, workshop.id or 0, live.Kind.STATE)
    return phase


def move_phase(session: Session, workshop: Workshop, phase_id: int, offset: int) -> None:
    current = phases(session, workshop)
    _phase(session, workshop, phase_id)
    order = agenda.move([p.id or 0 for p in current], phase_id, offset)
    by_id = {p.id: p for p in current}
    for position, pid in enumerate(order):
        by_id[pid].position = position
        session.add(by_id[pid])
    live.emit(session, workshop.id or 0, live.Kind.STATE)


def delete_phase(session: Session, workshop: Workshop, phase_id: int) -> None:
    phase = _phase(session, workshop, phase_id)
    if len(phases(session, workshop)) == 1:
        raise Conflict(_("A workshop keeps at least one phase."))
    if workshop.current_phase_id == phase.id:
        raise Conflict(_("Move to another phase before removing the current one."))
    session.delete(phase)
    session.flush()
    live.emit(session, workshop.id or 0, live.Kind.STATE)


# --- running it live ---------------------------------------------------------------------


def step_phase(session: Session, workshop: Workshop, offset: int) -> WorkshopPhase | None:
    """Go to the next (+1) or previous (-1) phase; the timer restarts from the phase's time box."""
    order = [p.id or 0 for p in phases(session, workshop)]
    return go_to_phase(session, workshop, agenda.step(order, workshop.current_phase_id, offset))


def go_to_phase(session: Session, workshop: Workshop, phase_id: int | None) -> WorkshopPhase | None:
    phase = _phase(session, workshop, phase_id) if phase_id is not None else None
    if phase is not None and phase.id != workshop.current_phase_id:
        workshop.current_phase_id = phase.id
        clock = (
            timer_rules.Timer(paused_remaining=phase.time_box_minutes * 60)
            if phase.time_box_minutes
            else timer_rules.reset()
        )
        _store_timer(workshop, clock)
        session.add(workshop)
        live.emit(session, workshop.id or 0, live.Kind.STATE)
    return phase


def timer_of(workshop: Workshop) -> timer_rules.Timer:
    return timer_rules.Timer(
        ends_at=workshop.timer_ends_at, paused_remaining=workshop.timer_remaining_seconds
    )


def _store_timer(workshop: Workshop, clock: timer_rules.Timer) -> None:
    workshop.timer_ends_at = clock.ends_at
    workshop.timer_remaining_seconds = clock.paused_remaining


def control_timer(
    session: Session, workshop: Workshop, action: str, minutes: int | None = None
) -> None:
    """start (with minutes, or resume when paused), pause, or reset the shared countdown."""
    now = utcnow()
    clock = timer_of(workshop)
    if action == "start":
        if minutes is not None:
            if not 1 <= minutes <= MAX_TIMER_MINUTES:
                raise UserError(
                    _("A timer runs between 1 and %(max)s minutes.") % {"max": MAX_TIMER_MINUTES},
                    status_code=422,
                )
            clock = timer_rules.start(minutes * 60, now)
        elif clock.paused_remaining is not None:
            clock = timer_rules.resume(clock, now)
        else:
            raise UserError(_("Enter the number of minutes for the timer."), status_code=422)
    elif action == "pause":
        clock = timer_rules.pause(clock, now)
    elif action == "reset":
        clock = timer_rules.reset()
    else:
        raise UserError(_("Unknown timer action."), status_code=422)
    _store_timer(workshop, clock)
    session.add(workshop)
    live.emit(session, workshop.id or 0, live.Kind.STATE)


def set_posting_locked(session: Session, workshop: Workshop, locked: bool) -> None:
    workshop.posting_locked = locked
    session.add(workshop)
    live.emit(session, workshop.id or 0, live.Kind.STATE)


def set_status(session: Session, workshop: Workshop, status: WorkshopStatus) -> None:
    workshop.status = status
    session.add(workshop)
    live.emit(session, workshop.id or 0, live.Kind.STATE)


def ensure_open(workshop: Workshop) -> None:
    if workshop.status != WorkshopStatus.open:
        raise Conflict(_("This workshop is closed; it no longer accepts ideas or votes."))


# --- participants ---------------------------------------------------------------------


@dataclass(frozen=True)
class JoinDetails:
    group: str
    display_name: str = ""
    age_band: str = ""
    community: str = ""
    consent: bool = False


def join(session: Session, workshop: Workshop, details: JoinDetails) -> Participant:
    """A device joins: its group, an optional name, and optional demographics that are kept
    only with explicit consent."""
    ensure_open(workshop)
    participant = add_participant(
        session, details, workshop.invited_groups, workshop_id=workshop.id
    )
    live.emit(session, workshop.id or 0, live.Kind.JOINED, participant.id)
    return participant


def add_participant(
    session: Session,
    details: JoinDetails,
    groups: list[str],
    *,
    workshop_id: int | None = None,
    city_id: int | None = None,
) -> Participant:
    """A participant from a join form, of a workshop or of a city's board: the group among
    `groups`, an optional name, and demographics kept only with consent (a consent record)."""
    if details.group not in groups:
        raise UserError(_("Please choose the group you come from."), status_code=422)
    name = details.display_name.strip()
    if name:
        name = text_or_error(name, max_length=80, empty_message="", max_stored=80)
    demographics = privacy.Demographics.checked(
        details.age_band, details.community, consent=details.consent
    )
    participant = Participant(
        workshop_id=workshop_id,
        city_id=city_id,
        token=secrets.token_urlsafe(32),
        stakeholder_group=StakeholderGroup(details.group),
        display_name=name or None,
    )
    session.add(participant)
    session.flush()
    if demographics.given:
        privacy.give_demographics(session, participant, demographics, utcnow())
    return participant


def participation_counts(session: Session, workshop: Workshop) -> dict[str, dict[str, int]]:
    """Participants and ideas (comments included) per stakeholder group, zeros included."""
    people: Counter[str] = Counter(
        dict(
            session.exec(
                select(Participant.stakeholder_group, func.count())
                .where(Participant.workshop_id == workshop.id)
                .group_by(col(Participant.stakeholder_group))
            ).all()
        )
    )
    ideas: Counter[str] = Counter(
        dict(
            session.exec(
                select(Idea.stakeholder_group, func.count())
                .where(Idea.workshop_id == workshop.id)
                .group_by(col(Idea.stakeholder_group))
            ).all()
        )
    )
    return {
        g.value: {"participants": people[g.value], "ideas": ideas[g.value]}
        for g in StakeholderGroup
    }


def spotlight(session: Session, workshop: Workshop, idea_id: int | None) -> Idea | None:
    """Show one idea full screen on the projector (None: back to the wall). The choice lives
    in the event feed only: projectors follow it live, and a reloaded one reads the latest."""
    idea = None
    if idea_id is not None:
        idea = session.get(Idea, idea_id)
        if idea is None or idea.workshop_id != workshop.id or idea.hidden or idea.parent_id:
            raise NotFound(_("This idea is no longer on the wall."))
    live.emit(session, workshop.id or 0, live.Kind.SPOTLIGHT, idea_id)
    return idea


def spotlight_of(session: Session, workshop: Workshop) -> Idea | None:
    """The idea the projector shows full screen now, if any (a hidden one is not shown)."""
    latest = session.exec(
        select(WorkshopEvent)
        .where(WorkshopEvent.workshop_id == workshop.id, WorkshopEvent.kind == live.Kind.SPOTLIGHT)
        .order_by(col(WorkshopEvent.seq).desc())
        .limit(1)
    ).first()
    if latest is None or latest.subject_id is None:
        return None
    idea = session.get(Idea, latest.subject_id)
    return idea if idea is not None and not idea.hidden else None
