"""Residents' PDPA rights from the phone ("my data": a copy, withdrawing consent, erasure),
and the facilitator's side of a data-subject request and of retention."""

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app import i18n
from app.db import SessionDep
from app.deps import CurrentParticipant, FacilitatedWorkshop, WorkshopByCode
from app.domain.errors import UserError
from app.i18n import gettext as _
from app.models import AgeBand, City, ConsentPurpose, Participant, Workshop, utcnow
from app.routes.forms import check_day, refused_form
from app.services import privacy
from app.templating import flash, render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
# Personal data: never kept by a browser cache or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


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
    workshop: Workshop,
    participant: Participant,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    records = privacy.consents(session, participant)
    context = {
        "workshop": workshop,
        "city": session.get(City, workshop.city_id),
        "participant": participant,
        "reference": privacy.reference(participant),
        "consents": records,
        "demographics_consent": privacy.has_consent(records, ConsentPurpose.demographics),
        "kept_until": privacy.retention_date(workshop),
        "age_bands": [a.value for a in AgeBand],
        "form": form or {"age_band": "", "community": ""},
        "error": error,
    }
    return render(request, "privacy/my_data.html", context, status_code=200)


@router.get("/w/{code}/me")
def my_data(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
) -> Response:
    response = _my_data(request, session, workshop, participant)
    response.headers.update(NO_STORE)
    return response


@router.get("/w/{code}/me/data.json")
def my_data_json(
    session: SessionDep, workshop: WorkshopByCode, participant: CurrentParticipant
) -> Response:
    data = privacy.export(session, workshop, participant, utcnow())
    return _download(data, f"my-data-{workshop.join_code}.json")


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
    def page(error: UserError) -> Response:
        form = {"age_band": age_band, "community": community}
        return _my_data(request, session, workshop, participant, error=error.message, form=form)

    with refused_form(session, page):
        demographics = privacy.Demographics.checked(age_band, community, consent=consent == "yes")
        privacy.give_demographics(session, participant, demographics, utcnow())
    session.commit()
    flash(request, _("Thank you. Your age band and community are kept for the stated purpose."))
    return RedirectResponse(f"/w/{workshop.join_code}/me", status_code=303)


@router.post("/w/{code}/me/consents/withdraw")
def withdraw_consent(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    purpose: FormStr = "",
) -> Response:
    def page(error: UserError) -> Response:
        return _my_data(request, session, workshop, participant, error=error.message)

    with refused_form(session, page):
        privacy.withdraw_consent(session, participant, purpose, utcnow())
    session.commit()
    flash(request, _("Consent withdrawn. Your age band and community are deleted."))
    return RedirectResponse(f"/w/{workshop.join_code}/me", status_code=303)


@router.post("/w/{code}/me/erase")
def erase_me(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    confirm: FormStr = "",
) -> Response:
    def page(error: UserError) -> Response:
        return _my_data(request, session, workshop, participant, error=error.message)

    with refused_form(session, page):
        _confirmed(confirm)
        privacy.erase(session, participant, utcnow())
    session.commit()
    flash(
        request,
        _("Your data is erased. Your ideas stay on the wall without your name."),
    )
    return RedirectResponse(f"/w/{workshop.join_code}", status_code=303)


# --- staff: a data-subject request, and retention -------------------------------------------


def _requests_page(
    request: Request,
    session: Session,
    workshop: Workshop,
    *,
    query: str = "",
    found: list[Participant] | None = None,
    error: str | None = None,
    retention_error: str | None = None,
    retain_until: str | None = None,
) -> Response:
    kept_until = privacy.retention_date(workshop)
    context = {
        "workshop": workshop,
        "city": session.get(City, workshop.city_id),
        "query": query,
        "found": found,
        "reference": privacy.reference,
        "kept_until": kept_until,
        "default_retention": privacy.default_retention(workshop),
        "retain_until": retain_until if retain_until is not None else kept_until.isoformat(),
        "error": error,
        "retention_error": retention_error,
    }
    return render(request, "privacy/requests.html", context)


@router.get("/staff/workshops/{workshop_id}/privacy")
def data_requests(request: Request, session: SessionDep, workshop: FacilitatedWorkshop) -> Response:
    return _requests_page(request, session, workshop)


@router.post("/staff/workshops/{workshop_id}/privacy")
def find_participant(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop, q: FormStr = ""
) -> Response:
    """A search, posted so that a resident's name never lands in a URL (access logs, history)."""
    found = privacy.find(session, workshop, q)
    return _requests_page(request, session, workshop, query=q, found=found)


@router.get("/staff/workshops/{workshop_id}/participants/{participant_id}/data.json")
def participant_json(
    participant_id: int, session: SessionDep, workshop: FacilitatedWorkshop
) -> Response:
    participant = privacy.participant_of(session, workshop, participant_id)
    data = privacy.export(session, workshop, participant, utcnow())
    return _download(data, f"participant-{privacy.reference(participant)}.json")


@router.post("/staff/workshops/{workshop_id}/participants/{participant_id}/erase")
def erase_participant(
    participant_id: int,
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    confirm: FormStr = "",
) -> Response:
    participant = privacy.participant_of(session, workshop, participant_id)
    reference = privacy.reference(participant)

    def page(error: UserError) -> Response:
        return _requests_page(
            request, session, workshop, query=reference, found=[participant], error=error.message
        )

    with refused_form(session, page):
        _confirmed(confirm)
        privacy.erase(session, participant, utcnow())
    session.commit()
    flash(request, _("The personal data of %(reference)s is erased.") % {"reference": reference})
    return RedirectResponse(f"/staff/workshops/{workshop.id}/privacy", status_code=303)


@router.post("/staff/workshops/{workshop_id}/retention")
def set_retention(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    retain_until: FormStr = "",
) -> Response:
    def page(error: UserError) -> Response:
        return _requests_page(
            request, session, workshop, retention_error=error.message, retain_until=retain_until
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


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return check_day(date.fromisoformat(text.strip()))
    except ValueError as exc:
        raise UserError(
            _("Please enter the date as day, month and year."), status_code=422
        ) from exc
