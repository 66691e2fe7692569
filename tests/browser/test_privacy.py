"""PDPA rights on a phone (390x844, Thai): join with a name and demographics, open "my data",
download the JSON copy, withdraw consent, erase."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, expect
from sqlmodel import Session

from app.db import make_engine
from tests import factories
from tests.browser.conftest import LIVE_DATABASES, PHONE

pytestmark = pytest.mark.browser
NAME = "นกน้อยทดสอบ"
COMMUNITY = "ชุมชนโนนชัยทดสอบ"


def _seed(live_server: str) -> str:
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        code = factories.workshop(session).join_code
    engine.dispose()
    return code


def _fits_the_screen(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_my_data_on_a_phone_in_thai(browser: Browser, live_server: str, tmp_path: Path) -> None:
    code = _seed(live_server)
    context = browser.new_context(**PHONE, accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(f"{live_server}/w/{code}")
    page.get_by_label("ประชาชน").check()
    page.locator("details.demographics summary").click()
    page.locator("#display_name").fill(NAME)
    page.locator("#age_band").select_option("41_60")
    page.locator("#community").fill(COMMUNITY)
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="เริ่ม").click()

    page.get_by_role("link", name="ข้อมูลของฉัน").click()
    expect(page.get_by_role("heading", name="ข้อมูลของฉัน", exact=True)).to_be_visible()
    expect(page.locator("#my-reference")).to_have_text(re.compile(r"^P-[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    expect(page.get_by_text(COMMUNITY)).to_be_visible()
    assert _fits_the_screen(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="ดาวน์โหลดข้อมูลทั้งหมดของฉัน (JSON)").click()
    saved = tmp_path / "my-data.json"
    download_info.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert (data["participant"]["display_name"], data["participant"]["community"]) == (
        NAME,
        COMMUNITY,
    )
    assert "ballots" in data

    page.get_by_role("button", name="ถอนความยินยอมและลบช่วงอายุและชุมชนของฉัน").click()
    expect(page.get_by_text("ถอนความยินยอมแล้ว")).to_be_visible()
    expect(page.get_by_text(COMMUNITY)).to_have_count(0)
    expect(page.get_by_text(re.compile("ถอนเมื่อ"))).to_be_visible()

    page.get_by_label("ใช่ ลบข้อมูลของฉัน (ย้อนกลับไม่ได้)").check()
    page.get_by_role("button", name="ลบข้อมูลของฉัน", exact=True).click()
    expect(page.get_by_text("ลบข้อมูลของคุณแล้ว")).to_be_visible()
    assert page.url.endswith(f"/w/{code}")
    expect(page.get_by_role("button", name="เริ่ม")).to_be_visible()  # the phone has left
    expect(page.get_by_text(NAME)).to_have_count(0)
    assert _fits_the_screen(page)
    assert dialogs == []
    context.close()


def test_board_my_data_on_a_phone_in_thai(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    """The same rights for someone who takes part on the city's proposal board."""
    context = browser.new_context(**PHONE, accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server}/cities/khon-kaen/board/join")
    expect(page.locator("#retention-notice")).to_contain_text("24 เดือนหลังจาก")
    page.get_by_label("ประชาชน").check()
    page.locator("#display_name").fill(NAME)
    page.locator("details.demographics summary").click()
    page.locator("#age_band").select_option("18_25")
    page.locator("#community").fill(COMMUNITY)
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="เริ่ม").click()
    page.get_by_role("link", name="เสนอข้อเสนอ").click()
    page.locator("#title").fill("ทางม้าลายหน้าโรงเรียนบ้านโนนทัน")
    page.get_by_role("button", name="ส่งข้อเสนอ").click()

    page.get_by_role("link", name="ข้อมูลของฉัน").click()
    expect(page).to_have_url(re.compile(r"/cities/khon-kaen/board/me$"))
    expect(page.locator("#my-reference")).to_have_text(re.compile(r"^P-[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    expect(page.locator("#kept-until")).to_have_text(re.compile(r"^\d{1,2} \S+ 25\d\d$"))  # B.E.
    activity = page.locator("#my-board-activity")
    expect(activity.get_by_role("link", name="ทางม้าลายหน้าโรงเรียนบ้านโนนทัน")).to_be_visible()
    assert _fits_the_screen(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="ดาวน์โหลดข้อมูลทั้งหมดของฉัน (JSON)").click()
    saved = tmp_path / "board-data.json"
    download_info.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["participant"]["community"] == COMMUNITY
    assert [p["title"] for p in data["proposals"]] == ["ทางม้าลายหน้าโรงเรียนบ้านโนนทัน"]

    page.get_by_role("button", name="ถอนความยินยอมและลบช่วงอายุและชุมชนของฉัน").click()
    expect(page.get_by_text("ถอนความยินยอมแล้ว")).to_be_visible()
    expect(page.get_by_text(COMMUNITY)).to_have_count(0)

    page.get_by_label("ใช่ ลบข้อมูลของฉัน (ย้อนกลับไม่ได้)").check()
    page.get_by_role("button", name="ลบข้อมูลของฉัน", exact=True).click()
    expect(page.get_by_text("ลบข้อมูลของคุณแล้ว")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/cities/khon-kaen/proposals$"))
    expect(page.get_by_role("link", name="เข้าร่วม: เสนอ แสดงความคิดเห็น และสนับสนุน")).to_be_visible()
    expect(page.get_by_text("ทางม้าลายหน้าโรงเรียนบ้านโนนทัน")).to_be_visible()  # stays, nameless
    expect(page.get_by_text(NAME)).to_have_count(0)
    assert _fits_the_screen(page)
    assert dialogs == []
    context.close()
