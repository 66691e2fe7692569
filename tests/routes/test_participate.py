import re

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Channel, ConsentRecord, Idea, IdeaReaction, Participant, WorkshopStatus
from tests import factories
from tests.helpers import HX, join, post


def _count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


# --- joining -------------------------------------------------------------------------------


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
    assert "วัตถุประสงค์" in response.text  # the purpose of optional demographics is stated


def test_workshop_page_has_link_preview_tags(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db, title="เวทีเมืองน่าน")
    html = client.get(f"/w/{workshop.join_code}").text
    assert '<meta property="og:title" content="เวทีเมืองน่าน">' in html
    assert f'content="http://testserver/w/{workshop.join_code}"' in html
    assert 'property="og:image" content="http://testserver/static/og-image.png"' in html
    assert client.get("/static/og-image.png").headers["content-type"] == "image/png"


def test_join_qr_code_is_an_svg_of_the_join_link(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    response = client.get(f"/w/{workshop.join_code}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")


def test_unknown_workshop_page_is_404(client: TestClient) -> None:
    assert client.get("/w/ZZZZZZ").status_code == 404


def test_rejoining_on_the_same_device_keeps_the_participant(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop, "business")
    join(client, workshop, "resident")
    participants = db.exec(select(Participant).where(Participant.workshop_id == workshop.id)).all()
    assert [p.stakeholder_group for p in participants] == ["business"]
    page = client.get(f"/w/{workshop.join_code}")
    assert page.context["participant"].id == participants[0].id  # type: ignore[attr-defined]


def test_choose_group_without_group_is_422_and_keeps_input(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    form = {"stakeholder_group": "alien", "display_name": "ต้น", "community": "ชุมชนโนนหนองวัด"}
    response = post(client, f"/w/{workshop.join_code}/participants", form)
    assert response.status_code == 422
    kept = response.context["form"]  # type: ignore[attr-defined]
    assert (kept["display_name"], kept["community"]) == ("ต้น", "ชุมชนโนนหนองวัด")
    assert _count(db, Participant) == 0


def test_demographics_need_consent(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    form = {"stakeholder_group": "resident", "age_band": "41_60", "community": "ชุมชนศรีจันทร์"}
    response = post(client, f"/w/{workshop.join_code}/participants", form)
    assert response.status_code == 422
    assert "ยินยอม" in response.text
    assert _count(db, Participant) == 0
    response = post(client, f"/w/{workshop.join_code}/participants", {**form, "consent": "yes"})
    assert response.status_code == 303
    participant = db.exec(select(Participant)).one()
    assert (participant.age_band, participant.community) == ("41_60", "ชุมชนศรีจันทร์")
    record = db.exec(select(ConsentRecord)).one()
    assert (record.participant_id, record.purpose) == (participant.id, "demographics")
    assert record.notice_version
    assert record.withdrawn_at is None


def test_anonymous_join_records_no_consent(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    participant = db.exec(select(Participant)).one()
    assert (participant.display_name, participant.age_band) == (None, None)
    assert _count(db, ConsentRecord) == 0


def test_unknown_age_band_is_refused(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    form = {"stakeholder_group": "resident", "age_band": "ancient", "consent": "yes"}
    assert post(client, f"/w/{workshop.join_code}/participants", form).status_code == 422


def test_group_not_invited_is_refused(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    workshop.invited_groups = ["resident"]
    db.add(workshop)
    db.commit()
    form = {"stakeholder_group": "business"}
    assert post(client, f"/w/{workshop.join_code}/participants", form).status_code == 422
    page = client.get(f"/w/{workshop.join_code}").text
    assert 'value="business"' not in page


def test_join_closed_workshop_is_refused(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db, status=WorkshopStatus.closed)
    form = {"stakeholder_group": "resident"}
    assert post(client, f"/w/{workshop.join_code}/participants", form).status_code == 409
    assert _count(db, Participant) == 0


# --- ideas ---------------------------------------------------------------------------------


def test_post_two_thai_ideas(client: TestClient, db: Session, fast_posting: None) -> None:
    workshop = factories.workshop(db)
    join(client, workshop, "civil_society")
    for text in ("ขยายทางเท้าให้ผู้สูงอายุ", "แก้น้ำท่วมหน้าตลาด"):
        assert post(client, f"/w/{workshop.join_code}/ideas", {"text": text}).status_code == 303
    ideas = db.exec(select(Idea).order_by(Idea.id)).all()
    assert [i.text for i in ideas] == ["ขยายทางเท้าให้ผู้สูงอายุ", "แก้น้ำท่วมหน้าตลาด"]
    assert {(i.channel, i.stakeholder_group) for i in ideas} == {(Channel.phone, "civil_society")}
    page = client.get(f"/w/{workshop.join_code}")
    assert "แก้น้ำท่วมหน้าตลาด" in page.text
    assert "ขอบคุณ" in page.text


def test_post_idea_with_htmx_returns_fresh_form_and_the_new_item(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    response = post(
        client,
        f"/w/{workshop.join_code}/ideas",
        {"text": "สวนสาธารณะ", "client_key": "k1"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.template.name == "participate/_idea_form.html"  # type: ignore[attr-defined]
    assert response.context["text"] == ""  # type: ignore[attr-defined]
    assert 'hx-swap-oob="afterbegin:#wall-list"' in response.text
    assert "สวนสาธารณะ" in response.text
    assert 'name="client_key" value="k1"' not in response.text  # a fresh key for the next idea


def test_same_client_key_posts_once(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    for _ in range(3):  # a double tap, then a resent form
        response = post(
            client, f"/w/{workshop.join_code}/ideas", {"text": "ไฟดับ", "client_key": "tap-1"}
        )
        assert response.status_code == 303
    assert _count(db, Idea) == 1


def test_posting_too_fast_is_429_keeps_text_and_says_when(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    assert (
        post(
            client, f"/w/{workshop.join_code}/ideas", {"text": "หนึ่ง", "client_key": "a"}
        ).status_code
        == 303
    )
    response = post(
        client, f"/w/{workshop.join_code}/ideas", {"text": "สอง", "client_key": "b"}, headers=HX
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.context["text"] == "สอง"  # type: ignore[attr-defined]
    assert "ส่งเร็วเกินไป" in response.text
    assert _count(db, Idea) == 1


def test_rate_limit_is_per_participant_not_per_address(
    client: TestClient, app, db: Session
) -> None:  # type: ignore[no-untyped-def]
    workshop = factories.workshop(db)
    join(client, workshop)
    assert post(client, f"/w/{workshop.join_code}/ideas", {"text": "หนึ่ง"}).status_code == 303
    with TestClient(app, follow_redirects=False) as neighbour:  # same address, another phone
        join(neighbour, workshop)
        assert post(neighbour, f"/w/{workshop.join_code}/ideas", {"text": "สอง"}).status_code == 303
    assert _count(db, Idea) == 2


def test_post_empty_idea_is_422_and_writes_nothing(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "   "})
    assert response.status_code == 422
    assert "โปรดเขียนความคิดเห็นก่อนส่ง" in response.text
    assert _count(db, Idea) == 0


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
    assert _count(db, Idea) == 0


def test_post_idea_without_joining_redirects_to_join(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "ไอเดีย"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{workshop.join_code}"
    assert _count(db, Idea) == 0


def test_participant_of_one_workshop_cannot_post_in_another(
    client: TestClient, db: Session
) -> None:
    first, second = factories.workshop(db), factories.workshop(db)
    join(client, first)
    assert post(client, f"/w/{second.join_code}/ideas", {"text": "ไอเดีย"}).status_code == 303
    assert _count(db, Idea) == 0


def test_post_idea_to_closed_workshop_is_409_and_keeps_text(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    workshop.status = WorkshopStatus.closed
    db.add(workshop)
    db.commit()
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "ไอเดีย"})
    assert response.status_code == 409
    assert response.context["text"] == "ไอเดีย"  # type: ignore[attr-defined]
    assert _count(db, Idea) == 0


def test_post_idea_while_posting_is_paused_is_409_and_keeps_text(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db, posting_locked=True)
    join(client, workshop)
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": "รอก่อน"}, headers=HX)
    assert response.status_code == 409
    assert response.context["text"] == "รอก่อน"  # type: ignore[attr-defined]
    assert "หยุดรับความคิดเห็นชั่วคราว" in response.text
    assert _count(db, Idea) == 0


def test_wall_shows_paper_mark_and_hides_moderated_ideas(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    factories.idea(db, workshop=workshop, text="กระดาษ", channel=Channel.paper)
    hidden = factories.idea(db, workshop=workshop, text="ข้อความที่ถูกซ่อน")
    hidden.hidden = True
    db.add(hidden)
    db.commit()
    partial = client.get(f"/w/{workshop.join_code}/wall", headers=HX)
    assert partial.template.name == "participate/_wall_list.html"  # type: ignore[attr-defined]
    assert "กระดาษโน้ต" in partial.text
    assert "ข้อความที่ถูกซ่อน" not in partial.text
    assert client.get(f"/w/{workshop.join_code}/wall").template.name == "participate/workshop.html"  # type: ignore[attr-defined]


# --- comments and +1 -----------------------------------------------------------------------


def test_comment_on_an_idea(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    join(client, workshop, "academia")
    response = post(
        client, f"/w/{workshop.join_code}/ideas/{idea.id}/comments", {"text": "เห็นด้วย"}, headers=HX
    )
    assert response.status_code == 200
    assert response.template.name == "participate/_comment_form.html"  # type: ignore[attr-defined]
    comment = db.exec(select(Idea).where(Idea.parent_id == idea.id)).one()
    assert (comment.text, comment.stakeholder_group) == ("เห็นด้วย", "academia")
    assert "เห็นด้วย" in client.get(f"/w/{workshop.join_code}").text


def test_comment_errors(client: TestClient, db: Session, fast_posting: None) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    join(client, workshop)
    url = f"/w/{workshop.join_code}/ideas/{idea.id}/comments"
    empty = post(client, url, {"text": " "}, headers=HX)
    assert empty.status_code == 422
    assert empty.context["comment_text"] == " "  # type: ignore[attr-defined]
    post(client, url, {"text": "ความเห็น"})
    comment = db.exec(select(Idea).where(Idea.parent_id == idea.id)).one()
    assert (
        post(
            client, f"/w/{workshop.join_code}/ideas/{comment.id}/comments", {"text": "ซ้อน"}
        ).status_code
        == 422
    )
    idea.hidden = True
    db.add(idea)
    db.commit()
    assert post(client, url, {"text": "ช้าไป"}).status_code == 404
    assert (
        post(client, f"/w/{workshop.join_code}/ideas/999999/comments", {"text": "x"}).status_code
        == 404
    )
    assert _count(db, Idea) == 2


def test_reaction_is_set_not_toggled(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    join(client, workshop)
    url = f"/w/{workshop.join_code}/ideas/{idea.id}/reactions"
    for _ in range(2):
        response = post(client, url, {"on": "1"}, headers=HX)
        assert response.status_code == 200
    assert _count(db, IdeaReaction) == 1
    assert 'aria-pressed="true"' in response.text
    assert re.search(r'id="idea-\d+-plus">1<', response.text)
    post(client, url, {"on": "0"})
    post(client, url, {"on": "0"})
    assert _count(db, IdeaReaction) == 0


def test_reaction_on_hidden_idea_is_404(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    idea.duplicate_of_id = factories.idea(db, workshop=workshop).id
    db.add(idea)
    db.commit()
    join(client, workshop)
    assert (
        post(client, f"/w/{workshop.join_code}/ideas/{idea.id}/reactions", {"on": "1"}).status_code
        == 404
    )
    assert _count(db, IdeaReaction) == 0


def test_reaction_requires_joining(client: TestClient, db: Session) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    response = post(client, f"/w/{workshop.join_code}/ideas/{idea.id}/reactions", {"on": "1"})
    assert response.status_code == 303
    assert _count(db, IdeaReaction) == 0
