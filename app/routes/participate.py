"""Taking part from a phone: join with a code, choose a group, post ideas, vote."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.db import SessionDep
from app.deps import (
    CurrentParticipant,
    OptionalParticipant,
    WorkshopByCode,
    is_htmx,
    remember_participant,
)
from app.errors import UserError
from app.i18n import gettext as _
from app.models import City, Participant, StakeholderGroup, Workshop
from app.services import proposals as proposal_service
from app.services import voting
from app.services import workshops as workshop_service
from app.templating import flash, render

router = APIRouter(include_in_schema=False)


def _page(
    session: Session,
    request: Request,
    workshop: Workshop,
    participant: Participant | None,
    **extra: Any,
) -> dict[str, Any]:
    vote_round = voting.open_round_of(session, workshop)
    secret = request.app.state.settings.secret_key
    voted = (
        voting.voted_proposal_ids(session, vote_round, participant, secret_key=secret)
        if vote_round and participant
        else set()
    )
    context = {
        "workshop": workshop,
        "city": session.get(City, workshop.city_id),
        "participant": participant,
        "groups": list(StakeholderGroup),
        "ideas": workshop_service.wall(session, workshop),
        "vote_round": vote_round,
        "proposals": proposal_service.for_workshop(session, workshop) if vote_round else [],
        "voted": voted,
        "text": "",
        "error": None,
    }
    context.update(extra)
    return context


@router.get("/join")
def join_form(request: Request, code: str = "") -> Response:
    return render(request, "participate/join.html", {"code": code, "error": None})


@router.post("/join")
def join_with_code(
    request: Request, session: SessionDep, code: Annotated[str, Form()] = ""
) -> Response:
    workshop = workshop_service.find_by_code(session, code)
    if workshop is None:
        error = (
            _("Please type the code shown on the screen.")
            if not code.strip()
            else _("No workshop has the code %(code)s. Check the code on the screen.")
            % {"code": code.strip()}
        )
        return render(
            request, "participate/join.html", {"code": code, "error": error}, status_code=404
        )
    return RedirectResponse(f"/w/{workshop.join_code}", status_code=303)


@router.get("/w/{code}")
def workshop_page(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
) -> Response:
    return render(
        request, "participate/workshop.html", _page(session, request, workshop, participant)
    )


@router.post("/w/{code}/participants")
def choose_group(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
    stakeholder_group: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
) -> Response:
    if participant is None:
        if stakeholder_group not in StakeholderGroup.__members__:
            context = _page(
                session,
                request,
                workshop,
                None,
                group_error=_("Please choose the group you come from."),
                display_name=display_name,
            )
            return render(request, "participate/workshop.html", context, status_code=422)
        try:
            participant = workshop_service.join(
                session,
                workshop,
                group=StakeholderGroup(stakeholder_group),
                display_name=display_name,
            )
        except UserError as exc:
            context = _page(
                session, request, workshop, None, group_error=exc.message, display_name=display_name
            )
            return render(
                request, "participate/workshop.html", context, status_code=exc.status_code
            )
        session.commit()
        remember_participant(request, participant)
    return RedirectResponse(f"/w/{workshop.join_code}", status_code=303)


@router.post("/w/{code}/ideas")
def post_idea(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    text: Annotated[str, Form()] = "",
) -> Response:
    try:
        workshop_service.post_idea(session, workshop, participant, text)
    except UserError as exc:
        # Keep what the person typed: the form comes back with it and the reason.
        session.rollback()
        context = _page(session, request, workshop, participant, text=text, error=exc.message)
        template = (
            "participate/_idea_form.html" if is_htmx(request) else "participate/workshop.html"
        )
        return render(request, template, context, status_code=exc.status_code)
    session.commit()
    if is_htmx(request):
        context = _page(session, request, workshop, participant, sent=True, oob_wall=True)
        return render(request, "participate/_idea_form.html", context)
    flash(request, _("Thank you! Your idea is on the wall."))
    return RedirectResponse(f"/w/{workshop.join_code}", status_code=303)


@router.get("/w/{code}/live")
def live(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: OptionalParticipant,
) -> Response:
    """The wall and ballot, polled by htmx; without htmx it is the whole page."""
    template = "participate/_live.html" if is_htmx(request) else "participate/workshop.html"
    return render(request, template, _page(session, request, workshop, participant))


@router.post("/w/{code}/votes")
def vote(
    request: Request,
    session: SessionDep,
    workshop: WorkshopByCode,
    participant: CurrentParticipant,
    proposal_id: Annotated[int, Form()],
) -> Response:
    voting.cast_vote(
        session,
        workshop,
        participant,
        proposal_id,
        secret_key=request.app.state.settings.secret_key,
    )
    session.commit()
    if is_htmx(request):
        return render(
            request, "participate/_live.html", _page(session, request, workshop, participant)
        )
    flash(request, _("Your vote is counted."))
    return RedirectResponse(f"/w/{workshop.join_code}#ballot", status_code=303)
