"""A corpus of hostile input thrown at every form field of the main POST routes: NUL bytes,
bidirectional overrides, 2^63, NaN, very long text, markup (script, event handlers, htmx
attributes), template syntax, mass-assignment fields, wrong content types and foreign
origins. Nothing may answer 5xx, and nothing may come back (or be stored and shown later)
unescaped."""

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Idea, Participant, Role, RoundStatus, StaffAccount
from tests import factories
from tests.helpers import csrf, join, login

log = logging.getLogger(__name__)

PAYLOADS: dict[str, str] = {
    "nul": "ทาง\x00เท้า",
    "c0_controls": "a\x01\x07\x1b[31mb",
    "bidi_override": "\u202eevil\u202c \u2066gpj.exe\u2069",
    "zero_width": "a\u200b\u200c\u200d\ufeffb",
    "int64_overflow": str(2**63),
    "int64_negative": str(-(2**63) - 1),
    "huge_number": "1" + "0" * 40,
    "nan": "NaN",
    "infinity": "-Infinity",
    "float": "1.5e3",
    "thai_digits": "๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙",
    "empty": "",
    "blank": " \t ",
    "long_thai": "ก" * 20_000,
    "long_ascii": "x" * 100_000,
    "combining": "ก" + "\u0e48" * 200,
    "astral": "😀🏳️‍🌈" * 50,
    "script": "<script>alert(1)</script>",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "attr_breakout": '" onmouseover="alert(1)" x="',
    "htmx_attrs": '" hx-get="/staff" hx-trigger="load" x="',
    "htmx_tag": '<div hx-post="/logout" hx-trigger="load">x</div>',
    "jinja": "{{ 'ssti' ~ 'probe' }}{{7*7}}{% raw %}",
    "javascript_url": "javascript:alert(1)",
    "sql": "'; DROP TABLE ballot; --",
    "path": "../../../etc/passwd",
    "crlf": "a\r\nSet-Cookie: x=1",
}
# What must never appear in an answer verbatim (an escaped copy is fine).
UNESCAPED = {
    "script": "<script>alert(1)",
    "img_onerror": "<img src=x onerror",
    "attr_breakout": '" onmouseover="alert(1)"',
    "htmx_attrs": 'hx-get="/staff" hx-trigger="load"',
    "htmx_tag": "<div hx-post=",
    "jinja": "sstiprobe",
    "javascript_url": 'href="javascript:',
    "crlf": "Set-Cookie: x=1\n",
}
MASS_ASSIGNMENT = {
    "role": "admin",
    "is_active": "true",
    "session_version": "0",
    "id": "1",
    "workshop_id": "{other_workshop}",
    "participant_id": "{other_participant}",
    "city_id": "2",
    "account_id": "1",
    "created_by_id": "1",
    "status": "closed",
}


@dataclass(frozen=True)
class Route:
    actor: str  # participant, facilitator, anonymous (a fresh device every time: fresh)
    path: str
    fields: dict[str, str]


@dataclass
class World:
    app: FastAPI
    db: Session
    clients: dict[str, TestClient]
    tokens: dict[str, str]
    values: dict[str, Any]
    routes: list[Route]

    def post(
        self, route: Route, data: dict[str, str], **kwargs: Any
    ) -> tuple[int, str, dict[str, str]]:
        client = self.clients[route.actor]
        if route.actor == "fresh":
            client.cookies.clear()
            self.tokens["fresh"] = csrf(client)
        url = route.path.format(**self.values)
        answer = client.post(url, data={**data, "csrf_token": self.tokens[route.actor]}, **kwargs)
        return answer.status_code, answer.text, dict(answer.headers)


