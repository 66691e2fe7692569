"""The themes board in Chromium: the facilitator finds themes in a seeded workshop (the real
background runner), merges two themes and renames one."""

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session

from app.db import make_engine
from app.models import StakeholderGroup
from app.services import accounts
from tests import factories
from tests.browser.conftest import DESKTOP, LIVE_DATABASES, STAFF_PASSWORD
from tests.thai_comments import FLOOD, GARBAGE, LIGHT

pytestmark = pytest.mark.browser


def test_facilitator_finds_merges_and_renames_themes(browser: Browser, live_server: str) -> None:
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        facilitator = accounts.find_by_email(session, "facilitator@browser.test")
        assert facilitator is not None
        workshop = factories.workshop(session, title="เวทีจัดประเด็น", facilitators=[facilitator])
        groups = list(StakeholderGroup)
        for topic in (FLOOD, GARBAGE, LIGHT):
            for i, text in enumerate(topic):
                factories.idea(session, workshop=workshop, text=text, group=groups[i % 5])
        workshop_id = workshop.id
    engine.dispose()

    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("อีเมล").fill("facilitator@browser.test")
    page.get_by_label("รหัสผ่าน").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    page.goto(f"{live_server}/staff/workshops/{workshop_id}")
    page.get_by_role("link", name="ประเด็น", exact=True).click()
    expect(page.locator("h1")).to_have_text("ประเด็น")

    page.get_by_role("button", name="ค้นหาประเด็น", exact=True).click()
    cards = page.locator(".theme-card:not(.other)")
    expect(cards).to_have_count(3, timeout=20_000)  # the board reloads when the run ends

    # Merge the second theme into the first.
    first = cards.nth(0)
    second_name = cards.nth(1).locator(".theme-label").inner_text()
    first.locator("summary", has_text="แก้ไขประเด็นนี้").click()
    first.get_by_label("รวมกับ").select_option(label=second_name)
    first.get_by_role("button", name="รวม", exact=True).click()
    expect(cards).to_have_count(2)

    # Rename the merged theme (the board comes back scrolled to it).
    anchor = re.search(r"#theme-(\d+)", page.url)
    assert anchor, page.url
    target = page.locator(f"#theme-{anchor.group(1)}")
    target.locator("summary", has_text="แก้ไขประเด็นนี้").click()
    target.get_by_label("ชื่อประเด็น").fill("น้ำท่วมและขยะ")
    target.get_by_role("button", name="เปลี่ยนชื่อ").click()
    expect(page.locator(".theme-label", has_text="น้ำท่วมและขยะ")).to_have_count(1)
    page.close()
    context.close()
