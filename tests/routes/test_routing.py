"""The order in which routers are included (app.main) is a matter of speed only: a path that
could reach two routes would make it a matter of behaviour."""

import re

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match

from app.main import create_app


def _routes(app: FastAPI) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in app.router.routes:
        included = getattr(route, "original_router", None)
        for inner in included.routes if included is not None else [route]:
            if isinstance(inner, APIRoute):
                found.append(inner)
    return found


def _example(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_no_path_reaches_two_routes_except_a_word_before_an_id() -> None:
    """Where a literal word and a path parameter share a place (/proposals/new beside
    /proposals/{proposal_id}), both routes are in one router, the word first: the only
    ordering that matters is inside a router, and the include order of routers is free."""
    routes = _routes(create_app())
    ambiguous = []
    for route in routes:
        for value in ("7", "abc7"):
            path = _example(route.path, value)
            for other in routes:
                if other is route or not (other.methods & route.methods):
                    continue
                if other.path_regex.match(path):
                    ambiguous.append((route.path, other.path))
    literal_first = {
        ("/staff/workshops/new", "/staff/workshops/{workshop_id}"),
        ("/dashboards/programme.csv", "/dashboards/{slug}"),
        ("/cities/{slug}/proposals/new", "/cities/{slug}/proposals/{proposal_id}"),
    }
    assert set(ambiguous) == literal_first
    for word, parameter in literal_first:
        word_route = next(r for r in routes if r.path == word)
        parameter_route = next(r for r in routes if r.path == parameter)
        assert routes.index(word_route) < routes.index(parameter_route)


def test_the_ballot_is_among_the_first_routes_tried() -> None:
    """Each route tried costs FastAPI about 2 us; a hall's ballots should not pay for 50."""
    routes = _routes(create_app())
    scope = {"type": "http", "path": "/w/ABC123/vote", "method": "POST", "root_path": ""}
    tried = next(i for i, r in enumerate(routes, 1) if r.matches(scope)[0] is Match.FULL)
    assert routes[tried - 1].path == "/w/{code}/vote"
    assert tried <= 10, tried
