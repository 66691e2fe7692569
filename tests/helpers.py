"""Driving the app like a browser: CSRF tokens from pages, logins, joining a workshop."""

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from app.config import Settings
from app.db import get_session
from app.main import create_app
from app.models import StaffAccount, Workshop
from app.services.themes import InlineRunner
from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient) -> str:
    match = CSRF_RE.search(client.get("/join").text)
    assert match, "the join page must carry a CSRF token"
    return match.group(1)


def post(
    client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> Response:
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, **kwargs)


def login(client: TestClient, account: StaffAccount, password: str = PASSWORD) -> None:
    response = post(client, "/login", {"email": account.email, "password": password})
    assert response.status_code == 303, response.text


def join(client: TestClient, workshop: Workshop, group: str = "resident") -> None:
    response = post(client, f"/w/{workshop.join_code}/participants", {"stakeholder_group": group})
    assert response.status_code == 303, response.text


HX = {"HX-Request": "true"}


def app_on(settings: Settings, db: Session) -> FastAPI:
    """An app whose requests all use the test's session (its rows, its rolled-back
    transaction); a second one on the same session stands for a second process."""
    application = create_app(settings)

    def _session() -> Iterator[Session]:
        yield db

    application.dependency_overrides[get_session] = _session
    # Clustering runs inside the request: a background thread could not see the test's
    # uncommitted rows (the real thread runner is exercised by the browser tests).
    application.state.theme_runner = InlineRunner()
    return application
