"""The board's list of cards is rendered once per board revision and shared by every visitor:
what changes it shows at once, in every process, and nothing of one viewer reaches another."""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.models import Role
from app.routes import board as board_routes
from app.services import board
from app.services.board import BoardFilter
from tests import factories
from tests.helpers import HX, app_on, login, post
from tests.statements import recorded_statements

BOARD = "/cities/khon-kaen/proposals"
TOKEN_RE = re.compile(r'"X-CSRF-Token": ?"([^"]+)"')


def _join(client: TestClient, group: str = "resident") -> None:
    response = post(client, "/cities/khon-kaen/board/participants", {"stakeholder_group": group})
    assert response.status_code == 303, response.text


def _propose(client: TestClient, title: str) -> int:
    response = post(client, BOARD, {"title": title})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _card(client: TestClient, proposal_id: int, **params: str) -> str:
    html = client.get(BOARD, params=params).text
    start = html.index(f'id="proposal-{proposal_id}"')
    return html[start : html.index("</li>", start)]


@pytest.fixture
def other_app(settings: Settings, db: Session) -> Iterator[FastAPI]:
    """A second process of the app on the same database (its own cache)."""
    application = app_on(settings, db)
    yield application
    application.state.engine.dispose()


def test_board_list_is_rendered_once_per_revision(client: TestClient, db: Session) -> None:
    _join(client)
    for i in range(3):
        _propose(client, f"ข้อเสนอที่ {i}")
    client.get(BOARD)
    with recorded_statements(db.connection()) as first:
        again = client.get(BOARD)
    assert again.status_code == 200
    assert len(again.context["board"].cards) == 3  # type: ignore[attr-defined]
    assert not any(re.search(r"FROM proposal\b", s) for s in first)  # no count, no page
    partial = client.get(BOARD, headers=HX)
    assert partial.template.name == "board/_list.html"  # type: ignore[attr-defined]
    assert "ข้อเสนอที่ 2" in partial.text


def test_support_and_withdrawal_show_on_a_cached_list(client: TestClient) -> None:
    _join(client, "business")
    proposal_id = _propose(client, "ทางเท้า")
    assert "0 supporters" in _card(client, proposal_id, lang="en")
    post(client, f"{BOARD}/{proposal_id}/support", {"on": "1"})
    assert "1 supporter" in _card(client, proposal_id, lang="en")
    post(client, f"{BOARD}/{proposal_id}/support", {"on": "0"})
    assert "0 supporters" in _card(client, proposal_id, lang="en")


def test_comments_show_on_a_cached_list_and_their_edits_in_search(client: TestClient) -> None:
    _join(client)
    proposal_id = _propose(client, "ทางเท้า")
    assert "0 comments" in _card(client, proposal_id, lang="en")
    posted = post(client, f"{BOARD}/{proposal_id}/comments", {"text": "เห็นด้วย"})
    comment_id = posted.headers["location"].rsplit("-", 1)[1]
    assert "1 comment" in _card(client, proposal_id, lang="en")
    assert client.get(BOARD, params={"q": "ไฟฟ้า"}).context["board"].total == 0  # type: ignore[attr-defined]
    url = f"{BOARD}/{proposal_id}/comments/{comment_id}"
    assert post(client, f"{url}/edit", {"text": "ไฟฟ้าดับ"}).status_code == 303
    assert client.get(BOARD, params={"q": "ไฟฟ้า"}).context["board"].total == 1  # type: ignore[attr-defined]
    assert post(client, f"{url}/delete", {"confirm": "yes"}).status_code == 303
    assert "0 comments" in _card(client, proposal_id, lang="en")


def test_staff_changes_show_on_a_cached_list(client: TestClient, db: Session) -> None:
    _join(client)
    proposal_id = _propose(client, "สวนสาธารณะ")
    duplicate = _propose(client, "สวนสาธารณะซ้ำ")
    comment = post(client, f"{BOARD}/{proposal_id}/comments", {"text": "ดีมาก"})
    comment_id = comment.headers["location"].rsplit("-", 1)[1]
    client.cookies.clear()
    planner = factories.account(db, role=Role.planner, city_slug="khon-kaen")
    login(client, planner)
    staff = f"/staff/cities/khon-kaen/proposals/{proposal_id}"
    assert "สวนสาธารณะ" in _card(client, proposal_id)
    post(client, f"{staff}/edit", {"title": "สวนริมบึง", "reason": "ชัดขึ้น"})
    assert "สวนริมบึง" in _card(client, proposal_id)
    post(client, f"{staff}/status", {"status": "shortlisted", "reason": "ผ่าน"})
    assert "Shortlisted" in _card(client, proposal_id, lang="en")
    post(client, f"{staff}/comments/{comment_id}/hide", {"reason": "ไม่สุภาพ"})
    assert "0 comments" in _card(client, proposal_id, lang="en")
    post(client, f"{staff}/comments/{comment_id}/restore")
    assert "1 comment" in _card(client, proposal_id, lang="en")
    assert f'id="proposal-{duplicate}"' in client.get(BOARD).text
    post(client, f"/staff/cities/khon-kaen/proposals/{duplicate}/merge", {"into": proposal_id})
    assert f'id="proposal-{duplicate}"' not in client.get(BOARD).text
    created = post(client, "/staff/cities/khon-kaen/proposals", {"title": "ห้องสมุดชุมชน"})
    assert created.status_code == 303
    assert "ห้องสมุดชุมชน" in client.get(BOARD).text


