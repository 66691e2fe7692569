"""Vote rounds through the web: set up, ballots of every method, refusals, receipts, codes,
results, exports and the recount."""

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.domain import ballot_files
from app.domain.voting import Method
from app.models import (
    Ballot,
    Proposal,
    Role,
    RoundStatus,
    RoundVoter,
    VoteRound,
    VotingCode,
)
from tests import factories
from tests.helpers import csrf, join, login, post

RECEIPT_RE = re.compile(r'id="receipt-code">([A-Z0-9-]+)<')


def _count(db: Session, model: type, *where: object) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()  # type: ignore[arg-type]


def _ballots(db: Session, vote_round: VoteRound) -> list[Ballot]:
    db.expire_all()
    return list(db.exec(select(Ballot).where(Ballot.round_id == vote_round.id)).all())


def _open_workshop_round(db: Session, **kwargs: object):  # type: ignore[no-untyped-def]
    workshop = factories.workshop(db)
    proposals = [
        factories.proposal(db, workshop=workshop, title=t)
        for t in ("ทางเท้าปลอดภัย", "ลอกท่อระบายน้ำ", "ไฟส่องสว่าง")
    ]
    vote_round = factories.vote_round(
        db, workshop=workshop, proposals=proposals, status=RoundStatus.open, **kwargs
    )
    return workshop, proposals, vote_round


def _cast(client: TestClient, base: str, fields: dict[str, object], client_key: str = "k1"):  # type: ignore[no-untyped-def]
    return post(client, base, {**fields, "client_key": client_key})


def _receipt(client: TestClient, base: str, client_key: str = "k1") -> str:
    """The done page the ballot POST leads to: it recomputes the receipt of that submission."""
    page = client.get(f"{base}/done?submission={client_key}")
    match = RECEIPT_RE.search(page.text)
    assert match, page.text
    return match.group(1)


# --- setting up ----------------------------------------------------------------------------


def test_facilitator_creates_opens_and_closes_a_dot_round(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    a = factories.proposal(db, workshop=workshop, title="ทางเท้า")
    b = factories.proposal(db, workshop=workshop, title="ท่อระบายน้ำ")
    login(client, facilitator)
    form = client.get(f"/staff/workshops/{workshop.id}/rounds/new")
    assert form.status_code == 200
    assert "ทางเท้า" in form.text
    response = post(
        client,
        f"/staff/workshops/{workshop.id}/rounds",
        {
            "question": "ทำอะไรก่อนดี",
            "method": "dot",
            "dots_per_voter": "5",
            "max_dots_per_proposal": "3",
            "proposal": [str(a.id), str(b.id)],
            "group": ["resident", "business"],
        },
    )
    assert response.status_code == 303, response.text
    vote_round = db.exec(select(VoteRound).where(VoteRound.workshop_id == workshop.id)).one()
    assert (vote_round.method, vote_round.status, vote_round.dots_per_voter) == ("dot", "draft", 5)
    assert vote_round.eligible_groups == ["resident", "business"]
    assert post(client, f"/staff/rounds/{vote_round.id}/open").status_code == 303
    # Only one open round per workshop.
    second = factories.vote_round(db, workshop=workshop, proposals=[a, b])
    assert post(client, f"/staff/rounds/{second.id}/open").status_code == 409
    asked = post(client, f"/staff/rounds/{vote_round.id}/close")
    assert asked.template.name == "staff/confirm.html"  # type: ignore[attr-defined]
    db.refresh(vote_round)
    assert vote_round.status == "open"  # nothing written before the confirmation
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 303
    )
    db.refresh(vote_round)
    assert vote_round.status == "closed"
    assert vote_round.digest
    assert len(vote_round.digest) == 64
    assert vote_round.result is not None
    assert vote_round.result["method"] == "dot"
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 409
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"question": ""}, "คำถาม"),
        ({"method": "budget", "budget": "100000"}, "ค่าใช้จ่าย"),
        ({"method": "dot", "dots_per_voter": "abc"}, "จำนวนเต็ม"),
        ({"group": []}, "กลุ่ม"),
    ],
)
def test_bad_round_settings_are_refused_and_kept(
    client: TestClient, db: Session, fields: dict[str, object], message: str
) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    a = factories.proposal(db, workshop=workshop)
    b = factories.proposal(db, workshop=workshop, title="ข้อเสนอสอง")
    login(client, facilitator)
    data = {
        "question": "คำถามทดสอบ",
        "method": "approval",
        "proposal": [str(a.id), str(b.id)],
        "group": ["resident"],
        **fields,
    }
    response = post(client, f"/staff/workshops/{workshop.id}/rounds", data)
    assert response.status_code == 422
    assert message in response.text
    assert _count(db, VoteRound) == 0
    if fields.get("question") != "":
        assert "คำถามทดสอบ" in response.text  # what was typed is kept


