"""The whole cycle in a real browser: a phone joins and posts, the facilitator runs the vote,
the agreed priority lands in the draft plan, and the planner downloads it."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, STAFF_PASSWORD

pytestmark = pytest.mark.browser

IDEAS = ["ขยายทางเท้าให้ผู้สูงอายุเดินสะดวก", "แก้ปัญหาน้ำท่วมขังหน้าตลาดสด"]


def _login(page: Page, base: str, role: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("อีเมล").fill(f"{role}@browser.test")
    page.get_by_label("รหัสผ่าน").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def test_walking_skeleton_from_join_to_plan(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    base = live_server
    staff = browser.new_context(**DESKTOP, accept_downloads=True)
    phone = browser.new_context(**PHONE)
    facilitator = staff.new_page()
    participant = phone.new_page()

    # The facilitator creates a workshop and gets a join code.
    _login(facilitator, base, "facilitator")
    facilitator.get_by_role("link", name="สร้างการประชุมใหม่").click()
    facilitator.get_by_label("เมือง").select_option("khon-kaen")
    facilitator.get_by_label("ชื่อ").fill("เวทีประชาคมทดสอบ")
    facilitator.get_by_role("button", name="สร้างการประชุม").click()
    code = facilitator.locator("#join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{6}", code)

    # A phone joins with the code (typed in lower case), picks a group and posts two ideas.
    participant.goto(f"{base}/join")
    assert participant.evaluate("document.documentElement.scrollWidth") <= 390
    participant.get_by_label("รหัสการประชุม").fill(code.lower())
    participant.get_by_role("button", name="เข้าร่วม").click()
    participant.get_by_label("ภาคประชาสังคม").check()
    participant.get_by_role("button", name="เริ่ม").click()
    for text in IDEAS:
        participant.get_by_label("ความคิดเห็นหรือข้อเสนอแนะของท่าน").fill(text)
        participant.get_by_role("button", name="ส่ง", exact=True).click()
        expect(participant.locator("#wall")).to_contain_text(text)
        expect(participant.get_by_label("ความคิดเห็นหรือข้อเสนอแนะของท่าน")).to_have_value("")
    assert participant.evaluate("document.documentElement.scrollWidth") <= 390

    # The facilitator's console shows the ideas live, and promotes both to proposals.
    for text in IDEAS:
        expect(facilitator.locator("#wall-list")).to_contain_text(text, timeout=10_000)
    for promoted in range(1, len(IDEAS) + 1):
        facilitator.locator("#wall-list").get_by_role("button", name="ทำเป็นข้อเสนอ").first.click()
        expect(facilitator.locator("#proposals li")).to_have_count(promoted)
    # The facilitator sets up an approval vote on both proposals and opens it.
    console_url = facilitator.url
    facilitator.get_by_role("link", name="การลงคะแนนใหม่").click()
    facilitator.get_by_label("คำถาม").fill("เมืองควรทำข้อใดก่อน")
    facilitator.get_by_role("radio", name="ลงคะแนนแบบเห็นด้วย").check()
    facilitator.get_by_role("button", name="สร้างการลงคะแนน").click()
    facilitator.get_by_role("button", name="เปิดการลงคะแนน").click()
    expect(facilitator.locator(".status-open")).to_be_visible()

    # The vote card reaches the phone without a reload; the participant approves the flooding idea.
    ballot = participant.locator("#ballot")
    expect(ballot).to_be_visible(timeout=10_000)
    ballot.get_by_role("link", name="ลงคะแนนเลย").click()
    # In the hall (the default): the phone types the code the console shows.
    vote_page = facilitator.url
    facilitator.goto(console_url)
    shown = facilitator.locator("#console-presence-code").inner_text()
    participant.get_by_label("รหัสบนจอ").fill(shown)
    participant.get_by_role("button", name="ไปที่บัตรลงคะแนน").click()
    facilitator.goto(vote_page)
    participant.get_by_label(IDEAS[1]).check()
    participant.get_by_role("button", name="ตรวจทานก่อนส่ง").click()
    participant.get_by_role("button", name="ยืนยันการลงคะแนน").click()
    expect(participant.locator("#receipt-code")).to_be_visible()

    # The facilitator closes the vote and agrees the top proposal as a priority.
    facilitator.get_by_role("button", name="ปิดการลงคะแนนและบันทึกผลถาวร").click()
    dialog = facilitator.locator("dialog#confirm-close-round")
    expect(dialog).to_be_visible()  # irreversible: a dialog asks first
    dialog.get_by_role("button", name="ปิดการลงคะแนน", exact=True).click()
    expect(facilitator.locator(".digest")).to_be_visible()
    facilitator.goto(console_url)
    top = facilitator.locator("#proposals label.choice").first
    expect(top).to_contain_text(IDEAS[1])
    expect(top).to_contain_text("1 เสียงเห็นด้วย")
    top.get_by_role("checkbox").check()
    facilitator.get_by_role("button", name="เพิ่มลงในร่างแผน").click()
    expect(facilitator.locator("#proposals")).to_contain_text("อยู่ในร่างแผนแล้ว")

    # A draft is not public: the city page lists no plan until a version is published; the
    # planner downloads the CSV.
    participant.goto(f"{base}/cities/khon-kaen")
    expect(participant.locator("#plan #no-plan")).to_be_visible()
    expect(participant.locator("#plan")).not_to_contain_text(IDEAS[1])

    planner_context = browser.new_context(**DESKTOP, accept_downloads=True)
    planner = planner_context.new_page()
    _login(planner, base, "planner")
    planner.goto(f"{base}/staff/plans/khon-kaen")
    with planner.expect_download() as download_info:
        planner.get_by_role("link", name="ดาวน์โหลดข้อเสนอตามลำดับความสำคัญ (CSV)").click()
    target = tmp_path / "prioritized.csv"
    download_info.value.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["priority"], r["title"], r["support"]) for r in rows] == [("1", IDEAS[1], "1")]
    assert rows[0]["support_unit"] == "เสียงเห็นด้วย"

    for context in (staff, phone, planner_context):
        context.close()
