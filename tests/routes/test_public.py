from fastapi.testclient import TestClient
from sqlmodel import Session

from app.static_files import static_url
from tests import factories
from tests.helpers import HX


def test_home_lists_the_eight_pilot_cities_in_thai(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.template.name == "public/home.html"  # type: ignore[attr-defined]
    assert len(response.context["cities"]) == 8  # type: ignore[attr-defined]
    assert "เทศบาลนครขอนแก่น" in response.text
    assert '<html lang="th">' in response.text


def test_city_page_shows_workshops_and_no_plan_yet(client: TestClient, db: Session) -> None:
    factories.workshop(db, title="เวทีชุมชนบึงแก่นนคร")
    response = client.get("/cities/khon-kaen")
    assert response.status_code == 200
    assert response.template.name == "public/city.html"  # type: ignore[attr-defined]
    assert "เวทีชุมชนบึงแก่นนคร" in response.text
    assert response.context["published"] is None  # type: ignore[attr-defined]
    assert "เวทีชุมชนบึงแก่นนคร · <a" in response.text  # not run together with the link


def test_indicator_units_of_the_library_are_shown_in_thai() -> None:
    from app import i18n, labels

    i18n.set_locale("th")
    assert (labels.unit("households"), labels.unit("million baht")) == ("ครัวเรือน", "ล้านบาท")
    assert labels.unit("ไร่") == "ไร่"  # a unit a planner typed stays as typed


def test_unknown_city_is_404_page(client: TestClient) -> None:
    response = client.get("/cities/atlantis")
    assert response.status_code == 404
    assert response.template.name == "errors/error.html"  # type: ignore[attr-defined]
    assert "ไม่พบเมืองนี้" in response.text


def test_unknown_path_is_friendly_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "ไม่มีหน้าที่อยู่นี้" in response.text


def test_error_for_htmx_goes_to_message_area(client: TestClient) -> None:
    response = client.get("/cities/atlantis", headers=HX)
    assert response.status_code == 404
    assert response.template.name == "errors/_error.html"  # type: ignore[attr-defined]
    assert response.headers["HX-Retarget"] == "#flash-area"


def test_healthz_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_static_htmx_is_served(client: TestClient) -> None:
    response = client.get("/static/htmx-2.0.11.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:200]


def test_healthz_reports_an_unreachable_database(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    from app.db import DatabaseProbe

    broken = create_engine("sqlite:////nonexistent-directory/for/sure/x.db")
    app.state.db_probe = DatabaseProbe.on(broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    broken.dispose()


def test_pages_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]


def test_a_client_that_does_not_accept_gzip_gets_the_page_as_is(client: TestClient) -> None:
    """The compression middleware lets such a request straight through: same page, same
    security headers, no encoding; a cache is told the answer depends on Accept-Encoding (a
    static file kept a year must not reach phones uncompressed)."""
    page = client.get("/", headers={"Accept-Encoding": "identity"})
    assert page.status_code == 200
    assert "content-encoding" not in page.headers
    assert "Accept-Encoding" in page.headers["vary"]
    script = client.get(static_url("htmx-2.0.11.min.js"), headers={"Accept-Encoding": "identity"})
    assert script.status_code == 200
    assert "content-encoding" not in script.headers
    assert "Accept-Encoding" in script.headers["vary"]
    assert page.text.startswith("<!doctype html>")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.text == client.get("/", headers={"Accept-Encoding": "gzip"}).text


def test_pages_are_compressed_but_event_streams_are_not(client: TestClient, db: Session) -> None:
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip"
    workshop = factories.workshop(db)
    with client.stream(
        "GET", f"/w/{workshop.join_code}/events", headers={"Accept-Encoding": "gzip"}
    ) as stream:
        assert "content-encoding" not in stream.headers