def test_a_round_cannot_hold_proposals_of_another_workshop(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    mine = factories.proposal(db, workshop=workshop)
    foreign = factories.proposal(db, workshop=factories.workshop(db))
    login(client, facilitator)
    response = post(
        client,
        f"/staff/workshops/{workshop.id}/rounds",
        {
            "question": "q",
            "method": "approval",
            "proposal": [str(mine.id), str(foreign.id)],
            "group": ["resident"],
        },
    )
    assert response.status_code == 404
    assert _count(db, VoteRound) == 0


# --- ballots in a workshop -------------------------------------------------------------------


def test_dot_ballot_from_review_to_receipt(client: TestClient, db: Session) -> None:
    workshop, (a, b, _c), vote_round = _open_workshop_round(
        db, method=Method.dot, dots_per_voter=5, max_dots_per_proposal=3
    )
    join(client, workshop, group="business")
    base = f"/w/{workshop.join_code}/vote"
    page = client.get(base)
    assert page.status_code == 200
    assert "ทางเท้าปลอดภัย" in page.text
    assert "เหลือ 5 จุด" in page.text
    review = post(client, f"{base}/review", {f"p{a.id}": "3", f"p{b.id}": "2", "client_key": "k1"})
    assert review.status_code == 200
    assert f'name="p{a.id}" value="3"' in review.text
    assert _ballots(db, vote_round) == []  # reviewing writes nothing
    response = _cast(client, base, {f"p{a.id}": "3", f"p{b.id}": "2"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{base}/done?submission=k1"
    receipt = _receipt(client, base)
    [ballot] = _ballots(db, vote_round)
    assert ballot.marks == {str(a.id): 3, str(b.id): 2}
    assert ballot.stakeholder_group == "business"
    assert _count(db, RoundVoter, RoundVoter.round_id == vote_round.id) == 1
    # The receipt says "received" while open, "counted" with the digest after close.
    assert "ยังเปิดอยู่" in client.get(f"/receipts?code={receipt}").text
    from app.services import voting

    voting.close_round(db, vote_round)
    db.commit()
    checked = client.get(f"/receipts?code={receipt.lower().replace('-', '')}")
    assert "นับแล้ว" in checked.text
    assert (vote_round.digest or "") in checked.text
    # How the ballot voted is not on the receipt page.
    assert "ทางเท้าปลอดภัย" not in checked.text


@pytest.mark.parametrize(
    ("method", "limits", "marks", "message"),
    [
        ("dot", {"dots_per_voter": 3, "max_dots_per_proposal": 3}, [2, 2, 0], "ทั้งหมด 3 จุด"),
        ("dot", {"dots_per_voter": 5, "max_dots_per_proposal": 2}, [3, 0, 0], "ไม่เกิน 2 จุด"),
        ("dot", {"dots_per_voter": 5, "max_dots_per_proposal": 2}, ["x", 0, 0], "จำนวนเต็ม"),
        ("dot", {"dots_per_voter": 5, "max_dots_per_proposal": 2}, [-1, 0, 0], "จำนวนเต็ม"),
        ("approval", {"max_approvals": 1}, [1, 1, 0], "ไม่เกิน 1"),
        ("ranked", {}, [1, 1, 0], "ลำดับเดียวกัน"),
        ("ranked", {}, [1, 3, 0], "ข้าม"),
        ("ranked", {"max_ranks": 1}, [1, 2, 0], "ไม่เกิน 1"),
        ("budget", {"budget": 100}, [1, 1, 0], "เกินงบประมาณ"),
        ("approval", {}, [0, 0, 0], "ว่าง"),
    ],
)
def test_bad_ballots_are_refused_with_a_message_and_nothing_stored(
    client: TestClient,
    db: Session,
    method: str,
    limits: dict[str, int],
    marks: list[object],
    message: str,
) -> None:
    costs = [60, 50, 40] if method == "budget" else []
    workshop, proposals, vote_round = _open_workshop_round(
        db, method=Method(method), costs=costs, **limits
    )
    join(client, workshop)
    fields = {f"p{p.id}": str(m) for p, m in zip(proposals, marks, strict=True) if m != 0}
    for url in (f"/w/{workshop.join_code}/vote/review", f"/w/{workshop.join_code}/vote"):
        response = post(client, url, {**fields, "client_key": "k"})
        assert response.status_code == 422, (url, response.text[:300])
        assert message in response.text
    assert _ballots(db, vote_round) == []
    assert _count(db, RoundVoter) == 0


def test_single_choice_and_unknown_proposal(client: TestClient, db: Session) -> None:
    workshop, (a, _b, _c), vote_round = _open_workshop_round(db, method=Method.single)
    join(client, workshop)
    base = f"/w/{workshop.join_code}/vote"
    other = factories.proposal(db, workshop=workshop, title="ไม่ได้อยู่ในบัตร")
    assert _cast(client, base, {"choice": str(other.id)}).status_code == 422
    assert _cast(client, base, {f"p{other.id}": "1", "choice": str(a.id)}).status_code == 422
    assert _cast(client, base, {"choice": str(a.id)}).status_code == 303
    assert [b.marks for b in _ballots(db, vote_round)] == [{str(a.id): 1}]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("other", "1", "ไม่ได้อยู่ในบัตรนี้"),  # a proposal that is not on the ballot
        ("a", "สอง", "จำนวนเต็มที่มากกว่าศูนย์"),  # not a whole number: refused, not guessed
        ("a", "-1", "จำนวนเต็มที่มากกว่าศูนย์"),
    ],
)
def test_tampered_ballot_forms_are_refused_with_the_reason(
    client: TestClient, db: Session, field: str, value: str, message: str
) -> None:
    workshop, (a, _b, _c), vote_round = _open_workshop_round(db)
    other = factories.proposal(db, workshop=workshop, title="ไม่ได้อยู่ในบัตร")
    join(client, workshop)
    pid = {"a": a.id, "other": other.id}[field]
    for url in (f"/w/{workshop.join_code}/vote/review", f"/w/{workshop.join_code}/vote"):
        response = _cast(client, url, {f"p{a.id}": "1", f"p{pid}": value})
        assert response.status_code == 422, (url, response.text[:300])
        assert message in response.text
    assert _ballots(db, vote_round) == []


def test_changing_a_ballot_replaces_it_and_a_replay_is_harmless(
    client: TestClient, db: Session
) -> None:
    workshop, (a, b, _c), vote_round = _open_workshop_round(db)
    join(client, workshop)
    base = f"/w/{workshop.join_code}/vote"
    assert _cast(client, base, {f"p{a.id}": "1"}, client_key="first").status_code == 303
    first = _receipt(client, base, "first")
    # The same form again (double tap, resent after a timeout): same ballot, same receipt.
    assert _cast(client, base, {f"p{a.id}": "1"}, client_key="first").status_code == 303
    assert _receipt(client, base, "first") == first
    # A new ballot replaces the old one; only the newest receipt is valid.
    assert _cast(client, base, {f"p{b.id}": "1"}, client_key="second").status_code == 303
    second = _receipt(client, base, "second")
    assert second != first
    # The done page of the replaced submission shows no receipt: it is no longer the ballot.
    assert not RECEIPT_RE.search(client.get(f"{base}/done?submission=first").text)
    assert [x.marks for x in _ballots(db, vote_round)] == [{str(b.id): 1}]
    assert "ไม่พบบัตร" in client.get(f"/receipts?code={first}").text
    # The ballot page shows the current choice for changing.
    assert "checked" in client.get(base).text


def test_voting_after_close_or_from_an_uninvited_group_is_refused(
    client: TestClient, db: Session
) -> None:
    workshop, (a, _b, _c), vote_round = _open_workshop_round(db, eligible_groups=["resident"])
    join(client, workshop, group="business")
    base = f"/w/{workshop.join_code}/vote"
    assert "ไม่ได้รับเชิญ" in client.get(base).text
    response = _cast(client, base, {f"p{a.id}": "1"})
    assert response.status_code == 403
    assert "ไม่ได้รับเชิญ" in response.text
    vote_round.eligible_groups = ["resident", "business"]
    vote_round.status = RoundStatus.closed
    db.add(vote_round)
    db.commit()
    response = _cast(client, base, {f"p{a.id}": "1"})
    assert response.status_code == 409
    assert _ballots(db, vote_round) == []


def test_the_ballot_table_cannot_be_joined_to_people(engine: sa.Engine) -> None:
    """The schema keeps ballots apart from participants: no id, name, group link or time."""
    inspector = sa.inspect(engine)
    ballot_columns = {c["name"] for c in inspector.get_columns("ballot")}
    assert ballot_columns == {
        "id",
        "round_id",
        "voter_key",
        "stakeholder_group",
        "marks",
        "receipt_hash",
    }
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("ballot")} == {"vote_round"}
    voter_columns = {c["name"] for c in inspector.get_columns("round_voter")}
    assert voter_columns == {"round_id", "participant_id"}
    participant_columns = {c["name"] for c in inspector.get_columns("participant")}
    assert not any("ballot" in c or "vote" in c for c in participant_columns)


