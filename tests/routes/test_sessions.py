"""Sessions that end on the server (issue 14, findings 1 and 6): a copied staff cookie stops
working at logout, a new password or "sign out everywhere"; a phone's cookie carries only a
random device id, and "I'm done, clear this phone" leaves nothing for the next person."""

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Ballot, Participant, Role, RoundStatus, VoteRound
from app.services import voting
from tests import factories
from tests.helpers import join, login, post
from tests.statements import recorded_statements

COOKIE = "mrk_session"
RECEIPT_RE = re.compile(r'id="receipt-code">([A-Z0-9-]+)<')


@pytest.fixture
def other(app: FastAPI) -> Iterator[TestClient]:
    """A second browser on the same app (the attacker's, or another device of the user)."""
    with TestClient(app, follow_redirects=False) as second:
        yield second


def _replay(client: TestClient, cookie: str) -> TestClient:
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    return client


def _signed_in(client: TestClient) -> bool:
    return client.get("/staff").status_code == 200


def _decoded(client: TestClient) -> dict[str, Any]:
    """What anyone holding the phone can read in its cookie (signed, not encrypted)."""
    payload = client.cookies[COOKIE].split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


# --- staff: finding 1 ---------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_is_refused_after_it(
    client: TestClient, other: TestClient, db: Session
) -> None:
    login(client, factories.account(db, role=Role.planner))
    copied = client.cookies[COOKIE]
    assert _signed_in(_replay(other, copied))  # the copy works while the session lives
    assert post(client, "/logout").status_code == 303
    assert not _signed_in(client)
    assert not _signed_in(_replay(other, copied))


def test_a_new_password_signs_out_every_other_copy_but_not_this_device(
    client: TestClient, other: TestClient, db: Session
) -> None:
    account = factories.account(db, role=Role.facilitator)
    login(client, account)
    copied = client.cookies[COOKIE]
    fields = {"current_password": factories.PASSWORD, "confirm_password": "a new long secret"}
    changed = post(
        client, "/staff/account/password", fields | {"new_password": "a new long secret"}
    )
    assert changed.status_code == 303, changed.text
    assert _signed_in(client)
    assert not _signed_in(_replay(other, copied))
    other.cookies.clear()
    login(other, account, "a new long secret")
    assert _signed_in(other)


def test_a_refused_password_change_keeps_every_session(
    client: TestClient, other: TestClient, db: Session
) -> None:
    login(client, factories.account(db))
    copied = client.cookies[COOKIE]
    cases = [
        ("wrong password", "a new long secret", "a new long secret", "รหัสผ่านปัจจุบันไม่ถูกต้อง"),
        (factories.PASSWORD, "short", "short", "10"),
        (factories.PASSWORD, "a new long secret", "another one here", "ไม่ตรงกัน"),
    ]
    for current, new, confirm, message in cases:
        fields = {"current_password": current, "new_password": new, "confirm_password": confirm}
        refused = post(client, "/staff/account/password", fields)
        assert refused.status_code == 422
        assert message in refused.text
    assert _signed_in(_replay(other, copied))


def test_sign_out_everywhere_ends_every_session_of_the_account(
    client: TestClient, other: TestClient, app: FastAPI, db: Session
) -> None:
    account = factories.account(db, role=Role.admin)
    login(client, account)
    login(other, account)
    copied = client.cookies[COOKIE]
    page = client.get("/staff/account")
    assert page.status_code == 200
    assert 'action="/staff/account/sign-out-everywhere"' in page.text
    with TestClient(app, follow_redirects=False) as bystander:  # another account stays in
        login(bystander, factories.account(db, role=Role.planner))
        ended = post(client, "/staff/account/sign-out-everywhere")
        assert ended.status_code == 303
        assert ended.headers["location"] == "/login"
        assert _signed_in(bystander)
    assert not _signed_in(client)
    assert not _signed_in(other)
    assert not _signed_in(_replay(other, copied))


def test_login_gives_a_new_session(client: TestClient, other: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    before = client.cookies[COOKIE]
    device_before = _decoded(client)["device"]
    login(client, factories.account(db))
    assert _decoded(client)["device"] != device_before
    assert client.get(f"/w/{workshop.join_code}/vote").headers.get("location") != (
        f"/w/{workshop.join_code}"
    )  # the membership moved to the new id
    joined_page = _replay(other, before).get(f"/w/{workshop.join_code}/vote")
    assert joined_page.headers["location"] == f"/w/{workshop.join_code}"  # the old id: nothing


def test_joining_gives_a_new_device_id(client: TestClient, other: TestClient, db: Session) -> None:
    first, second = factories.workshop(db), factories.workshop(db)
    join(client, first)
    before = client.cookies[COOKIE]
    join(client, second)
    assert client.get(f"/w/{first.join_code}/vote").status_code != 303  # still a member
    replayed = _replay(other, before).get(f"/w/{first.join_code}/vote")
    assert replayed.status_code == 303
    assert replayed.headers["location"] == f"/w/{first.join_code}"


# --- phones: finding 6 --------------------------------------------------------------------------


def _city_round(db: Session) -> VoteRound:
    workshop = factories.workshop(db)
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("สวน", "ถนน")]
    return factories.vote_round(db, proposals=proposals, status=RoundStatus.open)


