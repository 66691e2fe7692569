"""Guessing passwords is throttled per account and per address; the right password does not
slip through while an account is throttled, and the log never holds the password."""

import logging

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Role
from tests import factories
from tests.helpers import post


def _try(client: TestClient, email: str, password: str) -> int:
    return post(client, "/login", {"email": email, "password": password}).status_code


def test_login_after_five_wrong_passwords_is_throttled_even_with_the_right_one(
    client: TestClient, db: Session
) -> None:
    account = factories.account(db, role=Role.planner)
    assert [_try(client, account.email, f"guess-{n}") for n in range(5)] == [400] * 5

    refused = post(client, "/login", {"email": account.email, "password": factories.PASSWORD})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert "รหัสผ่านผิดหลายครั้งเกินไป" in refused.text
    assert client.get("/staff").status_code == 303  # still not logged in


def test_fifty_wrong_passwords_are_mostly_refused_unchecked(
    client: TestClient, db: Session
) -> None:
    account = factories.account(db)
    statuses = [_try(client, account.email, f"guess-{n}") for n in range(50)]
    assert statuses.count(400) == 5
    assert statuses.count(429) == 45


def test_one_address_sweeping_many_accounts_is_throttled(client: TestClient, db: Session) -> None:
    accounts = [factories.account(db) for _ in range(7)]
    statuses = [_try(client, a.email, f"guess-{n}") for a in accounts for n in range(3)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    # Another account from the same address now waits too.
    assert _try(client, factories.account(db).email, factories.PASSWORD) == 429


def test_success_clears_the_accounts_own_failures(client: TestClient, db: Session) -> None:
    account = factories.account(db)
    assert [_try(client, account.email, "wrong") for _ in range(4)] == [400] * 4
    assert _try(client, account.email, factories.PASSWORD) == 303
    assert [_try(client, account.email, "wrong") for _ in range(5)] == [400] * 5


def test_failed_login_is_logged_without_password_or_address_in_clear(
    client: TestClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    account = factories.account(db)
    with caplog.at_level(logging.WARNING, logger="app.services.login_throttle"):
        _try(client, account.email, "Secret-Guess-123")
    assert "failed staff login" in caplog.text
    assert "Secret-Guess-123" not in caplog.text
    assert account.email not in caplog.text
