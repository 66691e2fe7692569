"""Voting on a phone (390x844) in Chromium: a dot vote and a participatory budget, from
joining to checking the receipt."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.db import make_engine
from app.domain import presence
from app.domain.eligibility import Eligibility
from app.domain.voting import Method
from app.models import RoundStatus
from tests import factories
from tests.browser.conftest import LIVE_DATABASES, PHONE
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.browser


def _seed(
    live_server: str,
    method: Method,
    eligibility: Eligibility = Eligibility.open,
    **limits: object,
) -> tuple[str, list[str], int]:
    """A workshop with three proposals and an open round; returns its code, the titles and
    the round's id."""
    engine = make_engine(LIVE_DATABASES[live_server])
    titles = ["สร้างสวนสาธารณะริมบึง", "ซ่อมถนนหน้าโรงเรียน", "ติดไฟส่องสว่างในซอย"]
    with Session(engine) as session:
        workshop = factories.workshop(session)
        proposals = [factories.proposal(session, workshop=workshop, title=t) for t in titles]
        vote_round = factories.vote_round(
            session,
            workshop=workshop,
            proposals=proposals,
            method=method,
            status=RoundStatus.open,
            eligibility=eligibility,
            **limits,
        )
        code, round_id = workshop.join_code, vote_round.id or 0
    engine.dispose()
    return code, titles, round_id


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    page.close()
    context.close()


def _screen_code(round_id: int) -> str:
    """What the projector shows now (the previous minute's code is accepted too)."""
    return presence.current_code(TEST_SECRET, round_id, datetime.now(UTC))


def _join(page: Page, base: str, code: str, group: str) -> None:
    page.goto(f"{base}/w/{code}")
    page.get_by_label(group).check()
    page.get_by_role("button", name="เริ่ม").click()
    page.get_by_role("link", name="ลงคะแนนเลย").click()


def _confirm_and_check_receipt(page: Page) -> None:
    page.get_by_role("button", name="ตรวจทานก่อนส่ง").click()
    page.get_by_role("button", name="ยืนยันการลงคะแนน").click()
    expect(page.locator("h1")).to_have_text("บันทึกการลงคะแนนของท่านแล้ว")
    receipt = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", receipt)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="ตรวจสอบใบรับ").click()
    expect(page.locator("#receipt-result")).to_contain_text("ได้รับแล้ว")


def test_dot_vote_on_a_phone(browser: Browser, live_server: str, phone: Page) -> None:
    """In the hall: the phone first types the code on the projector, then votes."""
    code, titles, round_id = _seed(
        live_server,
        Method.dot,
        Eligibility.hall,
        dots_per_voter=4,
        max_dots_per_proposal=3,
    )
    _join(phone, live_server, code, "ประชาชน")
    field = phone.get_by_label("รหัสบนจอ")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(phone.locator("#checkin-number")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    field.fill("000000" if _screen_code(round_id) != "000000" else "111111")
    phone.get_by_role("button", name="ไปที่บัตรลงคะแนน").click()
    expect(phone.locator("#gate-error")).to_contain_text("ไม่ใช่รหัสบนจอ")
    phone.get_by_label("รหัสบนจอ").fill(presence.display(_screen_code(round_id)))
    phone.get_by_role("button", name="ไปที่บัตรลงคะแนน").click()
    expect(phone.locator("#ballot-eligibility")).to_have_text("ในห้องประชุม: รหัสยืนยันตัว")
    remaining = phone.locator("[data-remaining]")
    expect(remaining).to_have_text("เหลือ 4 จุด")
    more = phone.get_by_role("button", name=f"เพิ่มหนึ่งจุดให้: {titles[0]}")
    for _ in range(4):  # the fourth tap stops at the limit of 3 on one proposal
        more.click()
    expect(remaining).to_have_text("เหลือ 1 จุด")
    phone.get_by_role("button", name=f"เพิ่มหนึ่งจุดให้: {titles[2]}").click()
    expect(remaining).to_have_text("เหลือ 0 จุด")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="ตรวจทานก่อนส่ง").click()
    review = phone.locator("#review")
    expect(review).to_contain_text(titles[0])
    expect(review).to_contain_text("3 จุด")
    phone.get_by_role("button", name="แก้ไข").click()  # back to the ballot, choices kept
    expect(remaining).to_have_text("เหลือ 0 จุด")
    _confirm_and_check_receipt(phone)


