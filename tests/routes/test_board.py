"""The proposal board's pages: the public list and proposal page, joining online, and what
participants and staff do there."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import Participant, Proposal, ProposalComment, ProposalStatus, Role
from tests import factories
from tests.helpers import login, post
from tests.statements import recorded_statements

BOARD = "/cities/khon-kaen/proposals"


def _join(client: TestClient, group: str = "resident") -> None:
    response = post(client, "/cities/khon-kaen/board/participants", {"stakeholder_group": group})
    assert response.status_code == 303, response.text


def _propose(client: TestClient, title: str = "ปัญหาน้ำท่วมขังถนนหน้าตลาด", **extra: str) -> int:
    response = post(client, BOARD, {"title": title, **extra})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_join_board_makes_a_city_participant_without_a_workshop(
    client: TestClient, db: Session
) -> None:
    _join(client, "business")
    row = db.exec(select(Participant).where(Participant.city_id.is_not(None))).one()  # type: ignore[union-attr]
    assert row.workshop_id is None
    assert row.stakeholder_group == "business"


def test_join_board_with_demographics_needs_consent(client: TestClient) -> None:
    response = post(
        client,
        "/cities/khon-kaen/board/participants",
        {"stakeholder_group": "resident", "age_band": "over_60"},
    )
    assert response.status_code == 422
    assert response.template.name == "board/join.html"  # type: ignore[attr-defined]


def test_propose_requires_joining_the_board(client: TestClient) -> None:
    response = post(client, BOARD, {"title": "x"})
    assert response.status_code == 303
    assert response.headers["location"] == "/cities/khon-kaen/board/join"


def test_propose_comment_support_and_find_by_thai_word(client: TestClient, db: Session) -> None:
    _join(client)
    proposal_id = _propose(client, category="disaster", place="ชุมชนโนนทัน", cost="๑๒,๐๐๐")
    proposal = db.get(Proposal, proposal_id)
    assert proposal is not None
    assert proposal.estimated_cost == 12000
    assert proposal.category == "disaster"
    url = f"{BOARD}/{proposal_id}"
    assert post(client, f"{url}/comments", {"text": "เห็นด้วยค่ะ"}).status_code == 303
    assert post(client, f"{url}/support", {"on": "1"}).status_code == 303
    assert post(client, f"{url}/support", {"on": "1"}).status_code == 303
    db.refresh(proposal)
    assert proposal.support_count == 1
    assert proposal.comment_count == 1
    page = client.get(BOARD, params={"q": "น้ำท่วม"})
    assert page.status_code == 200
    assert page.context["board"].total == 1  # type: ignore[attr-defined]
    assert "<mark>น้ำท่วม</mark>" in page.text
    detail = client.get(url)
    assert detail.status_code == 200
    assert "เห็นด้วยค่ะ" in detail.text
    assert detail.context["supported"]  # type: ignore[attr-defined]


def test_text_is_escaped_in_cards_snippets_and_pages(client: TestClient) -> None:
    _join(client)
    proposal_id = _propose(client, title="<script>alert(1)</script> น้ำท่วม")
    for response in (
        client.get(BOARD, params={"q": "น้ำท่วม"}),
        client.get(f"{BOARD}/{proposal_id}"),
    ):
        assert "<script>alert(1)" not in response.text
        assert "&lt;script&gt;" in response.text


def test_bad_proposals_are_refused_and_nothing_is_written(client: TestClient, db: Session) -> None:
    _join(client)
    for fields in (
        {"title": ""},
        {"title": "x" * 201},
        {"title": "ok", "category": "moon"},
        {"title": "ok", "cost": "-5"},
    ):
        response = post(client, BOARD, fields)
        assert response.status_code == 422, fields
    assert db.exec(select(Proposal)).all() == []


def test_abusive_comment_is_held_and_shown_only_to_its_author_and_staff(
    client: TestClient, db: Session
) -> None:
    _join(client)
    proposal_id = _propose(client)
    post(client, f"{BOARD}/{proposal_id}/comments", {"text": "ไอ้ควายทำถนน"})
    comment = db.exec(select(ProposalComment)).one()
    assert comment.held_for_review
    assert "ไอ้ควายทำถนน" in client.get(f"{BOARD}/{proposal_id}").text
    client.cookies.clear()
    assert "ไอ้ควายทำถนน" not in client.get(f"{BOARD}/{proposal_id}").text


def test_someone_else_cannot_edit_a_comment(client: TestClient, app: object, db: Session) -> None:
    _join(client)
    proposal_id = _propose(client)
    post(client, f"{BOARD}/{proposal_id}/comments", {"text": "เดิม"})
    comment = db.exec(select(ProposalComment)).one()
    client.cookies.clear()
    _join(client)
    response = post(client, f"{BOARD}/{proposal_id}/comments/{comment.id}/edit", {"text": "แก้"})
    assert response.status_code == 403
    db.refresh(comment)
    assert comment.text == "เดิม"


def test_staff_reword_status_merge_and_redirect(client: TestClient, db: Session) -> None:
    _join(client)
    survivor = _propose(client, title="สวนสาธารณะ")
    duplicate = _propose(client, title="สวนสาธารณะซ้ำ")
    post(client, f"{BOARD}/{duplicate}/support", {"on": "1"})
    client.cookies.clear()
    facilitator = factories.account(db, role=Role.facilitator)
    factories.workshop(db, facilitators=[facilitator])  # runs a workshop of khon-kaen
    login(client, facilitator)
    response = post(
        client,
        f"/staff/cities/khon-kaen/proposals/{survivor}/edit",
        {"title": "สวนสาธารณะริมบึง", "reason": "ชัดขึ้น"},
    )
    assert response.status_code == 303
    response = post(
        client, f"/staff/cities/khon-kaen/proposals/{survivor}/status", {"status": "shortlisted"}
    )
    assert response.status_code == 422  # a reason is required
    response = post(
        client,
        f"/staff/cities/khon-kaen/proposals/{survivor}/status",
        {"status": "shortlisted", "reason": "ผ่าน"},
    )
    assert response.status_code == 303
    response = post(
        client, f"/staff/cities/khon-kaen/proposals/{duplicate}/merge", {"into": str(survivor)}
    )
    assert response.status_code == 303
    redirect = client.get(f"{BOARD}/{duplicate}")
    assert redirect.status_code == 301
    assert redirect.headers["location"] == f"{BOARD}/{survivor}"
    page = client.get(f"{BOARD}/{survivor}")
    assert "สวนสาธารณะริมบึง" in page.text
    assert "<del>สวนสาธารณะ</del>" in page.text  # the original stays in the history
    kept = db.get(Proposal, survivor)
    assert kept is not None
    assert kept.support_count == 1
    assert kept.status == ProposalStatus.shortlisted
    response = post(client, f"{BOARD}/{duplicate}/support", {"on": "1"})
    assert response.status_code == 303  # a staff session is not a participant: join first


def test_acting_on_a_merged_proposal_is_refused(client: TestClient, db: Session) -> None:
    _join(client)
    survivor = _propose(client, title="ก")
    duplicate = _propose(client, title="ข")
    planner = factories.account(db, role=Role.planner)
    proposal = db.get(Proposal, duplicate)
    assert proposal is not None
    from app.services import proposals as proposal_service

    proposal_service.merge(db, proposal, survivor, planner)
    db.commit()
    response = post(client, f"{BOARD}/{duplicate}/comments", {"text": "ยังอยู่ไหม"})
    assert response.status_code == 409
    response = post(client, f"{BOARD}/{duplicate}/support", {"on": "1"})
    assert response.status_code == 409


def test_board_page_query_count_does_not_depend_on_page_size(
    client: TestClient, db: Session, engine: object
) -> None:
    _join(client)
    for i in range(25):
        _propose(client, title=f"ข้อเสนอที่ {i}")
    client.get(BOARD)
    counts = []
    for sort in ("newest", "supported"):
        with recorded_statements(db.connection()) as statements:
            response = client.get(BOARD, params={"sort": sort})
        assert response.status_code == 200
        assert len(response.context["board"].cards) == 20  # type: ignore[attr-defined]
        counts.append(len(statements))
    assert max(counts) <= 10, counts


def test_workshop_proposals_are_listed_by_the_workshop_filter(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    factories.proposal(db, workshop=workshop, title="จากเวที")
    response = client.get(BOARD, params={"workshop": str(workshop.id)})
    assert [c.proposal.title for c in response.context["board"].cards] == ["จากเวที"]  # type: ignore[attr-defined]


def _jpeg_with_gps() -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (1200, 800), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (13.0, 45.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_author_adds_photos_stripped_of_metadata_up_to_five(
    client: TestClient, db: Session
) -> None:
    from app.models import ProposalImage

    _join(client)
    proposal_id = _propose(client)
    url = f"{BOARD}/{proposal_id}/images"
    original = _jpeg_with_gps()
    assert b"PhoneMaker" in original
    for _ in range(5):
        response = post(client, url, files={"photo": ("p.jpg", original, "image/jpeg")})
        assert response.status_code == 303, response.text
    response = post(client, url, files={"photo": ("p.jpg", original, "image/jpeg")})
    assert response.status_code == 409
    stored = db.exec(select(ProposalImage)).all()
    assert len(stored) == 5
    assert b"PhoneMaker" not in stored[0].data
    assert b"Exif" not in stored[0].data
    photo = client.get(f"{url}/{stored[0].id}", params={"size": "thumb"})
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert len(photo.content) < len(stored[0].data)


def test_a_script_named_photo_and_others_photos_are_refused(
    client: TestClient, db: Session
) -> None:
    from app.models import ProposalImage

    _join(client)
    proposal_id = _propose(client)
    url = f"{BOARD}/{proposal_id}/images"
    script = b"<script>alert(1)</script>"
    response = post(client, url, files={"photo": ("p.jpg", script, "image/jpeg")})
    assert response.status_code == 422
    big = b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10)
    response = post(client, url, files={"photo": ("p.jpg", big, "image/jpeg")})
    assert response.status_code == 422
    client.cookies.clear()
    _join(client)
    response = post(client, url, files={"photo": ("p.jpg", _jpeg_with_gps(), "image/jpeg")})
    assert response.status_code == 403
    assert db.exec(select(ProposalImage)).all() == []


def test_facilitator_promotes_several_ideas_into_one_proposal(
    client: TestClient, db: Session
) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    first = factories.idea(db, workshop=workshop, text="ทางเท้าแคบ")
    second = factories.idea(db, workshop=workshop, text="ทางเท้ามีหลุม")
    login(client, facilitator)
    url = f"/staff/workshops/{workshop.id}/proposals/promote"
    response = post(client, url, {"idea_id": [str(first.id), str(second.id)]})
    assert response.status_code == 303
    proposal = db.exec(select(Proposal).where(Proposal.workshop_id == workshop.id)).one()
    assert proposal.description == "ทางเท้าแคบ\n\nทางเท้ามีหลุม"
    assert response.headers["location"] == f"{BOARD}/{proposal.id}"
    page = client.get(f"{BOARD}/{proposal.id}")
    assert "ทางเท้ามีหลุม" in page.text
    again = post(client, url, {"idea_id": [str(first.id)]})
    assert again.status_code == 409


def test_console_ticks_several_ideas_into_one_proposal_without_javascript(
    client: TestClient, db: Session
) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    first = factories.idea(db, workshop=workshop, text="ไฟทางมืด")
    second = factories.idea(db, workshop=workshop, text="ซอยเปลี่ยว")
    login(client, facilitator)
    console = client.get(f"/staff/workshops/{workshop.id}")
    assert 'id="promote-ideas"' in console.text
    assert f'name="idea_id" value="{first.id}" form="promote-ideas"' in console.text
    url = f"/staff/workshops/{workshop.id}/proposals/promote"
    refused = post(client, url, {})
    assert refused.status_code == 422
    assert refused.template.name == "workshops/console.html"  # type: ignore[attr-defined]
    assert refused.context["select_error"]  # type: ignore[attr-defined]
    response = post(client, url, {"idea_id": [str(first.id), str(second.id)]})
    assert response.status_code == 303
    console = client.get(f"/staff/workshops/{workshop.id}")
    assert console.context["promoted"] >= {first.id, second.id}  # type: ignore[attr-defined]
    assert f'value="{first.id}" form="promote-ideas"' not in console.text  # marked, not tickable


def test_console_promote_refuses_bad_ids_and_other_workshops_ideas(
    client: TestClient, db: Session
) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    mine = factories.idea(db, workshop=workshop, text="ของเวทีนี้")
    other_workshop = factories.workshop(db)
    theirs = factories.idea(db, workshop=other_workshop, text="ของเวทีอื่น")
    login(client, facilitator)
    url = f"/staff/workshops/{workshop.id}/proposals/promote"
    bad = post(client, url, {"idea_id": [str(mine.id), "1 OR 1=1"]})
    assert bad.status_code == 422
    assert bad.context["selected"] == {mine.id}  # type: ignore[attr-defined]
    assert post(client, url, {"idea_id": [str(mine.id), str(theirs.id)]}).status_code == 404
    assert post(client, url, {"idea_id": [str(mine.id)], "theme_id": "1"}).status_code == 422
    assert db.exec(select(Proposal)).all() == []


def _theme_run(db: Session, workshop: object, labels: list[str]) -> list[object]:
    from app.models import Theme, ThemeRun

    run = ThemeRun(
        city_id=workshop.city_id,  # type: ignore[attr-defined]
        workshop_id=workshop.id,  # type: ignore[attr-defined]
        version=1,
        status="done",
    )
    db.add(run)
    db.flush()
    themes = [
        Theme(
            city_id=run.city_id,
            workshop_id=run.workshop_id,
            run_id=run.id or 0,
            position=i,
            label=label,
            is_other=label == "other",
        )
        for i, label in enumerate(labels)
    ]
    db.add_all(themes)
    db.commit()
    return themes  # type: ignore[return-value]


def test_console_promotes_a_theme_once_and_never_another_workshops(
    client: TestClient, db: Session
) -> None:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    flood, other = _theme_run(db, workshop, ["น้ำท่วมขัง", "other"])
    elsewhere = factories.workshop(db)
    (foreign,) = _theme_run(db, elsewhere, ["ขยะ"])
    login(client, facilitator)
    console = client.get(f"/staff/workshops/{workshop.id}")
    assert [t.label for t in console.context["themes_to_promote"]] == ["น้ำท่วมขัง"]  # type: ignore[attr-defined]
    url = f"/staff/workshops/{workshop.id}/proposals/promote"
    assert post(client, url, {"theme_id": str(foreign.id)}).status_code == 404  # type: ignore[attr-defined]
    refused = post(client, url, {"theme_id": str(other.id)})  # type: ignore[attr-defined]
    assert refused.status_code == 422
    assert refused.context["theme_error"]  # type: ignore[attr-defined]
    assert post(client, url, {"theme_id": "x"}).status_code == 422
    response = post(client, url, {"theme_id": str(flood.id)})  # type: ignore[attr-defined]
    assert response.status_code == 303
    proposal = db.exec(select(Proposal)).one()
    assert (proposal.origin, proposal.workshop_id) == ("theme", workshop.id)
    assert response.headers["location"] == f"{BOARD}/{proposal.id}"
    assert post(client, url, {"theme_id": str(flood.id)}).status_code == 303  # type: ignore[attr-defined]
    assert len(db.exec(select(Proposal)).all()) == 1
    console = client.get(f"/staff/workshops/{workshop.id}")
    assert console.context["themes_to_promote"] == []  # type: ignore[attr-defined]


def test_propose_with_a_map_point_links_to_openstreetmap_and_the_api(
    client: TestClient, db: Session
) -> None:
    _join(client)
    form = client.get(f"{BOARD}/new")
    assert "geolocation=(self)" in form.headers["permissions-policy"]
    assert "data-locate" in form.text
    assert "geolocation=()" in client.get("/join").headers["permissions-policy"]
    proposal_id = _propose(client, latitude="16.44190049", longitude="๑๐๒.๘๓๖")
    proposal = db.get(Proposal, proposal_id)
    assert proposal is not None
    assert (proposal.latitude, proposal.longitude) == (16.4419, 102.836)
    page = client.get(f"{BOARD}/{proposal_id}")
    assert (
        "https://www.openstreetmap.org/?mlat=16.441900&amp;mlon=102.836000#map=17/16.441900/102.836000"
        in page.text
    )
    body = client.get(f"/api/v1{BOARD}/{proposal_id}").json()
    assert (body["latitude"], body["longitude"]) == (16.4419, 102.836)
    listed = client.get(f"/api/v1{BOARD}").json()["items"][0]
    assert (listed["latitude"], listed["longitude"]) == (16.4419, 102.836)
    without = _propose(client, title="ไม่มีพิกัด")
    assert 'id="map-point"' not in client.get(f"{BOARD}/{without}").text
    assert client.get(f"/api/v1{BOARD}/{without}").json()["latitude"] is None


def test_a_half_or_foreign_map_point_is_refused_and_nothing_is_written(
    client: TestClient, db: Session
) -> None:
    _join(client)
    for point in (
        {"latitude": "16.44"},
        {"longitude": "102.8"},
        {"latitude": "35.68", "longitude": "139.69"},
        {"latitude": "16.44<script>", "longitude": "102.8"},
    ):
        response = post(client, BOARD, {"title": "ข้อเสนอ", **point})
        assert response.status_code == 422, point
        assert response.template.name == "board/new.html"  # type: ignore[attr-defined]
        assert response.context["form"]["title"] == "ข้อเสนอ"  # type: ignore[attr-defined]
    assert db.exec(select(Proposal)).all() == []


def test_database_refuses_a_map_point_outside_thailand_or_half_given(db: Session) -> None:
    """The check constraints hold even for code that skips the form's rule."""
    city_id = factories.city(db).id or 0
    for lat, lon in ((35.68, 139.69), (16.44, None), (None, 102.8)):
        savepoint = db.begin_nested()
        db.add(Proposal(city_id=city_id, title="x", latitude=lat, longitude=lon))
        with pytest.raises(IntegrityError):
            db.flush()
        savepoint.rollback()


