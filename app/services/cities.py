from sqlmodel import Session, col, select

from app.models import City, CityPublic


def list_cities(session: Session) -> list[City]:
    return list(session.exec(select(City).order_by(col(City.programme_phase), col(City.id))))


def by_slug(session: Session, slug: str) -> City | None:
    return session.exec(select(City).where(City.slug == slug)).first()


def to_public(city: City) -> CityPublic:
    return CityPublic(
        slug=city.slug,
        name_th=city.name_th,
        name_en=city.name_en,
        province=city.province_th,
        province_en=city.province_en,
        municipality_type=city.municipality_type,
        programme_phase=city.programme_phase,
        joined_year=city.joined_year,
    )