def test_budget_vote_on_a_phone(browser: Browser, live_server: str, phone: Page) -> None:
    code, titles, _round_id = _seed(
        live_server, Method.budget, budget=1_000_000, costs=[600_000, 500_000, 300_000]
    )
    _join(phone, live_server, code, "ภาคเอกชน")
    remaining = phone.locator("[data-remaining]")
    expect(remaining).to_contain_text("1,000,000")
    phone.get_by_text(titles[0]).click()
    expect(remaining).to_contain_text("400,000")
    phone.get_by_text(titles[1]).click()  # over budget: the counter says so at once
    expect(remaining).to_contain_text("เกินงบประมาณ 100,000")
    expect(remaining).to_have_class(re.compile(r"\bover\b"))  # an error state, not a balance
    phone.get_by_role("button", name="ตรวจทานก่อนส่ง").click()
    expect(phone.locator("#ballot-error")).to_contain_text("เกินงบประมาณ")
    expect(remaining).to_have_class(re.compile(r"\bover\b"))  # still, as the server drew it
    phone.get_by_text(titles[1]).click()
    phone.get_by_text(titles[2]).click()
    expect(remaining).to_contain_text("100,000")
    _confirm_and_check_receipt(phone)


def test_ranking_by_tapping_on_a_phone(browser: Browser, live_server: str, phone: Page) -> None:
    code, titles, _round_id = _seed(live_server, Method.ranked)
    _join(phone, live_server, code, "ประชาชน")
    rows = {t: phone.locator(".ballot-row", has_text=t) for t in titles}
    rows[titles[2]].get_by_role("button").click()  # first choice
    rows[titles[0]].get_by_role("button").click()  # second choice
    expect(rows[titles[2]].locator(".rank-badge")).to_have_text("1")
    expect(rows[titles[0]].locator(".rank-badge")).to_have_text("2")
    rows[titles[2]].get_by_role("button").click()  # taken back: the rest move up
    expect(rows[titles[0]].locator(".rank-badge")).to_have_text("1")
    expect(rows[titles[2]].locator(".rank-badge")).to_have_text("")
    rows[titles[1]].get_by_role("button").click()
    phone.get_by_role("button", name="ตรวจทานก่อนส่ง").click()
    review = phone.locator("#review li")
    expect(review.nth(0)).to_contain_text(titles[0])
    expect(review.nth(0)).to_contain_text("ลำดับที่ 1")
    expect(review.nth(1)).to_contain_text(titles[1])
    _confirm_and_check_receipt_after_review(phone)


def test_ranking_past_the_maximum_says_why(browser: Browser, live_server: str, phone: Page) -> None:
    code, titles, _round_id = _seed(live_server, Method.ranked, max_ranks=1)
    _join(phone, live_server, code, "ประชาชน")
    rows = [phone.locator(".ballot-row", has_text=t) for t in titles]
    expect(rows[0].locator("select")).to_be_hidden()  # tap buttons or selects, not both
    rows[0].get_by_role("button").click()
    limit = phone.locator("#rank-limit")
    expect(limit).to_be_hidden()
    rows[1].get_by_role("button").click()  # past the maximum
    expect(limit).to_be_visible()
    expect(rows[1].locator(".rank-badge")).to_have_text("")
    rows[0].get_by_role("button").click()  # taken back: the note goes
    expect(limit).to_be_hidden()


def _confirm_and_check_receipt_after_review(page: Page) -> None:
    page.get_by_role("button", name="ยืนยันการลงคะแนน").click()
    expect(page.locator("#receipt-code")).to_be_visible()