def test_ballot_key_is_not_the_participant_token(client: TestClient, db: Session) -> None:
    workshop, (a, _b, _c), vote_round = _open_workshop_round(db)
    join(client, workshop)
    _cast(client, f"/w/{workshop.join_code}/vote", {f"p{a.id}": "1"})
    [ballot] = _ballots(db, vote_round)
    [participant] = db.exec(select(factories.Participant)).all()  # type: ignore[attr-defined]
    assert participant.token not in ballot.voter_key
    assert participant.token not in ballot.id


def test_workshop_page_shows_the_vote_card(client: TestClient, db: Session) -> None:
    workshop, (a, _b, _c), _vote_round = _open_workshop_round(db)
    join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}")
    assert f'href="/w/{workshop.join_code}/vote"' in page.text
    _cast(client, f"/w/{workshop.join_code}/vote", {f"p{a.id}": "1"})
    assert "คุณลงคะแนนแล้ว" in client.get(f"/w/{workshop.join_code}").text


# --- results ---------------------------------------------------------------------------------


def test_results_are_hidden_until_close_unless_revealed(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    vote_round = factories.vote_round(db, workshop=workshop, status=RoundStatus.open)
    url = f"/rounds/{vote_round.id}/results"
    assert client.get(url).status_code == 403
    login(client, facilitator)
    assert client.get(url).status_code == 200  # the team sees live figures
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/reveal", {"visible": "1"}).status_code == 303
    )
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get(url).status_code == 200
    projector = client.get(f"{url}?view=projector")
    assert projector.template.name == "voting/projector_results.html"  # type: ignore[attr-defined]
    assert 'class="projector"' in projector.text
    assert "/logout" not in projector.text


