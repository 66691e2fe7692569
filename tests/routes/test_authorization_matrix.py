"""Every route states who may use it; the test fails for a route nobody thought about.

Outcomes: OK (allowed; any answer but a refusal), LOGIN (sent to the login page, 401 on
the API), FORBIDDEN (403), JOIN (sent to join the workshop first).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from app.models import Role
from tests import factories
from tests.helpers import csrf, join, login

ACTORS = ("anonymous", "participant", "facilitator", "planner", "admin")
OK, LOGIN, FORBIDDEN, JOIN = "ok", "login", "forbidden", "join"

PUBLIC = dict.fromkeys(ACTORS, OK)
PARTICIPANT_ONLY = {
    "anonymous": JOIN,
    "participant": OK,
    "facilitator": JOIN,
    "planner": JOIN,
    "admin": JOIN,
}
FACILITATOR = {
    "anonymous": LOGIN,
    "participant": LOGIN,
    "facilitator": OK,
    "planner": FORBIDDEN,
    "admin": OK,
}
PLANNER = {
    "anonymous": LOGIN,
    "participant": LOGIN,
    "facilitator": FORBIDDEN,
    "planner": OK,
    "admin": OK,
}
ANY_STAFF = {
    "anonymous": LOGIN,
    "participant": LOGIN,
    "facilitator": OK,
    "planner": OK,
    "admin": OK,
}

EXPECTATIONS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/cities/{slug}"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/join"): PUBLIC,
    ("POST", "/join"): PUBLIC,
    ("GET", "/w/{code}"): PUBLIC,
    ("GET", "/w/{code}/live"): PUBLIC,
    ("POST", "/w/{code}/participants"): PUBLIC,
    ("POST", "/w/{code}/ideas"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/votes"): PARTICIPANT_ONLY,
    ("GET", "/staff"): ANY_STAFF,
    ("GET", "/staff/workshops/new"): FACILITATOR,
    ("POST", "/staff/workshops"): FACILITATOR,
    ("GET", "/staff/workshops/{workshop_id}"): FACILITATOR,
    ("GET", "/staff/workshops/{workshop_id}/live"): FACILITATOR,
    ("GET", "/staff/workshops/{workshop_id}/proposals"): FACILITATOR,
    ("POST", "/staff/workshops/{workshop_id}/status"): FACILITATOR,
    ("POST", "/staff/workshops/{workshop_id}/paper-ideas"): FACILITATOR,
    ("POST", "/staff/workshops/{workshop_id}/ideas/{idea_id}/promote"): FACILITATOR,
    ("POST", "/staff/workshops/{workshop_id}/vote/open"): FACILITATOR,
    ("POST", "/staff/workshops/{workshop_id}/vote/close"): FACILITATOR,
    ("POST", "/staff/workshops/{workshop_id}/priorities"): FACILITATOR,
    ("GET", "/staff/plans"): PLANNER,
    ("GET", "/staff/plans/{slug}"): PLANNER,
    ("GET", "/staff/plans/{slug}/prioritized.csv"): PLANNER,
    ("GET", "/api/v1/cities"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}"): PUBLIC,
}
# FastAPI's own documentation routes are plain Routes, not APIRoutes; they are public too.


def route_keys(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every application route, through included routers."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.path and context.methods:
            for method in sorted(context.methods - {"HEAD"}):
                yield method, context.path


def test_every_route_has_a_stated_expectation(app: FastAPI) -> None:
    routes = set(route_keys(app))
    missing = routes - EXPECTATIONS.keys()
    stale = EXPECTATIONS.keys() - routes
    assert not missing, f"routes without an authorization expectation: {sorted(missing)}"
    assert not stale, f"expectations for routes that no longer exist: {sorted(stale)}"
    assert all(set(e) == set(ACTORS) for e in EXPECTATIONS.values())


@dataclass
class World:
    workshop_id: int
    code: str
    idea_id: int

    def url(self, path: str) -> str:
        values = {
            "workshop_id": self.workshop_id,
            "code": self.code,
            "idea_id": self.idea_id,
            "slug": "khon-kaen",
        }
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def classify(response: Response, world: World) -> str:
    location = response.headers.get("location", "") or response.headers.get("hx-redirect", "")
    if response.status_code == 401 or location.startswith("/login"):
        return LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 303 and location == f"/w/{world.code}":
        return JOIN
    return OK


@pytest.mark.parametrize("actor", ACTORS)
def test_authorization_matrix(actor: str, app: FastAPI, client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    world = World(workshop.id or 0, workshop.join_code, idea.id or 0)
    if actor == "participant":
        join(client, workshop)
    elif actor != "anonymous":
        login(client, factories.account(db, role=Role(actor)))

    failures = []
    for (method, path), expected in sorted(EXPECTATIONS.items()):
        if path == "/logout":
            continue  # would end the actor's session; it is public and covered in test_auth
        url = world.url(path)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.request(method, url, data={"csrf_token": csrf(client)})
        outcome = classify(response, world)
        # PUBLIC routes answer a joined device's join form with a redirect back to the workshop.
        if expected[actor] == OK and outcome == JOIN and EXPECTATIONS[(method, path)] is PUBLIC:
            outcome = OK
        if outcome != expected[actor]:
            failures.append(
                f"{method} {path}: expected {expected[actor]}, got {outcome} ({response.status_code})"
            )
        assert response.status_code < 500, f"{method} {path} answered {response.status_code}"
    assert not failures, "\n".join(failures)
