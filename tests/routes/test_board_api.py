"""The proposal board's JSON twin under /api/v1."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.helpers import csrf, post

API = "/api/v1/cities/khon-kaen/proposals"


def _board_with_a_proposal(client: TestClient) -> int:
    response = post(
        client, "/cities/khon-kaen/board/participants", {"stakeholder_group": "academia"}
    )
    assert response.status_code == 303
    response = post(client, "/cities/khon-kaen/proposals", {"title": "ปัญหาน้ำท่วมขังถนนหน้าตลาด <b>"})
    assert response.status_code == 303
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_list_search_and_detail(client: TestClient) -> None:
    proposal_id = _board_with_a_proposal(client)
    body = client.get(API, params={"q": "น้ำท่วม", "page_size": 5}).json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["id"] == proposal_id
    assert "<mark>น้ำท่วม</mark>" in item["snippet"]
    assert "&lt;b&gt;" in item["snippet"]  # the snippet is HTML: text in it is escaped
    assert item["supporters_by_group"]["academia"] == 0
    detail = client.get(f"{API}/{proposal_id}").json()
    assert detail["history"][0]["action"] == "created"
    assert client.get(API, params={"q": "สะพาน"}).json()["total"] == 0


def test_support_and_comment_need_csrf_and_a_board_participant(client: TestClient) -> None:
    proposal_id = _board_with_a_proposal(client)
    token = csrf(client)
    assert client.post(f"{API}/{proposal_id}/support", json={"support": True}).status_code == 403
    response = client.post(
        f"{API}/{proposal_id}/support", json={"support": True}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200
    assert response.json()["support_count"] == 1
    assert response.json()["supporters_by_group"]["academia"] == 1
    response = client.post(
        f"{API}/{proposal_id}/comments", json={"text": "ดีมาก"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 201
    comments = client.get(f"{API}/{proposal_id}/comments").json()
    assert [c["text"] for c in comments] == ["ดีมาก"]
    client.cookies.clear()
    token = csrf(client)
    response = client.post(
        f"{API}/{proposal_id}/support", json={"support": True}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["join_url"] == "/cities/khon-kaen/board/join"


def test_errors_are_problem_details(client: TestClient, db: Session) -> None:
    del db
    response = client.get(f"{API}/999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    proposal_id = _board_with_a_proposal(client)
    token = csrf(client)
    response = client.post(
        f"{API}/{proposal_id}/comments", json={"text": ""}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 422
    assert response.json()["detail"]
    assert client.get("/api/v1/cities/nan/proposals/" + str(proposal_id)).status_code == 404


def test_openapi_lists_the_board(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/cities/{slug}/proposals" in paths
    assert "post" in paths["/api/v1/cities/{slug}/proposals/{proposal_id}/support"]


def test_board_filter_is_one_dependency_with_one_refusal_for_page_and_api(
    client: TestClient,
) -> None:
    """The page and the API read the same query the same way: unknown filters are ignored,
    a page size out of range is a 422, as an HTML page or as problem details."""
    for params in ({"page_size": "0"}, {"page_size": "101"}, {"page_size": "x"}):
        page = client.get("/cities/khon-kaen/proposals", params=params)
        assert page.status_code == 422
        assert page.headers["content-type"].startswith("text/html")
        assert "page_size" in page.text
        api = client.get(API, params=params)
        assert api.status_code == 422
        assert api.headers["content-type"].startswith("application/problem+json")
        assert "page_size" in api.json()["detail"]
    lenient = {
        "status": "nonsense",
        "group": "<x>",
        "sort": "sideways",
        "page": "-3",
        "workshop": "9" * 30,
    }
    page = client.get("/cities/khon-kaen/proposals", params={**lenient, "page_size": "5"})
    assert page.status_code == 200
    filters = page.context["filters"]  # type: ignore[attr-defined]
    assert (filters.status, filters.group, filters.sort, filters.page) == ("", "", "newest", 1)
    assert filters.workshop_id is None
    assert filters.page_size == 5
    body = client.get(API, params={**lenient, "page_size": "5"}).json()
    assert body["page"] == 1
    assert body["page_size"] == 5
