"""Residents' PDPA rights from the phone ("my data": a copy, withdrawing consent, erasure),
and the staff side of a data-subject request, of retention and of the erasure log.

A participant took part in a workshop or on a city's proposal board; the pages are the same
for both (a Place says where the links go), and only the handlers differ, in how they find
the participant and the scope."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select
from starlette.responses import Response

from app import i18n
from app.db import SessionDep
from app.deps import (
    BoardParticipant,
    BoardRunner,
    BoardStaffRole,
    CityBySlug,
    CurrentParticipant,
    FacilitatedWorkshop,
    Facilitator,
    PlannedCity,
    Planner,
    WorkshopByCode,
)
from app.domain import retention
from app.domain.bounds import is_id
from app.domain.errors import UserError
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import (
    AgeBand,
    City,
    ConsentPurpose,
    ErasedBy,
    Participant,
    StaffAccount,
    Workshop,
    utcnow,
)
from app.routes.forms import check_day, refused_form, whole_number
from app.services import access, privacy
from app.templating import flash, render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
# Personal data: never kept by a browser cache or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Place:
    """Where a participant took part, as the pages link it: a workshop, or a city's board."""

    city: City
    workshop: Workshop | None = None

    @classmethod
    def of(cls, session: Session, workshop: Workshop) -> "Place":
        return cls(session.exec(select(City).where(City.id == workshop.city_id)).one(), workshop)

    @property
    def scope(self) -> privacy.Scope:
        return self.workshop or self.city

    @property
    def home(self) -> str:
        """The participant's page of the workshop or the board."""
        if self.workshop:
            return f"/w/{self.workshop.join_code}"
        return f"/cities/{self.city.slug}/proposals"

    @property
    def me(self) -> str:
        if self.workshop:
            return f"/w/{self.workshop.join_code}/me"
        return f"/cities/{self.city.slug}/board/me"

    @property
    def staff(self) -> str:
        """The prefix of the staff pages: /privacy, /participants/{id}/..."""
        if self.workshop:
            return f"/staff/workshops/{self.workshop.id}"
        return f"/staff/cities/{self.city.slug}"

    @property
    def staff_home(self) -> str:
        """Where staff came from: the console, or the board."""
        return self.staff if self.workshop else self.home

    def file_name(self) -> str:
        return self.workshop.join_code if self.workshop else self.city.slug


def _download(data: dict[str, Any], filename: str) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **NO_STORE},
    )


def _confirmed(confirm: str) -> None:
    if confirm != "yes":
        raise UserError(
            _("Tick the box to confirm that your data should be erased."), status_code=422
        )


# --- the participant, from the phone ---------------------------------------------------------


