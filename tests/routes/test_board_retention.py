"""A city's board retention: the phone shows its kept-until date (B.E.), the join page states
the rule, and the city's planners set the months (1 to 120) on the board's privacy page."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.domain import retention
from app.models import Role
from app.services import privacy
from tests import factories
from tests.helpers import login, post
from tests.routes.test_board_privacy import ME, _join

PAGE = "/staff/cities/khon-kaen/privacy"
SET = "/staff/cities/khon-kaen/retention"


@pytest.fixture
def phone(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as other:
        yield other


def _months(db: Session, slug: str = "khon-kaen") -> int:
    city = factories.city(db, slug)
    db.refresh(city)
    return city.board_retention_months


def test_board_my_data_shows_the_kept_until_date_in_buddhist_era(
    phone: TestClient, db: Session
) -> None:
    participant = _join(phone)
    joined = privacy.municipal_day(participant.created_at)
    page = phone.get(ME)
    kept = page.context["kept_until"]  # type: ignore[attr-defined]
    assert kept == retention.add_months(joined, 24)
    assert f"{kept.year + 543}" in page.text.split('id="kept-until"')[1].split("</dd>")[0]
    assert "24 เดือน" in page.text
    export = json.loads(phone.get(f"{ME}/data.json").text)
    assert export["participant"]["kept_until"] == kept.isoformat()

    privacy.set_board_retention(db, factories.city(db), 36)
    db.commit()
    later = phone.get(ME).context["kept_until"]  # type: ignore[attr-defined]
    assert later == retention.add_months(joined, 36)


def test_board_join_page_states_the_retention_rule(client: TestClient, db: Session) -> None:
    notice = client.get("/cities/khon-kaen/board/join").text.split('id="retention-notice"')[1]
    assert "24 เดือน" in notice.split("</p>")[0]
    privacy.set_board_retention(db, factories.city(db, "chiang-rai"), 6)
    db.commit()
    english = client.get("/cities/chiang-rai/board/join?lang=en").text
    assert "until 6 months after the last thing you do on this board" in english
    assert "until 24 months" not in english  # Khon Kaen's setting is not Chiang Rai's


def test_planner_sets_the_board_retention_months(client: TestClient, db: Session) -> None:
    login(client, factories.account(db, role=Role.planner, city_slug="khon-kaen"))
    page = client.get(PAGE)
    assert page.context["sets_board_retention"] is True  # type: ignore[attr-defined]
    assert 'name="months" value="24"' in page.text
    saved = post(client, SET, {"months": "36"})
    assert (saved.status_code, saved.headers["location"]) == (303, PAGE)
    assert _months(db) == 36
    assert _months(db, "chiang-rai") == retention.DEFAULT_BOARD_MONTHS
    shown = client.get(PAGE).text
    assert "36 เดือน" in shown
    assert "เกินกำหนดนี้แล้ว" not in shown  # nobody is due
    assert post(client, SET, {"months": "๑๒๐"}).status_code == 303  # Thai digits too
    assert _months(db) == 120


def test_shortening_the_board_retention_says_who_the_next_run_erases(
    client: TestClient, db: Session
) -> None:
    """Erasure cannot be undone: the planner learns how many people a shorter rule reaches."""
    for city_slug in ("khon-kaen", "chiang-rai"):  # inactive since 2000: past any setting
        gone = factories.board_participant(db, city_slug=city_slug)
        gone.created_at = datetime(2000, 1, 1, tzinfo=UTC)
        db.add(gone)
    factories.board_participant(db)  # joined today: kept
    db.commit()
    login(client, factories.account(db, role=Role.planner, city_slug="khon-kaen"))
    assert post(client, SET, {"months": "1"}).status_code == 303
    assert "มีผู้ร่วม 1 คนที่เกินกำหนดนี้แล้ว" in client.get(PAGE).text


@pytest.mark.parametrize(
    "typed", ["0", "121", "abc", str(2**63), "9" * 40, "", "-5", "1.5", "12 months"]
)
def test_bad_board_retention_months_are_refused(
    typed: str, client: TestClient, db: Session
) -> None:
    login(client, factories.account(db, role=Role.admin))
    refused = post(client, SET, {"months": typed})
    assert refused.status_code == 422
    assert refused.template.name == "privacy/requests.html"  # type: ignore[attr-defined]
    assert refused.context["retention_error"]  # type: ignore[attr-defined]
    assert refused.context["months"] == typed  # type: ignore[attr-defined]
    assert _months(db) == retention.DEFAULT_BOARD_MONTHS


def test_only_the_citys_planners_set_the_board_retention(
    client: TestClient, phone: TestClient, db: Session
) -> None:
    # A facilitator of one of the city's workshops answers the board's requests and sees the
    # rule, but a city-wide rule is not theirs to change.
    facilitator = factories.account(db, role=Role.facilitator)
    factories.workshop(db, facilitators=[facilitator])
    login(client, facilitator)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.context["sets_board_retention"] is False  # type: ignore[attr-defined]
    assert 'name="months"' not in page.text
    assert post(client, SET, {"months": "1"}).status_code == 403
    client.cookies.clear()
    login(client, factories.account(db, role=Role.planner, city_slug="chiang-rai"))
    assert post(client, SET, {"months": "1"}).status_code == 403
    _join(phone)  # a board participant of the city is no staff member
    assert post(phone, SET, {"months": "1"}).headers["location"].startswith("/login")
    client.cookies.clear()
    assert post(client, SET, {"months": "1"}).headers["location"].startswith("/login")
    assert _months(db) == retention.DEFAULT_BOARD_MONTHS
