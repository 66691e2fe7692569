"""Public JSON API, version 1."""

from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.db import SessionDep
from app.deps import CityBySlug
from app.domain.bounds import MAX_ID
from app.domain.errors import NotFound
from app.i18n import gettext as _
from app.models import CityPublic
from app.models.plan import PlanItemPublic, PlanPublic, PlanVersionPublic, ProvenancePublic
from app.services import cities as city_service
from app.services import plan_record

router = APIRouter(prefix="/api/v1", tags=["cities"])


@router.get("/cities", response_model=list[CityPublic])
def list_cities(session: SessionDep) -> list[CityPublic]:
    """The programme's municipalities."""
    return [city_service.to_public(c) for c in city_service.list_cities(session)]


@router.get(
    "/cities/{slug}", response_model=CityPublic, responses={404: {"description": "Unknown city"}}
)
def get_city(city: CityBySlug) -> CityPublic:
    return city_service.to_public(city)


NO_PLAN: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown city, or no published plan version"}
}


@router.get("/cities/{slug}/plan", response_model=PlanPublic, tags=["plans"], responses=NO_PLAN)
def get_plan(city: CityBySlug, session: SessionDep) -> PlanPublic:
    """The city's newest published plan version (public consultation or adopted), its items
    and the provenance of each. Drafts are never published here."""
    return plan_record.to_public(city, plan_record.published_version(session, city, None))


@router.get(
    "/cities/{slug}/plan/versions",
    response_model=list[PlanVersionPublic],
    tags=["plans"],
    responses=NO_PLAN,
)
def list_plan_versions(city: CityBySlug, session: SessionDep) -> list[PlanVersionPublic]:
    """Every published version of the city's plans, newest first."""
    return [
        PlanVersionPublic(number=v.number, state=v.state, moved_at=moved_at)
        for v, _plan, moved_at in plan_record.published_versions_of_city(session, city)
    ]


@router.get(
    "/cities/{slug}/plan/versions/{number}",
    response_model=PlanPublic,
    tags=["plans"],
    responses=NO_PLAN,
)
def get_plan_version(
    city: CityBySlug, session: SessionDep, number: Annotated[int, Path(ge=1, le=10_000)]
) -> PlanPublic:
    return plan_record.to_public(city, plan_record.published_version(session, city, number))


@router.get(
    "/cities/{slug}/plan/items",
    response_model=list[PlanItemPublic],
    tags=["plans"],
    responses=NO_PLAN,
)
def list_plan_items(city: CityBySlug, session: SessionDep) -> list[PlanItemPublic]:
    """The items of the newest published version, in priority order."""
    return plan_record.to_public(city, plan_record.published_version(session, city, None)).items


@router.get(
    "/cities/{slug}/plan/items/{item_id}/provenance",
    response_model=ProvenancePublic,
    tags=["plans"],
    responses=NO_PLAN,
)
def get_item_provenance(
    city: CityBySlug, session: SessionDep, item_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> ProvenancePublic:
    """Where an item of the newest published version came from: vote round and digest,
    proposals, the ideas, paper notes and comments behind them, their themes."""
    plan = plan_record.to_public(city, plan_record.published_version(session, city, None))
    for item in plan.items:
        if item.id == item_id and item.provenance is not None:
            return item.provenance
    raise NotFound(_("There is no plan item with this number."))