def _my_data(
    request: Request,
    session: Session,
    place: Place,
    participant: Participant,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    records = privacy.consents(session, participant)
    context = {
        "place": place,
        "workshop": place.workshop,
        "city": place.city,
        "participant": participant,
        "reference": privacy.reference(participant),
        # A board participant's page lists what they did (a workshop's wall shows it already).
        "held": None if place.workshop else privacy.export(session, participant, utcnow()),
        "consents": records,
        "demographics_consent": privacy.has_consent(records, ConsentPurpose.demographics),
        "kept_until": privacy.retention_date(place.workshop)
        if place.workshop
        else privacy.board_retention_date(session, participant, place.city),
        "age_bands": [a.value for a in AgeBand],
        "form": form or {"age_band": "", "community": ""},
        "error": error,
    }
    response = render(request, "privacy/my_data.html", context)
    response.headers.update(NO_STORE)
    return response


def _my_data_json(session: Session, place: Place, participant: Participant) -> Response:
    data = privacy.export(session, participant, utcnow())
    return _download(data, f"my-data-{place.file_name()}.json")


def _give_consent(
    request: Request,
    session: Session,
    place: Place,
    participant: Participant,
    age_band: str,
    community: str,
    consent: str,
) -> Response:
    def page(error: UserError) -> Response:
        form = {"age_band": age_band, "community": community}
        return _my_data(request, session, place, participant, error=error.message, form=form)

    with refused_form(session, page):
        demographics = privacy.Demographics.checked(age_band, community, consent=consent == "yes")
        privacy.give_demographics(session, participant, demographics, utcnow())
    session.commit()
    flash(request, _("Thank you. Your age band and community are kept for the stated purpose."))
    return RedirectResponse(place.me, status_code=303)


def _withdraw_consent(
    request: Request, session: Session, place: Place, participant: Participant, purpose: str
) -> Response:
    def page(error: UserError) -> Response:
        return _my_data(request, session, place, participant, error=error.message)

    with refused_form(session, page):
        privacy.withdraw_consent(session, participant, purpose, utcnow())
    session.commit()
    flash(request, _("Consent withdrawn. Your age band and community are deleted."))
    return RedirectResponse(place.me, status_code=303)


def _erase_me(
    request: Request, session: Session, place: Place, participant: Participant, confirm: str
) -> Response:
    def page(error: UserError) -> Response:
        return _my_data(request, session, place, participant, error=error.message)

    with refused_form(session, page):
        _confirmed(confirm)
        privacy.erase(session, participant, utcnow(), by=ErasedBy.participant)
    session.commit()
    if place.workshop:
        flash(request, _("Your data is erased. Your ideas stay on the wall without your name."))
    else:
        flash(
            request,
            _("Your data is erased. Your proposals and comments stay on the board without a name."),
        )
    return RedirectResponse(place.home, status_code=303)


@router.get("/w/{code}/me")
def my_data(
    request: Request, session: SessionDep, workshop: WorkshopByCode, participant: CurrentParticipant
) -> Response:
    return _my_data(request, session, Place.of(session, workshop), participant)


@router.get("/w/{code}/me/data.json")
def my_data_json(
    session: SessionDep, workshop: WorkshopByCode, participant: CurrentParticipant
) -> Response:
    return _my_data_json(session, Place.of(session, workshop), participant)


@router.post("/w/{code}/me/consents")
def give_consent(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    age_band: FormStr = "",
    community: FormStr = "",
    consent: FormStr = "",
) -> Response:
    place = Place.of(session, workshop)
    return _give_consent(request, session, place, participant, age_band, community, consent)


@router.post("/w/{code}/me/consents/withdraw")
def withdraw_consent(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    purpose: FormStr = "",
) -> Response:
    place = Place.of(session, workshop)
    return _withdraw_consent(request, session, place, participant, purpose)


@router.post("/w/{code}/me/erase")
def erase_me(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    confirm: FormStr = "",
) -> Response:
    return _erase_me(request, session, Place.of(session, workshop), participant, confirm)


@router.get("/cities/{slug}/board/me")
def board_my_data(
    request: Request, session: SessionDep, city: CityBySlug, participant: BoardParticipant
) -> Response:
    return _my_data(request, session, Place(city), participant)


@router.get("/cities/{slug}/board/me/data.json")
def board_my_data_json(
    session: SessionDep, city: CityBySlug, participant: BoardParticipant
) -> Response:
    return _my_data_json(session, Place(city), participant)


@router.post("/cities/{slug}/board/me/consents")
def board_give_consent(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    participant: BoardParticipant,
    age_band: FormStr = "",
    community: FormStr = "",
    consent: FormStr = "",
) -> Response:
    return _give_consent(request, session, Place(city), participant, age_band, community, consent)


@router.post("/cities/{slug}/board/me/consents/withdraw")
def board_withdraw_consent(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    participant: BoardParticipant,
    purpose: FormStr = "",
) -> Response:
    return _withdraw_consent(request, session, Place(city), participant, purpose)


@router.post("/cities/{slug}/board/me/erase")
def board_erase_me(
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    participant: BoardParticipant,
    confirm: FormStr = "",
) -> Response:
    return _erase_me(request, session, Place(city), participant, confirm)


# --- staff: a data-subject request, and retention -------------------------------------------


def _requests_page(
    request: Request,
    session: Session,
    place: Place,
    *,
    query: str = "",
    found: list[Participant] | None = None,
    error: str | None = None,
    retention_error: str | None = None,
    retain_until: str | None = None,
    user: StaffAccount | None = None,
    months: str | None = None,
) -> Response:
    context: dict[str, Any] = {
        "place": place,
        "workshop": place.workshop,
        "city": place.city,
        "query": query,
        "found": found,
        "reference": privacy.reference,
        "error": error,
        "retention_error": retention_error,
    }
    if place.workshop:
        kept_until = privacy.retention_date(place.workshop)
        context |= {
            "kept_until": kept_until,
            "default_retention": privacy.default_retention(place.workshop),
            "retain_until": retain_until if retain_until is not None else kept_until.isoformat(),
        }
    else:
        stored = place.city.board_retention_months
        context |= {
            # A city-wide rule, so its planners set it; the facilitators who also answer the
            # board's requests see it.
            "sets_board_retention": access.is_planner(user, place.city),
            "months": months if months is not None else str(stored),
            "min_months": retention.MIN_BOARD_MONTHS,
            "max_months": retention.MAX_BOARD_MONTHS,
            "default_months": retention.DEFAULT_BOARD_MONTHS,
        }
    return render(request, "privacy/requests.html", context)


def _find(request: Request, session: Session, place: Place, q: str, user: StaffAccount) -> Response:
    """A search, posted so that a resident's name never lands in a URL (access logs, history)."""
    found = privacy.find(session, place.scope, q)
    return _requests_page(request, session, place, query=q, found=found, user=user)


def _participant_json(session: Session, place: Place, participant_id: int) -> Response:
    participant = privacy.participant_of(session, place.scope, participant_id)
    data = privacy.export(session, participant, utcnow())
    return _download(data, f"participant-{privacy.reference(participant)}.json")


def _erase_participant(
    request: Request,
    session: Session,
    place: Place,
    participant_id: int,
    user: StaffAccount,
    confirm: str,
) -> Response:
    participant = privacy.participant_of(session, place.scope, participant_id)
    reference = privacy.reference(participant)

    def page(error: UserError) -> Response:
        return _requests_page(
            request,
            session,
            place,
            query=reference,
            found=[participant],
            error=error.message,
            user=user,
        )

    with refused_form(session, page):
        _confirmed(confirm)
        privacy.erase(session, participant, utcnow(), by=user)
    session.commit()
    flash(request, _("The personal data of %(reference)s is erased.") % {"reference": reference})
    return RedirectResponse(f"{place.staff}/privacy", status_code=303)


@router.get("/staff/workshops/{workshop_id}/privacy")
def data_requests(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    return _requests_page(request, session, Place.of(session, workshop))


@router.post("/staff/workshops/{workshop_id}/privacy")
def find_participant(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    user: Facilitator,
    q: FormStr = "",
) -> Response:
    return _find(request, session, Place.of(session, workshop), q, user)


@router.get("/staff/workshops/{workshop_id}/participants/{participant_id}/data.json")
def participant_json(
    participant_id: int, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    return _participant_json(session, Place.of(session, workshop), participant_id)


@router.post("/staff/workshops/{workshop_id}/participants/{participant_id}/erase")
def erase_participant(
    participant_id: int,
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    user: Facilitator,
    confirm: FormStr = "",
) -> Response:
    place = Place.of(session, workshop)
    return _erase_participant(request, session, place, participant_id, user, confirm)


@router.get("/staff/cities/{slug}/privacy")
def board_data_requests(
    request: Request, session: SessionDep, city: CityBySlug, user: BoardRunner
) -> Response:
    return _requests_page(request, session, Place(city), user=user)


@router.post("/staff/cities/{slug}/privacy")
def board_find_participant(
    request: Request, session: SessionDep, city: CityBySlug, user: BoardRunner, q: FormStr = ""
) -> Response:
    return _find(request, session, Place(city), q, user)


@router.get("/staff/cities/{slug}/participants/{participant_id}/data.json")
def board_participant_json(
    participant_id: int, session: SessionDep, city: CityBySlug, user: BoardRunner
) -> Response:
    return _participant_json(session, Place(city), participant_id)


@router.post("/staff/cities/{slug}/participants/{participant_id}/erase")
def board_erase_participant(
    participant_id: int,
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    user: BoardRunner,
    confirm: FormStr = "",
) -> Response:
    return _erase_participant(request, session, Place(city), participant_id, user, confirm)


@router.post("/staff/workshops/{workshop_id}/retention")
def set_retention(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    retain_until: FormStr = "",
) -> Response:
    place = Place.of(session, workshop)

    def page(error: UserError) -> Response:
        return _requests_page(
            request, session, place, retention_error=error.message, retain_until=retain_until
        )

    with refused_form(session, page):
        day = _day(retain_until)
        privacy.set_retention(session, workshop, day)
    session.commit()
    flash(
        request,
        _("Personal data of this workshop's participants is kept until %(day)s.")
        % {"day": i18n.format_date(privacy.retention_date(workshop))},
    )
    return RedirectResponse(f"/staff/workshops/{workshop.id}/privacy", status_code=303)


@router.post("/staff/cities/{slug}/retention")
def set_board_retention(
    request: Request, session: SessionDep, city: PlannedCity, user: Planner, months: FormStr = ""
) -> Response:
    place = Place(city)

    def page(error: UserError) -> Response:
        return _requests_page(
            request, session, place, retention_error=error.message, user=user, months=months
        )

    with refused_form(session, page):
        label = _("Months after the last activity")
        low, high = retention.MIN_BOARD_MONTHS, retention.MAX_BOARD_MONTHS
        value = whole_number(months, label, low=low, high=high)
        if value is None:
            raise UserError(_("Type a number of months."), status_code=422)
        privacy.set_board_retention(session, city, value)
    session.commit()
    flash(
        request,
        ngettext(
            "Personal data of this board's participants is kept %(num)s month after their "
            "last activity.",
            "Personal data of this board's participants is kept %(num)s months after their "
            "last activity.",
            value,
        )
        % {"num": i18n.format_number(value)},
    )
    due = privacy.board_participants_due(session, city, utcnow())
    if due:
        flash(
            request,
            ngettext(
                "%(num)s participant is already past this date: their personal data is erased "
                "at the next daily run.",
                "%(num)s participants are already past this date: their personal data is "
                "erased at the next daily run.",
                due,
            )
            % {"num": i18n.format_number(due)},
        )
    return RedirectResponse(f"{place.staff}/privacy", status_code=303)


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return check_day(date.fromisoformat(text.strip()))
    except ValueError as exc:
        raise UserError(
            _("Please enter the date as day, month and year."), status_code=422
        ) from exc


# --- the erasure log ---------------------------------------------------------------------------


@router.get("/staff/erasures")
def erasure_log(
    request: Request, session: SessionDep, user: BoardStaffRole, before: str = ""
) -> Response:
    """Every erasure the staff member may see; read-only (no route changes an entry)."""
    cursor = int(before) if is_id(before) else None
    entries = privacy.erasure_log(session, user, before=cursor)
    context = {
        "entries": entries,
        "reference": privacy.shown_reference,
        "older": entries[-1].record.id if len(entries) == privacy.LOG_PAGE_SIZE else None,
    }
    return render(request, "privacy/erasures.html", context)