def test_results_page_shows_every_rule_groups_consensus_and_tie_rule(
    client: TestClient, db: Session
) -> None:
    workshop, (a, b, c), vote_round = _open_workshop_round(db, method=Method.ranked)
    assert c.id
    for group, order in (("resident", (a, b)), ("business", (b, a)), ("academia", (a, c))):
        with TestClient(client.app, follow_redirects=False) as phone:  # type: ignore[arg-type]
            join(phone, workshop, group=group)
            fields = {f"p{p.id}": str(i) for i, p in enumerate(order, start=1)}
            assert _cast(phone, f"/w/{workshop.join_code}/vote", fields).status_code == 303
    from app.services import voting

    voting.close_round(db, vote_round)
    db.commit()
    html = client.get(f"/rounds/{vote_round.id}/results").text
    assert 'id="rule-borda"' in html
    assert 'id="rule-schulze"' in html
    assert 'id="by-group"' in html
    assert 'id="consensus"' in html
    assert 'id="tie-break"' in html
    borda = vote_round.result["rules"]["borda"]["ranking"]  # type: ignore[index]
    assert [r["proposal_id"] for r in borda][:1] == [a.id]  # 2+1+2 = 5 points beats b's 1+2 = 3


def test_results_show_no_voters_for_a_silent_group_and_leave_it_out_of_the_weakest(
    client: TestClient, db: Session
) -> None:
    workshop, (a, _b, _c), vote_round = _open_workshop_round(
        db, eligible_groups=["resident", "business"]
    )
    join(client, workshop, group="resident")
    assert _cast(client, f"/w/{workshop.join_code}/vote", {f"p{a.id}": "1"}).status_code == 303
    from app.services import voting

    voting.close_round(db, vote_round)
    db.commit()
    response = client.get(f"/rounds/{vote_round.id}/results")
    assert response.context["no_voters"] == ["business"]  # type: ignore[attr-defined]
    html = response.text
    consensus = html[html.index('id="consensus"') :]
    assert "ไม่มีผู้ลงคะแนน" in consensus  # "no voters", not 0%
    assert "ผู้ลงคะแนน 0 คน" in consensus
    assert "ผู้ลงคะแนน 1 คน" in consensus
    assert 'id="consensus-no-voters"' in html
    body = consensus[consensus.index("<tbody>") :]
    first_row = body[: body.index("</tr>")]
    assert "<strong>100%</strong>" in first_row  # the weakest group is the one that voted
    assert '<span class="meta">ไม่มีผู้ลงคะแนน</span>' in first_row  # "no voters", not 0%
    assert ">0%<" not in first_row
    # The phone's vote card (refetched on the close event) shows the result itself.
    card = client.get(f"/w/{workshop.join_code}/ballot", headers={"HX-Request": "true"}).text
    assert f'id="ballot-results-{vote_round.id}"' in card
    assert a.title in card


