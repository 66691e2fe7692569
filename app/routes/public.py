"""Pages anyone can read without logging in, and residents' comments on a plan in public
consultation."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from app.db import SessionDep
from app.deps import BoardRunner, CityBySlug, OptionalBoardParticipant, OptionalUser
from app.domain.bounds import is_id
from app.domain.errors import JoinRequired, UserError
from app.i18n import gettext as _
from app.models import City, Participant, StaffAccount
from app.routes.forms import refused_form, whole_number
from app.services import access, plan_record, voting
from app.services import cities as city_service
from app.services import plan_consultation as consultation
from app.services import workshops as workshop_service
from app.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    return render(request, "public/home.html", {"cities": city_service.list_cities(session)})


@router.get("/cities/{slug}")
def city_page(city: CityBySlug, request: Request, session: SessionDep) -> Response:
    return render(
        request,
        "public/city.html",
        {
            "city": city,
            "workshops": workshop_service.workshops_for_city(session, city),
            "published": plan_record.published_items(session, city),
            "rounds": [
                r
                for r in voting.rounds_of_city(session, city)
                if r.status != "draft" and (r.workshop_id is None or voting.results_public(r))
            ],
        },
    )


def _plan_context(
    session: Session,
    city: City,
    participant: Participant | None,
    user: StaffAccount | None,
    **extra: Any,
) -> dict[str, Any]:
    published = plan_record.published_plan(session, city)
    moderates = access.runs_board(session, user, city)
    context: dict[str, Any] = {
        "city": city,
        "published": published,
        "public": True,
        "participant": participant,
        "moderates": moderates,
        "comments_open": published is not None
        and consultation.is_open(published.plan, published.version),
        "comments": consultation.comments_by_item(
            session, published.version, staff=moderates, participant=participant
        )
        if published
        else {},
        "comment_error": None,
        "comment_form": {},
    }
    return context | extra


@router.get("/cities/{slug}/plan")
def public_plan(
    city: CityBySlug,
    request: Request,
    session: SessionDep,
    participant: OptionalBoardParticipant,
    user: OptionalUser,
) -> Response:
    """The city's plan as published (in public consultation or adopted), with the chain from
    each item back to the people who asked for it and residents' comments; printable."""
    return render(request, "public/plan.html", _plan_context(session, city, participant, user))


@router.post("/cities/{slug}/plan/comments")
def comment_on_plan(
    city: CityBySlug,
    request: Request,
    session: SessionDep,
    participant: OptionalBoardParticipant,
    user: OptionalUser,
    text: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    item_id: Annotated[str, Form()] = "",
) -> Response:
    """A resident's comment on the version in consultation; a device that has not joined the
    city's board joins first and comes back to the plan."""
    if participant is None:
        back = quote(f"/cities/{city.slug}/plan")
        raise JoinRequired(city.slug, target=f"/cities/{city.slug}/board/join?next={back}")
    item = int(item_id) if item_id and is_id(item_id) else None

    def page(error: UserError) -> Response:
        form = {"text": text, "item_id": item}
        context = _plan_context(
            session, city, participant, user, comment_error=error.message, comment_form=form
        )
        return render(request, "public/plan.html", context)

    with refused_form(session, page):
        number = whole_number(version, _("Version"), low=1, high=10_000)
        row = consultation.post(
            session, city, participant, version_number=number or 0, item_id=item, text=text
        )
    session.commit()
    if row.held_for_review:
        flash(request, _("Your comment is waiting for a moderator to look at it."))
    else:
        flash(request, _("Thank you! Your comment on the plan is published."))
    return RedirectResponse(f"/cities/{city.slug}/plan#plan-comment-{row.id}", status_code=303)


def _moderated(city: City, back: str, comment_id: int) -> RedirectResponse:
    if back == "staff":
        return RedirectResponse(f"/staff/plans/{city.slug}#consultation", status_code=303)
    return RedirectResponse(f"/cities/{city.slug}/plan#plan-comment-{comment_id}", status_code=303)


@router.post("/staff/cities/{slug}/plan/comments/{comment_id}/hide")
def hide_plan_comment(
    comment_id: int,
    request: Request,
    session: SessionDep,
    city: CityBySlug,
    user: BoardRunner,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    def page(error: UserError) -> Response:
        context = _plan_context(session, city, None, user, moderation_error=error.message)
        return render(request, "public/plan.html", context)

    with refused_form(session, page, reraise_404=True):
        consultation.hide(session, city, comment_id, user, reason)
    session.commit()
    return _moderated(city, back, comment_id)


@router.post("/staff/cities/{slug}/plan/comments/{comment_id}/restore")
def restore_plan_comment(
    comment_id: int,
    session: SessionDep,
    city: CityBySlug,
    user: BoardRunner,
    back: Annotated[str, Form()] = "",
) -> Response:
    consultation.restore(session, city, comment_id)
    session.commit()
    return _moderated(city, back, comment_id)
