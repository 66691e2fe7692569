"""Open data: the published plan under /api/v1, documented in OpenAPI, errors as problem
details; drafts never leave the building."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Agency, PlanItem
from tests import factories
from tests.helpers import post
from tests.routes.test_plan_record import _agree, _closed_round, _planner


def _published(client: TestClient, db: Session) -> int:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "ทุกกลุ่มเห็นด้วย"))
    item = db.exec(select(PlanItem)).one()
    agency = Agency(city_id=factories.city(db).id or 0, name="กองช่าง")
    db.add(agency)
    db.commit()
    data = {"revision": 1, "title": item.title, "agency_id": agency.id, "reason": "มอบหมาย"}
    post(client, f"/staff/plans/khon-kaen/items/{item.id}", data)
    post(client, "/staff/plans/khon-kaen/move", {"state": "consultation"})
    client.cookies.clear()
    return item.id or 0


def test_draft_plan_is_not_published(client: TestClient, db: Session) -> None:
    s = _closed_round(db)
    _planner(client, db)
    _agree(client, s, (s.first, "ร่าง"))
    client.cookies.clear()
    response = client.get("/api/v1/cities/khon-kaen/plan")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    assert client.get("/api/v1/cities/khon-kaen/plan/versions").json() == []


def test_published_plan_with_items_and_provenance(client: TestClient, db: Session) -> None:
    item_id = _published(client, db)
    plan = client.get("/api/v1/cities/khon-kaen/plan").json()
    assert plan["version"]["state"] == "consultation"
    [item] = plan["items"]
    assert (item["id"], item["priority"], item["agency"]) == (item_id, 1, "กองช่าง")
    chain = item["provenance"]
    assert chain["people"] == 3
    [step] = chain["steps"]
    assert step["rationale"] == "ทุกกลุ่มเห็นด้วย"
    assert step["digest"]
    assert [c["kind"] for c in step["contributions"]] == ["idea", "comment"]
    versions = client.get("/api/v1/cities/khon-kaen/plan/versions").json()
    assert [(v["number"], v["state"]) for v in versions] == [(1, "consultation")]
    assert client.get("/api/v1/cities/khon-kaen/plan/versions/1").json()["items"] == plan["items"]
    assert client.get("/api/v1/cities/khon-kaen/plan/items").json() == plan["items"]
    provenance = client.get(f"/api/v1/cities/khon-kaen/plan/items/{item_id}/provenance")
    assert provenance.json() == chain


def test_unknown_version_and_item_are_problem_details(client: TestClient, db: Session) -> None:
    _published(client, db)
    for url in (
        "/api/v1/cities/khon-kaen/plan/versions/7",
        "/api/v1/cities/khon-kaen/plan/items/999999/provenance",
        "/api/v1/cities/atlantis/plan",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("application/problem+json")
    bad = client.get("/api/v1/cities/khon-kaen/plan/versions/0")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_openapi_documents_the_plan(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/cities/{slug}/plan",
        "/api/v1/cities/{slug}/plan/versions",
        "/api/v1/cities/{slug}/plan/versions/{number}",
        "/api/v1/cities/{slug}/plan/items",
        "/api/v1/cities/{slug}/plan/items/{item_id}/provenance",
    ):
        assert path in spec["paths"], path
    assert "PlanPublic" in spec["components"]["schemas"]
