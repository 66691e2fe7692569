"""The files planners hand in: ranked proposals (CSV, XLSX, JSON) and a plan version (XLSX,
PDF in Thai), opened the way a planner's tools would open them."""

import csv
import io
import json

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.models import Proposal, Role
from tests import factories
from tests.helpers import login
from tests.pdf_text import pdf_text
from tests.routes.test_plan_record import _agree, _closed_round


def _planned(client: TestClient, db: Session) -> None:
    s = _closed_round(db)
    login(client, factories.account(db, role=Role.planner))
    _agree(client, s, (s.first, "ที่นี่น้ำท่วมทุกปี"), (s.third, "ตลาด"))


def test_ranked_proposals_csv_has_bom_groups_and_inert_text(
    client: TestClient, db: Session
) -> None:
    _planned(client, db)
    response = client.get("/staff/plans/khon-kaen/proposals.csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["rank"], r["title"], r["score"]) for r in rows] == [
        ("1", "ขยายทางเท้า", "2"),
        ("2", "ลอกท่อ", "1"),
        ("3", "'=ตลาดนัด", "0"),  # formula defused
    ]
    assert rows[0]["score_unit"] == "เสียงเห็นด้วย"
    assert rows[0]["score_resident"] == "2"
    assert rows[0]["support_percent_resident"] == "100.0"
    assert rows[0]["plan_priority"] == "1"
    assert rows[1]["plan_priority"] == ""


def test_ranked_proposals_xlsx_has_a_ranked_sheet_and_one_per_round(
    client: TestClient, db: Session
) -> None:
    _planned(client, db)
    response = client.get("/staff/plans/khon-kaen/proposals.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 2
    ranked = book.worksheets[0]
    header = [c.value for c in ranked[1]]
    assert header[:5] == ["round_id", "round_question", "rank", "proposal_id", "title"]
    titles = [row[4].value for row in ranked.iter_rows(min_row=2)]
    assert titles == ["ขยายทางเท้า", "ลอกท่อ", "=ตลาดนัด"]
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # nothing residents wrote runs as a formula
    assert book.worksheets[1].title.startswith("การลงมติ")


def test_ranked_proposals_json(client: TestClient, db: Session) -> None:
    _planned(client, db)
    body = json.loads(client.get("/staff/plans/khon-kaen/proposals.json").content)
    [round_] = body["rounds"]
    assert round_["digest"]
    assert round_["closed_at_iso_local"].endswith("+07:00")
    assert [r["title"] for r in round_["ranking"]] == ["ขยายทางเท้า", "ลอกท่อ", "=ตลาดนัด"]


def test_plan_version_xlsx(client: TestClient, db: Session) -> None:
    _planned(client, db)
    response = client.get("/staff/plans/khon-kaen/versions/1.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[1]) for r in rows] == [(1, "ขยายทางเท้า"), (2, "=ตลาดนัด")]
    assert sheet.cell(row=3, column=2).data_type == "s"
    assert "3 people" in rows[0][-1] or "3 คน" in rows[0][-1]


def test_plan_version_pdf_keeps_thai_and_buddhist_years(client: TestClient, db: Session) -> None:
    _planned(client, db)
    response = client.get("/staff/plans/khon-kaen/versions/1.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "แผนพัฒนาท้องถิ่น" in text
    assert "ขยายทางเท้า" in text
    assert "=ตลาดนัด" in text
    assert "ฉบับที่ 1" in text
    assert "3 คน" in text  # the provenance summary
    printed = next(line for line in text.splitlines() if line.startswith("พิมพ์เมื่อ"))
    assert any(str(year) in printed for year in range(2560, 2700))  # a B.E. year


def test_unknown_version_is_not_found(client: TestClient, db: Session) -> None:
    _planned(client, db)
    assert client.get("/staff/plans/khon-kaen/versions/9.pdf").status_code == 404


def test_ranked_proposals_exports_carry_the_map_point(client: TestClient, db: Session) -> None:
    _planned(client, db)
    first = db.exec(select(Proposal).where(Proposal.title == "ขยายทางเท้า")).one()
    first.latitude, first.longitude = 16.4419, 102.836
    db.add(first)
    db.commit()
    response = client.get("/staff/plans/khon-kaen/proposals.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["latitude"], r["longitude"]) for r in rows] == [
        ("16.4419", "102.836"),
        ("", ""),
        ("", ""),
    ]
    body = json.loads(client.get("/staff/plans/khon-kaen/proposals.json").content)
    ranking = body["rounds"][0]["ranking"]
    assert (ranking[0]["latitude"], ranking[0]["longitude"]) == (16.4419, 102.836)
    book = load_workbook(io.BytesIO(client.get("/staff/plans/khon-kaen/proposals.xlsx").content))
    header = [c.value for c in book.worksheets[0][1]]
    values = [c.value for c in book.worksheets[0][2]]
    assert values[header.index("latitude")] == 16.4419
