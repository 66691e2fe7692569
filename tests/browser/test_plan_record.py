"""The plan record in Chromium on a phone: a planner agrees two priorities from a closed vote
with a rationale each, is told an item lacks a responsible agency, fixes it, moves the version
to public consultation and downloads the plan as a Thai PDF; a resident on another phone
joins the city's board from the public plan page, comments on an item and sees the comment."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from app.db import make_engine
from app.domain.voting import Method
from app.models import Agency, RoundStatus
from app.services import voting
from tests import factories
from tests.browser.conftest import LIVE_DATABASES, PHONE, STAFF_PASSWORD
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.browser


def _login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("อีเมล").fill(email)
    page.get_by_label("รหัสผ่าน").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def _seed(url: str) -> tuple[int, list[int]]:
    engine = make_engine(url)
    with Session(engine) as session:
        workshop = factories.workshop(session, city_slug="krabi", title="เวทีประชาคมกระบี่")
        proposals = [
            factories.proposal(session, workshop=workshop, title=title)
            for title in ("ทางเท้าริมแม่น้ำวัง", "ลอกท่อระบายน้ำ", "ตลาดนัดชุมชน")
        ]
        vote_round = factories.vote_round(
            session,
            workshop=workshop,
            proposals=proposals,
            method=Method.approval,
            status=RoundStatus.open,
        )
        for n in range(3):
            voting.cast_ballot(
                session,
                vote_round,
                voter_key=f"voter-{n}",
                group="resident",
                marks={p.id or 0: 1 for p in proposals[: 3 - n]},
                client_key=f"k{n}",
                secret_key="browser-secret",
            )
        voting.close_round(session, vote_round)
        session.add(Agency(city_id=workshop.city_id, name="กองช่าง"))
        session.commit()
        result = vote_round.id or 0, [p.id or 0 for p in proposals]
    engine.dispose()
    return result


def test_planner_agrees_priorities_moves_to_consultation_and_downloads_the_pdf(
    browser: Browser, live_server: str
) -> None:
    round_id, (first, second, _third) = _seed(LIVE_DATABASES[live_server])
    context = browser.new_context(**PHONE, accept_downloads=True)
    page = context.new_page()
    _login(page, live_server, "planner@browser.test")
    page.goto(f"{live_server}/staff/plans/krabi/agree?round={round_id}")
    for proposal_id, why in ((first, "ทุกคนเห็นด้วย"), (second, "น้ำท่วมซ้ำทุกปี")):
        pick = page.locator(f"#pick-{proposal_id}")
        pick.get_by_role("checkbox").check()
        pick.get_by_label("เหตุผล (สั้น ๆ)").fill(why)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="เพิ่มลงในร่างแผน").click()
    expect(page.locator("#flash-area")).to_contain_text("2")
    items = page.locator("#items .plan-items > li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("ทางเท้าริมแม่น้ำวัง")
    expect(items.first).to_contain_text("ทุกคนเห็นด้วย")

    page.get_by_label("เปลี่ยนสถานะฉบับนี้เป็น").select_option("consultation")
    page.get_by_role("button", name="เปลี่ยนสถานะฉบับ").click()
    expect(page.locator("#move-error")).to_contain_text("หน่วยงานรับผิดชอบ")

    for title in ("ทางเท้าริมแม่น้ำวัง", "ลอกท่อระบายน้ำ"):
        page.goto(f"{live_server}/staff/plans/krabi")
        page.get_by_role("link", name=title).click()
        page.get_by_label("หน่วยงานรับผิดชอบ").select_option(label="กองช่าง")
        page.get_by_label("งบประมาณ (บาท)").fill("1.5 ล้าน")
        page.get_by_role("button", name="บันทึก", exact=True).click()
        expect(page.locator("#flash-area")).to_contain_text("บันทึก")

    page.goto(f"{live_server}/staff/plans/krabi")
    page.get_by_label("เปลี่ยนสถานะฉบับนี้เป็น").select_option("consultation")
    page.get_by_label("บันทึก (ไม่บังคับ)").fill("เปิดรับฟังความคิดเห็น 30 วัน")
    page.get_by_role("button", name="เปลี่ยนสถานะฉบับ").click()
    expect(page.locator("#plan-state")).to_have_text("รับฟังความคิดเห็นจากประชาชน")

    with page.expect_download() as download_info:
        page.locator("#version-files").get_by_role("link", name="เอกสาร PDF").click()
    path = download_info.value.path()
    text = pdf_text(path.read_bytes())
    assert "ทางเท้าริมแม่น้ำวัง" in text
    assert "ลอกท่อระบายน้ำ" in text
    assert "1,500,000" in text
    assert "รับฟังความคิดเห็นจากประชาชน" in text

    context.close()

    resident = browser.new_context(**PHONE)
    public = resident.new_page()
    public.goto(f"{live_server}/cities/krabi/plan")
    expect(public.locator(".plan-items > li")).to_have_count(2)
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    public.get_by_role("link", name="ร่วมแสดงความคิดเห็นต่อแผน").click()
    public.get_by_label("ประชาชน").check()
    public.get_by_role("button", name="เริ่ม").click()
    expect(public).to_have_url(re.compile(r"/cities/krabi/plan$"))
    item = public.locator(".plan-items > li").first
    item.get_by_text("แสดงความคิดเห็นต่อรายการนี้").click()
    item.get_by_label("ความเห็นของท่าน").fill("ขอให้มีทางลาดสำหรับรถเข็นด้วย")
    item.get_by_role("button", name="ส่งความเห็น").click()
    expect(public.locator("#flash-area")).to_contain_text("ขอบคุณ")
    comment = public.locator(".plan-items > li").first.locator(".plan-comments .comment")
    expect(comment).to_contain_text("ขอให้มีทางลาดสำหรับรถเข็นด้วย")
    expect(comment).to_contain_text("ประชาชน")
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    resident.close()
