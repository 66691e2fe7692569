"""Public JSON API, version 1."""

from fastapi import APIRouter

from app.db import SessionDep
from app.deps import CityBySlug
from app.models import CityPublic
from app.services import cities as city_service

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