@pytest.fixture
def world(app: FastAPI, db: Session, fast_posting: None) -> Iterator[World]:
    facilitator = factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[facilitator])
    other = factories.workshop(db)
    other_participant = factories.participant(db, workshop=other)
    idea = factories.idea(db, workshop=workshop)
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("ก", "ข")]
    factories.vote_round(db, workshop=workshop, proposals=proposals, status=RoundStatus.open)
    city_round = factories.vote_round(db, proposals=proposals, status=RoundStatus.open)
    pid = proposals[0].id
    values = {
        "code": workshop.join_code,
        "wid": workshop.id,
        "idea": idea.id,
        "city_round": city_round.id,
        "other_workshop": other.id,
        "other_participant": other_participant.id,
    }
    routes = [
        Route("anonymous", "/join", {"code": workshop.join_code}),
        Route(
            "fresh",
            "/w/{code}/participants",
            {
                "stakeholder_group": "resident",
                "display_name": "นก",
                "age_band": "25-34",
                "community": "บ้านเหนือ",
                "consent": "yes",
            },
        ),
        Route("participant", "/w/{code}/ideas", {"text": "ทางเท้า", "client_key": "k"}),
        Route("participant", "/w/{code}/ideas/{idea}/comments", {"text": "ดี", "client_key": "c"}),
        Route("participant", "/w/{code}/ideas/{idea}/reactions", {"on": "1"}),
        Route("participant", "/w/{code}/vote/review", {f"p{pid}": "1", "client_key": "v"}),
        Route("participant", "/w/{code}/vote", {f"p{pid}": "1", "client_key": "v"}),
        Route("anonymous", "/v/{city_round}/code", {"code": "AAAAA-BBBBB", "group": "resident"}),
        Route("anonymous", "/login", {"email": "x@example.test", "password": "p", "next": "/"}),
        Route(
            "facilitator",
            "/staff/workshops",
            {
                "city": "khon-kaen",
                "title": "เวที",
                "description": "",
                "held_on": "2027-01-05",
                "venue": "",
                "language": "th",
                "invited_groups": "resident",
            },
        ),
        Route(
            "facilitator",
            "/staff/workshops/{wid}/phases",
            {"kind": "custom", "title": "ช่วง", "time_box_minutes": "5"},
        ),
        Route(
            "facilitator",
            "/staff/workshops/{wid}/paper-ideas",
            {"text": "กระดาษ", "stakeholder_group": "resident", "table_number": "3"},
        ),
        Route("facilitator", "/staff/workshops/{wid}/ideas/{idea}/edit", {"text": "แก้"}),
        Route("facilitator", "/staff/workshops/{wid}/ideas/{idea}/hide", {"reason": "ซ้ำ"}),
        Route("facilitator", "/staff/workshops/{wid}/timer", {"action": "start", "minutes": "5"}),
        Route(
            "facilitator",
            "/staff/workshops/{wid}/rounds",
            {
                "question": "ทำอะไรก่อน",
                "method": "dot",
                "proposal": str(pid),
                "group": "resident",
                "dots_per_voter": "3",
                "max_dots_per_proposal": "2",
                "max_approvals": "",
                "max_ranks": "",
                "budget": "",
                "results_visible": "",
                "opens_at": "",
                "closes_at": "",
                "eligibility": "open",
            },
        ),
        Route(
            "facilitator",
            "/staff/account/password",
            {"current_password": "x", "new_password": "y" * 12, "confirm_password": "y" * 12},
        ),
    ]
    with (
        TestClient(app, follow_redirects=False) as participant,
        TestClient(app, follow_redirects=False) as staff,
        TestClient(app, follow_redirects=False) as anonymous,
        TestClient(app, follow_redirects=False) as fresh,
    ):
        join(participant, workshop)
        login(staff, facilitator)
        clients = {
            "participant": participant,
            "facilitator": staff,
            "anonymous": anonymous,
            "fresh": fresh,
        }
        tokens = {name: csrf(client) for name, client in clients.items()}
        yield World(app, db, clients, tokens, values, routes)


def _reflected(text: str) -> list[str]:
    return [name for name, marker in UNESCAPED.items() if marker in text]


