"""Residents' PDPA rights through the web: "my data" on the phone (a copy, withdrawing
consent, erasure) and staff answering a request; retention dates."""

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import (
    ConsentRecord,
    Idea,
    IdeaReaction,
    Participant,
    Role,
    RoundStatus,
    RoundVoter,
    Workshop,
)
from app.services import privacy
from tests import factories
from tests.helpers import login, post

NAME = "สมหญิงทดสอบ"
COMMUNITY = "ชุมชนหนองแวงตราชู"


@pytest.fixture
def phone(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as other:
        yield other


def _join(client: TestClient, workshop: Workshop, name: str = NAME) -> Participant:
    form = {
        "stakeholder_group": "resident",
        "display_name": name,
        "age_band": "41_60",
        "community": COMMUNITY,
        "consent": "yes",
    }
    response = post(client, f"/w/{workshop.join_code}/participants", form)
    assert response.status_code == 303, response.text
    page = client.get(f"/w/{workshop.join_code}/me")
    assert page.status_code == 200
    return page.context["participant"]  # type: ignore[attr-defined,no-any-return]


def _count(db: Session, model: type, *where: object) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()  # type: ignore[arg-type]


def test_workshop_page_links_my_data_for_the_joined_phone(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    assert 'id="my-data-link"' not in client.get(f"/w/{workshop.join_code}").text
    _join(client, workshop)
    assert f'href="/w/{workshop.join_code}/me"' in client.get(f"/w/{workshop.join_code}").text


def test_my_data_page_shows_what_is_held_and_the_reference(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    participant = _join(client, workshop)
    page = client.get(f"/w/{workshop.join_code}/me")
    assert page.template.name == "privacy/my_data.html"  # type: ignore[attr-defined]
    assert page.headers["cache-control"] == "no-store"
    assert privacy.reference(participant) in page.text
    assert NAME in page.text
    assert COMMUNITY in page.text
    assert page.context["demographics_consent"] is True  # type: ignore[attr-defined]


def test_download_holds_everything_but_the_ballot(
    client: TestClient, db: Session, fast_posting: None
) -> None:
    workshop = factories.workshop(db)
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("ก", "ข")]
    vote_round = factories.vote_round(
        db, workshop=workshop, proposals=proposals, status=RoundStatus.open
    )
    participant = _join(client, workshop)
    post(client, f"/w/{workshop.join_code}/ideas", {"text": "ขอทางจักรยาน", "client_key": "a"})
    idea = db.exec(select(Idea)).one()
    other = factories.idea(db, workshop=workshop, text="ต้นไม้ริมถนน")
    post(
        client,
        f"/w/{workshop.join_code}/ideas/{other.id}/comments",
        {"text": "เห็นด้วยมาก", "client_key": "b"},
    )
    post(client, f"/w/{workshop.join_code}/ideas/{other.id}/reactions", {"on": "1"})
    voted = post(
        client, f"/w/{workshop.join_code}/vote", {f"p{proposals[0].id}": "1", "client_key": "v"}
    )
    assert voted.status_code == 303, voted.text

    response = client.get(f"/w/{workshop.join_code}/me/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    person = data["participant"]
    assert (person["reference"], person["display_name"], person["community"]) == (
        privacy.reference(participant),
        NAME,
        COMMUNITY,
    )
    assert (person["stakeholder_group"], person["age_band"]) == ("resident", "41_60")
    assert [c["purpose"] for c in data["consents"]] == ["demographics"]
    assert [i["text"] for i in data["ideas"]] == ["ขอทางจักรยาน"]
    assert [(c["text"], c["on_idea"]) for c in data["comments"]] == [("เห็นด้วยมาก", other.id)]
    assert [p["idea"] for p in data["plus_ones"]] == [other.id]
    assert data["votes"] == [
        {"round": vote_round.id, "question": vote_round.question, "has_voted": True}
    ]
    assert "ballots" in data  # the explanation of why they are not there
    assert idea.id in [i["id"] for i in data["ideas"]]
    # Nothing of a ballot: no marks, no key, no receipt.
    assert str(proposals[0].id) not in json.dumps(data["votes"]).replace(str(vote_round.id), "")
    for word in ("voter_key", "marks", "receipt"):
        assert word not in response.text


def test_a_phone_sees_only_its_own_data(client: TestClient, phone: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    _join(client, workshop)
    _join(phone, workshop, name="คนอื่น")
    mine = json.loads(client.get(f"/w/{workshop.join_code}/me/data.json").text)
    assert mine["participant"]["display_name"] == NAME
    assert "คนอื่น" not in json.dumps(mine, ensure_ascii=False)


def test_withdrawing_consent_clears_demographics(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    participant = _join(client, workshop)
    url = f"/w/{workshop.join_code}/me/consents/withdraw"
    response = post(client, url, {"purpose": "demographics"})
    assert response.status_code == 303
    db.expire_all()
    stored = db.get(Participant, participant.id)
    assert stored is not None
    assert (stored.age_band, stored.community, stored.display_name) == (None, None, NAME)
    record = db.exec(select(ConsentRecord)).one()
    assert record.withdrawn_at is not None
    page = client.get(f"/w/{workshop.join_code}/me")
    assert page.context["demographics_consent"] is False  # type: ignore[attr-defined]
    assert 'id="withdraw-consent"' not in page.text
    assert post(client, url, {"purpose": "demographics"}).status_code == 303  # twice: no change
    assert post(client, url, {"purpose": "marketing"}).status_code == 422


def test_erasing_needs_the_confirmation_box(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    participant = _join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/me/erase", {})
    assert response.status_code == 422
    assert response.context["error"]  # type: ignore[attr-defined]
    db.expire_all()
    assert db.get(Participant, participant.id).display_name == NAME  # type: ignore[union-attr]


def test_erasing_from_the_phone_keeps_the_counts(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    participant = _join(client, workshop)
    post(client, f"/w/{workshop.join_code}/ideas", {"text": "ขอทางจักรยาน", "client_key": "a"})
    idea = db.exec(select(Idea)).one()
    post(client, f"/w/{workshop.join_code}/ideas/{idea.id}/reactions", {"on": "1"})
    assert NAME in client.get(f"/w/{workshop.join_code}").text  # the author's name on the wall
    old_token = participant.token

    response = post(client, f"/w/{workshop.join_code}/me/erase", {"confirm": "yes"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{workshop.join_code}"
    db.expire_all()
    stored = db.get(Participant, participant.id)
    assert stored is not None
    assert (stored.display_name, stored.age_band, stored.community) == (None, None, None)
    assert stored.erased_at is not None
    assert stored.token != old_token  # not even the server's key links its ballots now
    kept = db.get(Idea, idea.id)
    assert kept is not None
    assert (kept.text, kept.participant_id, kept.client_key) == ("ขอทางจักรยาน", None, None)
    assert _count(db, Participant) == 1
    assert _count(db, IdeaReaction) == 1
    consent = db.exec(select(ConsentRecord)).one()  # kept, as proof, and closed
    assert consent.withdrawn_at == stored.erased_at
    wall = client.get(f"/w/{workshop.join_code}")
    assert "ขอทางจักรยาน" in wall.text
    assert NAME not in wall.text
    # The phone has left: "my data" now asks it to join.
    gone = client.get(f"/w/{workshop.join_code}/me")
    assert gone.status_code == 303


def test_staff_find_a_participant_by_reference_or_name(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    elsewhere = factories.workshop(db)
    factories.participant(db, workshop=elsewhere)
    participant = factories.participant(db, workshop=workshop)
    participant.display_name = NAME
    db.add(participant)
    db.commit()
    login(client, facilitator)
    url = f"/staff/workshops/{workshop.id}/privacy"
    assert client.get(url).template.name == "privacy/requests.html"  # type: ignore[attr-defined]
    by_reference = (privacy.reference(participant), participant.reference.lower())
    for query in (*by_reference, "หญิง"):
        found = post(client, url, {"q": query}).context["found"]  # type: ignore[attr-defined]
        assert [p.id for p in found] == [participant.id], query
    assert post(client, url, {"q": "100%_"}).context["found"] == []  # type: ignore[attr-defined]

    export = client.get(f"/staff/workshops/{workshop.id}/participants/{participant.id}/data.json")
    assert json.loads(export.text)["participant"]["display_name"] == NAME

    erase = f"/staff/workshops/{workshop.id}/participants/{participant.id}/erase"
    assert post(client, erase, {}).status_code == 422
    assert post(client, erase, {"confirm": "yes"}).status_code == 303
    db.expire_all()
    assert db.get(Participant, participant.id).display_name is None  # type: ignore[union-attr]
    assert post(client, erase, {"confirm": "yes"}).status_code == 303  # again: nothing to do


def test_staff_cannot_reach_another_workshops_participant(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    stranger = factories.participant(db, workshop=factories.workshop(db))
    login(client, facilitator)
    base = f"/staff/workshops/{workshop.id}/participants/{stranger.id}"
    assert client.get(f"{base}/data.json").status_code == 404
    assert post(client, f"{base}/erase", {"confirm": "yes"}).status_code == 404
    found = post(
        client, f"/staff/workshops/{workshop.id}/privacy", {"q": privacy.reference(stranger)}
    )
    assert found.context["found"] == []  # type: ignore[attr-defined]


def test_facilitator_sets_and_clears_the_retention_date(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    workshop.held_on = date(2026, 11, 27)
    db.add(workshop)
    db.commit()
    login(client, facilitator)
    url = f"/staff/workshops/{workshop.id}/retention"
    assert post(client, url, {"retain_until": "2027-06-30"}).status_code == 303
    db.expire_all()
    assert privacy.retention_date(db.get(Workshop, workshop.id)) == date(2027, 6, 30)  # type: ignore[arg-type]
    for bad in ("1999-12-31", "30/06/2027"):
        refused = post(client, url, {"retain_until": bad})
        assert refused.status_code == 422
        assert refused.context["retention_error"]  # type: ignore[attr-defined]
    assert post(client, url, {"retain_until": ""}).status_code == 303
    db.expire_all()
    assert privacy.retention_date(db.get(Workshop, workshop.id)) == date(2028, 11, 27)  # type: ignore[arg-type]


def test_erasure_keeps_the_has_voted_marker(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("ก", "ข")]
    factories.vote_round(db, workshop=workshop, proposals=proposals, status=RoundStatus.open)
    _join(client, workshop)
    post(client, f"/w/{workshop.join_code}/vote", {f"p{proposals[0].id}": "1", "client_key": "v"})
    assert _count(db, RoundVoter) == 1
    post(client, f"/w/{workshop.join_code}/me/erase", {"confirm": "yes"})
    assert _count(db, RoundVoter) == 1


def test_consent_given_again_after_a_withdrawal(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    participant = _join(client, workshop)
    post(client, f"/w/{workshop.join_code}/me/consents/withdraw", {"purpose": "demographics"})
    url = f"/w/{workshop.join_code}/me/consents"
    page = client.get(f"/w/{workshop.join_code}/me")
    assert 'id="give-consent"' in page.text
    refused = post(client, url, {"age_band": "26_40", "community": "ชุมชนใหม่"})
    assert refused.status_code == 422
    assert refused.context["form"]["community"] == "ชุมชนใหม่"  # type: ignore[attr-defined]
    assert post(client, url, {"consent": "yes"}).status_code == 422  # nothing to keep
    given = post(client, url, {"age_band": "26_40", "community": "ชุมชนใหม่", "consent": "yes"})
    assert given.status_code == 303
    db.expire_all()
    stored = db.get(Participant, participant.id)
    assert stored is not None
    assert (stored.age_band, stored.community) == ("26_40", "ชุมชนใหม่")
    records = db.exec(select(ConsentRecord).order_by(ConsentRecord.id)).all()  # type: ignore[arg-type]
    assert [r.withdrawn_at is None for r in records] == [False, True]
