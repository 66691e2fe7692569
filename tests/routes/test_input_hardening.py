"""Hostile input through real requests: control and invisible characters (issue 14 #3),
out-of-range numbers and dates (#4)."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Idea, Participant, Role, VoteRound, Workshop
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


# --- numbers and dates out of range (#4) ----------------------------------------------------

HUGE = "9223372036854775808"  # 2^63: one past PostgreSQL's BIGINT


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"method": "dot", "dots_per_voter": HUGE}, "ระหว่าง"),
        ({"method": "dot", "dots_per_voter": "5", "max_dots_per_proposal": "-1"}, "ระหว่าง"),
        ({"method": "approval", "max_approvals": "10000000"}, "ระหว่าง"),
        ({"method": "budget", "budget": "1" + "0" * 23, "cost-A": "100"}, "ระหว่าง"),
        ({"method": "budget", "budget": "1000", "cost-A": HUGE}, "ระหว่าง"),
        ({"opens_at": "0001-01-01"}, "2543"),  # in Buddhist Era in the message
        ({"closes_at": "9999-12-31T23:59"}, "2743"),
        ({"proposal": [HUGE]}, "ไม่ได้อยู่"),
    ],
)
def test_out_of_range_round_settings_are_422_and_nothing_written(
    client: TestClient, db: Session, fields: dict[str, object], message: str
) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    a = factories.proposal(db, workshop=workshop)
    login(client, facilitator)
    data: dict[str, object] = {
        "question": "คำถาม",
        "method": "approval",
        "proposal": [str(a.id)],
        "group": ["resident"],
        **fields,
    }
    if "cost-A" in data:
        data[f"cost-{a.id}"] = data.pop("cost-A")
    response = post(client, f"/staff/workshops/{workshop.id}/rounds", data)
    assert response.status_code == 422, response.text
    assert message in response.text
    assert db.exec(select(func.count()).select_from(VoteRound)).one() == 0


@pytest.mark.parametrize("held_on", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_workshop_date_out_of_range_is_422(client: TestClient, db: Session, held_on: str) -> None:
    login(client, factories.account(db, role=Role.facilitator))
    form = {"city": "nan", "title": "เวที", "held_on": held_on, "invited_groups": ["resident"]}
    response = post(client, "/staff/workshops", form)
    assert response.status_code == 422
    assert "2543" in response.text
    assert db.exec(select(func.count()).select_from(Workshop)).one() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("fiscal_year_start", HUGE), ("fiscal_year_end", "99999"), ("agency_id", HUGE)],
)
def test_plan_item_numbers_out_of_range_are_422(
    client: TestClient, db: Session, field: str, value: str
) -> None:
    item, _report, _indicator, _agency = factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner))
    before = (item.fiscal_year_start, item.fiscal_year_end, item.agency_id)
    response = post(client, f"/staff/monitoring/items/{item.id}", {field: value})
    assert response.status_code == 422
    db.refresh(item)
    assert (item.fiscal_year_start, item.fiscal_year_end, item.agency_id) == before


def test_theme_count_out_of_range_is_422(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    login(client, facilitator)
    response = post(client, f"/staff/workshops/{workshop.id}/themes/runs", {"themes": HUGE})
    assert response.status_code == 422


def test_phase_id_out_of_range_is_refused(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    login(client, facilitator)
    response = post(client, f"/staff/workshops/{workshop.id}/phase", {"phase_id": HUGE})
    assert response.status_code in (404, 422)


def test_ids_beyond_the_database_are_404_not_500(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    login(client, facilitator)
    for url in (f"/staff/rounds/{HUGE}", f"/staff/workshops/{HUGE}", "/staff/rounds/2147483648"):
        assert client.get(url).status_code == 404, url
    response = post(client, f"/staff/workshops/{workshop.id}/priorities", {"proposal_id": [HUGE]})
    assert response.status_code == 422


def test_wall_cursor_beyond_the_database_is_ignored(client: TestClient, db: Session) -> None:
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    join(client, workshop)
    assert client.get(f"/w/{workshop.join_code}/wall?before={HUGE}").status_code == 200
    login(client, facilitator)
    assert client.get(f"/staff/workshops/{workshop.id}?before={HUGE}").status_code == 200