def test_staff_reword_sets_and_clears_the_map_point_in_the_history(
    client: TestClient, db: Session
) -> None:
    planner = factories.account(db, role=Role.planner)
    workshop = factories.workshop(db)
    proposal = factories.proposal(db, workshop=workshop, title="ลานจอดรถ")
    login(client, planner)
    url = f"/staff{BOARD}/{proposal.id}/edit"
    fields = {"title": "ลานจอดรถ", "latitude": "16.5", "longitude": "102.8"}
    assert post(client, url, fields).status_code == 303
    page = client.get(f"{BOARD}/{proposal.id}")
    assert 'value="16.500000"' in page.text  # the reword form shows it again
    assert post(client, url, {"title": "ลานจอดรถ"}).status_code == 303
    db.refresh(proposal)
    assert proposal.latitude is None
    assert proposal.longitude is None
    history = client.get(f"{BOARD}/{proposal.id}").context["history"]  # type: ignore[attr-defined]
    assert history[-1][0].changes["latitude"] == [16.5, None]


def test_author_deletes_a_comment_after_confirming_and_replies_stay(
    client: TestClient, db: Session
) -> None:
    _join(client)
    proposal_id = _propose(client)
    url = f"{BOARD}/{proposal_id}"
    post(client, f"{url}/comments", {"text": "ข้อความที่จะลบ"})
    top = db.exec(select(ProposalComment)).one()
    post(client, f"{url}/comments", {"text": "ตอบเอง", "parent_id": str(top.id)})
    page = client.get(url)
    assert f"/comments/{top.id}/delete" in page.text
    assert 'data-confirm="confirm-delete-comment"' in page.text
    asked = post(client, f"{url}/comments/{top.id}/delete", {})
    assert asked.status_code == 200
    assert asked.template.name == "staff/confirm.html"  # type: ignore[attr-defined]
    db.refresh(top)
    assert top.deleted_at is None  # asking writes nothing
    done = post(client, f"{url}/comments/{top.id}/delete", {"confirm": "yes"})
    assert done.status_code == 303
    assert post(client, f"{url}/comments/{top.id}/delete", {"confirm": "yes"}).status_code == 404
    page = client.get(url)
    assert "ข้อความที่จะลบ" not in page.text
    assert "ตอบเอง" in page.text
    assert [t.comment.id for t in page.context["threads"]] == [top.id]  # type: ignore[attr-defined]
    proposal = db.get(Proposal, proposal_id)
    assert proposal is not None
    db.refresh(proposal)
    assert proposal.comment_count == 1
    [shown] = client.get(f"/api/v1{url}/comments").json()
    assert (shown["deleted"], shown["text"], len(shown["replies"])) == (True, "", 1)
    assert client.get(f"/api/v1{BOARD}", params={"q": "ข้อความที่จะลบ"}).json()["total"] == 0


def test_someone_else_cannot_delete_a_comment_nor_be_asked(client: TestClient, db: Session) -> None:
    _join(client)
    proposal_id = _propose(client)
    post(client, f"{BOARD}/{proposal_id}/comments", {"text": "ของฉัน"})
    comment = db.exec(select(ProposalComment)).one()
    client.cookies.clear()
    _join(client)
    url = f"{BOARD}/{proposal_id}/comments/{comment.id}/delete"
    assert f"/comments/{comment.id}/delete" not in client.get(f"{BOARD}/{proposal_id}").text
    assert post(client, url, {}).status_code == 403
    assert post(client, url, {"confirm": "yes"}).status_code == 403
    other = _propose(client, title="อีกข้อ")
    wrong = f"{BOARD}/{other}/comments/{comment.id}/delete"
    assert post(client, wrong, {"confirm": "yes"}).status_code == 404
    db.refresh(comment)
    assert (comment.text, comment.deleted_at) == ("ของฉัน", None)
