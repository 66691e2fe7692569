"""The erasure log: every erasure (from the phone, by staff, by the retention purge) leaves an
entry without personal data; admins see all, facilitators and planners their own workshops'
and boards'; no route changes an entry."""

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import ErasedBy, ErasureRecord, Role
from app.services import privacy
from tests import factories
from tests.helpers import csrf, login, post

NAME = "ประเสริฐบันทึกลบ"


def test_each_kind_of_erasure_is_logged_without_personal_data(
    client: TestClient, db: Session
) -> None:
    admin = factories.account(db, role=Role.admin)
    workshop = factories.workshop(db, facilitators=[admin])
    workshop.held_on = date(2020, 1, 1)
    db.add(workshop)
    by_staff, by_purge = (factories.participant(db, workshop=workshop) for _ in range(2))
    by_staff.display_name = NAME
    db.add(by_staff)
    db.commit()
    post(client, f"/w/{workshop.join_code}/participants", {"stakeholder_group": "academia"})
    assert post(client, f"/w/{workshop.join_code}/me/erase", {"confirm": "yes"}).status_code == 303
    login(client, admin)
    erase = f"/staff/workshops/{workshop.id}/participants/{by_staff.id}/erase"
    assert post(client, erase, {"confirm": "yes"}).status_code == 303
    assert privacy.purge(db, datetime(2026, 12, 1, 3, tzinfo=UTC)) == privacy.Purge(1, 1)
    db.commit()

    records = db.exec(select(ErasureRecord).order_by(ErasureRecord.id)).all()  # type: ignore[arg-type]
    assert [(r.erased_by, r.staff_account_id) for r in records] == [
        (ErasedBy.participant, None),
        (ErasedBy.staff, admin.id),
        (ErasedBy.retention, None),
    ]
    assert {r.workshop_id for r in records} == {workshop.id}
    assert records[2].participant_reference == by_purge.reference
    page = client.get("/staff/erasures", params={"lang": "en"})
    assert page.template.name == "privacy/erasures.html"  # type: ignore[attr-defined]
    assert NAME not in page.text
    for shown in ("The participant", "Retention purge", privacy.reference(by_purge)):
        assert shown in page.text
    assert f"Staff account {admin.id}" in page.text
    # Buddhist Era dates in Thai (2026 is B.E. 2569).
    assert "2569" in client.get("/staff/erasures", params={"lang": "th"}).text


def test_staff_see_the_entries_of_their_own_workshops_and_boards(
    client: TestClient, db: Session
) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    mine = factories.workshop(db, facilitators=[facilitator])  # in khon-kaen
    other = factories.workshop(db)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    people = {
        "mine": factories.participant(db, workshop=mine),
        "other": factories.participant(db, workshop=other),
        "board": factories.board_participant(db),
        "far": factories.board_participant(db, city_slug="chiang-rai"),
    }
    for person in people.values():
        privacy.erase(db, person, now, by=ErasedBy.participant)
    db.commit()

    login(client, facilitator)
    assert _seen(client, people) == {"mine", "board"}  # its workshop, its city's board
    login(client, factories.account(db, role=Role.planner, city_slug="chiang-rai"))
    assert _seen(client, people) == {"far"}
    login(client, factories.account(db, role=Role.facilitator))  # runs nothing yet
    assert _seen(client, people) == set()
    login(client, factories.account(db, role=Role.admin))
    assert _seen(client, people) == set(people)


def _seen(client: TestClient, people: dict[str, object]) -> set[str]:
    page = client.get("/staff/erasures")
    assert page.status_code == 200
    refs = {e.record.participant_reference for e in page.context["entries"]}  # type: ignore[attr-defined]
    return {k for k, p in people.items() if p.reference in refs}  # type: ignore[attr-defined]


def test_the_log_pages_older_entries(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privacy, "LOG_PAGE_SIZE", 3)
    workshop = factories.workshop(db)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for _ in range(privacy.LOG_PAGE_SIZE + 2):
        privacy.erase(db, factories.participant(db, workshop=workshop), now, by=ErasedBy.retention)
    db.commit()
    login(client, factories.account(db, role=Role.admin))
    first = client.get("/staff/erasures")
    older = first.context["older"]  # type: ignore[attr-defined]
    assert len(first.context["entries"]) == privacy.LOG_PAGE_SIZE  # type: ignore[attr-defined]
    rest = client.get("/staff/erasures", params={"before": str(older)}).context["entries"]  # type: ignore[attr-defined]
    assert len(rest) == 2
    assert client.get("/staff/erasures", params={"before": "9" * 30}).status_code == 200


def test_no_route_changes_an_erasure_entry(app: FastAPI, client: TestClient, db: Session) -> None:
    """Every writing route, as an admin, with every id in its path set to the entry's and the
    entry's own column names posted as form fields (mass assignment): the entry stays as it
    was, and none is removed."""
    admin = factories.account(db, role=Role.admin)
    workshop = factories.workshop(db, facilitators=[admin])
    person = factories.participant(db, workshop=workshop)
    privacy.erase(db, person, datetime(2026, 12, 1, tzinfo=UTC), by=admin)
    db.commit()
    entry = db.exec(select(ErasureRecord)).one()
    table = ErasureRecord.__table__  # type: ignore[attr-defined]
    before = db.connection().execute(sa.select(table)).all()
    forged = {
        "id": str(entry.id),
        "erased_by": "participant",
        "staff_account_id": "",
        "participant_reference": "AAAAAAAA",
        "rows_unlinked": "0",
        "erased_at": "2000-01-01T00:00:00",
        "confirm": "yes",
    }
    login(client, admin)
    token = csrf(client)
    session_enders = {"/logout", "/staff/account/sign-out-everywhere", "/device/clear", "/login"}
    writes = 0
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path
        if not isinstance(route, APIRoute) or not path or path in session_enders:
            continue
        for method in sorted((context.methods or set()) - {"GET", "HEAD"}):
            url = re.sub(r"\{(\w+)\}", lambda m: _value(m.group(1), entry.id, workshop), path)
            response = client.request(method, url, data={**forged, "csrf_token": token})
            assert response.status_code < 500, (method, url, response.status_code)
            writes += 1
    assert writes > 100
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        assert client.request(method, "/staff/erasures").status_code == 405
    after = db.connection().execute(sa.select(table).where(table.c.id <= entry.id)).all()
    assert after == before


def _value(name: str, entry_id: int | None, workshop: object) -> str:
    return {"slug": "khon-kaen", "code": workshop.join_code, "table": "items"}.get(  # type: ignore[attr-defined]
        name, str(entry_id)
    )
