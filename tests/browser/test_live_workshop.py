"""The live workshop in real browsers: the facilitator's console at desktop size and a
participant's phone at 390x844. The phone follows phase changes and paper notes without a
reload, and keeps what was typed when the connection drops."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, STAFF_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def close_contexts(browser: Browser) -> Iterator[None]:
    """Close every page's connection (live streams included) before the server stops."""
    yield
    for context in browser.contexts:
        context.close()


def _facilitator_with_workshop(browser: Browser, base: str) -> tuple[Page, str]:
    page = browser.new_context(**DESKTOP).new_page()  # closed by the close_contexts fixture
    page.goto(f"{base}/login")
    page.get_by_label("อีเมล").fill("facilitator@browser.test")
    page.get_by_label("รหัสผ่าน").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page).to_have_url(re.compile(r"/staff$"))
    page.goto(f"{base}/staff/workshops/new")
    page.get_by_label("เมือง").select_option("chiang-rai")
    page.get_by_label("ชื่อ", exact=True).fill("เวทีสดเชียงราย")
    page.get_by_role("button", name="สร้างการประชุม").click()
    return page, page.locator("#join-code").inner_text().strip()


def test_phone_follows_phase_changes_and_paper_notes(browser: Browser, live_server: str) -> None:
    console, code = _facilitator_with_workshop(browser, live_server)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server}/w/{code}")
    phone.get_by_label("ประชาชน").check()
    phone.get_by_role("button", name="เริ่ม").click()
    panel = phone.locator("#phase-panel")
    expect(panel).to_contain_text("แบ่งปันความคิดเห็น")

    # The facilitator moves to the next phase: the phone follows without a reload.
    phone.evaluate("window.__sameDocument = true")
    console.get_by_role("button", name="ขั้นตอนถัดไป").click()
    expect(console.locator("#current-phase")).to_have_text("จัดกลุ่มประเด็น")
    expect(panel).to_contain_text("จัดกลุ่มประเด็น", timeout=5_000)

    # A paper note typed at the console appears on the phone, marked as paper.
    console.get_by_label("กลุ่มที่เขียนไว้บนกระดาษ").select_option("academia")
    console.get_by_label("หมายเลขโต๊ะ (ไม่บังคับ)").fill("3")
    console.get_by_label("ข้อความบนกระดาษโน้ต").fill("เพิ่มรถสองแถวไปโรงพยาบาล")
    console.get_by_role("button", name="เพิ่มขึ้นกระดาน").click()
    note = phone.locator("#wall-list li.paper", has_text="เพิ่มรถสองแถวไปโรงพยาบาล")
    expect(note).to_be_visible(timeout=5_000)
    expect(note).to_contain_text("กระดาษโน้ต")

    # The timer started at the console counts down on the phone too.
    console.get_by_label("นาที", exact=True).fill("3")
    console.locator(".timer-form").get_by_role("button", name="เริ่ม").click()
    expect(phone.locator("#phase-panel .timer .clock")).to_have_text(
        re.compile(r"^[23]:\d\d$"), timeout=5_000
    )

    # A phone's idea reaches the console live, and a +1 counts.
    phone.get_by_label("ความคิดเห็นหรือข้อเสนอแนะของท่าน").fill("ขอไฟส่องสว่างหน้าตลาด")
    phone.get_by_role("button", name="ส่ง", exact=True).click()
    expect(console.locator("#wall-list")).to_contain_text("ขอไฟส่องสว่างหน้าตลาด", timeout=5_000)
    phone.locator("#wall-list li", has_text="เพิ่มรถสองแถว").get_by_role(
        "button", name=re.compile(r"\+1")
    ).click()
    expect(
        phone.locator("#wall-list li", has_text="เพิ่มรถสองแถว").locator(
            "button[aria-pressed='true']"
        )
    ).to_be_visible()

    assert (
        phone.evaluate("window.__sameDocument") is True
    )  # everything above happened without a reload
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_failed_send_keeps_the_text(browser: Browser, live_server: str) -> None:
    _console, code = _facilitator_with_workshop(browser, live_server)
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server}/w/{code}")
    phone.get_by_label("ภาคเอกชน").check()
    phone.get_by_role("button", name="เริ่ม").click()
    box = phone.get_by_label("ความคิดเห็นหรือข้อเสนอแนะของท่าน")
    box.fill("ที่จอดรถหน้าตลาดไม่พอ")
    phone.reload()  # even a reload keeps the draft
    expect(box).to_have_value("ที่จอดรถหน้าตลาดไม่พอ")

    context.set_offline(True)
    phone.get_by_role("button", name="ส่ง", exact=True).click()
    expect(phone.locator("#connection")).to_be_visible(timeout=5_000)
    expect(box).to_have_value("ที่จอดรถหน้าตลาดไม่พอ")

    # Back online: the same form goes again by itself, once (its idempotency key is kept).
    context.set_offline(False)
    sent = phone.locator("#wall-list li", has_text="ที่จอดรถหน้าตลาดไม่พอ")
    expect(sent).to_have_count(1, timeout=10_000)
    expect(box).to_have_value("")
    phone.wait_for_timeout(2_500)  # a second reconnect (the stream's retry) sends nothing more
    phone.reload()
    expect(sent).to_have_count(1)
    context.close()
