"""Who may vote in a workshop round: the 400-join attack against an "in the hall" round, the
presence code and its limits, marking people present at the door, "open" and printed codes."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.domain import presence
from app.domain.eligibility import Eligibility
from app.models import (
    Ballot,
    Proposal,
    Role,
    RoundPresence,
    RoundStatus,
    RoundVoter,
    StaffAccount,
    VoteRound,
    VotingCode,
    Workshop,
)
from app.services import eligibility as eligibility_service
from app.services import voting
from tests import factories
from tests.conftest import TEST_SECRET
from tests.helpers import HX, csrf, join, login, post

CHECKIN_RE = re.compile(r'id="checkin-number">([A-Z0-9 ]+)<')
# One fixed "now" for the presence service, so no test depends on a minute boundary.
NOW = datetime.now(UTC).replace(second=30, microsecond=0)


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eligibility_service, "utcnow", lambda: NOW)


def _count(db: Session, model: type, *where: object) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(model).where(*where)).one()  # type: ignore[arg-type]


def _round(
    db: Session, rule: Eligibility, facilitator: StaffAccount | None = None
) -> tuple[Workshop, list[Proposal], VoteRound]:
    workshop = factories.workshop(db, facilitators=[facilitator or factories.account(db)])
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("ทางเท้า", "ท่อ")]
    vote_round = factories.vote_round(
        db, workshop=workshop, proposals=proposals, status=RoundStatus.open, eligibility=rule
    )
    vote_round.opened_at = NOW - timedelta(minutes=5)
    db.add(vote_round)
    db.commit()
    return workshop, proposals, vote_round


def _code(vote_round: VoteRound, minutes_ago: int = 0) -> str:
    return presence.current_code(
        TEST_SECRET, vote_round.id or 0, NOW - timedelta(minutes=minutes_ago)
    )


def _vote(client: TestClient, workshop: Workshop, proposal_id: int, key: str = "k1"):  # type: ignore[no-untyped-def]
    return post(
        client, f"/w/{workshop.join_code}/vote", {f"p{proposal_id}": "1", "client_key": key}
    )


def _enter(client: TestClient, workshop: Workshop, code: str):  # type: ignore[no-untyped-def]
    return post(client, f"/w/{workshop.join_code}/vote/presence", {"presence_code": code})


# --- the attack --------------------------------------------------------------------------------

# 100, not 400: each fake costs three requests (about 0.15 s here); the defence does not
# depend on the number, and 400 took a minute of a shared two-core machine.
FAKE_JOINS = 100


def test_fresh_cookie_joins_get_no_ballot_in_a_hall_round_but_real_phones_count(
    app, db: Session
) -> None:  # type: ignore[no-untyped-def]
    """A script joins FAKE_JOINS times with fresh cookies and votes each time: nothing is stored.
    Phones that typed the code on the screen (now, or the minute before) are counted."""
    workshop, (a, b), vote_round = _round(db, Eligibility.hall)
    code = workshop.join_code
    with TestClient(app, follow_redirects=False) as attacker:
        for i in range(FAKE_JOINS):
            attacker.cookies.clear()
            token = csrf(attacker)
            joined = attacker.post(
                f"/w/{code}/participants",
                data={"stakeholder_group": "resident", "csrf_token": token},
            )
            assert joined.status_code == 303
            ballot = attacker.post(
                f"/w/{code}/vote",
                data={f"p{a.id}": "1", "client_key": f"x{i}", "csrf_token": token},
            )
            assert ballot.status_code == 403
        assert "รหัสที่แสดงบนจอ" in ballot.text  # the refusal says what to do, in Thai
    assert _count(db, Ballot) == 0
    assert _count(db, RoundVoter) == 0

    phones = [TestClient(app, follow_redirects=False) for _ in range(4)]
    for n, phone in enumerate(phones):
        join(phone, workshop, group="business" if n else "resident")
        gate = phone.get(f"/w/{code}/vote")
        assert gate.template.name == "voting/gate.html"  # type: ignore[attr-defined]
        minutes_ago = 1 if n == 3 else 0  # the last one read the code just before it changed
        assert _enter(phone, workshop, _code(vote_round, minutes_ago)).status_code == 303
        assert phone.get(f"/w/{code}/vote").template.name == "voting/ballot.html"  # type: ignore[attr-defined]
        assert _vote(phone, workshop, b.id or 0).status_code == 303
        phone.close()
    assert _count(db, Ballot) == 4
    assert _count(db, RoundPresence) == 4
    turnout = eligibility_service.turnout(db, vote_round)
    assert (turnout.eligible, turnout.voted) == (4, 4)
    # The results say who was eligible: present phones, not the 400 joins.
    db.expire_all()
    voting.set_results_visible(db, vote_round, True)
    db.commit()
    results = TestClient(app, follow_redirects=False).get(f"/rounds/{vote_round.id}/results")
    rows = {r.group: r for r in results.context["eligible_turnout"].rows}  # type: ignore[attr-defined]
    assert (rows["business"].eligible, rows["business"].voted) == (3, 3)
    assert (rows["resident"].eligible, rows["resident"].voted) == (1, 1)


def test_presence_code_from_two_minutes_ago_is_refused(client: TestClient, db: Session) -> None:
    workshop, (a, _b), vote_round = _round(db, Eligibility.hall)
    join(client, workshop)
    refused = _enter(client, workshop, _code(vote_round, 2))
    assert refused.status_code == 422
    assert refused.template.name == "voting/gate.html"  # type: ignore[attr-defined]
    assert _count(db, RoundPresence) == 0
    assert _vote(client, workshop, a.id or 0).status_code == 403
    assert _count(db, Ballot) == 0


def test_wrong_presence_codes_are_limited_per_participant(
    client: TestClient, app, db: Session
) -> None:  # type: ignore[no-untyped-def]
    workshop, _proposals, vote_round = _round(db, Eligibility.hall)
    right = _code(vote_round)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    join(client, workshop)
    for _ in range(5):
        assert _enter(client, workshop, wrong).status_code == 422
    limited = _enter(client, workshop, right)  # even the right code: the limit must bind
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert _count(db, RoundPresence) == 0
    # Another phone is not held back by this one's mistakes.
    with TestClient(app, follow_redirects=False) as other:
        join(other, workshop)
        assert _enter(other, workshop, right).status_code == 303


def test_ballot_page_shows_the_presence_form_and_a_check_in_number(
    client: TestClient, db: Session
) -> None:
    workshop, _proposals, _vote_round = _round(db, Eligibility.hall)
    join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}/vote")
    assert page.status_code == 200
    assert 'inputmode="numeric"' in page.text
    assert CHECKIN_RE.search(page.text)


def test_facilitator_marks_a_phone_present_by_check_in_number(
    client: TestClient, app, db: Session
) -> None:  # type: ignore[no-untyped-def]
    runner = factories.account(db)
    workshop, (a, _b), vote_round = _round(db, Eligibility.hall, facilitator=runner)
    join(client, workshop)
    match = CHECKIN_RE.search(client.get(f"/w/{workshop.join_code}/vote").text)
    assert match
    number = match.group(1)
    assert _vote(client, workshop, a.id or 0).status_code == 403
    # A facilitator of another workshop cannot mark anyone here.
    outsider = factories.account(db)
    factories.workshop(db, facilitators=[outsider])
    with TestClient(app, follow_redirects=False) as staff:
        login(staff, outsider)
        refused = post(staff, f"/staff/workshops/{workshop.id}/presence", {"checkin": number})
        assert refused.status_code == 403
        assert _count(db, RoundPresence) == 0
    with TestClient(app, follow_redirects=False) as staff:
        login(staff, runner)
        console = staff.get(f"/staff/workshops/{workshop.id}")
        assert "บันทึกว่ามาแล้วด้วยหมายเลขเช็กอิน" in console.text
        wrong = post(staff, f"/staff/workshops/{workshop.id}/presence", {"checkin": "ZZZZZZ"})
        assert wrong.status_code == 422
        marked = post(
            staff,
            f"/staff/workshops/{workshop.id}/presence",
            {"checkin": number.lower()},
            headers=HX,
        )
        assert marked.status_code == 200
        assert marked.template.name == "workshops/_presence_panel.html"  # type: ignore[attr-defined]
        assert marked.context["presence"].present == 1  # type: ignore[attr-defined]
    assert _vote(client, workshop, a.id or 0).status_code == 303
    assert _count(db, Ballot, Ballot.round_id == vote_round.id) == 1


def test_check_in_number_of_another_workshop_marks_nobody(app, db: Session) -> None:  # type: ignore[no-untyped-def]
    runner = factories.account(db)
    workshop, _proposals, _vote_round = _round(db, Eligibility.hall, facilitator=runner)
    elsewhere, _p, _r = _round(db, Eligibility.hall)
    stranger = factories.participant(db, workshop=elsewhere)
    number = presence.checkin_number(TEST_SECRET, elsewhere.id or 0, stranger.token)
    with TestClient(app, follow_redirects=False) as staff:
        login(staff, runner)
        response = post(staff, f"/staff/workshops/{workshop.id}/presence", {"checkin": number})
        assert response.status_code == 422
    assert _count(db, RoundPresence) == 0


def test_console_and_projector_show_the_current_presence_code(
    client: TestClient, db: Session
) -> None:
    runner = factories.account(db)
    workshop, _proposals, vote_round = _round(db, Eligibility.hall, facilitator=runner)
    login(client, runner)
    shown = presence.display(_code(vote_round))
    panel = client.get(f"/staff/workshops/{workshop.id}/presence", headers=HX)
    assert panel.template.name == "workshops/_presence_live.html"  # type: ignore[attr-defined]
    assert panel.context["presence"].code == shown  # type: ignore[attr-defined]
    big = client.get(f"/staff/workshops/{workshop.id}/presence?view=projector")
    assert shown in big.text
    assert 'hx-trigger="every 10s"' in big.text
    # Without JavaScript a reload of the projector page shows it too.
    assert shown in client.get(f"/staff/workshops/{workshop.id}/projector").text
    assert shown in client.get(f"/staff/workshops/{workshop.id}").text


def test_console_flags_a_burst_of_joins(client: TestClient, db: Session) -> None:
    runner = factories.account(db)
    workshop, _proposals, _vote_round = _round(db, Eligibility.hall, facilitator=runner)
    for _ in range(31):  # within one minute of the (fixed) now
        person = factories.participant(db, workshop=workshop)
        person.created_at = NOW - timedelta(seconds=10)
        db.add(person)
    db.commit()
    login(client, runner)
    panel = client.get(f"/staff/workshops/{workshop.id}/presence")
    assert panel.context["presence"].burst is True  # type: ignore[attr-defined]
    assert 'id="join-burst"' in panel.text


def test_open_round_lets_any_joined_phone_vote(client: TestClient, db: Session) -> None:
    workshop, (a, _b), vote_round = _round(db, Eligibility.open)
    join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}/vote")
    assert page.template.name == "voting/ballot.html"  # type: ignore[attr-defined]
    assert _vote(client, workshop, a.id or 0).status_code == 303
    assert _count(db, Ballot, Ballot.round_id == vote_round.id) == 1
    voting.set_results_visible(db, vote_round, True)
    db.commit()
    results = client.get(f"/rounds/{vote_round.id}/results")
    assert "ไม่ได้ตรวจสอบ" in results.text  # "open: not verified"


def test_codes_round_in_a_workshop_votes_with_a_printed_card(
    client: TestClient, app, db: Session
) -> None:  # type: ignore[no-untyped-def]
    workshop, (a, _b), vote_round = _round(db, Eligibility.codes)
    [card, _spare] = voting.generate_codes(db, vote_round, 2, secret_key=TEST_SECRET)
    db.commit()
    join(client, workshop, group="academia")
    gate = client.get(f"/w/{workshop.join_code}/vote?code={card}")
    assert gate.template.name == "voting/gate.html"  # type: ignore[attr-defined]
    assert card in gate.text  # the card's QR link fills the code in
    assert _vote(client, workshop, a.id or 0).status_code == 403  # no card, no ballot
    bad = post(client, f"/w/{workshop.join_code}/vote/card", {"card_code": "AAAAA-AAAAA"})
    assert bad.status_code == 422
    claimed = post(client, f"/w/{workshop.join_code}/vote/card", {"card_code": card.lower()})
    assert claimed.status_code == 303
    assert _vote(client, workshop, a.id or 0).status_code == 303
    [ballot] = db.exec(select(Ballot).where(Ballot.round_id == vote_round.id)).all()
    assert ballot.stakeholder_group == "academia"  # the card carries no group: the phone's
    # The same card on another phone is refused: one device per code.
    with TestClient(app, follow_redirects=False) as other:
        join(other, workshop)
        again = post(other, f"/w/{workshop.join_code}/vote/card", {"card_code": card})
        assert again.status_code == 409
    assert _count(db, Ballot) == 1
    turnout = eligibility_service.turnout(db, vote_round)
    assert (turnout.eligible, turnout.voted) == (2, 1)
    assert all(row.eligible is None for row in turnout.rows)  # cards without a group
    assert _count(db, VotingCode, VotingCode.round_id == vote_round.id) == 2


def test_new_workshop_round_defaults_to_the_hall_and_keeps_the_choice(
    client: TestClient, db: Session
) -> None:
    runner = factories.account(db)
    workshop = factories.workshop(db, facilitators=[runner])
    a = factories.proposal(db, workshop=workshop)
    b = factories.proposal(db, workshop=workshop, title="ข้อเสนอสอง")
    login(client, runner)
    form = client.get(f"/staff/workshops/{workshop.id}/rounds/new")
    assert form.context["form"].eligibility == "hall"  # type: ignore[attr-defined]
    assert 'name="eligibility" value="hall" checked' in form.text
    fields = {"question": "ทำอะไรก่อน", "method": "approval", "proposal": [str(a.id), str(b.id)]}
    for rule in ("hall", "open"):
        data = {**fields, "group": ["resident"], "eligibility": rule}
        assert post(client, f"/staff/workshops/{workshop.id}/rounds", data).status_code == 303
    bad = {**fields, "group": ["resident"], "eligibility": "anyone"}
    assert post(client, f"/staff/workshops/{workshop.id}/rounds", bad).status_code == 422
    rules = db.exec(select(VoteRound.eligibility).order_by(VoteRound.id)).all()  # type: ignore[arg-type]
    assert list(rules) == ["hall", "open"]


def test_city_round_always_uses_codes(client: TestClient, db: Session) -> None:
    planner = factories.account(db, role=Role.planner)
    workshop = factories.workshop(db)
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("ก", "ข")]
    login(client, planner)
    data = {
        "question": "งบประมาณ",
        "method": "approval",
        "proposal": [str(p.id) for p in proposals],
        "group": ["resident"],
        "eligibility": "open",  # a tampered form: city-board rounds use codes whatever it says
    }
    response = post(client, "/staff/cities/khon-kaen/rounds", data)
    assert response.status_code == 303, response.text
    vote_round = db.exec(select(VoteRound).where(VoteRound.question == "งบประมาณ")).one()
    assert vote_round.eligibility == "codes"


def test_workshop_codes_round_prints_cards_that_lead_to_the_workshop_ballot(
    client: TestClient, db: Session
) -> None:
    runner = factories.account(db)
    workshop, _proposals, vote_round = _round(db, Eligibility.codes, facilitator=runner)
    login(client, runner)
    page = client.get(f"/staff/rounds/{vote_round.id}")
    assert page.context["vote_url"].endswith(f"/w/{workshop.join_code}/vote")  # type: ignore[attr-defined]
    pdf = post(client, f"/staff/rounds/{vote_round.id}/codes", {"count": "3"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    _hall_workshop, _p, hall_round = _round(db, Eligibility.hall, facilitator=runner)
    refused = post(client, f"/staff/rounds/{hall_round.id}/codes", {"count": "3"})
    assert refused.status_code == 409