def test_budget_results_show_approvals_cost_running_total_and_unspent(
    client: TestClient, db: Session
) -> None:
    workshop, (a, b, c), vote_round = _open_workshop_round(
        db, method=Method.budget, budget=100, costs=(60, 50, 40)
    )
    for picks in ((b, c), (b,), (a, c)):
        with TestClient(client.app, follow_redirects=False) as phone:  # type: ignore[arg-type]
            join(phone, workshop)
            fields = {f"p{p.id}": "1" for p in picks}
            assert _cast(phone, f"/w/{workshop.join_code}/vote", fields).status_code == 303
    from app.services import voting

    voting.close_round(db, vote_round)
    db.commit()
    html = client.get(f"/rounds/{vote_round.id}/results").text
    greedy = html[html.index('id="rule-greedy"') : html.index('id="greedy-unspent"')]
    assert "จำนวนเสียงเห็นด้วย" in greedy  # the column says approvals
    assert "ยอดสะสม (บาท)" in greedy
    assert greedy.count("✓") == 2  # b (50) then c (40) are funded, a (60) no longer fits
    assert ">90<" in greedy  # the running total after the second funded row
    assert "ไม่ได้งบประมาณ" in greedy
    unspent = html[html.index('id="greedy-unspent"') :]
    assert "เหลือ 10 บาท" in unspent[:400]
    assert 'id="equal_shares-unspent"' in html


# --- exports and the recount ---------------------------------------------------------------------


def test_exported_files_recount_to_the_frozen_result(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    proposals = [factories.proposal(db, workshop=workshop, title=f"ข้อเสนอ {i}") for i in range(3)]
    vote_round = factories.vote_round(
        db,
        workshop=workshop,
        proposals=proposals,
        method=Method.budget,
        budget=100,
        costs=[60, 50, 40],
        status=RoundStatus.open,
    )
    for group, chosen in (("resident", (0, 2)), ("business", (1,)), ("resident", (0,))):
        with TestClient(client.app, follow_redirects=False) as phone:  # type: ignore[arg-type]
            join(phone, workshop, group=group)
            fields = {f"p{proposals[i].id}": "1" for i in chosen}
            assert _cast(phone, f"/w/{workshop.join_code}/vote", fields).status_code == 303
    login(client, facilitator)
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 303
    )
    ballots_csv = client.get(f"/staff/rounds/{vote_round.id}/ballots.csv")
    round_json = client.get(f"/staff/rounds/{vote_round.id}/round.json")
    assert ballots_csv.status_code == 200
    assert round_json.status_code == 200
    text = ballots_csv.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["ballot_id", "stakeholder_group", "proposal_id", "value"]
    assert len({r["ballot_id"] for r in rows}) == 3
    sidecar = json.loads(round_json.text)
    assert sidecar["method"] == "budget"
    assert sidecar["budget"] == 100
    assert [p["cost"] for p in sidecar["proposals"]] == [60, 50, 40]
    recounted = ballot_files.recount(text, round_json.text)
    db.refresh(vote_round)
    frozen = vote_round.result or {}
    for rule in ("greedy", "equal_shares"):
        assert recounted["rules"][rule]["winners"] == frozen["rules"][rule]["winners"]
        assert [r["proposal_id"] for r in recounted["rules"][rule]["ranking"]] == [
            r["proposal_id"] for r in frozen["rules"][rule]["ranking"]
        ]
    assert ballot_files.digest_of_files(text, round_json.text) == vote_round.digest


