"""Every state-changing route refuses a request without the session's CSRF token."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Idea, Role
from tests import factories
from tests.helpers import HX, join, login, post
from tests.routes.test_authorization_matrix import World, route_keys

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(m, p) for m, p in route_keys(app) if m in UNSAFE]


def test_there_are_state_changing_routes_to_check(app: FastAPI) -> None:
    assert len(_unsafe_routes(app)) >= 10


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_unsafe_routes_refuse_missing_or_wrong_token(
    token: str | None, app: FastAPI, client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    world = World(workshop.id or 0, workshop.join_code, idea.id or 0)
    join(client, workshop)
    login(client, factories.account(db, role=Role.admin))
    ideas_before = db.exec(select(func.count()).select_from(Idea)).one()
    for method, path in _unsafe_routes(app):
        data = {
            "text": "ข้อความ",
            "stakeholder_group": "resident",
            "status": "closed",
            "code": workshop.join_code,
        }
        if token:
            data["csrf_token"] = token
        response = client.request(method, world.url(path), data=data)
        assert response.status_code == 403, (
            f"{method} {path} accepted a request without a valid CSRF token"
        )
        assert "แบบฟอร์มนี้หมดอายุ" in response.text
    assert db.exec(select(func.count()).select_from(Idea)).one() == ideas_before
    db.refresh(workshop)
    assert workshop.status == "open"
    assert client.get("/staff").status_code == 200  # still logged in: logout was refused too


def test_header_token_is_accepted_for_htmx(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/join").text)
    assert token
    response = client.post(
        f"/w/{workshop.join_code}/ideas",
        data={"text": "ผ่านหัวข้อ"},
        headers={**HX, "X-CSRF-Token": token.group(1)},
    )
    assert response.status_code == 200


def test_token_of_another_session_is_refused(app: FastAPI, client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    with TestClient(app) as other:
        foreign = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/join").text)
    assert foreign
    response = client.post(
        f"/w/{workshop.join_code}/ideas", data={"text": "x", "csrf_token": foreign.group(1)}
    )
    assert response.status_code == 403
    assert post(client, f"/w/{workshop.join_code}/ideas", {"text": "x"}).status_code == 303