def _vote_with_code(client: TestClient, vote_round: VoteRound, code: str, pid: int) -> str:
    claimed = post(client, f"/v/{vote_round.id}/code", {"code": code, "group": "resident"})
    assert claimed.status_code == 303, claimed.text
    cast = post(client, f"/v/{vote_round.id}", {f"p{pid}": "1", "client_key": "k"})
    assert cast.status_code == 303, cast.text
    match = RECEIPT_RE.search(client.get(cast.headers["location"]).text)
    assert match
    return match.group(1)


def test_the_cookie_holds_no_token_code_claim_or_receipt(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    vote_round = _city_round(db)
    [code] = voting.generate_codes(db, vote_round, 1, secret_key=app.state.settings.secret_key)
    workshop = factories.workshop(db)
    db.commit()
    join(client, workshop)
    [pid, _other] = [e.proposal.id or 0 for e in voting.ballot_entries(db, vote_round)]
    receipt = _vote_with_code(client, vote_round, code, pid)
    participant = db.exec(select(Participant).where(Participant.workshop_id == workshop.id)).one()
    decoded = _decoded(client)
    readable = json.dumps(decoded)
    assert set(decoded) <= {"csrf", "device", "_flash"}, decoded
    secrets = [participant.token, code, voting.normalize_code(code), receipt]
    assert not [s for s in secrets if s in readable]
    assert "claim" not in readable


def test_clearing_a_shared_phone_lets_the_next_voter_use_their_own_code(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    vote_round = _city_round(db)
    first, second = voting.generate_codes(
        db, vote_round, 2, secret_key=app.state.settings.secret_key
    )
    db.commit()
    [a, b] = [e.proposal.id or 0 for e in voting.ballot_entries(db, vote_round)]
    _vote_with_code(client, vote_round, first, a)
    done = client.get(f"/v/{vote_round.id}/done?submission=k")
    assert "/device/clear" in done.text
    cleared = post(client, "/device/clear", {"next": f"/v/{vote_round.id}"})
    assert cleared.status_code == 303
    assert cleared.headers["location"] == f"/v/{vote_round.id}"
    page = client.get(f"/v/{vote_round.id}")
    assert page.template.name == "voting/code.html"  # type: ignore[attr-defined]
    assert first not in page.text
    claimed = post(client, f"/v/{vote_round.id}/code", {"code": second, "group": "resident"})
    assert claimed.status_code == 303, claimed.text
    ballot = client.get(f"/v/{vote_round.id}")
    assert ballot.template.name == "voting/ballot.html"  # type: ignore[attr-defined]
    assert ballot.context["marks"] == {}  # type: ignore[attr-defined]
    assert "checked" not in ballot.text
    assert post(client, f"/v/{vote_round.id}", {f"p{b}": "1"}).status_code == 303
    db.expire_all()
    stored = db.exec(select(Ballot.marks).where(col(Ballot.round_id) == vote_round.id)).all()
    assert sorted(stored, key=str) == [{str(a): 1}, {str(b): 1}]


def test_clearing_a_shared_phone_in_a_workshop_forgets_the_participant(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("สวน", "ถนน")]
    factories.vote_round(db, workshop=workshop, proposals=proposals, status=RoundStatus.open)
    base = f"/w/{workshop.join_code}/vote"
    join(client, workshop)
    assert post(client, base, {f"p{proposals[0].id}": "1", "client_key": "k"}).status_code == 303
    assert "checked" in client.get(base).text
    cleared = post(client, "/device/clear", {"next": f"/w/{workshop.join_code}"})
    assert cleared.headers["location"] == f"/w/{workshop.join_code}"
    assert client.get(base).headers["location"] == f"/w/{workshop.join_code}"  # join first
    join(client, workshop)
    ballot = client.get(base)
    assert ballot.status_code == 200
    assert "checked" not in ballot.text
    assert db.exec(select(Participant).where(Participant.workshop_id == workshop.id)).all()


def test_clearing_never_redirects_off_site(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        assert post(client, "/device/clear", {"next": target}).headers["location"] == "/"


def test_health_checks_and_static_files_never_read_the_session_store(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    # The test's session serves the pages; the health probe asks the app's own engine.
    with (
        recorded_statements(db.connection()) as seen,
        recorded_statements(app.state.engine) as probed,
    ):
        assert client.get("/healthz").status_code == 200
        assert client.get("/static/app.css").status_code == 200
    assert seen == []
    assert [s for s in probed if not s.startswith(("BEGIN", "ROLLBACK"))] == ["SELECT 1"]
    with recorded_statements(db.connection()) as seen:
        assert client.get(f"/w/{workshop.join_code}").status_code == 200
    assert sum("device_participant" in statement for statement in seen) == 1  # one read, joined
