"""A resident on a phone joins Khon Kaen's proposal board, finds a proposal by a Thai word,
opens it, comments and supports it; a facilitator rewords it and merges a duplicate into it."""

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from app.db import make_engine
from app.models import StaffAccount
from app.services import board
from app.services.board import ProposalFields
from tests import factories
from tests.browser.conftest import LIVE_DATABASES, PHONE, STAFF_PASSWORD

pytestmark = pytest.mark.browser


def _seed(live_server: str) -> tuple[int, int]:
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        facilitator = session.exec(
            select(StaffAccount).where(StaffAccount.email == "facilitator@browser.test")
        ).one()
        factories.workshop(session, title="เวทีขอนแก่น", facilitators=[facilitator])
        city = factories.city(session)
        author = factories.board_participant(session)
        flood = board.propose(session, city, author, ProposalFields(title="ปัญหาน้ำท่วมขังถนนหน้าตลาด"))
        duplicate = board.propose(session, city, author, ProposalFields(title="ตลาดน้ำท่วมทุกปี"))
        board.propose(session, city, author, ProposalFields(title="ไฟถนนดับซอย ๕"))
        session.commit()
        ids = (flood.id or 0, duplicate.id or 0)
    engine.dispose()
    return ids


def test_join_find_comment_support_then_reword_and_merge(
    browser: Browser, live_server: str
) -> None:
    flood_id, duplicate_id = _seed(live_server)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server}/cities/khon-kaen/board/join")
    phone.get_by_label("ประชาชน").check()
    phone.get_by_role("button", name="เริ่ม").click()
    expect(phone).to_have_url(re.compile(r"/cities/khon-kaen/proposals$"))

    phone.locator("#q").fill("น้ำท่วม")
    phone.locator("form[role=search] button[type=submit]").click()
    cards = phone.locator(".proposal-card")
    expect(cards).to_have_count(2)
    expect(cards.first.locator("mark").first).to_have_text("น้ำท่วม")
    phone.get_by_role("link", name="ปัญหาน้ำท่วมขังถนนหน้าตลาด").click()
    expect(phone.locator("h1")).to_have_text("ปัญหาน้ำท่วมขังถนนหน้าตลาด")

    phone.locator("#comment-text").fill("เห็นด้วย น้ำขังทุกครั้งที่ฝนตก")
    phone.locator("#comments form button[type=submit]").last.click()
    expect(phone.locator(".comment").first).to_contain_text("น้ำขังทุกครั้งที่ฝนตก")
    phone.get_by_role("button", name="สนับสนุนข้อเสนอนี้").click()
    expect(phone.locator("#support button[aria-pressed='true']")).to_be_visible()
    expect(phone.locator("#support")).to_contain_text("1")

    staff = browser.new_context(**PHONE).new_page()
    staff.goto(f"{live_server}/login")
    staff.get_by_label("อีเมล").fill("facilitator@browser.test")
    staff.get_by_label("รหัสผ่าน").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="เข้าสู่ระบบ").click()
    staff.goto(f"{live_server}/cities/khon-kaen/proposals/{flood_id}")
    staff.get_by_text("ปรับถ้อยคำ", exact=True).click()
    staff.locator("#staff #title").fill("แก้น้ำท่วมขังถนนหน้าตลาดสด")
    staff.locator("#edit-reason").fill("ให้ชัดขึ้น")
    staff.locator("#staff details").first.locator("button[type=submit]").click()
    expect(staff.locator("h1")).to_have_text("แก้น้ำท่วมขังถนนหน้าตลาดสด")
    expect(staff.locator("#history del").first).to_have_text("ปัญหาน้ำท่วมขังถนนหน้าตลาด")

    staff.goto(f"{live_server}/cities/khon-kaen/proposals/{duplicate_id}")
    staff.get_by_text("รวมเข้ากับข้อเสนออื่น", exact=True).click()
    staff.locator("#merge-into").fill(str(flood_id))
    staff.get_by_role("button", name="รวม", exact=True).click()
    expect(staff).to_have_url(re.compile(rf"/proposals/{flood_id}#history$"))
    staff.goto(f"{live_server}/cities/khon-kaen/proposals/{duplicate_id}")
    expect(staff).to_have_url(re.compile(rf"/proposals/{flood_id}$"))
    staff.context.close()
    phone.context.close()


def test_resident_proposes_with_use_my_location_on_a_phone(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(
        **PHONE,
        geolocation={"latitude": 16.44190049, "longitude": 102.83600051},
        permissions=["geolocation"],
    )
    phone = context.new_page()
    phone.goto(f"{live_server}/cities/khon-kaen/board/join")
    phone.get_by_label("ประชาชน").check()
    phone.get_by_role("button", name="เริ่ม").click()
    phone.goto(f"{live_server}/cities/khon-kaen/proposals/new")
    phone.locator("#title").fill("ทางม้าลายหน้าโรงเรียน")
    locate = phone.locator("[data-locate]")
    expect(locate).to_be_visible()
    locate.click()
    expect(phone.locator("#latitude-field")).to_have_value("16.441900")
    expect(phone.locator("#longitude-field")).to_have_value("102.836001")
    phone.locator("form button[type=submit].big").click()
    link = phone.locator("#map-point a")
    expect(link).to_have_attribute(
        "href",
        "https://www.openstreetmap.org/?mlat=16.441900&mlon=102.836001#map=17/16.441900/102.836001",
    )
    context.close()


def test_resident_deletes_own_comment_through_the_dialog(
    browser: Browser, live_server: str
) -> None:
    flood_id, _duplicate = _seed(live_server)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server}/cities/khon-kaen/board/join")
    phone.get_by_label("ประชาชน").check()
    phone.get_by_role("button", name="เริ่ม").click()
    phone.goto(f"{live_server}/cities/khon-kaen/proposals/{flood_id}")
    phone.locator("#comment-text").fill("พิมพ์ผิด ขอลบ")
    phone.locator("#comments form button[type=submit]").last.click()
    comment = phone.locator(".comment", has_text="พิมพ์ผิด ขอลบ")
    expect(comment).to_have_count(1)
    comment.get_by_role("button", name="ลบ", exact=True).click()
    dialog = phone.locator("#confirm-delete-comment")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="ยกเลิก").click()
    expect(comment).to_have_count(1)
    comment.get_by_role("button", name="ลบ", exact=True).click()
    dialog.get_by_role("button", name="ลบความคิดเห็น").click()
    expect(phone.locator(".flash")).to_contain_text("ลบความคิดเห็นของคุณแล้ว")
    expect(phone.locator(".comment", has_text="พิมพ์ผิด ขอลบ")).to_have_count(0)
