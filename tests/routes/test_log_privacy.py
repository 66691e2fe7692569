"""Logs never hold what would identify a resident or let someone act as them: session cookies,
participant tokens, CSRF tokens, display names, demographics, idea and comment bodies, staff
e-mail addresses or passwords. Every logger runs at DEBUG (SQL statements included)."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Participant, Role, RoundStatus
from tests import factories
from tests.helpers import csrf, post

NAME = "ผู้เข้าร่วมลับเฉพาะ"
COMMUNITY = "ชุมชนลับเฉพาะริมบึง"
IDEA = "ความคิดลับเฉพาะเรื่องทางเท้า"
COMMENT = "ความเห็นลับเฉพาะเรื่องไฟฟ้า"
PASSWORD = "a secret staff password"


def test_logs_hold_no_personal_data_or_credentials(
    debug_logs: pytest.LogCaptureFixture, client: TestClient, db: Session, fast_posting: None
) -> None:
    staff = factories.account(
        db, role=Role.facilitator, email="secret.staff@city.go.th", password=PASSWORD
    )
    workshop = factories.workshop(db, facilitators=[staff])
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("ก", "ข")]
    factories.vote_round(db, workshop=workshop, proposals=proposals, status=RoundStatus.open)
    code = workshop.join_code

    form = {
        "stakeholder_group": "resident",
        "display_name": NAME,
        "age_band": "26_40",
        "community": COMMUNITY,
        "consent": "yes",
    }
    assert post(client, f"/w/{code}/participants", form).status_code == 303
    assert post(client, f"/w/{code}/ideas", {"text": IDEA, "client_key": "i1"}).status_code == 303
    idea_id = db.exec(select(factories.Idea.id)).first()  # type: ignore[attr-defined]
    comment = {"text": COMMENT, "client_key": "c1"}
    assert post(client, f"/w/{code}/ideas/{idea_id}/comments", comment).status_code == 303
    assert post(client, f"/w/{code}/ideas/{idea_id}/reactions", {"on": "1"}).status_code == 303
    ballot = {f"p{proposals[0].id}": "1", "client_key": "v1"}
    assert post(client, f"/w/{code}/vote", ballot).status_code == 303
    assert client.get(f"/w/{code}/me/data.json").status_code == 200
    token = db.exec(select(Participant.token)).one()
    participant_cookie = client.cookies["mrk_session"]
    form_token = csrf(client)

    wrong = {"email": staff.email, "password": "not the password"}
    assert post(client, "/login", wrong).status_code in (400, 401, 422)
    assert post(client, "/login", {"email": staff.email, "password": PASSWORD}).status_code == 303
    search = post(client, f"/staff/workshops/{workshop.id}/privacy", {"q": NAME})
    assert search.status_code == 200
    staff_cookie = client.cookies["mrk_session"]

    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in debug_logs.records
    )
    assert "sqlalchemy.engine" in logged, "statements must be logged at DEBUG for this test"
    secrets = {
        "display name": NAME,
        "community": COMMUNITY,
        "idea": IDEA,
        "comment": COMMENT,
        "participant token": token,
        "participant cookie": participant_cookie,
        "staff cookie": staff_cookie,
        "csrf token": form_token,
        "staff e-mail": staff.email,
        "password": PASSWORD,
    }
    leaked = [what for what, value in secrets.items() if value in logged]
    assert leaked == []
