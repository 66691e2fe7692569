"""A facilitator on a phone, with JavaScript off, ticks two ideas on the console and makes
them one proposal, then makes a proposal from a theme of the workshop."""

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from app.db import make_engine
from app.models import StaffAccount, Theme, ThemeRun
from tests import factories
from tests.browser.conftest import LIVE_DATABASES, PHONE, STAFF_PASSWORD

pytestmark = pytest.mark.browser


def _seed(live_server: str) -> tuple[int, list[int]]:
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        facilitator = session.exec(
            select(StaffAccount).where(StaffAccount.email == "facilitator@browser.test")
        ).one()
        workshop = factories.workshop(session, title="เวทีโนนทัน", facilitators=[facilitator])
        ideas = [
            factories.idea(session, workshop=workshop, text=text)
            for text in ("ไฟทางในซอยมืด", "ซอยเปลี่ยวตอนกลางคืน", "อยากได้ตลาดนัดชุมชน")
        ]
        run = ThemeRun(city_id=workshop.city_id, workshop_id=workshop.id, version=1, status="done")
        session.add(run)
        session.flush()
        session.add(
            Theme(
                city_id=run.city_id,
                workshop_id=workshop.id,
                run_id=run.id or 0,
                label="ความปลอดภัยในซอย",
            )
        )
        session.commit()
        result = (workshop.id or 0, [i.id or 0 for i in ideas])
    engine.dispose()
    return result


def test_facilitator_ticks_ideas_and_a_theme_into_proposals_without_javascript(
    browser: Browser, live_server: str
) -> None:
    workshop_id, ideas = _seed(live_server)
    page = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill("facilitator@browser.test")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"{live_server}/staff/workshops/{workshop_id}")

    for idea_id in ideas[:2]:
        box = page.locator(f"#idea-{idea_id} input[type=checkbox][name=idea_id]")
        box.check()
        expect(box).to_be_checked()
    # The button stays in reach at the foot of the screen while ticking (sticky).
    button = page.locator("#promote-ideas button[type=submit]")
    bounds = button.bounding_box()
    assert bounds is not None
    assert bounds["y"] >= 0
    assert bounds["y"] + bounds["height"] <= 844
    assert bounds["x"] >= 0
    assert bounds["x"] + bounds["width"] <= 390
    button.click()
    expect(page).to_have_url(re.compile(r"/cities/khon-kaen/proposals/\d+$"))
    expect(page.locator(".proposal .body")).to_contain_text("ไฟทางในซอยมืด")
    expect(page.locator(".proposal .body")).to_contain_text("ซอยเปลี่ยวตอนกลางคืน")
    expect(page.locator(".proposal .body")).not_to_contain_text("ตลาดนัด")

    page.goto(f"{live_server}/staff/workshops/{workshop_id}")
    expect(page.locator(f"#idea-{ideas[0]} input[type=checkbox][name=idea_id]")).to_have_count(0)
    expect(page.locator(f"#idea-{ideas[2]} input[type=checkbox][name=idea_id]")).to_have_count(1)
    page.locator("#promote-theme").select_option(label="ความปลอดภัยในซอย")
    page.locator("#promote-theme-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("ความปลอดภัยในซอย")
    page.goto(f"{live_server}/staff/workshops/{workshop_id}")
    expect(page.locator("#promote-theme")).to_have_count(0)
