"""A long wall on a phone: older ideas load on scroll, +1 and comments work on them, and new
ideas still arrive live."""

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.db import make_engine
from app.models import StaffAccount, Workshop
from app.routes.participate import PHONE_WALL_SIZE
from app.services import ideas as idea_service
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


def test_moderation_keeps_the_older_ideas_a_phone_has_loaded(
    phones: tuple[Page, Page], live_server: str
) -> None:
    """Hiding, merging and restoring change those ideas in place: a phone that scrolled back
    keeps every page it loaded, and its own +1 marks."""
    phone, _ = phones
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        workshop = factories.workshop(session)
        ideas = [
            factories.idea(session, workshop=workshop, text=f"ข้อเสนอหมายเลข {n}")
            for n in range(PHONE_WALL_SIZE + 10)
        ]
        ids = [idea.id or 0 for idea in ideas]
        code, workshop_id = workshop.join_code, workshop.id
        staff_id = factories.account(session).id
    newest, on_first_page, merged = ids[-1], ids[-5], ids[-6]

    def moderate(action: Callable[[Session, Workshop, StaffAccount], object]) -> None:
        """What the console's buttons do, straight through the service."""
        with Session(engine) as session:
            row, staff = session.get(Workshop, workshop_id), session.get(StaffAccount, staff_id)
            assert row is not None
            assert staff is not None
            action(session, row, staff)
            session.commit()

    _join(phone, live_server, code)
    phone.evaluate("window.__sameDocument = true")
    phone.locator("#wall-list li.more a").scroll_into_view_if_needed()
    ideas_shown = phone.locator("#wall-list li.idea")
    expect(ideas_shown).to_have_count(PHONE_WALL_SIZE + 10, timeout=5_000)
    phone.locator(f"#idea-{newest}").get_by_role("button", name=re.compile(r"\+1")).click()
    expect(phone.locator(f"#idea-{newest} button[aria-pressed='true']")).to_be_visible()

    moderate(lambda s, w, by: idea_service.hide(s, w, on_first_page, reason="ซ้ำ", by=by))
    expect(phone.locator(f"#idea-{on_first_page}")).to_have_count(0, timeout=5_000)
    moderate(lambda s, w, _: idea_service.mark_duplicate(s, w, merged, newest))
    expect(phone.locator(f"#idea-{merged}")).to_have_count(0, timeout=5_000)
    expect(phone.locator(f"#idea-{newest}")).to_contain_text("รวมความคิดเห็นที่คล้ายกัน 1 รายการ")
    expect(ideas_shown).to_have_count(PHONE_WALL_SIZE + 8)  # the older page is still there
    expect(phone.locator(f"#idea-{ids[0]}")).to_be_attached()
    expect(phone.locator(f"#idea-{newest} button[aria-pressed='true']")).to_be_visible()

    moderate(lambda s, w, _: idea_service.restore(s, w, on_first_page))
    expect(ideas_shown).to_have_count(PHONE_WALL_SIZE + 9, timeout=5_000)
    shown = phone.eval_on_selector_all("#wall-list li.idea", "items => items.map(i => i.id)")
    assert shown == sorted(shown, key=lambda i: -int(i.removeprefix("idea-")))  # in its place
    assert phone.evaluate("window.__sameDocument") is True  # no reload on the way
    engine.dispose()