# --- online votes with one-time codes ----------------------------------------------------------


def _city_round(db: Session, **kwargs: object) -> VoteRound:
    workshop = factories.workshop(db)
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("สวนสาธารณะ", "ถนน")]
    return factories.vote_round(db, proposals=proposals, status=RoundStatus.open, **kwargs)


def test_planner_of_another_city_cannot_run_a_city_round(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    vote_round = _city_round(db)
    login(client, factories.account(db, role=Role.planner, city_slug="chiang-rai"))
    refused = [
        client.get(f"/staff/rounds/{vote_round.id}"),
        client.get(f"/staff/rounds/{vote_round.id}/ballots.csv"),
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}),
        post(client, f"/staff/rounds/{vote_round.id}/codes", {"count": "3"}),
        client.get("/staff/cities/khon-kaen/rounds"),
        client.get("/staff/cities/khon-kaen/rounds/new"),
        post(client, "/staff/cities/khon-kaen/rounds", {"question": "q", "method": "approval"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    db.refresh(vote_round)
    assert vote_round.status == RoundStatus.open
    assert _count(db, VotingCode, VotingCode.round_id == vote_round.id) == 0
    with TestClient(app, follow_redirects=False) as own:  # the city's own planner may
        login(own, factories.account(db, role=Role.planner, city_slug="khon-kaen"))
        assert own.get(f"/staff/rounds/{vote_round.id}").status_code == 200
        assert (
            post(own, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 303
        )


def test_planner_creates_a_city_round_and_prints_codes(client: TestClient, db: Session) -> None:
    planner = factories.account(db, role=Role.planner)
    workshop = factories.workshop(db)
    a = factories.proposal(db, workshop=workshop, title="สวนสาธารณะ")
    b = factories.proposal(db, workshop=workshop, title="ถนน")
    login(client, planner)
    assert client.get("/staff/cities/khon-kaen/rounds/new").status_code == 200
    response = post(
        client,
        "/staff/cities/khon-kaen/rounds",
        {
            "question": "งบประมาณปีหน้า",
            "method": "approval",
            "proposal": [str(a.id), str(b.id)],
            "group": ["resident"],
            "opens_at": "2026-12-01T09:00",
            "closes_at": "2026-12-08T17:00",
        },
    )
    assert response.status_code == 303, response.text
    vote_round = db.exec(select(VoteRound).where(VoteRound.question == "งบประมาณปีหน้า")).one()
    assert vote_round.workshop_id is None
    assert vote_round.closes_at is not None
    assert vote_round.closes_at.hour == 10
    assert "งบประมาณปีหน้า" in client.get("/staff/cities/khon-kaen/rounds").text
    pdf = post(client, f"/staff/rounds/{vote_round.id}/codes", {"count": "12"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert _count(db, VotingCode, VotingCode.round_id == vote_round.id) == 12
    assert post(client, f"/staff/rounds/{vote_round.id}/codes", {"count": "0"}).status_code == 422


def test_a_code_votes_once_from_one_device(client: TestClient, db: Session, app) -> None:  # type: ignore[no-untyped-def]
    from app.services import voting

    vote_round = _city_round(db)
    [code] = voting.generate_codes(db, vote_round, 1, secret_key=app.state.settings.secret_key)
    db.commit()
    [a, _b] = voting.ballot_entries(db, vote_round)
    page = client.get(f"/v/{vote_round.id}?code={code}")
    assert page.status_code == 200
    assert code in page.text
    bad = post(client, f"/v/{vote_round.id}/code", {"code": "AAAAA-BBBBB", "group": "resident"})
    assert bad.status_code == 422
    assert "ไม่ถูกต้อง" in bad.text
    ok = post(client, f"/v/{vote_round.id}/code", {"code": code.lower(), "group": "resident"})
    assert ok.status_code == 303
    assert _cast(client, f"/v/{vote_round.id}", {f"p{a.proposal.id}": "1"}).status_code == 303
    assert RECEIPT_RE.search(client.get(f"/v/{vote_round.id}/done?submission=k1").text)
    # The same device may change its ballot; another device may not use the code.
    assert _cast(client, f"/v/{vote_round.id}", {f"p{a.proposal.id}": "1"}, "k2").status_code == 303
    with TestClient(client.app, follow_redirects=False) as other:  # type: ignore[arg-type]
        reused = post(other, f"/v/{vote_round.id}/code", {"code": code, "group": "resident"})
        assert reused.status_code == 409
        assert "ใช้ไปแล้ว" in reused.text
        assert _cast(other, f"/v/{vote_round.id}", {f"p{a.proposal.id}": "1"}).status_code == 409
    assert len(_ballots(db, vote_round)) == 1


def test_a_verified_voter_code_carries_the_group(client: TestClient, db: Session) -> None:
    planner = factories.account(db, role=Role.planner)
    vote_round = _city_round(db)
    login(client, planner)
    page = post(client, f"/staff/rounds/{vote_round.id}/verified-code", {"group": "academia"})
    assert page.status_code == 200
    assert "<svg" in page.text
    code = re.search(r'id="issued-code">([A-Z0-9-]+)<', page.text).group(1)  # type: ignore[union-attr]
    with TestClient(client.app, follow_redirects=False) as voter:  # type: ignore[arg-type]
        assert (
            post(voter, f"/v/{vote_round.id}/code", {"code": code, "group": "resident"}).status_code
            == 303
        )
        [a, _b] = voting_entries(db, vote_round)
        assert _cast(voter, f"/v/{vote_round.id}", {f"p{a}": "1"}).status_code == 303
    assert [b.stakeholder_group for b in _ballots(db, vote_round)] == ["academia"]


def voting_entries(db: Session, vote_round: VoteRound) -> list[int]:
    from app.services import voting

    return [e.proposal.id or 0 for e in voting.ballot_entries(db, vote_round)]


def test_an_online_round_past_its_closing_time_shows_closed_before_it_is_settled(
    client: TestClient, db: Session
) -> None:
    from datetime import timedelta

    from app.models import utcnow

    vote_round = _city_round(db, closes_at=utcnow() - timedelta(minutes=1))
    assert "ปิดแล้ว" in client.get(f"/v/{vote_round.id}").text
    results = client.get(f"/rounds/{vote_round.id}/results")
    assert results.status_code == 200  # public: the vote is over
    assert results.context["closed"] is True  # type: ignore[attr-defined]
    assert "ปิดแล้ว" in client.get("/cities/khon-kaen").text
    db.expire_all()
    assert db.get(VoteRound, vote_round.id).status == "open"  # type: ignore[union-attr]  # no GET wrote
    with TestClient(client.app, follow_redirects=False) as voter:  # type: ignore[arg-type]
        claimed = post(
            voter, f"/v/{vote_round.id}/code", {"code": "AAAAA-AAAAA", "group": "resident"}
        )
    assert claimed.status_code == 409


def test_workshop_rounds_do_not_take_codes(client: TestClient, db: Session) -> None:
    _workshop, _proposals, vote_round = _open_workshop_round(db)
    assert client.get(f"/v/{vote_round.id}").status_code == 404
    assert _count(db, Proposal) == 3


def test_the_projector_shows_turnout_then_revealed_results(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    vote_round = factories.vote_round(db, workshop=workshop, status=RoundStatus.open)
    [a, _b] = voting_entries(db, vote_round)
    with TestClient(client.app, follow_redirects=False) as phone:  # type: ignore[arg-type]
        join(phone, workshop)
        assert _cast(phone, f"/w/{workshop.join_code}/vote", {f"p{a}": "1"}).status_code == 303
    login(client, facilitator)
    panel = client.get(f"/staff/workshops/{workshop.id}/projector/vote")
    assert "1 บัตร" in panel.text
    assert "projector-bars" not in panel.text  # hidden until revealed
    post(client, f"/staff/rounds/{vote_round.id}/reveal", {"visible": "1"})
    panel = client.get(f"/staff/workshops/{workshop.id}/projector/vote")
    assert "projector-bars" in panel.text
    assert "ทางเท้าปลอดภัย" in panel.text
