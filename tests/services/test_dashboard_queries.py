"""The programme dashboard asks the database the same number of questions for any number of
cities (it used to ask two more per city)."""

from datetime import date

from sqlmodel import Session

from app.models import City, MunicipalityType
from app.services import monitoring
from tests import factories
from tests.statements import recorded_statements


def _dashboard_queries(db: Session) -> tuple[int, list[monitoring.CityColumn]]:
    db.expire_all()
    with recorded_statements(db.connection()) as seen:
        columns = monitoring.programme_dashboard(
            db, include_unpublished=True, today=date(2026, 6, 1)
        )
    return len(seen), columns


def test_programme_dashboard_queries_do_not_grow_with_cities(db: Session) -> None:
    factories.monitored_item(db, city_slug="khon-kaen")
    before, columns = _dashboard_queries(db)
    new_cities = [f"new-town-{n}" for n in range(5)]
    for n, slug in enumerate(new_cities):
        db.add(
            City(
                slug=slug,
                name_th=f"เทศบาลเมืองใหม่ {n}",
                name_en=f"New Town {n}",
                province_th="ขอนแก่น",
                province_en="Khon Kaen",
                municipality_type=MunicipalityType.town,
                programme_phase=3,
                joined_year=2026,
            )
        )
        db.flush()
        factories.monitored_item(db, city_slug=slug, agency_name=f"กองช่าง {n}")
    after, more_columns = _dashboard_queries(db)

    assert after == before
    assert len(more_columns) == len(columns) + 5
    with_items = {c.city.slug: c for c in more_columns if c.items}
    assert sorted(with_items) == sorted(["khon-kaen", *new_cities])
    for column in with_items.values():
        assert column.items == 1
        assert column.budget_planned == 1_000_000
        assert {k: v for k, v in column.status_counts.items() if v} == {"on_track": 1}
