import csv
import io

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Plan, PlanItem, Role
from tests import factories
from tests.helpers import login


def _plan_with_item(db: Session) -> tuple[Plan, PlanItem]:
    workshop = factories.workshop(db, title="เวทีประชาคม")
    proposal = factories.proposal(db, workshop=workshop, title="=ขยายทางเท้า, ริมบึง")
    plan = Plan(city_id=workshop.city_id, title="ร่างแผน")
    db.add(plan)
    db.commit()
    item = PlanItem(
        plan_id=plan.id, proposal_id=proposal.id, title=proposal.title, priority=1, votes=7
    )
    db.add(item)
    db.commit()
    return plan, item


def test_plans_overview_counts_items(client: TestClient, db: Session) -> None:
    _plan_with_item(db)
    login(client, factories.account(db, role=Role.planner))
    response = client.get("/staff/plans")
    assert response.status_code == 200
    counts = {city.slug: n for city, n in response.context["plans"]}  # type: ignore[attr-defined]
    assert counts["khon-kaen"] == 1
    assert counts["ranong"] == 0


def test_plan_page_lists_priorities(client: TestClient, db: Session) -> None:
    _plan_with_item(db)
    login(client, factories.account(db, role=Role.planner))
    response = client.get("/staff/plans/khon-kaen")
    assert response.status_code == 200
    assert "ขยายทางเท้า" in response.text
    assert client.get("/staff/plans/atlantis").status_code == 404


def test_planner_of_another_city_is_refused_plan_page_and_csv(
    client: TestClient, db: Session
) -> None:
    _plan_with_item(db)
    login(client, factories.account(db, role=Role.planner, city_slug="chiang-rai"))
    assert client.get("/staff/plans/khon-kaen").status_code == 403
    assert client.get("/staff/plans/khon-kaen/prioritized.csv").status_code == 403
    assert client.get("/staff/plans/chiang-rai").status_code == 200
    overview = client.get("/staff/plans")
    assert [c.slug for c, _n in overview.context["plans"]] == ["chiang-rai"]  # type: ignore[attr-defined]


def test_export_is_excel_friendly_csv(client: TestClient, db: Session) -> None:
    _, item = _plan_with_item(db)
    login(client, factories.account(db, role=Role.planner))
    response = client.get("/staff/plans/khon-kaen/prioritized.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        'filename="khon-kaen-prioritized-proposals.csv"' in response.headers["content-disposition"]
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["priority"], row["proposal_id"], row["votes"]) == ("1", str(item.proposal_id), "7")
    assert row["title"] == "'=ขยายทางเท้า, ริมบึง"  # formula defused, comma kept
    assert row["workshop_title"] == "เวทีประชาคม"


def test_export_of_city_without_plan_has_header_only(client: TestClient, db: Session) -> None:
    login(client, factories.account(db, role=Role.admin))
    response = client.get("/staff/plans/ranong/prioritized.csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "priority,proposal_id,title,description,category,place,workshop_title,workshop_date,"
        "votes,vote_round_id,agreed_at"
    ]


def test_public_city_page_shows_agreed_priorities(client: TestClient, db: Session) -> None:
    _plan_with_item(db)
    assert "ขยายทางเท้า" in client.get("/cities/khon-kaen").text
