from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Channel, Idea, PlanItem, Proposal, Role, Vote, VoteRound, Workshop
from tests import factories
from tests.helpers import HX, join, login, post


def _facilitator(client: TestClient, db: Session):  # type: ignore[no-untyped-def]
    account = factories.account(db, role=Role.facilitator)
    login(client, account)
    return account


def test_new_workshop_form_lists_cities(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    response = client.get("/staff/workshops/new")
    assert response.status_code == 200
    assert len(response.context["cities"]) == 8  # type: ignore[attr-defined]


def test_create_workshop_gives_a_join_code(client: TestClient, db: Session) -> None:
    account = _facilitator(client, db)
    response = post(
        client,
        "/staff/workshops",
        {"city": "nan", "title": "  เวทีเมืองน่าน  ", "held_on": "2026-12-05"},
    )
    assert response.status_code == 303
    workshop = db.exec(select(Workshop)).one()
    assert response.headers["location"] == f"/staff/workshops/{workshop.id}"
    assert (workshop.title, workshop.created_by_id, str(workshop.held_on)) == (
        "เวทีเมืองน่าน",
        account.id,
        "2026-12-05",
    )
    console = client.get(response.headers["location"])
    assert workshop.join_code in console.text
    assert "5 ธ.ค. 2569" in console.text  # Buddhist Era date


def test_create_workshop_with_bad_fields_is_422_and_keeps_input(
    client: TestClient, db: Session
) -> None:
    _facilitator(client, db)
    cases = [
        ({"city": "", "title": "เวที"}, "โปรดเลือกเมือง"),
        ({"city": "nan", "title": "   "}, "โปรดตั้งชื่อ"),
        ({"city": "nan", "title": "x" * 201}, "201"),
        ({"city": "nan", "title": "เวที", "held_on": "31/02/2569"}, "วันที่"),
    ]
    for form, message in cases:
        response = post(client, "/staff/workshops", form)
        assert response.status_code == 422, form
        assert message in response.text
        assert response.context["form"]["title"] == form["title"]  # type: ignore[attr-defined]
    assert db.exec(select(func.count()).select_from(Workshop)).one() == 0


def test_console_of_unknown_workshop_is_404(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    assert client.get("/staff/workshops/999999").status_code == 404


def test_console_live_and_proposals_partials(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop = factories.workshop(db)
    factories.idea(db, workshop=workshop, text="ต้นไม้ริมถนน")
    live = client.get(f"/staff/workshops/{workshop.id}/live", headers=HX)
    assert live.template.name == "workshops/_live.html"  # type: ignore[attr-defined]
    assert live.context["counts"]["resident"] == {"participants": 0, "ideas": 1}  # type: ignore[attr-defined]
    proposals = client.get(f"/staff/workshops/{workshop.id}/proposals", headers=HX)
    assert proposals.template.name == "workshops/_proposals.html"  # type: ignore[attr-defined]
    assert (
        client.get(f"/staff/workshops/{workshop.id}/live").template.name == "workshops/console.html"
    )  # type: ignore[attr-defined]


def test_paper_note_is_marked_as_paper(client: TestClient, db: Session) -> None:
    account = _facilitator(client, db)
    workshop = factories.workshop(db)
    response = post(
        client,
        f"/staff/workshops/{workshop.id}/paper-ideas",
        {"text": "ไฟส่องสว่างซอย 3", "stakeholder_group": "public_agency"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.template.name == "workshops/_paper_form.html"  # type: ignore[attr-defined]
    idea = db.exec(select(Idea)).one()
    assert (idea.channel, idea.stakeholder_group, idea.entered_by_id, idea.participant_id) == (
        Channel.paper,
        "public_agency",
        account.id,
        None,
    )


def test_paper_note_errors_keep_the_text(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop = factories.workshop(db)
    response = post(
        client,
        f"/staff/workshops/{workshop.id}/paper-ideas",
        {"text": "ไฟดับ", "stakeholder_group": ""},
    )
    assert response.status_code == 422
    assert response.context["paper_text"] == "ไฟดับ"  # type: ignore[attr-defined]
    response = post(
        client,
        f"/staff/workshops/{workshop.id}/paper-ideas",
        {"text": "", "stakeholder_group": "resident"},
        headers=HX,
    )
    assert response.status_code == 422
    assert db.exec(select(func.count()).select_from(Idea)).one() == 0


def test_promote_idea_twice_makes_one_proposal(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop, text="บรรทัดแรกเป็นชื่อ\nรายละเอียดเพิ่มเติม")
    for _ in range(2):
        response = post(
            client, f"/staff/workshops/{workshop.id}/ideas/{idea.id}/promote", headers=HX
        )
        assert response.status_code == 200
    proposal = db.exec(select(Proposal)).one()
    assert (proposal.title, proposal.source_idea_id, proposal.city_id) == (
        "บรรทัดแรกเป็นชื่อ",
        idea.id,
        workshop.city_id,
    )
    assert response.template.name == "workshops/_proposals.html"  # type: ignore[attr-defined]


def test_promote_idea_of_another_workshop_is_404(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop, other = factories.workshop(db), factories.workshop(db)
    idea = factories.idea(db, workshop=other)
    response = post(client, f"/staff/workshops/{workshop.id}/ideas/{idea.id}/promote")
    assert response.status_code == 404
    assert db.exec(select(func.count()).select_from(Proposal)).one() == 0


def test_open_vote_needs_a_proposal_and_only_one_round(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop = factories.workshop(db)
    assert post(client, f"/staff/workshops/{workshop.id}/vote/open").status_code == 409
    factories.proposal(db, workshop=workshop)
    assert post(client, f"/staff/workshops/{workshop.id}/vote/open").status_code == 303
    assert post(client, f"/staff/workshops/{workshop.id}/vote/open").status_code == 409
    assert db.exec(select(func.count()).select_from(VoteRound)).one() == 1


def test_close_vote_without_open_round_is_409(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop = factories.workshop(db)
    response = post(client, f"/staff/workshops/{workshop.id}/vote/close", headers=HX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#flash-area"


def test_close_workshop_then_reopen(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop = factories.workshop(db)
    assert (
        post(client, f"/staff/workshops/{workshop.id}/status", {"status": "closed"}).status_code
        == 303
    )
    db.refresh(workshop)
    assert workshop.status == "closed"
    assert (
        post(client, f"/staff/workshops/{workshop.id}/status", {"status": "paused"}).status_code
        == 422
    )
    assert (
        post(client, f"/staff/workshops/{workshop.id}/status", {"status": "open"}).status_code
        == 303
    )
    db.refresh(workshop)
    assert workshop.status == "open"


def test_agreed_priorities_become_plan_items_in_vote_order(client: TestClient, db: Session) -> None:
    account = _facilitator(client, db)
    workshop = factories.workshop(db)
    low = factories.proposal(db, workshop=workshop, title="น้อย")
    high = factories.proposal(db, workshop=workshop, title="มาก")
    vote_round = VoteRound(workshop_id=workshop.id)
    db.add(vote_round)
    db.commit()
    db.add_all(
        [
            Vote(
                round_id=vote_round.id,
                proposal_id=high.id,
                voter_key=f"k{i}",
                stakeholder_group="resident",
            )
            for i in range(3)
        ]
    )
    db.add(
        Vote(
            round_id=vote_round.id, proposal_id=low.id, voter_key="k9", stakeholder_group="business"
        )
    )
    db.commit()
    assert (
        post(
            client, f"/staff/workshops/{workshop.id}/priorities", {"proposal_id": [low.id, high.id]}
        ).status_code
        == 409
    )  # the vote is still open
    assert post(client, f"/staff/workshops/{workshop.id}/vote/close").status_code == 303
    response = post(
        client,
        f"/staff/workshops/{workshop.id}/priorities",
        {"proposal_id": [low.id, high.id]},
        headers=HX,
    )
    assert response.status_code == 200
    items = db.exec(select(PlanItem).order_by(PlanItem.priority)).all()
    assert [
        (i.priority, i.proposal_id, i.votes, i.vote_round_id, i.created_by_id) for i in items
    ] == [(1, high.id, 3, vote_round.id, account.id), (2, low.id, 1, vote_round.id, account.id)]
    db.refresh(high)
    assert high.status == "agreed"
    # Again: nothing is added twice.
    post(client, f"/staff/workshops/{workshop.id}/priorities", {"proposal_id": [high.id]})
    assert db.exec(select(func.count()).select_from(PlanItem)).one() == 2


def test_agree_priorities_validation(client: TestClient, db: Session) -> None:
    _facilitator(client, db)
    workshop, other = factories.workshop(db), factories.workshop(db)
    foreign = factories.proposal(db, workshop=other)
    assert post(client, f"/staff/workshops/{workshop.id}/priorities", {}).status_code == 422
    assert (
        post(
            client, f"/staff/workshops/{workshop.id}/priorities", {"proposal_id": foreign.id}
        ).status_code
        == 404
    )
    assert (
        post(client, f"/staff/workshops/{workshop.id}/priorities", {"proposal_id": "x"}).status_code
        == 422
    )
    assert db.exec(select(func.count()).select_from(PlanItem)).one() == 0


def test_participant_sees_ballot_when_vote_opens(client: TestClient, db: Session, app) -> None:  # type: ignore[no-untyped-def]
    _facilitator(client, db)
    workshop = factories.workshop(db)
    proposal = factories.proposal(db, workshop=workshop, title="ลานกีฬาชุมชน")
    post(client, f"/staff/workshops/{workshop.id}/vote/open")
    with TestClient(app, follow_redirects=False) as phone:
        join(phone, workshop)
        page = phone.get(f"/w/{workshop.join_code}/live", headers=HX)
        assert f"ballot-proposal-{proposal.id}" in page.text
