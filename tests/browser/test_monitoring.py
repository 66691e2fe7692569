"""Monitoring in Chromium: an agency files a progress report with a photo on a phone, a
planner publishes it, and the public dashboard shows it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.db import make_engine
from app.models import Role
from app.services import accounts
from tests import factories
from tests.browser.conftest import DESKTOP, LIVE_DATABASES, PHONE, STAFF_PASSWORD
from tests.routes.test_monitoring import _png

pytestmark = pytest.mark.browser


def _login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("อีเมล").fill(email)
    page.get_by_label("รหัสผ่าน").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def test_agency_reports_planner_publishes_public_sees(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        item, _report, _indicator, agency = factories.monitored_item(session, city_slug="nan")
        account = accounts.create_account(
            session,
            email="agency@browser.test",
            password=STAFF_PASSWORD,
            role=Role.agency,
            display_name="กองช่าง (browser)",
        )
        account.agency_id = agency.agency_id
        session.add(account)
        session.commit()
        title = item.title
    engine.dispose()
    photo = tmp_path / "site.png"
    photo.write_bytes(_png())

    phone_context = browser.new_context(**PHONE)
    phone = phone_context.new_page()
    _login(phone, live_server, "agency@browser.test")
    phone.goto(f"{live_server}/staff/monitoring")
    phone.get_by_role("link", name=title).click()
    phone.get_by_label("ช่วงเวลา").fill("2569-Q3")
    phone.get_by_label("สถานะ", exact=True).select_option("on_track")
    phone.get_by_label("ร้อยละความก้าวหน้า").fill("60")
    phone.get_by_label("สิ่งที่ทำแล้ว และอุปสรรค").fill("ปูทางเท้าเสร็จแล้วสองในสาม")
    phone.get_by_label("ภาพถ่ายหรือ PDF (ไม่เกิน 5 ไฟล์ ไฟล์ละ 5 MB)").set_input_files(str(photo))
    phone.get_by_role("button", name="ส่งรายงาน").click()
    expect(phone.locator("#flash-area")).to_contain_text("บันทึกรายงานแล้ว")
    expect(phone.locator("#reports")).to_contain_text("รอตรวจ")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    desk_context = browser.new_context(**DESKTOP)
    planner = desk_context.new_page()
    _login(planner, live_server, "planner@browser.test")
    planner.goto(f"{live_server}/staff/monitoring/nan")
    pending = planner.locator("#pending li", has_text=title).filter(has_text="ไตรมาส 3/2569")
    pending.get_by_role("button", name="เผยแพร่").click()
    expect(planner.locator("#flash-area")).to_contain_text("เผยแพร่รายงาน")

    public_context = browser.new_context(**PHONE)
    public = public_context.new_page()
    public.goto(f"{live_server}/dashboards/nan")
    row = public.locator("#items tr", has_text=title)
    expect(row).to_contain_text("60%")
    expect(row).to_contain_text("ไตรมาส 3/2569")
    expect(public.locator("#status svg")).to_be_visible()
    for context in (phone_context, desk_context, public_context):
        context.close()
