"""The facilitator's side of a workshop: create it, run it, promote ideas, vote, agree priorities."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.db import SessionDep
from app.deps import Facilitator, is_htmx
from app.errors import NotFound, UserError
from app.i18n import gettext as _
from app.models import City, StakeholderGroup, Workshop, WorkshopStatus
from app.services import cities as city_service
from app.services import plans as plan_service
from app.services import proposals as proposal_service
from app.services import voting
from app.services import workshops as workshop_service
from app.templating import flash, render

router = APIRouter(prefix="/staff/workshops", include_in_schema=False)


def _workshop(session: Session, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(_("There is no workshop with this number."))
    return workshop


def _console(
    session: Session, request: Request, workshop: Workshop, **extra: Any
) -> dict[str, Any]:
    vote_round = voting.latest_round(session, workshop)
    results = voting.results(session, vote_round) if vote_round else []
    proposals = {p.id: p for p in proposal_service.for_workshop(session, workshop)}
    ranked = [(r, proposals[r.proposal_id]) for r in results] if results else []
    context: dict[str, Any] = {
        "workshop": workshop,
        "city": session.get(City, workshop.city_id),
        "join_url": str(request.base_url).rstrip("/") + f"/w/{workshop.join_code}",
        "groups": list(StakeholderGroup),
        "counts": workshop_service.participation_counts(session, workshop),
        "ideas": workshop_service.wall(session, workshop),
        "promoted": {p.source_idea_id for p in proposals.values()},
        "proposals": list(proposals.values()),
        "vote_round": vote_round,
        "ranked": ranked,
        "paper_text": "",
        "paper_group": "",
        "paper_error": None,
    }
    context.update(extra)
    return context


def _after_action(request: Request, session: Session, workshop: Workshop, message: str) -> Response:
    """htmx gets the refreshed proposals panel (and wall, out of band); plain forms get a redirect."""
    if is_htmx(request):
        context = _console(session, request, workshop, notice=message)
        return render(request, "workshops/_proposals.html", {**context, "oob_live": True})
    flash(request, message)
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)


@router.get("/new")
def new_workshop(request: Request, session: SessionDep, user: Facilitator) -> Response:
    context: dict[str, Any] = {
        "cities": city_service.list_cities(session),
        "form": {},
        "error": None,
    }
    return render(request, "workshops/new.html", context)


@router.post("")
def create_workshop(
    request: Request,
    session: SessionDep,
    user: Facilitator,
    city: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    held_on: Annotated[str, Form()] = "",
) -> Response:
    form: dict[str, str] = {
        "city": city,
        "title": title,
        "description": description,
        "held_on": held_on,
    }
    try:
        chosen = city_service.by_slug(session, city)
        if chosen is None:
            raise UserError(_("Please choose the city this workshop belongs to."), status_code=422)
        try:
            day = date.fromisoformat(held_on) if held_on else None
        except ValueError as exc:
            raise UserError(
                _("Please enter the date as day, month and year."), status_code=422
            ) from exc
        workshop = workshop_service.create_workshop(
            session, city=chosen, title=title, description=description, held_on=day, created_by=user
        )
    except UserError as exc:
        session.rollback()
        context = {"cities": city_service.list_cities(session), "form": form, "error": exc.message}
        return render(request, "workshops/new.html", context, status_code=exc.status_code)
    session.commit()
    flash(request, _("Workshop created. Its join code is %(code)s.") % {"code": workshop.join_code})
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)


@router.get("/{workshop_id}")
def console(workshop_id: int, request: Request, session: SessionDep, user: Facilitator) -> Response:
    workshop = _workshop(session, workshop_id)
    return render(request, "workshops/console.html", _console(session, request, workshop))


@router.get("/{workshop_id}/live")
def console_live(
    workshop_id: int, request: Request, session: SessionDep, user: Facilitator
) -> Response:
    """Counts and the idea wall, polled by htmx; without htmx it is the whole console."""
    workshop = _workshop(session, workshop_id)
    template = "workshops/_live.html" if is_htmx(request) else "workshops/console.html"
    return render(request, template, _console(session, request, workshop))


@router.get("/{workshop_id}/proposals")
def console_proposals(
    workshop_id: int, request: Request, session: SessionDep, user: Facilitator
) -> Response:
    """Proposals and live vote counts, polled by htmx while a vote is open."""
    workshop = _workshop(session, workshop_id)
    template = "workshops/_proposals.html" if is_htmx(request) else "workshops/console.html"
    return render(request, template, _console(session, request, workshop))


@router.post("/{workshop_id}/status")
def set_status(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    user: Facilitator,
    status: Annotated[str, Form()] = "",
) -> Response:
    workshop = _workshop(session, workshop_id)
    if status not in WorkshopStatus.__members__:
        raise UserError(_("Unknown workshop status."), status_code=422)
    workshop_service.set_status(workshop, WorkshopStatus(status))
    session.add(workshop)
    session.commit()
    message = (
        _("The workshop is open.")
        if status == WorkshopStatus.open
        else _("The workshop is closed.")
    )
    flash(request, message)
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)


@router.post("/{workshop_id}/paper-ideas")
def add_paper_idea(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    user: Facilitator,
    text: Annotated[str, Form()] = "",
    stakeholder_group: Annotated[str, Form()] = "",
) -> Response:
    workshop = _workshop(session, workshop_id)
    try:
        if stakeholder_group not in StakeholderGroup.__members__:
            raise UserError(_("Please choose the group written on the note."), status_code=422)
        workshop_service.add_paper_idea(
            session, workshop, text=text, group=StakeholderGroup(stakeholder_group), entered_by=user
        )
    except UserError as exc:
        session.rollback()
        context = _console(
            session,
            request,
            workshop,
            paper_text=text,
            paper_group=stakeholder_group,
            paper_error=exc.message,
        )
        template = "workshops/_paper_form.html" if is_htmx(request) else "workshops/console.html"
        return render(request, template, context, status_code=exc.status_code)
    session.commit()
    if is_htmx(request):
        context = _console(
            session, request, workshop, paper_group=stakeholder_group, paper_saved=True
        )
        return render(request, "workshops/_paper_form.html", {**context, "oob_live": True})
    flash(request, _("The paper note is on the wall."))
    return RedirectResponse(f"/staff/workshops/{workshop.id}", status_code=303)


@router.post("/{workshop_id}/ideas/{idea_id}/promote")
def promote_idea(
    workshop_id: int, idea_id: int, request: Request, session: SessionDep, user: Facilitator
) -> Response:
    workshop = _workshop(session, workshop_id)
    proposal = proposal_service.promote_idea(session, workshop, idea_id, user)
    session.commit()
    return _after_action(
        request, session, workshop, _("Proposal #%(id)s created.") % {"id": proposal.id}
    )


@router.post("/{workshop_id}/vote/open")
def open_vote(
    workshop_id: int, request: Request, session: SessionDep, user: Facilitator
) -> Response:
    workshop = _workshop(session, workshop_id)
    voting.open_round(session, workshop)
    session.commit()
    return _after_action(
        request, session, workshop, _("Voting is open. Participants see the ballot now.")
    )


@router.post("/{workshop_id}/vote/close")
def close_vote(
    workshop_id: int, request: Request, session: SessionDep, user: Facilitator
) -> Response:
    workshop = _workshop(session, workshop_id)
    voting.close_round(session, workshop)
    session.commit()
    return _after_action(request, session, workshop, _("Voting is closed. The results are final."))


@router.post("/{workshop_id}/priorities")
def agree_priorities(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    user: Facilitator,
    proposal_id: Annotated[list[int] | None, Form()] = None,
) -> Response:
    workshop = _workshop(session, workshop_id)
    items = plan_service.agree_priorities(session, workshop, proposal_id or [], user)
    session.commit()
    message = _("%(count)s agreed priorities added to the draft plan.") % {"count": len(items)}
    return _after_action(request, session, workshop, message)
