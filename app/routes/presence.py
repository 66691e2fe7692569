"""Who may vote: the phone's presence-code and card-code screens before a workshop ballot,
and the facilitator's presence panel (the code for the screens, marking people present by
check-in number, joins per minute)."""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.db import SessionDep
from app.deps import (
    CurrentParticipant,
    FacilitatedWorkshop,
    SecretKey,
    WorkshopByCode,
    ensure_device,
    is_htmx,
    secret_key,
)
from app.domain.errors import Conflict, UserError
from app.i18n import gettext as _
from app.models import Participant, VoteRound, Workshop
from app.routes.forms import refused_form
from app.services import eligibility, sessions, voting
from app.templating import flash, render

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]


def _open_round(session: Session, workshop: Workshop) -> VoteRound:
    vote_round = voting.open_round_of(session, workshop)
    if vote_round is None:
        raise Conflict(_("No vote is open in this workshop right now."))
    return vote_round


def gate_page(
    request: Request,
    session: Session,
    workshop: Workshop,
    participant: Participant,
    *,
    typed: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """Before the ballot: type the code on the screen (hall) or on the card (codes)."""
    vote_round = _open_round(session, workshop)
    context: dict[str, Any] = {
        "workshop": workshop,
        "vote_round": vote_round,
        "checkin": eligibility.checkin_number(secret_key(request), participant),
        "typed": typed or request.query_params.get("code", ""),
        "error": error,
        "accepting": voting.accepting(vote_round),
        "base": f"/w/{workshop.join_code}/vote",
    }
    return render(request, "voting/gate.html", context, status_code=status_code)


@router.post("/w/{code}/vote/presence")
def confirm_presence(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    secret: SecretKey,
    presence_code: FormStr = "",
) -> Response:
    vote_round = _open_round(session, workshop)
    try:
        accepted = eligibility.confirm_presence(
            session, vote_round, participant, presence_code, secret_key=secret
        )
    except eligibility.TooManyTries as exc:
        session.rollback()
        response = gate_page(
            request, session, workshop, participant, error=exc.message, status_code=429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    session.commit()  # a wrong code is kept too: it counts toward the limit
    if accepted:
        return RedirectResponse(f"/w/{workshop.join_code}/vote", status_code=303)
    message = _("This is not the code on the screen now. Look at the screen and type it again.")
    return gate_page(request, session, workshop, participant, error=message, status_code=422)


@router.post("/w/{code}/vote/card")
def claim_card(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    secret: SecretKey,
    card_code: FormStr = "",
) -> Response:
    vote_round = _open_round(session, workshop)
    device = ensure_device(request)
    earlier = sessions.code_claim(session, device, vote_round.id or 0)
    claim_token = earlier.claim_token if earlier else secrets.token_hex(16)

    def page(error: UserError) -> Response:
        return gate_page(
            request, session, workshop, participant, typed=card_code, error=error.message
        )

    with refused_form(session, page):
        group = eligibility.claim_card(
            session, vote_round, participant, card_code, claim_token, secret_key=secret
        )
        sessions.remember_code(
            session,
            device,
            vote_round.id or 0,
            code=voting.normalize_code(card_code),
            claim_token=claim_token,
            group=group,
        )
    session.commit()
    return RedirectResponse(f"/w/{workshop.join_code}/vote", status_code=303)


# --- the facilitator's side ----------------------------------------------------------------------


def panel_context(request: Request, session: Session, workshop: Workshop) -> dict[str, Any]:
    return {
        "workshop": workshop,
        "presence": eligibility.panel(session, workshop, secret_key=secret_key(request)),
    }


@router.get("/staff/workshops/{workshop_id}/presence")
def presence_panel(
    request: Request, session: SessionDep, workshop: FacilitatedWorkshop, view: str = ""
) -> Response:
    """The console panel's live part, or (view=projector) the big code; both poll this every
    10 s. A full page is not needed: the console and projector pages include both parts."""
    template = (
        "workshops/_presence_code.html" if view == "projector" else "workshops/_presence_live.html"
    )
    return render(request, template, panel_context(request, session, workshop))


@router.post("/staff/workshops/{workshop_id}/presence")
def mark_present(
    request: Request,
    session: SessionDep,
    workshop: FacilitatedWorkshop,
    secret: SecretKey,
    checkin: FormStr = "",
) -> Response:
    """Mark a person registered at the door present, by the check-in number on their phone."""
    eligibility.mark_present(session, workshop, checkin, secret_key=secret)
    session.commit()
    message = _("Marked present: %(number)s.") % {"number": checkin.strip().upper()}
    if is_htmx(request):
        context = panel_context(request, session, workshop) | {"notice": message}
        return render(request, "workshops/_presence_panel.html", context)
    flash(request, message)
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)