def test_no_field_of_a_main_form_gives_a_5xx_or_reflects_markup(world: World) -> None:
    statuses: Counter[int] = Counter()
    failures = []
    fields = 0
    for route in world.routes:
        for field in route.fields:
            fields += 1
            for name, payload in PAYLOADS.items():
                status, text, headers = world.post(route, {**route.fields, field: payload})
                statuses[status] += 1
                where = f"{route.path} {field}={name}"
                if status >= 500:
                    failures.append(f"{where}: {status}")
                if _reflected(text) or any("\n" in value for value in headers.values()):
                    failures.append(f"{where}: reflected {_reflected(text)}")
    # Stored input shown later: the wall, the console and the projector.
    pages = ["/w/{code}", "/w/{code}/wall", "/staff/workshops/{wid}", "/staff", "/staff/workshops"]
    pages += ["/staff/workshops/{wid}/projector", "/staff/workshops/{wid}/report"]
    for page in pages:
        client = world.clients["participant" if page.startswith("/w/") else "facilitator"]
        shown = client.get(page.format(**world.values))
        assert shown.status_code < 500, page
        if _reflected(shown.text):
            failures.append(f"GET {page}: stored and shown unescaped {_reflected(shown.text)}")
    log.info(
        "bad-input corpus: %d payloads x %d fields of %d routes = %d requests; statuses %s",
        len(PAYLOADS),
        fields,
        len(world.routes),
        sum(statuses.values()),
        dict(sorted(statuses.items())),
    )
    assert not failures, "\n".join(failures)


def test_mass_assignment_fields_change_nothing_they_name(world: World) -> None:
    extra = {key: value.format(**world.values) for key, value in MASS_ASSIGNMENT.items()}
    for route in world.routes:
        status, _text, _headers = world.post(route, {**route.fields, **extra})
        assert status < 500, route.path
    db = world.db
    db.expire_all()
    # Ideas went to the workshop in the path, never to the one a field named.
    stray = (
        select(func.count())
        .select_from(Idea)
        .where(Idea.workshop_id == world.values["other_workshop"])
    )
    assert db.exec(stray).one() == 0
    other = db.get(Participant, world.values["other_participant"])
    assert other is not None
    assert other.workshop_id == world.values["other_workshop"]
    # Joining with role=admin makes nobody staff; the facilitator is still a facilitator.
    assert world.clients["fresh"].get("/staff").status_code == 303
    roles = db.exec(select(StaffAccount.role)).all()
    assert Role.admin not in roles


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"text": "x", "role": "admin"}'),
        ("text/plain", b"text=x"),
        ("multipart/form-data", b"--nope\r\n\r\n"),  # no boundary
        ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data\r\n\r\nx"),
        ("application/x-www-form-urlencoded", b"text=%ff%fe%00&client_key=%E0%B8"),
        ("application/x-www-form-urlencoded; charset=utf-16", b"\xff\xfet\x00=\x00"),
        ("application/xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///'>]>"),
    ],
)
def test_a_wrong_content_type_is_refused_without_a_5xx(
    world: World, content_type: str, body: bytes
) -> None:
    for route in world.routes:
        client = world.clients[route.actor]
        if route.actor == "fresh":
            client.cookies.clear()
            world.tokens["fresh"] = csrf(client)
        headers = {"content-type": content_type, "x-csrf-token": world.tokens[route.actor]}
        answer = client.post(route.path.format(**world.values), content=body, headers=headers)
        assert answer.status_code < 500, (route.path, answer.status_code, answer.text[:300])


def test_a_form_from_a_foreign_origin_is_refused_and_writes_nothing(world: World) -> None:
    db = world.db
    ideas_before = db.exec(select(func.count()).select_from(Idea)).one()
    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        for route in world.routes:
            status, _text, _headers = world.post(route, route.fields, headers={"origin": origin})
            assert status == 403, (origin, route.path, status)
    db.expire_all()
    assert db.exec(select(func.count()).select_from(Idea)).one() == ideas_before
    # The site's own pages send their own origin, and pass.
    idea = Route("participant", "/w/{code}/ideas", {"text": "จากหน้าเว็บเอง", "client_key": "o"})
    status, _text, _headers = world.post(idea, idea.fields, headers={"origin": "http://testserver"})
    assert status == 303