def test_a_list_drawn_inside_a_write_is_not_shared(
    client: TestClient, db: Session, app: FastAPI
) -> None:
    """A refused form's page is drawn inside a writing request, which on SQLite's group commit
    may see other requests' work before it is committed: only GETs fill the shared cache."""
    planner = factories.account(db, role=Role.planner, city_slug="khon-kaen")
    login(client, planner)
    refused = post(client, "/staff/cities/khon-kaen/proposals", {"title": ""})
    assert refused.status_code == 422
    assert 'id="board-list"' in refused.text
    assert not getattr(app.state, "board_lists", None)


def test_a_write_in_one_process_shows_in_another(
    client: TestClient, app: FastAPI, other_app: FastAPI
) -> None:
    _join(client)
    first = _propose(client, "ทางเท้า")
    with TestClient(other_app, follow_redirects=False) as elsewhere:
        assert "0 supporters" in _card(elsewhere, first, lang="en")
        post(client, f"{BOARD}/{first}/support", {"on": "1"})
        assert "1 supporter" in _card(elsewhere, first, lang="en")


def test_one_viewers_page_shows_nothing_of_another(app: FastAPI, db: Session) -> None:
    with (
        TestClient(app, follow_redirects=False) as joined,
        TestClient(app, follow_redirects=False) as visitor,
    ):
        _join(joined, "business")
        proposal_id = _propose(joined, "ทางเท้า")
        post(joined, f"{BOARD}/{proposal_id}/support", {"on": "1"})
        own = joined.get(BOARD, params={"lang": "en"})
        other = visitor.get(BOARD, params={"lang": "en"})
        assert own.context["participant"] is not None  # type: ignore[attr-defined]
        assert "My data" in own.text
        assert "My data" not in other.text
        assert "Take part: propose" in other.text
        assert "Take part: propose" not in own.text
        own_token, other_token = TOKEN_RE.findall(own.text), TOKEN_RE.findall(other.text)
        assert own_token
        assert other_token
        assert own_token != other_token
        assert own_token[0] not in other.text
        assert other_token[0] not in own.text


def test_a_language_switch_is_not_served_from_the_other_languages_list(
    client: TestClient,
) -> None:
    _join(client)
    _propose(client, "ทางเท้า")
    assert "1 proposal" not in client.get(BOARD).text  # Thai first, and cached
    client.get("/", params={"lang": "en"})  # switched elsewhere, remembered in a cookie
    assert "1 proposal" in client.get(BOARD).text
    client.get("/", params={"lang": "th"})
    assert "1 proposal" not in client.get(BOARD).text


def test_random_order_stays_the_viewers_own(
    app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two known seeds (a joined phone: 1, anyone else: 500,001) instead of per-token ones.
    monkeypatch.setattr(board_routes, "visitor_seed", lambda _request, who: 1 if who else 500_001)
    with (
        TestClient(app, follow_redirects=False) as one,
        TestClient(app, follow_redirects=False) as two,
    ):
        _join(one)
        for i in range(12):
            _propose(one, f"ข้อเสนอที่ {i}")

        def order(client: TestClient) -> list[int]:
            page = client.get(BOARD, params={"sort": "random"}).context["board"]  # type: ignore[attr-defined]
            return [c.proposal.id for c in page.cards]

        def seeded(seed: int) -> list[int]:
            page = board.board_page(db, factories.city(db), BoardFilter(sort="random"), seed=seed)
            return [c.proposal.id for c in page.cards]

        assert seeded(1) != seeded(500_001)
        assert order(one) == seeded(1)
        assert order(two) == seeded(500_001)  # not the render cached for the first viewer
        assert order(one) == seeded(1)


def test_cached_lists_are_bounded_and_random_orders_not_kept(
    client: TestClient, app: FastAPI
) -> None:
    client.get(BOARD, params={"sort": "random"})
    client.get(BOARD, params={"page_size": "50"})
    assert not getattr(app.state, "board_lists", None)  # no cache made: nothing kept
    for i in range(70):
        assert client.get(BOARD, params={"place": f"ซอย {i}"}).status_code == 200
    assert len(app.state.board_lists) == 64
