"""axe-core on every kind of page, in Thai and in English: no serious or critical violation.

axe-core is vendored for the tests only (tests/browser/vendor/axe-core, see its README) and
injected into each page; the app never serves it."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from app.db import make_engine
from app.models import RoundStatus, StaffAccount
from app.services import voting
from tests import factories
from tests.browser.conftest import DESKTOP, LIVE_DATABASES, PHONE, STAFF_PASSWORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(autouse=True)
def close_contexts(browser: Browser) -> Iterator[None]:
    yield
    for context in browser.contexts:
        context.close()


def _seed(live_server: str) -> dict[str, str]:
    """A workshop with ideas, a closed vote with results and an open one; their addresses."""
    engine = make_engine(LIVE_DATABASES[live_server])
    with Session(engine) as session:
        facilitator = session.exec(
            select(StaffAccount).where(StaffAccount.email == "facilitator@browser.test")
        ).one()
        workshop = factories.workshop(session, title="เวทีทดสอบการเข้าถึง", facilitators=[facilitator])
        for n in range(3):
            factories.idea(session, workshop=workshop, text=f"ความคิดเห็นที่ {n + 1}")
        closed = factories.vote_round(session, workshop=workshop, status=RoundStatus.open)
        voting.close_round(session, closed)
        session.commit()
        open_round = factories.vote_round(session, workshop=workshop, status=RoundStatus.open)
        urls = {
            "code": workshop.join_code,
            "workshop": str(workshop.id),
            "closed": str(closed.id),
            "open": str(open_round.id),
        }
    engine.dispose()
    return urls


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("() => axe.run(document).then(r => r.violations)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def _check(page: Page, url: str, problems: dict[str, list[str]]) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    found = _violations(page)
    if found:
        problems[page.url] = found


@pytest.mark.parametrize("lang", ["th", "en"])
def test_no_serious_accessibility_violation_on_any_page(
    browser: Browser, live_server: str, lang: str
) -> None:
    seeded = _seed(live_server)
    code, workshop, closed, open_round = (
        seeded["code"],
        seeded["workshop"],
        seeded["closed"],
        seeded["open"],
    )
    base = live_server
    problems: dict[str, list[str]] = {}

    # A resident on a phone (CSP bypassed only to inject axe).
    phone = browser.new_context(**PHONE, bypass_csp=True).new_page()
    for path in ("/", "/join", f"/w/{code}", "/cities/khon-kaen", "/dashboards", "/receipts"):
        _check(phone, f"{base}{path}?lang={lang}", problems)
    phone.goto(f"{base}/w/{code}?lang={lang}")
    phone.locator("#join-card input[type=radio]").first.check()
    phone.locator("#join-card button[type=submit]").click()
    expect(phone.locator("#idea-form")).to_be_visible()
    for path in (f"/w/{code}", f"/w/{code}/vote", f"/rounds/{closed}/results"):
        _check(phone, f"{base}{path}?lang={lang}", problems)

    # The facilitator at a desk, and the projector.
    staff = browser.new_context(**DESKTOP, bypass_csp=True).new_page()
    staff.goto(f"{base}/login?lang={lang}")
    _check(staff, f"{base}/login?lang={lang}", problems)
    staff.locator("input[name=email]").fill("facilitator@browser.test")
    staff.locator("input[name=password]").fill(STAFF_PASSWORD)
    staff.locator("form[action='/login'] button[type=submit]").click()
    expect(staff).to_have_url(re.compile(r"/staff$"))
    for path in (
        "/staff",
        f"/staff/workshops/{workshop}",
        f"/staff/workshops/{workshop}/edit",
        f"/staff/workshops/{workshop}/report",
        f"/staff/workshops/{workshop}/themes",
        f"/staff/workshops/{workshop}/projector",
        f"/staff/workshops/{workshop}/themes/projector",
        f"/staff/rounds/{open_round}",
        f"/staff/rounds/{closed}",
        f"/rounds/{closed}/results?view=projector",
        "/dashboards/khon-kaen",
    ):
        _check(staff, f"{base}{path}{'&' if '?' in path else '?'}lang={lang}", problems)
    assert not problems, "\n".join(f"{url}: {found}" for url, found in problems.items())


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element that `selector` names has the focus (a keyboard user's way)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_walk_of_the_participant_flow(browser: Browser, live_server: str) -> None:
    seeded = _seed(live_server)
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server}/w/{seeded['code']}")
    _tab_to(page, "#join-card input[type=radio]")
    page.keyboard.press("Space")
    _tab_to(page, "#join-card button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#ballot")).to_be_visible()  # an open vote: the ballot card first
    _tab_to(page, "#ballot a.button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/vote$"))
    page.wait_for_load_state("load")
    _tab_to(page, ".ballot-row input, .ballot-row button")
    page.keyboard.press("Space")
    _tab_to(page, "form.ballot-form button[type=submit]:not([data-step]):not(.rank-tap)")
    page.keyboard.press("Enter")
    expect(page.locator("#review")).to_be_visible()  # the review page has loaded
    _tab_to(page, "#review button[type=submit], form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#receipt-code")).to_be_visible()
    page.goto(f"{live_server}/w/{seeded['code']}")
    page.wait_for_load_state("load")
    _tab_to(page, "#idea-text")
    page.keyboard.type("ทางม้าลายหน้าโรงเรียน")
    _tab_to(page, "#idea-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#wall-list")).to_contain_text("ทางม้าลายหน้าโรงเรียน")
