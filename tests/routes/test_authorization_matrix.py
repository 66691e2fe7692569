"""Every route states who may use it; the test fails for a route nobody thought about.

Outcomes: OK (allowed; any answer but a refusal), LOGIN (sent to the login page, 401 on
the API), FORBIDDEN (403), JOIN (sent to join the workshop first).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import Session

from app.models import Role
from tests import factories
from tests.helpers import csrf, join, login

# "outsider" is a facilitator who runs another workshop of the same city, not the one under
# test; "elsewhere" is a planner limited to another city; "agency" is the account of the
# agency responsible for the plan item under test. Everything under test is in khon-kaen.
ACTORS = (
    "anonymous",
    "participant",
    "facilitator",
    "outsider",
    "planner",
    "elsewhere",
    "admin",
    "agency",
)
OK, LOGIN, FORBIDDEN, JOIN = "ok", "login", "forbidden", "join"

PUBLIC = dict.fromkeys(ACTORS, OK)
PARTICIPANT_ONLY = dict.fromkeys(ACTORS, JOIN) | {"participant": OK}
STAFF_ROLES = {"anonymous": LOGIN, "participant": LOGIN}
# Creating workshops: any facilitator. Running one: only its own facilitators (and admins).
FACILITATOR = STAFF_ROLES | {
    "facilitator": OK,
    "outsider": OK,
    "planner": FORBIDDEN,
    "elsewhere": FORBIDDEN,
    "admin": OK,
    "agency": FORBIDDEN,
}
WORKSHOP_TEAM = FACILITATOR | {"outsider": FORBIDDEN}
PLANNER = STAFF_ROLES | {
    "facilitator": FORBIDDEN,
    "outsider": FORBIDDEN,
    "planner": OK,
    "elsewhere": FORBIDDEN,
    "admin": OK,
    "agency": FORBIDDEN,
}
ANY_STAFF = STAFF_ROLES | {
    "facilitator": OK,
    "outsider": OK,
    "planner": OK,
    "elsewhere": OK,
    "admin": OK,
    "agency": OK,
}
# A city's proposal board is run by its planners and the facilitators of its workshops.
BOARD_TEAM = FACILITATOR | {"planner": OK}
# Proposing, commenting and supporting: a device that joined the city's board.
BOARD_PARTICIPANT_ONLY = PARTICIPANT_ONLY
# Reporting on a plan item: its agency and the city's planners.
ITEM_REPORTERS = PLANNER | {"agency": OK}
# The plan record: planners of the city change it; the city's agencies read it.
PLAN_READERS = PLANNER | {"agency": OK}

EXPECTATIONS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/cities/{slug}"): PUBLIC,
    ("GET", "/cities/{slug}/plan"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/staff/account"): ANY_STAFF,
    ("POST", "/staff/account/password"): ANY_STAFF,
    ("POST", "/staff/account/sign-out-everywhere"): ANY_STAFF,
    ("POST", "/device/clear"): PUBLIC,
    ("GET", "/join"): PUBLIC,
    ("POST", "/join"): PUBLIC,
    ("GET", "/w/{code}"): PUBLIC,
    ("GET", "/w/{code}/wall"): PUBLIC,
    ("GET", "/w/{code}/ballot"): PUBLIC,
    ("GET", "/w/{code}/events"): PUBLIC,
    ("GET", "/w/{code}/qr.svg"): PUBLIC,
    ("POST", "/w/{code}/participants"): PUBLIC,
    ("POST", "/w/{code}/ideas"): PARTICIPANT_ONLY,
    ("GET", "/w/{code}/ideas/{idea_id}/comments"): PUBLIC,
    ("POST", "/w/{code}/ideas/{idea_id}/comments"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/ideas/{idea_id}/reactions"): PARTICIPANT_ONLY,
    ("GET", "/w/{code}/vote"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/vote"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/vote/review"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/vote/edit"): PARTICIPANT_ONLY,
    ("GET", "/w/{code}/vote/done"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/vote/presence"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/vote/card"): PARTICIPANT_ONLY,
    # PDPA: a phone reaches only its own data (nothing in the path names a participant).
    ("GET", "/w/{code}/me"): PARTICIPANT_ONLY,
    ("GET", "/w/{code}/me/data.json"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/me/consents"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/me/consents/withdraw"): PARTICIPANT_ONLY,
    ("POST", "/w/{code}/me/erase"): PARTICIPANT_ONLY,
    # The same for a device that joined the city's board (only its own data, too).
    ("GET", "/cities/{slug}/board/me"): BOARD_PARTICIPANT_ONLY,
    ("GET", "/cities/{slug}/board/me/data.json"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/cities/{slug}/board/me/consents"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/cities/{slug}/board/me/consents/withdraw"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/cities/{slug}/board/me/erase"): BOARD_PARTICIPANT_ONLY,
    # Online votes: anyone may try; the one-time code is the credential (tested in test_voting).
    ("GET", "/v/{round_id}"): PUBLIC,
    ("POST", "/v/{round_id}"): PUBLIC,
    ("POST", "/v/{round_id}/code"): PUBLIC,
    ("POST", "/v/{round_id}/review"): PUBLIC,
    ("POST", "/v/{round_id}/edit"): PUBLIC,
    ("GET", "/v/{round_id}/done"): PUBLIC,
    ("GET", "/receipts"): PUBLIC,
    # Results of a round not yet closed are for the people running it.
    ("GET", "/rounds/{round_id}/results"): dict.fromkeys(ACTORS, FORBIDDEN)
    | {"facilitator": OK, "admin": OK},
    ("GET", "/staff"): ANY_STAFF,
    ("GET", "/staff/workshops/new"): FACILITATOR,
    ("POST", "/staff/workshops"): FACILITATOR,
    ("GET", "/staff/workshops/{workshop_id}"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/edit"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/edit"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/phases"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/phases/{phase_id}"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/phases/{phase_id}/move"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/phases/{phase_id}/delete"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/facilitators"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/facilitators/{account_id}/remove"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/events"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/projector"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/projector/vote"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/phase"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/timer"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/posting"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/status"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/paper-ideas"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/ideas"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/ideas/{idea_id}/edit"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/ideas/{idea_id}/edit"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/ideas/{idea_id}/hide"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/ideas/{idea_id}/restore"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/ideas/{idea_id}/duplicate"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/ideas/{idea_id}/unduplicate"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/ideas/{idea_id}/promote"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/proposals"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/rounds/new"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/rounds"): WORKSHOP_TEAM,
    # The presence code and marking people present: only the workshop's own facilitators.
    ("GET", "/staff/workshops/{workshop_id}/presence"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/presence"): WORKSHOP_TEAM,
    ("GET", "/staff/cities/{slug}/rounds"): PLANNER,
    ("GET", "/staff/cities/{slug}/rounds/new"): PLANNER,
    ("POST", "/staff/cities/{slug}/rounds"): PLANNER,
    # A workshop's round is run by the workshop's team (a city board's by planners).
    ("GET", "/staff/rounds/{round_id}"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("POST", "/staff/rounds/{round_id}/open"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("POST", "/staff/rounds/{round_id}/close"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("POST", "/staff/rounds/{round_id}/reveal"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("POST", "/staff/rounds/{round_id}/delete"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("POST", "/staff/rounds/{round_id}/codes"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("POST", "/staff/rounds/{round_id}/verified-code"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("GET", "/staff/rounds/{round_id}/ballots.csv"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("GET", "/staff/rounds/{round_id}/round.json"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("GET", "/staff/rounds/{round_id}/round.pb"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("GET", "/staff/rounds/{round_id}/round.soi"): WORKSHOP_TEAM | {"planner": FORBIDDEN},
    ("POST", "/staff/workshops/{workshop_id}/priorities"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/themes"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/themes/projector"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/runs"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/themes/runs/{run_id}"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/{theme_id}/rename"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/{theme_id}/pin"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/{theme_id}/merge"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/{theme_id}/split"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/{theme_id}/promote"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/move"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/themes/words"): WORKSHOP_TEAM,
    # The same board over every workshop of a city: the city's planners.
    ("GET", "/staff/cities/{slug}/themes"): PLANNER,
    ("GET", "/staff/cities/{slug}/themes/projector"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/runs"): PLANNER,
    ("GET", "/staff/cities/{slug}/themes/runs/{run_id}"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/{theme_id}/rename"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/{theme_id}/pin"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/{theme_id}/merge"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/{theme_id}/split"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/{theme_id}/promote"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/move"): PLANNER,
    ("POST", "/staff/cities/{slug}/themes/words"): PLANNER,
    ("GET", "/staff/workshops/{workshop_id}/report"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/report.csv"): WORKSHOP_TEAM,
    # A data-subject request and retention: the workshop's own facilitators (and admins).
    ("GET", "/staff/workshops/{workshop_id}/privacy"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/privacy"): WORKSHOP_TEAM,
    (
        "GET",
        "/staff/workshops/{workshop_id}/participants/{participant_id}/data.json",
    ): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/participants/{participant_id}/erase"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/retention"): WORKSHOP_TEAM,
    # A board participant's request: the board's team ("elsewhere" plans another city).
    ("GET", "/staff/cities/{slug}/privacy"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/privacy"): BOARD_TEAM,
    ("GET", "/staff/cities/{slug}/participants/{participant_id}/data.json"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/participants/{participant_id}/erase"): BOARD_TEAM,
    # The board's retention rule is the city's: its planners (facilitators only see it).
    ("POST", "/staff/cities/{slug}/retention"): PLANNER,
    # The erasure log: staff who run workshops or boards (each sees only their own entries,
    # tested in test_erasure_log); not agencies.
    ("GET", "/staff/erasures"): BOARD_TEAM | {"elsewhere": OK},
    ("GET", "/staff/workshops/{workshop_id}/ideas.csv"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/projector/wall"): WORKSHOP_TEAM,
    ("POST", "/staff/workshops/{workshop_id}/spotlight"): WORKSHOP_TEAM,
    ("GET", "/staff/workshops/{workshop_id}/ideas.xlsx"): WORKSHOP_TEAM,
    ("GET", "/staff/plans"): PLANNER | {"elsewhere": OK},  # lists only the planner's cities
    ("GET", "/staff/plans/{slug}"): PLAN_READERS,
    ("GET", "/staff/plans/{slug}/prioritized.csv"): PLANNER,
    ("POST", "/staff/plans/{slug}/move"): PLANNER,
    ("POST", "/staff/plans/{slug}/order"): PLANNER,
    ("POST", "/staff/plans/{slug}/outline"): PLANNER,
    ("GET", "/staff/plans/{slug}/agree"): PLANNER,
    ("POST", "/staff/plans/{slug}/agree"): PLANNER,
    ("POST", "/staff/plans/{slug}/items/{item_id}"): PLANNER,
    # Reading the plan record: the city's planners, and its agencies (read-only).
    ("GET", "/staff/plans/{slug}/items/{item_id}"): PLAN_READERS,
    ("GET", "/staff/plans/{slug}/diff"): PLAN_READERS,
    ("GET", "/staff/plans/{slug}/proposals.csv"): PLAN_READERS,
    ("GET", "/staff/plans/{slug}/proposals.xlsx"): PLAN_READERS,
    ("GET", "/staff/plans/{slug}/proposals.json"): PLAN_READERS,
    ("GET", "/staff/plans/{slug}/versions/{number}.pdf"): PLAN_READERS,
    ("GET", "/staff/plans/{slug}/versions/{number}.xlsx"): PLAN_READERS,
    ("GET", "/staff/monitoring"): ANY_STAFF,
    ("GET", "/staff/monitoring/{slug}"): PLANNER,
    ("POST", "/staff/monitoring/{slug}/agencies"): PLANNER,
    ("POST", "/staff/monitoring/{slug}/indicators"): PLANNER,
    ("POST", "/staff/monitoring/{slug}/indicators/adopt"): PLANNER,
    ("GET", "/staff/monitoring/{slug}/import"): PLANNER,
    ("POST", "/staff/monitoring/{slug}/import"): PLANNER,
    ("POST", "/staff/monitoring/{slug}/import/{upload_id}"): PLANNER,
    ("GET", "/staff/monitoring/items/{item_id}"): ITEM_REPORTERS,
    ("POST", "/staff/monitoring/items/{item_id}"): PLANNER,
    ("POST", "/staff/monitoring/items/{item_id}/reports"): ITEM_REPORTERS,
    ("POST", "/staff/monitoring/reports/{report_id}/publish"): PLANNER,
    ("POST", "/staff/monitoring/indicators/{indicator_id}/target"): PLANNER,
    ("POST", "/staff/monitoring/indicators/{indicator_id}/values"): PLANNER,
    ("GET", "/evidence/{file_id}"): PUBLIC,
    ("GET", "/dashboards"): PUBLIC,
    ("GET", "/dashboards/programme.csv"): PUBLIC,
    ("GET", "/dashboards/{slug}"): PUBLIC,
    ("GET", "/dashboards/{slug}/{table}.csv"): PUBLIC,
    ("GET", "/cities/{slug}/proposals"): PUBLIC,
    ("GET", "/cities/{slug}/board/join"): PUBLIC,
    ("POST", "/cities/{slug}/board/participants"): PUBLIC,
    ("GET", "/cities/{slug}/proposals/new"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/cities/{slug}/proposals"): BOARD_PARTICIPANT_ONLY,
    ("GET", "/cities/{slug}/proposals/{proposal_id}"): PUBLIC,
    ("POST", "/cities/{slug}/proposals/{proposal_id}/comments"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/edit"): (
        BOARD_PARTICIPANT_ONLY
    ),
    ("POST", "/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/flag"): (
        BOARD_PARTICIPANT_ONLY
    ),
    # Only the comment's author gets further (others 403, tested in test_board).
    ("POST", "/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/delete"): (
        BOARD_PARTICIPANT_ONLY
    ),
    ("POST", "/cities/{slug}/proposals/{proposal_id}/support"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/staff/cities/{slug}/proposals"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/proposals/{proposal_id}/edit"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/proposals/{proposal_id}/status"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/proposals/{proposal_id}/merge"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/hide"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/proposals/{proposal_id}/comments/{comment_id}/restore"): (
        BOARD_TEAM
    ),
    ("POST", "/staff/workshops/{workshop_id}/proposals/promote"): WORKSHOP_TEAM,
    # Comments on a plan in public consultation: board participants; moderated by its team.
    ("POST", "/cities/{slug}/plan/comments"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/staff/cities/{slug}/plan/comments/{comment_id}/hide"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/plan/comments/{comment_id}/restore"): BOARD_TEAM,
    # Photos: the proposal's author (others get 403, tested in test_board) and the board's staff.
    ("POST", "/cities/{slug}/proposals/{proposal_id}/images"): BOARD_PARTICIPANT_ONLY
    | {"participant": FORBIDDEN},
    ("GET", "/cities/{slug}/proposals/{proposal_id}/images/{image_id}"): PUBLIC,
    ("POST", "/staff/cities/{slug}/proposals/{proposal_id}/images"): BOARD_TEAM,
    ("POST", "/staff/cities/{slug}/proposals/{proposal_id}/images/{image_id}/delete"): BOARD_TEAM,
    ("GET", "/api/v1/cities"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/proposals"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/proposals/{proposal_id}"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/proposals/{proposal_id}/comments"): PUBLIC,
    # JSON writes: the board participant's session; without one, 401 (tested in test_board_api).
    ("POST", "/api/v1/cities/{slug}/proposals/{proposal_id}/comments"): BOARD_PARTICIPANT_ONLY,
    ("POST", "/api/v1/cities/{slug}/proposals/{proposal_id}/support"): BOARD_PARTICIPANT_ONLY,
    ("GET", "/api/v1/cities/{slug}"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/plan"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/plan/versions"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/plan/versions/{number}"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/plan/items"): PUBLIC,
    ("GET", "/api/v1/cities/{slug}/plan/items/{item_id}/provenance"): PUBLIC,
}
SESSION_ENDERS = {"/logout", "/staff/account/sign-out-everywhere", "/device/clear"}
# FastAPI's own documentation routes are plain Routes, not APIRoutes; they are public too.


def route_keys(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every application route, through included routers."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.path and context.methods:
            for method in sorted(context.methods - {"HEAD"}):
                yield method, context.path


def test_every_route_has_a_stated_expectation(app: FastAPI) -> None:
    routes = set(route_keys(app))
    missing = routes - EXPECTATIONS.keys()
    stale = EXPECTATIONS.keys() - routes
    assert not missing, f"routes without an authorization expectation: {sorted(missing)}"
    assert not stale, f"expectations for routes that no longer exist: {sorted(stale)}"
    assert all(set(e) == set(ACTORS) for e in EXPECTATIONS.values())


@dataclass
class World:
    workshop_id: int
    code: str
    idea_id: int
    phase_id: int = 0
    account_id: int = 0
    round_id: int = 0
    item_id: int = 0
    report_id: int = 0
    indicator_id: int = 0
    participant_id: int = 0
    proposal_id: int = 0

    def url(self, path: str) -> str:
        values = {
            "workshop_id": self.workshop_id,
            "code": self.code,
            "idea_id": self.idea_id,
            "phase_id": self.phase_id,
            "account_id": self.account_id,
            "round_id": self.round_id,
            "item_id": self.item_id,
            "report_id": self.report_id,
            "indicator_id": self.indicator_id,
            "participant_id": self.participant_id,
            "proposal_id": self.proposal_id,
            "comment_id": 999999,  # none: past the role check, a clear 404
            "image_id": 999999,
            "file_id": 999999,
            "upload_id": 999999,
            "table": "items",
            "theme_id": 999999,  # none: past the role check, a clear 404
            "run_id": 999999,
            "slug": "khon-kaen",
            "number": 1,
        }
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def classify(response: Response, world: World) -> str:
    location = response.headers.get("location", "") or response.headers.get("hx-redirect", "")
    if response.status_code == 401 and '"join_url"' in response.text:
        return JOIN  # the API's answer to a device that has not joined
    if response.status_code == 401 or location.startswith("/login"):
        return LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 303 and location == f"/w/{world.code}":
        return JOIN
    if response.status_code == 303 and location.startswith("/cities/khon-kaen/board/join"):
        return JOIN

    return OK


@pytest.mark.parametrize("actor", ACTORS)
def test_authorization_matrix(actor: str, app: FastAPI, client: TestClient, db: Session) -> None:
    if actor in ("facilitator", "outsider"):
        account = factories.account(db, role=Role.facilitator)
    elif actor in ("planner", "admin"):
        account = factories.account(db, role=Role(actor))
    elif actor == "elsewhere":
        account = factories.account(db, role=Role.planner, city_slug="chiang-rai")
    item, report, indicator, agency_account = factories.monitored_item(db)
    if actor == "agency":
        account = agency_account
    runner = account if actor == "facilitator" else factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[runner])
    if actor == "outsider":  # runs a workshop, only not this one
        factories.workshop(db, facilitators=[account])
    idea = factories.idea(db, workshop=workshop)
    phase_id = factories.phases(db, workshop)[-1].id or 0
    vote_round = factories.vote_round(db, workshop=workshop)
    world = World(
        workshop.id or 0,
        workshop.join_code,
        idea.id or 0,
        phase_id,
        runner.id or 0,
        vote_round.id or 0,
        item.id or 0,
        report.id or 0,
        indicator.id or 0,
        factories.participant(db, workshop=workshop).id or 0,
        factories.proposal(db, workshop=workshop).id or 0,
    )
    if actor == "participant":
        join(client, workshop)
        joined = client.post(
            "/cities/khon-kaen/board/participants",
            data={"stakeholder_group": "resident", "csrf_token": csrf(client)},
        )
        assert joined.status_code == 303
    elif actor != "anonymous":
        login(client, account)

    failures = []
    for (method, path), expected in sorted(EXPECTATIONS.items()):
        if path in SESSION_ENDERS:
            continue  # would end the actor's session; covered in test_auth and test_sessions
        url = world.url(path)
        if path.endswith("/events"):  # a live stream: its status and headers are enough
            with client.stream("GET", url) as response:
                pass
        elif method == "GET":
            response = client.get(url)
        else:
            response = client.request(method, url, data={"csrf_token": csrf(client)})
        outcome = classify(response, world)
        # PUBLIC routes answer a joined device's join form with a redirect back to the workshop.
        if expected[actor] == OK and outcome == JOIN and EXPECTATIONS[(method, path)] is PUBLIC:
            outcome = OK
        if outcome != expected[actor]:
            failures.append(
                f"{method} {path}: expected {expected[actor]}, got {outcome} ({response.status_code})"
            )
        assert response.status_code < 500, f"{method} {path} answered {response.status_code}"
    assert not failures, "\n".join(failures)
