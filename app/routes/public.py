"""Pages anyone can read without logging in."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import SessionDep
from app.deps import CityBySlug
from app.services import cities as city_service
from app.services import plan_record, voting
from app.services import plans as plan_service
from app.services import workshops as workshop_service
from app.templating import render

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
            "plan": plan_service.draft_plan(session, city),
            "priorities": plan_service.prioritized(session, city),
            "rounds": [
                r
                for r in voting.rounds_of_city(session, city)
                if r.status != "draft" and (r.workshop_id is None or voting.results_public(r))
            ],
        },
    )


@router.get("/cities/{slug}/plan")
def public_plan(city: CityBySlug, request: Request, session: SessionDep) -> Response:
    """The city's plan as published (in public consultation or adopted), with the chain from
    each item back to the people who asked for it; printable."""
    return render(
        request,
        "public/plan.html",
        {"city": city, "published": plan_record.published_plan(session, city), "public": True},
    )
