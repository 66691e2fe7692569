"""A long wall on a phone: older ideas load on scroll, +1 and comments work on them, and new
ideas still arrive live."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.db import make_engine
from app.routes.participate import PHONE_WALL_SIZE
from tests import factories
from tests.browser.conftest import LIVE_DATABASES, PHONE

pytestmark = pytest.mark.browser


def _seed(live_server: str, ideas: int) -> str:
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        workshop = factories.workshop(session)
        for n in range(ideas):
            factories.idea(session, workshop=workshop, text=f"ข้อเสนอหมายเลข {n}")
        code = workshop.join_code
    engine.dispose()
    return code


def _join(page: Page, base: str, code: str, group: str = "ประชาชน") -> None:
    page.goto(f"{base}/w/{code}")
    page.get_by_label(group).check()
    page.get_by_role("button", name="เริ่ม").click()


@pytest.fixture
def phones(browser: Browser) -> Iterator[tuple[Page, Page]]:
    first, second = browser.new_context(**PHONE), browser.new_context(**PHONE)
    yield first.new_page(), second.new_page()
    first.close()
    second.close()


def test_older_ideas_load_on_scroll_and_take_part(
    phones: tuple[Page, Page], live_server: str
) -> None:
    phone, other = phones
    code = _seed(live_server, PHONE_WALL_SIZE + 10)
    _join(phone, live_server, code)
    phone.evaluate("window.__sameDocument = true")
    oldest = phone.locator(
        "#wall-list li.idea", has=phone.locator("p.text", has_text=re.compile(r"^ข้อเสนอหมายเลข 0$"))
    )
    expect(oldest).to_have_count(0)
    phone.locator("#wall-list li.more a").scroll_into_view_if_needed()
    expect(oldest).to_have_count(1, timeout=5_000)
    expect(phone.locator("#wall-list li.idea")).to_have_count(PHONE_WALL_SIZE + 10)

    oldest.get_by_role("button", name=re.compile(r"\+1")).click()
    expect(oldest.locator("button[aria-pressed='true']")).to_be_visible()

    oldest.locator("summary").click()
    oldest.get_by_role("link", name="เขียนความเห็น").click()
    oldest.get_by_label("ความเห็นของท่าน").fill("เห็นด้วยกับข้อนี้")
    oldest.get_by_role("button", name="ส่งความเห็น").click()
    expect(oldest.locator(".comments")).to_contain_text("เห็นด้วยกับข้อนี้", timeout=5_000)

    _join(other, live_server, code, "สถาบันการศึกษา")
    other.get_by_label("ความคิดเห็นหรือข้อเสนอแนะของท่าน").fill("ขอทางจักรยานริมบึง")
    other.get_by_role("button", name="ส่ง", exact=True).click()
    expect(phone.locator("#wall-list li.idea").first).to_contain_text(
        "ขอทางจักรยานริมบึง", timeout=5_000
    )
    assert phone.evaluate("window.__sameDocument") is True  # no reload on the way
