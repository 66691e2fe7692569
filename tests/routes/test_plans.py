import csv
import io
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.domain.voting import Method
from app.models import Agency, Plan, PlanItem, Proposal, Role, RoundStatus
from app.services import plan_record
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
    assert (row["priority"], row["proposal_id"]) == ("1", str(item.proposal_id))
    assert row["title"] == "'=ขยายทางเท้า, ริมบึง"  # formula defused, comma kept
    assert row["workshop_title"] == "เวทีประชาคม"


def test_export_of_city_without_plan_has_header_only(client: TestClient, db: Session) -> None:
    login(client, factories.account(db, role=Role.admin))
    response = client.get("/staff/plans/ranong/prioritized.csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "priority,proposal_id,title,description,category,place,workshop_title,workshop_date_be,"
        "support,support_unit,vote_round_id,agreed_on_be,agreed_at_iso_local"
    ]


def test_public_city_page_shows_the_published_version_never_a_draft(
    client: TestClient, db: Session
) -> None:
    plan, item = _plan_with_item(db)
    planner = factories.account(db, role=Role.planner)
    draft = client.get("/cities/khon-kaen")
    assert draft.context["published"] is None  # type: ignore[attr-defined]
    assert "ขยายทางเท้า" not in draft.text
    plan_record.move(db, plan, "adopted", "", planner)
    db.commit()
    adopted = client.get("/cities/khon-kaen")
    assert "ขยายทางเท้า" in adopted.text
    assert "อนุมัติแล้ว" in adopted.text
    # A new draft's changes stay private; the adopted version is still what the public sees.
    plan_record.move(db, plan, "draft", "", planner)
    item.title = "ร่างที่ยังไม่เผยแพร่"
    db.add(item)
    db.commit()
    page = client.get("/cities/khon-kaen")
    assert "ร่างที่ยังไม่เผยแพร่" not in page.text
    assert "ขยายทางเท้า" in page.text
    assert page.context["published"].version.number == 1  # type: ignore[attr-defined]
    # In consultation: that version, labelled as such.
    agency = Agency(city_id=plan.city_id, name="กองช่าง")
    db.add(agency)
    db.commit()
    item.agency_id = agency.id
    db.add(item)
    db.commit()
    plan_record.move(db, plan, "consultation", "", planner)
    db.commit()
    page = client.get("/cities/khon-kaen")
    assert "ร่างที่ยังไม่เผยแพร่" in page.text
    assert "รับฟังความคิดเห็น" in page.text


def _mixed_plan(db: Session) -> Plan:
    """Two items agreed from a budget round's proposals and one a planner entered: the
    demo's shape (priorities 101, 102 from the old demo, then 109 from max + 1)."""
    workshop = factories.workshop(db, title="เวทีประชาคม")
    workshop.held_on = date(2026, 11, 30)
    proposals = [
        factories.proposal(db, workshop=workshop, title="ทางเท้า").id,
        factories.proposal(db, workshop=workshop, title="ลอกท่อ").id,
    ]
    vote_round = factories.vote_round(
        db,
        workshop=workshop,
        proposals=[p for p in [db.get(Proposal, i) for i in proposals] if p],
        method=Method.budget,
        status=RoundStatus.closed,
        costs=[10, 20],
    )
    plan = Plan(city_id=workshop.city_id, title="ร่างแผน")
    agency = Agency(city_id=workshop.city_id, name="กองช่าง")
    db.add_all([plan, agency, workshop])
    db.commit()
    agreed = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)  # 1 Dec 2569, 01:30 in Bangkok
    db.add_all(
        [
            PlanItem(
                plan_id=plan.id,
                proposal_id=proposals[0],
                vote_round_id=vote_round.id,
                title="ทางเท้า",
                priority=101,
                votes=5,
                created_at=agreed,
            ),
            PlanItem(plan_id=plan.id, title="ตลาดนัดชุมชน", priority=102, agency_id=agency.id),
            PlanItem(
                plan_id=plan.id,
                proposal_id=proposals[1],
                vote_round_id=vote_round.id,
                title="ลอกท่อ",
                priority=109,
                votes=3,
                created_at=agreed,
            ),
        ]
    )
    db.commit()
    return plan


def _csv_rows(client: TestClient) -> list[dict[str, str]]:
    response = client.get("/staff/plans/khon-kaen/prioritized.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_overview_count_matches_plan_page_and_csv(client: TestClient, db: Session) -> None:
    _mixed_plan(db)
    login(client, factories.account(db, role=Role.planner))
    counts = {c.slug: n for c, n in client.get("/staff/plans").context["plans"]}  # type: ignore[attr-defined]
    page = client.get("/staff/plans/khon-kaen")
    assert counts["khon-kaen"] == len(page.context["items"]) == len(_csv_rows(client)) == 3  # type: ignore[attr-defined]
    assert "ตลาดนัดชุมชน" in page.text


def test_export_numbers_priorities_without_gaps(client: TestClient, db: Session) -> None:
    _mixed_plan(db)
    login(client, factories.account(db, role=Role.planner))
    rows = _csv_rows(client)
    assert [(r["priority"], r["title"]) for r in rows] == [
        ("1", "ทางเท้า"),
        ("2", "ตลาดนัดชุมชน"),
        ("3", "ลอกท่อ"),
    ]


def test_export_dates_are_local_with_buddhist_years(client: TestClient, db: Session) -> None:
    _mixed_plan(db)
    login(client, factories.account(db, role=Role.planner))
    first = _csv_rows(client)[0]
    assert first["agreed_on_be"] == "1/12/2569 01:30"
    assert first["agreed_at_iso_local"] == "2026-12-01T01:30:00+07:00"
    assert first["workshop_date_be"] == "30/11/2569"


def test_budget_round_support_is_labelled_approvals(client: TestClient, db: Session) -> None:
    _mixed_plan(db)
    login(client, factories.account(db, role=Role.planner))
    rows = _csv_rows(client)
    assert [(r["support"], r["support_unit"]) for r in rows] == [
        ("5", "เสียงเห็นด้วย"),
        ("", ""),
        ("3", "เสียงเห็นด้วย"),
    ]
    page = client.get("/staff/plans/khon-kaen?lang=en").text
    assert "5 approvals" in page
    assert "score" not in page.lower().replace('class="score"', "")
