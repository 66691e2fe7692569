"""Monitoring through the web: agencies report on their own items with evidence, planners
publish, indicators, spreadsheet import (all or nothing), and the public dashboards."""

import csv
import io
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import (
    Agency,
    EvidenceFile,
    Indicator,
    IndicatorValue,
    Plan,
    PlanItem,
    PlanItemChange,
    PlanStatus,
    ProgressReport,
    Role,
)
from tests import factories
from tests.helpers import csrf, login, post


def _png() -> bytes:
    """A real 1x1 PNG, built here so the test needs no file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _report(client: TestClient, item: PlanItem, data: dict[str, str], files=None):  # type: ignore[no-untyped-def]
    return client.post(
        f"/staff/monitoring/items/{item.id}/reports",
        data={"csrf_token": csrf(client), **data},
        files=files or [],
    )


def test_publishing_a_report_records_the_status_change_in_the_item_history(
    client: TestClient, db: Session
) -> None:
    item, report, _indicator, _agency = factories.monitored_item(db)
    planner = factories.account(db, role=Role.planner)
    login(client, planner)
    url = f"/staff/monitoring/reports/{report.id}/publish"
    assert post(client, url).status_code == 303
    db.expire_all()
    [change] = db.exec(select(PlanItemChange).where(PlanItemChange.item_id == item.id)).all()
    assert change.changes == {"status": ["not_started", "on_track"]}
    assert change.actor_id == planner.id
    assert "2569" in change.reason
    saved = db.get(PlanItem, item.id)
    assert saved is not None
    assert (saved.status, saved.revision) == ("on_track", change.revision)
    # Published again: the status does not change, so the history does not grow.
    assert post(client, url).status_code == 303
    assert len(db.exec(select(PlanItemChange).where(PlanItemChange.item_id == item.id)).all()) == 1


def test_agency_reports_with_a_photo_and_a_planner_publishes(
    client: TestClient, db: Session
) -> None:
    item, _report_row, _indicator, agency = factories.monitored_item(db)
    login(client, agency)
    assert item.title in client.get("/staff/monitoring").text
    response = _report(
        client,
        item,
        {
            "period": "ไตรมาส ๒/๒๕๖๙",
            "status": "on_track",
            "percent": "45",
            "budget_spent": "250,000",
            "narrative": "ปูทางเท้าแล้วครึ่งทาง",
        },
        files=[("evidence", ("site.png", _png(), "image/png"))],
    )
    assert response.status_code == 303, response.text
    report = db.exec(select(ProgressReport).where(ProgressReport.period_key == "2569-Q2")).one()
    assert (report.state, report.percent, report.budget_spent) == ("submitted", 45, 250_000)
    evidence = db.exec(select(EvidenceFile).where(EvidenceFile.report_id == report.id)).one()
    assert evidence.media_type == "image/png"
    # Not public before it is published.
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get(f"/evidence/{evidence.id}").status_code == 404
    assert "ปูทางเท้าแล้วครึ่งทาง" not in client.get("/dashboards/khon-kaen").text
    planner = factories.account(db, role=Role.planner)
    login(client, planner)
    assert post(client, f"/staff/monitoring/reports/{report.id}/publish").status_code == 303
    client.post("/logout", data={"csrf_token": csrf(client)})
    image = client.get(f"/evidence/{evidence.id}")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    dashboard = client.get("/dashboards/khon-kaen")
    assert dashboard.status_code == 200
    assert item.title in dashboard.text
    assert "<svg" in dashboard.text
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/dashboards/khon-kaen/items.csv").content.decode("utf-8-sig"))
        )
    )
    mine = next(r for r in rows if r["title"] == item.title)
    assert mine["status"] == "on_track"
    assert mine["latest_period"] == "2569-Q2"


def test_an_agency_reports_only_on_its_own_items(client: TestClient, db: Session) -> None:
    item, _r, _i, _agency = factories.monitored_item(db, agency_name="กองช่าง")
    _other_item, _r2, _i2, other_agency = factories.monitored_item(db, agency_name="กองคลัง")
    login(client, other_agency)
    assert client.get(f"/staff/monitoring/items/{item.id}").status_code == 403
    response = _report(client, item, {"period": "2569-Q2", "status": "on_track"})
    assert response.status_code == 403
    assert _count(db, ProgressReport) == 2  # the two factory reports only
    facilitator = factories.account(db)
    login(client, facilitator)
    assert _report(client, item, {"period": "2569-Q2", "status": "on_track"}).status_code == 403


@pytest.mark.parametrize(
    ("data", "files", "message"),
    [
        ({"period": "2569-Q2", "status": "on_track", "percent": "150"}, [], "0 ถึง 100"),
        ({"period": "2599-Q1", "status": "on_track"}, [], "ยังไม่เริ่ม"),
        ({"period": "2569-Q5", "status": "on_track"}, [], "ไม่ใช่ช่วงเวลา"),
        ({"period": "2569-Q2", "status": "maybe"}, [], "สถานะ"),
        ({"period": "2569-Q2", "status": "on_track", "budget_spent": "-5"}, [], "ติดลบไม่ได้"),
        (
            {"period": "2569-Q2", "status": "on_track"},
            [("evidence", ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"))],
            "ไม่ใช่ภาพถ่าย",
        ),
        (
            {"period": "2569-Q2", "status": "on_track"},
            [
                (
                    "evidence",
                    (
                        "big.pdf",
                        b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF",
                        "application/pdf",
                    ),
                )
            ],
            "ใหญ่เกินไป",
        ),
    ],
)
def test_bad_reports_are_refused_and_the_form_kept(
    client: TestClient,
    db: Session,
    data: dict[str, str],
    files: list,
    message: str,  # type: ignore[type-arg]
) -> None:
    item, _r, _i, agency = factories.monitored_item(db)
    login(client, agency)
    response = _report(client, item, {**data, "narrative": "บันทึกที่ต้องไม่หาย"}, files)
    assert response.status_code == 422, response.text[:500]
    assert message in response.text
    assert "บันทึกที่ต้องไม่หาย" in response.text  # what was typed is kept
    assert _count(db, ProgressReport) == 1
    assert _count(db, EvidenceFile) == 0


def test_a_huge_upload_is_refused_before_it_is_read(client: TestClient, db: Session) -> None:
    item, _r, _i, agency = factories.monitored_item(db)
    login(client, agency)
    response = client.post(
        f"/staff/monitoring/items/{item.id}/reports",
        content=b"x" * 10,
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(100 * 1024 * 1024),
            "x-csrf-token": csrf(client),
        },
    )
    assert response.status_code == 413


def test_planner_of_another_city_is_refused_its_monitoring(client: TestClient, db: Session) -> None:
    item, report, indicator, _agency = factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner, city_slug="chiang-rai"))
    assert client.get("/staff/monitoring/chiang-rai").status_code == 200
    refused = [
        client.get("/staff/monitoring/khon-kaen"),
        client.get("/staff/monitoring/khon-kaen/import"),
        client.get(f"/staff/monitoring/items/{item.id}"),
        post(client, "/staff/monitoring/khon-kaen/agencies", {"name": "กองใหม่"}),
        post(client, f"/staff/monitoring/items/{item.id}", {"status": "done"}),
        post(client, f"/staff/monitoring/reports/{report.id}/publish"),
        post(
            client,
            f"/staff/monitoring/indicators/{indicator.id}/values",
            {"period": "2026-Q1", "value": "3"},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    db.refresh(report)
    assert report.state != "published"
    cities = client.get("/staff/monitoring").context["cities"]  # type: ignore[attr-defined]
    assert [c.slug for c in cities] == ["chiang-rai"]


def test_planner_sets_up_items_agencies_and_indicators(client: TestClient, db: Session) -> None:
    item, _r, _i, _agency = factories.monitored_item(db)
    planner = factories.account(db, role=Role.planner)
    login(client, planner)
    assert client.get("/staff/monitoring/khon-kaen").status_code == 200
    assert (
        post(client, "/staff/monitoring/khon-kaen/agencies", {"name": "กองสวัสดิการสังคม"}).status_code
        == 303
    )
    agency = db.exec(select(Agency).where(Agency.name == "กองสวัสดิการสังคม")).one()
    url = f"/staff/monitoring/items/{item.id}"
    good = {
        "agency_id": str(agency.id),
        "budget_planned": "๑,๕๐๐,๐๐๐",
        "fiscal_year_start": "2569",
        "fiscal_year_end": "2570",
        "status": "delayed",
        "dimension": "mobility",
        "revision": "1",
    }
    assert post(client, url, good).status_code == 303
    db.refresh(item)
    assert (item.agency_id, item.budget_planned, item.status) == (agency.id, 1_500_000, "delayed")
    assert post(client, url, {**good, "fiscal_year_end": "2568"}).status_code == 422
    assert post(client, url, {**good, "fiscal_year_start": "2026"}).status_code == 422
    other_city_agency = Agency(city_id=factories.city(db, "nan").id or 0, name="กองช่างน่าน")
    db.add(other_city_agency)
    db.commit()
    assert post(client, url, {**good, "agency_id": str(other_city_agency.id)}).status_code == 422
    # Indicators: adopt one from the library (once), add a custom one, record values.
    for _ in range(2):
        assert (
            post(
                client, "/staff/monitoring/khon-kaen/indicators/adopt", {"key": "pm25_days"}
            ).status_code
            == 303
        )
    adopted = db.exec(select(Indicator).where(Indicator.library_key == "pm25_days")).one()
    target = {
        "baseline_value": "60",
        "baseline_date": "2024-09-30",
        "target_value": "30",
        "target_date": "2027-09-30",
    }
    assert (
        post(client, f"/staff/monitoring/indicators/{adopted.id}/target", target).status_code == 303
    )
    values = f"/staff/monitoring/indicators/{adopted.id}/values"
    assert (
        post(client, values, {"period": "2569-Q1", "value": "๔๕", "publish": "1"}).status_code
        == 303
    )
    assert (
        post(client, values, {"period": "2569-Q1", "value": "44", "publish": "1"}).status_code
        == 303
    )
    assert db.exec(
        select(IndicatorValue.value).where(IndicatorValue.indicator_id == adopted.id)
    ).all() == [44]
    assert post(client, values, {"period": "2569-Q2", "value": "12 กม."}).status_code == 422
    custom = {
        "name_th": "ครัวเรือนที่คัดแยกขยะ",
        "unit": "%",
        "direction": "higher",
        "baseline_value": "10",
        "target_value": "50",
    }
    assert post(client, "/staff/monitoring/khon-kaen/indicators", custom).status_code == 303
    assert (
        post(
            client, "/staff/monitoring/khon-kaen/indicators", {**custom, "name_th": ""}
        ).status_code
        == 422
    )
    dashboard = client.get("/dashboards/khon-kaen").text
    assert "ครัวเรือนที่คัดแยกขยะ" in dashboard


def _upload(client: TestClient, content: bytes, filename: str = "reports.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/staff/monitoring/khon-kaen/import",
        data={"csrf_token": csrf(client)},
        files=[("file", (filename, content, "text/csv"))],
    )


def test_import_previews_every_row_error_and_imports_all_or_nothing(
    client: TestClient, db: Session
) -> None:
    item, _r, _i, _agency = factories.monitored_item(db)
    planner = factories.account(db, role=Role.planner)
    login(client, planner)
    bad = (
        "\ufeffโครงการ,ไตรมาส,สถานะ,ร้อยละ,เบิกจ่าย\n"
        f"{item.priority},2569-Q2,ตามแผน,40,200000\n"
        f"{item.priority},2569-Q3,อาจจะ,140,abc\n"
        "ไม่มีโครงการนี้,2569-Q3,ล่าช้า,10,0\n"
        f"{item.priority},2569-Q2,ตามแผน,45,0\n"
    ).encode()
    preview = _upload(client, bad)
    assert preview.status_code == 200
    text = preview.text
    assert 'id="import-errors"' in text
    for expected in ("อาจจะ", "140", "abc", "ไม่มีโครงการนี้"):
        assert expected in text
    upload_id = int(text.split("/import/")[1].split('"')[0])
    mapping = {
        "map-item": "โครงการ",
        "map-period": "ไตรมาส",
        "map-status": "สถานะ",
        "map-percent": "ร้อยละ",
        "map-budget_spent": "เบิกจ่าย",
    }
    refused = post(
        client, f"/staff/monitoring/khon-kaen/import/{upload_id}", {**mapping, "action": "import"}
    )
    assert refused.status_code == 422
    assert _count(db, ProgressReport) == 1  # nothing was imported
    good = (
        "ลำดับ,ช่วงเวลา,สถานะ,ความคืบหน้า,งบที่ใช้,หมายเหตุ\n"
        f'{item.priority},ไตรมาส ๒/๒๕๖๙,ตามแผน,๔๐,"200,000",เริ่มงาน\n'
        f"{item.title},2569-Q3,delayed,55%,300000,\n"
    ).encode()
    preview = _upload(client, good)
    assert 'id="import-errors"' not in preview.text
    upload_id = int(preview.text.split("/import/")[1].split('"')[0])
    mapping = {
        "map-item": "ลำดับ",
        "map-period": "ช่วงเวลา",
        "map-status": "สถานะ",
        "map-percent": "ความคืบหน้า",
        "map-budget_spent": "งบที่ใช้",
        "map-narrative": "หมายเหตุ",
    }
    done = post(
        client, f"/staff/monitoring/khon-kaen/import/{upload_id}", {**mapping, "action": "import"}
    )
    assert done.status_code == 303
    reports = db.exec(select(ProgressReport).order_by(ProgressReport.period_end)).all()
    assert [(r.period_key, r.status, r.percent, r.budget_spent) for r in reports] == [
        ("2569-Q1", "on_track", 20, 100_000),
        ("2569-Q2", "on_track", 40, 200_000),
        ("2569-Q3", "delayed", 55, 300_000),
    ]


def test_import_explains_unreadable_files(client: TestClient, db: Session) -> None:
    factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner))
    not_utf8 = _upload(client, "โครงการ,ไตรมาส\n".encode("cp874"))
    assert not_utf8.status_code == 422
    assert "UTF-8" in not_utf8.text
    assert _upload(client, b"").status_code == 422
    assert _upload(client, b"\x00\x01binary", "x.xlsx").status_code == 422


def test_import_reads_an_xlsx_with_merged_cells_and_thai_digits(
    client: TestClient, db: Session
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    item, _r, _i, _agency = factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["โครงการ", "ไตรมาส", "สถานะ", "ร้อยละ"])
    sheet.append([item.priority, "ไตรมาส ๒/๒๕๖๙", "ตามแผน", "๓๐"])
    sheet.append([None, "ไตรมาส ๓/๒๕๖๙", "ล่าช้า", 35])
    sheet.merge_cells("A2:A3")  # one item cell spanning its two quarters
    buffer = io.BytesIO()
    book.save(buffer)
    preview = _upload(client, buffer.getvalue(), "reports.xlsx")
    assert preview.status_code == 200, preview.text[:400]
    assert 'id="import-errors"' not in preview.text
    assert preview.text.count(item.title) >= 2


def test_public_dashboards_and_their_data(client: TestClient, db: Session) -> None:
    item, report, _i, _agency = factories.monitored_item(db)
    programme = client.get("/dashboards")
    assert programme.status_code == 200
    assert "khon-kaen" in programme.text
    data = client.get("/dashboards/programme.csv").content.decode("utf-8-sig")
    assert data.splitlines()[0].startswith("city,plan_items")
    for table in ("status", "budget", "items", "indicators"):
        assert client.get(f"/dashboards/khon-kaen/{table}.csv").status_code == 200
    assert client.get("/dashboards/khon-kaen/secrets.csv").status_code == 404
    assert client.get("/dashboards/atlantis").status_code == 404
    # The factory's report is only submitted: the public status counts ignore it.
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/dashboards/khon-kaen/items.csv").content.decode("utf-8-sig"))
        )
    )
    assert next(r for r in rows if r["title"] == item.title)["latest_period"] == ""
    assert report.state == "submitted"


def test_import_asks_for_a_missing_column_instead_of_failing(
    client: TestClient, db: Session
) -> None:
    item, _r, _i, _agency = factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner))
    preview = _upload(client, f"a,b,c\n{item.priority},2569-Q2,ตามแผน\n".encode())
    assert preview.status_code == 200
    upload_id = int(preview.text.split("/import/")[1].split('"')[0])
    response = post(
        client,
        f"/staff/monitoring/khon-kaen/import/{upload_id}",
        {"map-item": "a", "map-period": "", "map-status": "c", "action": "import"},
    )
    assert response.status_code == 422
    assert "โปรดเลือกคอลัมน์" in response.text
    assert _count(db, ProgressReport) == 1


def test_an_agency_reports_its_item_indicator_with_the_report(
    client: TestClient, db: Session
) -> None:
    item, _r, indicator, agency = factories.monitored_item(db)
    login(client, agency)
    wrong_unit = _report(
        client,
        item,
        {"period": "2569-Q3", "status": "on_track", f"indicator-{indicator.id}": "12 ตร.ม."},
    )
    assert wrong_unit.status_code == 422
    assert "ความยาวทางเท้า" in wrong_unit.text
    ok = _report(
        client,
        item,
        {"period": "2569-Q3", "status": "on_track", f"indicator-{indicator.id}": "๒.๕ km"},
    )
    assert ok.status_code == 303
    value = db.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)).one()
    assert (value.period_key, value.value, value.published) == ("2569-Q3", 2.5, False)
    report = db.exec(select(ProgressReport).where(ProgressReport.period_key == "2569-Q3")).one()
    login(client, factories.account(db, role=Role.planner))
    assert post(client, f"/staff/monitoring/reports/{report.id}/publish").status_code == 303
    db.refresh(value)
    assert value.published


def test_an_oversized_form_is_cut_off_before_anything_parses_it(
    client: TestClient, db: Session
) -> None:
    """The CSRF token in the form body would make the CSRF check parse the whole upload: the
    body limit must answer first, with a page saying why."""
    item, _r, _i, agency = factories.monitored_item(db)
    login(client, agency)
    big = b"0" * (31 * 1024 * 1024)
    response = client.post(
        f"/staff/monitoring/items/{item.id}/reports",
        data={"csrf_token": csrf(client), "period": "2569-Q2", "status": "on_track"},
        files=[("evidence", ("huge.pdf", big, "application/pdf"))],
    )
    assert response.status_code == 413
    assert "ใหญ่เกินไป" in response.text
    small_form_route = client.post(
        "/staff/monitoring/khon-kaen/agencies",
        data={"csrf_token": csrf(client), "name": "x" * (3 * 1024 * 1024)},
    )
    assert small_form_route.status_code == 413
    assert _count(db, ProgressReport) == 1


def test_item_form_with_an_empty_status_is_refused_not_a_500(
    client: TestClient, db: Session
) -> None:
    item, _r, _i, _agency = factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner))
    url = f"/staff/monitoring/items/{item.id}"
    refused = post(client, url, {"revision": "1", "status": ""})
    assert refused.status_code == 422
    db.expire_all()
    after = db.get(PlanItem, item.id)
    assert after is not None
    assert (after.status, after.revision) == ("not_started", 1)


def test_item_form_goes_through_the_plan_record_history(client: TestClient, db: Session) -> None:
    item, _r, _i, _agency = factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner))
    url = f"/staff/monitoring/items/{item.id}"
    edit = {"revision": "1", "budget_planned": "2,000,000", "status": "on_track"}
    assert post(client, url, edit | {"reason": "งบเพิ่มตามมติสภา"}).status_code == 303
    db.expire_all()
    [change] = db.exec(select(PlanItemChange).where(PlanItemChange.item_id == item.id)).all()
    assert change.changes == {
        "budget_planned": [1_000_000, 2_000_000],
        "status": ["not_started", "on_track"],
    }
    assert (change.reason, change.revision) == ("งบเพิ่มตามมติสภา", 2)
    assert change.actor_id is not None
    # A form opened before that save is refused, and shows what changed meanwhile.
    late = post(client, url, edit | {"budget_planned": "3,000,000"})
    assert late.status_code == 409
    assert late.context["stale"] == [change]  # type: ignore[attr-defined]
    db.expire_all()
    assert db.get(PlanItem, item.id).budget_planned == 2_000_000  # type: ignore[union-attr]


def test_adopted_plan_items_keep_their_text_but_progress_is_recorded(
    client: TestClient, db: Session
) -> None:
    item, _r, _i, _agency = factories.monitored_item(db)
    plan = db.get(Plan, item.plan_id)
    assert plan is not None
    plan.status = PlanStatus.adopted
    db.add(plan)
    db.commit()
    login(client, factories.account(db, role=Role.planner))
    url = f"/staff/monitoring/items/{item.id}"
    page = client.get(url)
    assert 'name="budget_planned"' not in page.text
    assert 'name="status"' in page.text
    refused = post(client, url, {"revision": "1", "budget_planned": "5,000,000"})
    assert refused.status_code == 409
    assert "อนุมัติแล้ว" in refused.text
    saved = post(client, url, {"revision": "1", "status": "delayed", "reason": "ฝนตกหนัก"})
    assert saved.status_code == 303
    db.expire_all()
    after = db.get(PlanItem, item.id)
    assert after is not None
    assert (after.status, after.budget_planned, after.revision) == ("delayed", 1_000_000, 2)
    [change] = db.exec(select(PlanItemChange).where(PlanItemChange.item_id == item.id)).all()
    assert (change.changes, change.reason) == ({"status": ["not_started", "delayed"]}, "ฝนตกหนัก")


def test_publish_goes_back_only_to_a_local_next_path(client: TestClient, db: Session) -> None:
    """The page to go back to is a form field checked to be a path of this site; neither a
    forged `next` nor the Referer header (which the old code followed) leads anywhere else."""
    item, report, _indicator, _agency = factories.monitored_item(db)
    login(client, factories.account(db, role=Role.planner))
    url = f"/staff/monitoring/reports/{report.id}/publish"
    item_page = f"/staff/monitoring/items/{item.id}"
    form = client.get(item_page).text  # the publish form names its own page
    assert f'name="next" value="{item_page}#report-{report.id}"' in form
    back = post(client, url, {"next": "/staff/monitoring/khon-kaen#pending"})
    assert back.headers["location"] == "/staff/monitoring/khon-kaen#pending"
    forged = [
        "https://evil.example/staff",
        "//evil.example/staff",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/staff?to=https://evil.example",
        "javascript:alert(1)",
        "evil.example",
        " /staff",
        "",
    ]
    for value in forged:
        response = post(client, url, {"next": value}, headers={"Referer": "https://evil.example/"})
        assert response.headers["location"] == item_page, value
    same_site = {"Referer": "http://testserver/staff/monitoring/khon-kaen"}
    assert post(client, url, headers=same_site).headers["location"] == item_page
