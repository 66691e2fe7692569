"""PDPA rights of people who take part on a city's proposal board: "my data" on the phone (what
is held, a copy, withdrawing consent, erasure) and the city's staff answering a request; and
the erasure log every erasure leaves."""

import io
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, func, select

from app.models import (
    ConsentRecord,
    ErasedBy,
    ErasureRecord,
    Participant,
    Proposal,
    ProposalComment,
    ProposalImage,
    ProposalSupport,
    Role,
)
from app.services import privacy
from tests import factories
from tests.helpers import login, post

NAME = "บุญเรือนทดสอบบอร์ด"
COMMUNITY = "ชุมชนโนนชัยทดสอบ"
ME = "/cities/khon-kaen/board/me"
BOARD = "/cities/khon-kaen/proposals"


@pytest.fixture
def phone(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as other:
        yield other


def _join(client: TestClient, name: str = NAME, slug: str = "khon-kaen") -> Participant:
    form = {
        "stakeholder_group": "business",
        "display_name": name,
        "age_band": "26_40",
        "community": COMMUNITY,
        "consent": "yes",
    }
    assert post(client, f"/cities/{slug}/board/participants", form).status_code == 303
    page = client.get(f"/cities/{slug}/board/me")
    assert page.status_code == 200, page.text
    return page.context["participant"]  # type: ignore[attr-defined,no-any-return]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def _take_part(client: TestClient) -> int:
    """Propose (with a photo), comment and support; returns the proposal's id."""
    response = post(client, BOARD, {"title": "ไฟส่องสว่างซอยวัดกลาง", "body": "มืดมาก"})
    assert response.status_code == 303, response.text
    proposal_id = int(response.headers["location"].rsplit("/", 1)[1])
    photo = post(
        client, f"{BOARD}/{proposal_id}/images", files={"photo": ("p.png", _png(), "image/png")}
    )
    assert photo.status_code == 303, photo.text
    commented = post(client, f"{BOARD}/{proposal_id}/comments", {"text": "ขอด่วนครับ"})
    assert commented.status_code == 303, commented.text
    assert post(client, f"{BOARD}/{proposal_id}/support", {"on": "1"}).status_code == 303
    return proposal_id


def _count(db: Session, model: type, *where: object) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()  # type: ignore[arg-type]


def test_board_pages_link_my_data_for_the_joined_phone(client: TestClient, db: Session) -> None:
    assert 'id="my-data-link"' not in client.get(BOARD).text
    assert client.get(ME).headers["location"] == "/cities/khon-kaen/board/join"
    _join(client)
    proposal_id = _take_part(client)
    for url in (BOARD, f"{BOARD}/{proposal_id}"):
        assert f'href="{ME}"' in client.get(url).text, url


def test_my_data_shows_group_name_consents_and_what_they_did(
    client: TestClient, db: Session
) -> None:
    participant = _join(client)
    proposal_id = _take_part(client)
    page = client.get(ME)
    assert page.template.name == "privacy/my_data.html"  # type: ignore[attr-defined]
    assert page.headers["cache-control"] == "no-store"
    for shown in (privacy.reference(participant), NAME, COMMUNITY, "ไฟส่องสว่างซอยวัดกลาง"):
        assert shown in page.text
    assert "ขอด่วนครับ" in page.text
    assert page.context["demographics_consent"] is True  # type: ignore[attr-defined]
    image = db.exec(select(ProposalImage)).one()
    assert f"{BOARD}/{proposal_id}/images/{image.id}?size=thumb" in page.text
    assert f'action="{ME}/erase"' in page.text

    response = client.get(f"{ME}/data.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "my-data-khon-kaen.json" in response.headers["content-disposition"]
    data = json.loads(response.text)
    person = data["participant"]
    assert (person["display_name"], person["community"], person["age_band"]) == (
        NAME,
        COMMUNITY,
        "26_40",
    )
    assert (person["stakeholder_group"], person["board"]["slug"]) == ("business", "khon-kaen")
    assert [c["purpose"] for c in data["consents"]] == ["demographics"]
    assert [p["id"] for p in data["proposals"]] == [proposal_id]
    assert [c["text"] for c in data["proposal_comments"]] == ["ขอด่วนครับ"]
    assert [s["proposal"] for s in data["supports"]] == [proposal_id]
    assert [p["id"] for p in data["photos"]] == [image.id]
    assert [e["action"] for e in data["proposal_edits"]] == ["created"]
    assert "ideas" not in data  # a workshop's lists are not a board participant's


def test_a_board_phone_sees_only_its_own_data(
    client: TestClient, phone: TestClient, db: Session
) -> None:
    _join(client)
    _join(phone, name="อีกคนหนึ่ง")
    _take_part(phone)
    mine = client.get(f"{ME}/data.json").text
    assert NAME in mine
    assert "อีกคนหนึ่ง" not in mine
    assert "ไฟส่องสว่างซอยวัดกลาง" not in mine
    # A membership of one city's board is not one of another's.
    assert client.get("/cities/chiang-rai/board/me").status_code == 303


def test_board_participant_withdraws_and_gives_consent(client: TestClient, db: Session) -> None:
    participant = _join(client)
    assert post(client, f"{ME}/consents/withdraw", {"purpose": "demographics"}).status_code == 303
    db.expire_all()
    stored = db.get(Participant, participant.id)
    assert stored is not None
    assert (stored.age_band, stored.community, stored.display_name) == (None, None, NAME)
    assert post(client, f"{ME}/consents/withdraw", {"purpose": "x"}).status_code == 422
    given = post(
        client, f"{ME}/consents", {"age_band": "over_60", "community": "ใหม่", "consent": "yes"}
    )
    assert given.status_code == 303
    assert given.headers["location"] == ME
    assert _count(db, ConsentRecord, ConsentRecord.withdrawn_at.is_(None)) == 1  # type: ignore[union-attr]


def test_board_participant_erases_their_data_and_the_board_keeps_the_posts(
    client: TestClient, db: Session
) -> None:
    participant = _join(client)
    proposal_id = _take_part(client)
    refused = post(client, f"{ME}/erase", {})
    assert refused.status_code == 422
    assert refused.context["error"]  # type: ignore[attr-defined]
    assert _count(db, ErasureRecord) == 0

    response = post(client, f"{ME}/erase", {"confirm": "yes"})
    assert response.status_code == 303
    assert response.headers["location"] == BOARD
    db.expire_all()
    stored = db.get(Participant, participant.id)
    assert stored is not None
    assert (stored.display_name, stored.age_band, stored.community) == (None, None, None)
    for table in (Proposal, ProposalComment, ProposalImage):
        assert _count(db, table, table.author_participant_id.is_not(None)) == 0  # type: ignore[attr-defined]
        assert _count(db, table) == 1
    assert _count(db, ProposalSupport) == 1
    assert db.get(Proposal, proposal_id).support_count == 1  # type: ignore[union-attr]
    assert client.get(ME).status_code == 303  # the phone has left the board
    record = db.exec(select(ErasureRecord)).one()
    city = factories.city(db)
    assert (record.erased_by, record.staff_account_id, record.city_id, record.workshop_id) == (
        ErasedBy.participant,
        None,
        city.id,
        None,
    )
    assert record.participant_reference == participant.reference
    # name, age band, community; proposal, comment, photo and the proposal's history entry;
    # the device's membership; the demographics consent.
    assert (record.fields_cleared, record.rows_unlinked) == (3, 4)
    assert (record.rows_deleted, record.consents_withdrawn) == (1, 1)


def test_city_staff_find_export_and_erase_a_board_participant(
    client: TestClient, phone: TestClient, db: Session
) -> None:
    participant = _join(phone)
    _take_part(phone)
    planner = factories.account(db, role=Role.planner, city_slug="khon-kaen")
    login(client, planner)
    url = "/staff/cities/khon-kaen/privacy"
    page = client.get(url)
    assert page.template.name == "privacy/requests.html"  # type: ignore[attr-defined]
    assert 'id="retain_until"' not in page.text  # retention dates are a workshop's
    for query in (privacy.reference(participant), "เรือน"):
        found = post(client, url, {"q": query}).context["found"]  # type: ignore[attr-defined]
        assert [p.id for p in found] == [participant.id], query
    base = f"/staff/cities/khon-kaen/participants/{participant.id}"
    export = json.loads(client.get(f"{base}/data.json").text)
    assert export["participant"]["display_name"] == NAME
    assert [p["title"] for p in export["proposals"]] == ["ไฟส่องสว่างซอยวัดกลาง"]
    assert post(client, f"{base}/erase", {}).status_code == 422
    erased = post(client, f"{base}/erase", {"confirm": "yes"})
    assert erased.status_code == 303
    assert erased.headers["location"] == url
    db.expire_all()
    assert db.get(Participant, participant.id).display_name is None  # type: ignore[union-attr]
    record = db.exec(select(ErasureRecord)).one()
    assert (record.erased_by, record.staff_account_id) == (ErasedBy.staff, planner.id)
    assert post(client, f"{base}/erase", {"confirm": "yes"}).status_code == 303  # nothing to do
    assert _count(db, ErasureRecord) == 1


def test_city_staff_reach_only_their_own_boards_participants(
    client: TestClient, db: Session
) -> None:
    workshop_person = factories.participant(db, workshop=factories.workshop(db))
    elsewhere = factories.board_participant(db, city_slug="chiang-rai")
    login(client, factories.account(db, role=Role.planner, city_slug="khon-kaen"))
    for stranger in (workshop_person, elsewhere):
        base = f"/staff/cities/khon-kaen/participants/{stranger.id}"
        assert client.get(f"{base}/data.json").status_code == 404
        assert post(client, f"{base}/erase", {"confirm": "yes"}).status_code == 404
        found = post(client, "/staff/cities/khon-kaen/privacy", {"q": privacy.reference(stranger)})
        assert found.context["found"] == []  # type: ignore[attr-defined]
    # Nor the other way round: a workshop's page does not reach a board participant.
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    mine = factories.board_participant(db)
    login(client, facilitator)
    base = f"/staff/workshops/{workshop.id}/participants/{mine.id}"
    assert client.get(f"{base}/data.json").status_code == 404
    assert _count(db, ErasureRecord) == 0
