"""Public consultation on the plan page: residents of the city's board comment on a version in
consultation (an item or the whole plan); planners see the comments with their items and
moderate them; comments close, kept, when the version moves on."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import ErasedBy, Participant, PlanComment, PlanItem, Role, utcnow
from app.services import privacy
from tests import factories
from tests.helpers import login, post
from tests.routes.test_plan_record import _agreed_with_agency, _save

PLAN = "/cities/khon-kaen/plan"
COMMENTS = "/cities/khon-kaen/plan/comments"


def _in_consultation(client: TestClient, db: Session) -> PlanItem:
    _s, item, agency = _agreed_with_agency(client, db)
    _save(client, item, 1, agency_id=agency.id)
    assert post(client, "/staff/plans/khon-kaen/move", {"state": "consultation"}).status_code == 303
    return item


def _resident(client: TestClient) -> None:
    client.cookies.clear()
    joined = post(client, "/cities/khon-kaen/board/participants", {"stakeholder_group": "resident"})
    assert joined.status_code == 303, joined.text


def _comment(
    client: TestClient, text: str, item: PlanItem | None = None, version: int = 1
) -> object:
    data: dict[str, object] = {"text": text, "version": version}
    if item is not None:
        data["item_id"] = item.id
    return post(client, COMMENTS, data)


def test_resident_comments_on_an_item_and_the_public_sees_it(
    client: TestClient, db: Session
) -> None:
    item = _in_consultation(client, db)
    _resident(client)
    page = client.get(PLAN)
    assert page.context["comments_open"] is True  # type: ignore[attr-defined]
    response = _comment(client, "ควรมีทางลาดสำหรับรถเข็น", item)
    assert response.status_code == 303  # type: ignore[attr-defined]
    [row] = db.exec(select(PlanComment)).all()
    assert (row.item_id, row.stakeholder_group, row.hidden) == (item.id, "resident", False)
    client.cookies.clear()
    public = client.get(PLAN)
    assert "ควรมีทางลาดสำหรับรถเข็น" in public.text
    assert public.context["comments"][item.id] == [row]  # type: ignore[attr-defined]
    assert _comment(client, "ทั้งแผน").status_code == 303  # type: ignore[attr-defined]
    # Not joined: sent to the board's join form, which comes back to the plan.
    response = _comment(client, "ทั้งแผน")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == (  # type: ignore[attr-defined]
        "/cities/khon-kaen/board/join?next=/cities/khon-kaen/plan"
    )
    form = client.get(response.headers["location"])  # type: ignore[attr-defined]
    assert 'name="next" value="/cities/khon-kaen/plan"' in form.text
    joined = post(
        client,
        "/cities/khon-kaen/board/participants",
        {"stakeholder_group": "business", "next": "/cities/khon-kaen/plan"},
    )
    assert joined.headers["location"] == PLAN


def test_join_does_not_send_a_resident_off_site(client: TestClient) -> None:
    joined = post(
        client,
        "/cities/khon-kaen/board/participants",
        {"stakeholder_group": "resident", "next": "/cities/khon-kaen//evil.example"},
    )
    assert joined.headers["location"] == "/cities/khon-kaen/proposals"


def test_comment_bad_input_is_refused_and_writes_nothing(client: TestClient, db: Session) -> None:
    item = _in_consultation(client, db)
    _resident(client)
    assert _comment(client, "เห็นด้วยกับวิสัยทัศน์").status_code == 303  # type: ignore[attr-defined]
    empty = _comment(client, "   ", item)
    assert empty.status_code == 422  # type: ignore[attr-defined]
    assert empty.template.name == "public/plan.html"  # type: ignore[attr-defined]
    assert _comment(client, "ก" * 1001, item).status_code == 422  # type: ignore[attr-defined]
    missing = post(client, COMMENTS, {"text": "ไม่มีข้อนี้", "version": 1, "item_id": 999_999})
    assert missing.status_code == 404
    wrong_version = _comment(client, "ฉบับอื่น", item, version=2)
    assert wrong_version.status_code == 409  # type: ignore[attr-defined]
    assert [c.item_id for c in db.exec(select(PlanComment)).all()] == [None]


def test_posting_fast_is_refused_with_retry_after(client: TestClient, db: Session) -> None:
    item = _in_consultation(client, db)
    _resident(client)
    assert _comment(client, "หนึ่ง", item).status_code == 303  # type: ignore[attr-defined]
    fast = _comment(client, "สอง", item)
    assert fast.status_code == 429  # type: ignore[attr-defined]
    assert fast.headers["Retry-After"]  # type: ignore[attr-defined]
    assert "สอง" in fast.text  # type: ignore[attr-defined]  # the text typed is kept
    assert len(db.exec(select(PlanComment)).all()) == 1


def test_abusive_words_are_held_and_planners_moderate_with_a_reason(
    client: TestClient, db: Session, fast_posting: None
) -> None:
    item = _in_consultation(client, db)
    _resident(client)
    _comment(client, "ไอ้ควาย วางแผนไม่เป็น", item)
    _comment(client, "ขอไฟส่องสว่างด้วย", item)
    held, plain = db.exec(select(PlanComment).order_by(PlanComment.id)).all()  # type: ignore[arg-type]
    assert (held.held_for_review, plain.held_for_review) == (True, False)
    assert "ไอ้ควาย" in client.get(PLAN).text  # its author sees it, marked as waiting
    client.cookies.clear()
    assert "ไอ้ควาย" not in client.get(PLAN).text
    login(client, factories.account(db, role=Role.planner))
    staff = client.get("/staff/plans/khon-kaen")
    [group] = staff.context["consultation"]  # type: ignore[attr-defined]
    assert (group.item_id, group.title) == (item.id, item.title)
    assert [c.id for c, _number in group.comments] == [held.id, plain.id]
    url = f"/staff/cities/khon-kaen/plan/comments/{plain.id}"
    refused = post(client, f"{url}/hide", {"reason": " "})
    assert refused.status_code == 422
    hidden = post(client, f"{url}/hide", {"reason": "นอกเรื่อง", "back": "staff"})
    assert hidden.headers["location"] == "/staff/plans/khon-kaen#consultation"
    post(client, f"/staff/cities/khon-kaen/plan/comments/{held.id}/restore")
    db.expire_all()
    assert (plain.hidden, plain.hidden_reason, held.held_for_review) == (True, "นอกเรื่อง", False)
    client.cookies.clear()
    public = client.get(PLAN).text
    assert "ไอ้ควาย" in public
    assert "ขอไฟส่องสว่างด้วย" not in public


def test_comments_close_but_stay_when_the_version_is_adopted(
    client: TestClient, db: Session
) -> None:
    item = _in_consultation(client, db)
    _resident(client)
    _comment(client, "ควรทำก่อนหน้าฝน", item)
    login(client, factories.account(db, role=Role.planner))
    assert post(client, "/staff/plans/khon-kaen/move", {"state": "adopted"}).status_code == 303
    _resident(client)
    page = client.get(PLAN)
    assert page.context["comments_open"] is False  # type: ignore[attr-defined]
    assert "ควรทำก่อนหน้าฝน" in page.text
    assert 'action="/cities/khon-kaen/plan/comments"' not in page.text
    late = _comment(client, "ช้าไป", item)
    assert late.status_code == 409  # type: ignore[attr-defined]
    assert len(db.exec(select(PlanComment)).all()) == 1


def test_erasing_a_resident_keeps_their_plan_comment_anonymous(
    client: TestClient, db: Session
) -> None:
    item = _in_consultation(client, db)
    _resident(client)
    _comment(client, "ขอสวนสาธารณะ", item)
    author = db.exec(select(Participant).where(Participant.city_id.is_not(None))).one()  # type: ignore[union-attr]
    exported = privacy.export(db, author, utcnow())
    [mine] = exported["plan_consultation_comments"]
    assert (mine["text"], mine["on_plan_item"]) == ("ขอสวนสาธารณะ", item.id)
    assert privacy.erase(db, author, utcnow(), by=ErasedBy.participant) is not None
    db.commit()
    [row] = db.exec(select(PlanComment)).all()
    assert (row.author_participant_id, row.text) == (None, "ขอสวนสาธารณะ")


def test_staff_of_another_city_cannot_hide_a_comment_through_their_own_city(
    client: TestClient, db: Session
) -> None:
    item = _in_consultation(client, db)
    _resident(client)
    _comment(client, "ขอม้านั่งริมทาง", item)
    [row] = db.exec(select(PlanComment)).all()
    login(client, factories.account(db, role=Role.planner, city_slug="chiang-rai"))
    url = f"/staff/cities/chiang-rai/plan/comments/{row.id}/hide"
    assert post(client, url, {"reason": "ลองซ่อน"}).status_code == 404
    db.refresh(row)
    assert row.hidden is False
