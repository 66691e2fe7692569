from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Channel, Idea, Participant, Vote, VoteRound, WorkshopStatus
from tests import factories
from tests.helpers import HX, join, post


def _ideas(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Idea)).one()


def test_join_form_renders(client: TestClient) -> None:
    response = client.get("/join?code=abc")
    assert response.status_code == 200
    assert response.context["code"] == "abc"  # type: ignore[attr-defined]


def test_join_with_code_is_case_insensitive(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    response = post(client, "/join", {"code": f" {workshop.join_code.lower()} "})
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{workshop.join_code}"


def test_join_with_unknown_code_says_so_and_keeps_it(client: TestClient) -> None:
    response = post(client, "/join", {"code": "ZZZZZZ"})
    assert response.status_code == 404
    assert response.context["code"] == "ZZZZZZ"  # type: ignore[attr-defined]
    assert "ไม่พบการประชุมที่ใช้รหัส ZZZZZZ" in response.text


def test_join_with_empty_code_asks_for_it(client: TestClient) -> None:
    response = post(client, "/join", {"code": ""})
    assert response.status_code == 404
    assert "โปรดพิมพ์รหัส" in response.text


def test_workshop_page_asks_for_group_before_joining(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    response = client.get(f"/w/{workshop.join_code}")
    assert response.status_code == 200
    assert response.context["participant"] is None  # type: ignore[attr-defined]
    assert 'name="stakeholder_group"' in response.text


def test_unknown_workshop_page_is_404(client: TestClient) -> None:
    assert client.get("/w/ZZZZZZ").status_code == 404


def test_choose_group_creates_participant_once(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop, "business")
    join(client, workshop, "resident")  # the same device again: still the first participant
    participants = db.exec(select(Participant).where(Participant.workshop_id == workshop.id)).all()
    assert [p.stakeholder_group for p in participants] == ["business"]
    assert client.get(f"/w/{workshop.join_code}").context["participant"].id == participants[0].id  # type: ignore[attr-defined]


def test_choose_group_without_group_is_422_and_writes_nothing(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    response = post(
        client,
        f"/w/{workshop.join_code}/participants",
        {"stakeholder_group": "alien", "display_name": "ต้น"},
    )
    assert response.status_code == 422
    assert response.context["display_name"] == "ต้น"  # type: ignore[attr-defined]
    assert db.exec(select(func.count()).select_from(Participant)).one() == 0


def test_join_closed_workshop_is_refused(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db, status=WorkshopStatus.closed)
    response = post(
        client, f"/w/{workshop.join_code}/participants", {"stakeholder_group": "resident"}
    )
    assert response.status_code == 409
    assert db.exec(select(func.count()).select_from(Participant)).one() == 0


def test_post_two_thai_ideas(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop, "civil_society")
    for text in ("ขยายทางเท้าให้ผู้สูงอายุ", "แก้น้ำท่วมหน้าตลาด"):
        response = post(client, f"/w/{workshop.join_code}/ideas", {"text": text})
        assert response.status_code == 303
    ideas = db.exec(select(Idea).order_by(Idea.id)).all()
    assert [i.text for i in ideas] == ["ขยายทางเท้าให้ผู้สูงอายุ", "แก้น้ำท่วมหน้าตลาด"]
    assert {(i.channel, i.stakeholder_group) for i in ideas} == {(Channel.phone, "civil_society")}
    page = client.get(f"/w/{workshop.join_code}")
    assert "แก้น้ำท่วมหน้าตลาด" in page.text
    assert "ขอบคุณ" in page.text  # the flash message after the redirect


def test_post_idea_with_htmx_returns_fresh_form_and_wall(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "สวนสาธารณะ"}, headers=HX)
    assert response.status_code == 200
    assert response.template.name == "participate/_idea_form.html"  # type: ignore[attr-defined]
    assert response.context["text"] == ""  # type: ignore[attr-defined]
    assert 'hx-swap-oob="true"' in response.text
    assert "สวนสาธารณะ" in response.text


def test_post_empty_idea_is_422_and_writes_nothing(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "   "})
    assert response.status_code == 422
    assert "โปรดเขียนความคิดเห็นก่อนส่ง" in response.text
    assert _ideas(db) == 0


def test_post_10000_character_idea_is_422_and_keeps_the_text(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    text = "ก" * 10_000
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": text}, headers=HX)
    assert response.status_code == 422
    assert response.template.name == "participate/_idea_form.html"  # type: ignore[attr-defined]
    assert response.context["text"] == text  # type: ignore[attr-defined]
    assert "10,000" in response.text
    assert _ideas(db) == 0


def test_post_idea_without_joining_redirects_to_join(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "ไอเดีย"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{workshop.join_code}"
    assert _ideas(db) == 0


def test_participant_of_one_workshop_cannot_post_in_another(
    client: TestClient, db: Session
) -> None:
    first, second = factories.workshop(db), factories.workshop(db)
    join(client, first)
    response = post(client, f"/w/{second.join_code}/ideas", {"text": "ไอเดีย"})
    assert response.status_code == 303
    assert _ideas(db) == 0


def test_post_idea_to_closed_workshop_is_409(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    workshop.status = WorkshopStatus.closed
    db.add(workshop)
    db.commit()
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "ไอเดีย"})
    assert response.status_code == 409
    assert response.context["text"] == "ไอเดีย"  # type: ignore[attr-defined]
    assert _ideas(db) == 0


def test_live_partial_and_full_page(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    factories.idea(db, workshop=workshop, text="กระดาษ", channel=Channel.paper)
    partial = client.get(f"/w/{workshop.join_code}/live", headers=HX)
    assert partial.template.name == "participate/_live.html"  # type: ignore[attr-defined]
    assert "กระดาษโน้ต" in partial.text  # the paper mark
    full = client.get(f"/w/{workshop.join_code}/live")
    assert full.template.name == "participate/workshop.html"  # type: ignore[attr-defined]


def _open_vote(db: Session, workshop) -> VoteRound:  # type: ignore[no-untyped-def]
    vote_round = VoteRound(workshop_id=workshop.id)
    db.add(vote_round)
    db.commit()
    return vote_round


def test_vote_once_per_proposal_even_when_sent_twice(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    proposal = factories.proposal(db, workshop=workshop)
    vote_round = _open_vote(db, workshop)
    join(client, workshop, "academia")
    for _ in range(2):
        assert (
            post(client, f"/w/{workshop.join_code}/votes", {"proposal_id": proposal.id}).status_code
            == 303
        )
    votes = db.exec(select(Vote).where(Vote.round_id == vote_round.id)).all()
    assert len(votes) == 1
    assert votes[0].stakeholder_group == "academia"
    page = client.get(f"/w/{workshop.join_code}")
    assert page.context["voted"] == {proposal.id}  # type: ignore[attr-defined]


def test_vote_with_htmx_returns_live_region(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    proposal = factories.proposal(db, workshop=workshop)
    _open_vote(db, workshop)
    join(client, workshop)
    response = post(
        client, f"/w/{workshop.join_code}/votes", {"proposal_id": proposal.id}, headers=HX
    )
    assert response.status_code == 200
    assert response.template.name == "participate/_live.html"  # type: ignore[attr-defined]


def test_vote_when_no_round_is_open_is_409(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    proposal = factories.proposal(db, workshop=workshop)
    join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/votes", {"proposal_id": proposal.id})
    assert response.status_code == 409
    assert db.exec(select(func.count()).select_from(Vote)).one() == 0


def test_vote_for_proposal_of_another_workshop_is_404(client: TestClient, db: Session) -> None:
    workshop, other = factories.workshop(db), factories.workshop(db)
    foreign = factories.proposal(db, workshop=other)
    _open_vote(db, workshop)
    join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/votes", {"proposal_id": foreign.id})
    assert response.status_code == 404
    assert db.exec(select(func.count()).select_from(Vote)).one() == 0


def test_vote_without_proposal_is_422_with_message(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/votes", {"proposal_id": "abc"})
    assert response.status_code == 422
    assert "proposal_id" in response.text


def test_vote_does_not_store_the_voter_token(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    proposal = factories.proposal(db, workshop=workshop)
    _open_vote(db, workshop)
    join(client, workshop)
    post(client, f"/w/{workshop.join_code}/votes", {"proposal_id": proposal.id})
    participant = db.exec(select(Participant)).one()
    vote = db.exec(select(Vote)).one()
    assert participant.token not in vote.voter_key
    assert not hasattr(vote, "participant_id")
