"""The room, on a phone and on the projector: each phase's first screen at 390x844 puts its
action in view, results reach phones and the projector without a reload, the projector fits
its screen without staff links, irreversible actions ask first, and a first load stays small."""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlmodel import Session, select

from app.db import make_engine
from app.models import RoundStatus, StaffAccount, VoteRound, Workshop, WorkshopPhase
from app.services import voting
from app.services import workshops as workshop_service
from tests import factories
from tests.browser.conftest import DESKTOP, LIVE_DATABASES, PHONE, STAFF_PASSWORD

pytestmark = pytest.mark.browser

PHONE_HEIGHT = PHONE["viewport"]["height"]  # type: ignore[index]
FIRST_LOAD_BUDGET = 40 * 1024  # compressed bytes of a page's first load, everything included


@pytest.fixture(autouse=True)
def close_contexts(browser: Browser) -> Iterator[None]:
    """Close every page's connection (live streams included) before the server stops."""
    yield
    for context in browser.contexts:
        context.close()


@dataclass(frozen=True)
class Room:
    code: str
    workshop_id: int
    round_id: int | None


@contextmanager
def _session(live_server: str) -> Iterator[Session]:
    """A session on the live server's database; its engine is gone afterwards."""
    engine = make_engine(LIVE_DATABASES[live_server])
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _seed(live_server: str, *, vote: RoundStatus | None = None, ideas: int = 3) -> Room:
    """A workshop run by the browser facilitator, some ideas, a paused five-minute timer, and
    (if asked) an approval vote in the given state."""
    with _session(live_server) as session:
        facilitator = session.exec(
            select(StaffAccount).where(StaffAccount.email == "facilitator@browser.test")
        ).one()
        workshop = factories.workshop(session, title="เวทีห้องประชุม", facilitators=[facilitator])
        workshop.timer_remaining_seconds = 300
        session.add(workshop)
        session.commit()
        for n in range(ideas):
            factories.idea(session, workshop=workshop, text=f"ความคิดเห็นที่ {n + 1} เรื่องทางเท้า")
        round_id = None
        if vote is not None:
            opened = RoundStatus.open if vote == RoundStatus.closed else vote
            vote_round = factories.vote_round(session, workshop=workshop, status=opened)
            if vote == RoundStatus.closed:  # frozen the way staff close it
                voting.close_round(session, vote_round)
                session.commit()
            round_id = vote_round.id
        room = Room(workshop.join_code, workshop.id or 0, round_id)
    return room


def _change(live_server: str, room: Room, *, phase: str | None = None, close: bool = False) -> None:
    """What the facilitator would do at the console, done through the services."""
    with _session(live_server) as session:
        workshop = session.get(Workshop, room.workshop_id)
        assert workshop is not None
        if phase is not None:
            target = session.exec(
                select(WorkshopPhase).where(
                    WorkshopPhase.workshop_id == workshop.id, WorkshopPhase.kind == phase
                )
            ).first()
            assert target is not None
            workshop_service.go_to_phase(session, workshop, target.id)
        if close:
            workshop_service.set_status(session, workshop, "closed")  # type: ignore[arg-type]
        session.commit()


def _close_round(live_server: str, room: Room) -> None:
    with _session(live_server) as session:
        vote_round = session.get(VoteRound, room.round_id)
        assert vote_round is not None
        voting.close_round(session, vote_round)
        session.commit()


def _phone(browser: Browser) -> Page:
    return browser.new_context(**PHONE).new_page()  # closed by the close_contexts fixture


def _join(page: Page, base: str, code: str) -> None:
    page.goto(f"{base}/w/{code}")
    page.get_by_label("ประชาชน").check()
    page.get_by_role("button", name="เริ่ม").click()
    expect(page.locator("#phase-panel")).to_be_visible()


def _in_first_screen(locator: Locator, height: int = PHONE_HEIGHT) -> None:
    """Visible without scrolling: the whole box lies inside the first screen."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= height, f"{box} is below the first screen"


def _staff(browser: Browser, base: str, viewport: dict[str, int] | None = None) -> Page:
    options = {"viewport": viewport} if viewport else DESKTOP
    page = browser.new_context(**options).new_page()
    page.goto(f"{base}/login")
    page.get_by_label("อีเมล").fill("facilitator@browser.test")
    page.get_by_label("รหัสผ่าน").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page).to_have_url(re.compile(r"/staff$"))
    return page


def test_join_screen_has_start_in_view_and_a_compact_header(
    browser: Browser, live_server: str
) -> None:
    room = _seed(live_server)
    page = _phone(browser)
    page.goto(f"{live_server}/w/{room.code}")
    header = page.locator("header.site").bounding_box()
    assert header is not None
    assert header["height"] <= 56
    _in_first_screen(page.get_by_role("link", name="EN"))  # the language, one tap away
    _in_first_screen(page.get_by_role("button", name="เริ่ม"))
    page.get_by_text("เมนู").click()  # the menu opens without a script of its own
    expect(page.get_by_role("link", name="เข้าร่วมการประชุม")).to_be_visible()


@pytest.mark.parametrize("phase", ["ideation", "voting", "themes", "wrap_up", "closed"])
def test_each_phase_puts_its_action_in_the_first_screen(
    browser: Browser, live_server: str, phase: str
) -> None:
    room = _seed(live_server, vote=RoundStatus.open if phase == "voting" else RoundStatus.closed)
    page = _phone(browser)
    _join(page, live_server, room.code)
    page.goto("about:blank")  # the live page may reload itself on the change, racing ours
    if phase == "closed":
        _change(live_server, room, close=True)
    elif phase != "ideation":
        _change(live_server, room, phase=phase)
    page.goto(f"{live_server}/w/{room.code}")
    if phase == "ideation":
        _in_first_screen(page.locator("#idea-form").get_by_role("button", name="ส่ง"))
        _in_first_screen(page.get_by_label("ความคิดเห็นหรือข้อเสนอแนะของท่าน"))
    elif phase == "voting":
        _in_first_screen(page.get_by_role("link", name="ลงคะแนนเลย"))
    elif phase in ("themes", "wrap_up"):
        _in_first_screen(page.locator("#ballot h2"))  # what happened: the vote's results
        assert page.evaluate(
            "document.getElementById('ballot-area').compareDocumentPosition("
            "document.getElementById('idea-form')) & Node.DOCUMENT_POSITION_FOLLOWING"
        )  # writing comes after the results and the wall
    else:
        _in_first_screen(page.locator("#closing h2"))
        expect(page.locator("#closing")).to_contain_text("ขอบคุณ")
        expect(page.locator("#idea-form")).to_have_count(0)  # no idea form once closed
        expect(page.locator("#ballot")).to_contain_text("ผลการลงคะแนน")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_phone_page_reorders_itself_when_the_vote_opens_and_closes(
    browser: Browser, live_server: str
) -> None:
    room = _seed(live_server, vote=RoundStatus.draft)
    page = _phone(browser)
    _join(page, live_server, room.code)
    page.evaluate("window.__sameDocument = true")
    with _session(live_server) as session:
        vote_round = session.get(VoteRound, room.round_id)
        assert vote_round is not None
        voting.open_round(session, vote_round)
        session.commit()
    vote_now = page.get_by_role("link", name="ลงคะแนนเลย")
    expect(vote_now).to_be_visible(timeout=5_000)
    _in_first_screen(vote_now)  # the ballot card moved first, without a reload
    expect(page.locator("#phone-flow")).to_have_attribute("data-mode", "voting")
    _close_round(live_server, room)
    expect(page.locator("#phone-flow")).to_have_attribute("data-mode", "ideation", timeout=5_000)
    _in_first_screen(page.locator("#idea-form").get_by_role("button", name="ส่ง"))
    assert page.evaluate("window.__sameDocument") is True


def _staff_post(page: Page, url: str, form: dict[str, str]) -> None:
    """Post a staff form as the console would, with the page's own session and CSRF token."""
    token = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")["X-CSRF-Token"]
    response = page.context.request.post(url, form={**form, "csrf_token": token})
    assert response.ok, f"{url}: {response.status}"


@pytest.mark.parametrize("action", ["close", "reveal"])
def test_results_reach_the_phone_and_the_projector_without_a_reload(
    browser: Browser, live_server: str, action: str
) -> None:
    """The facilitator closes the vote (confirmed) or reveals its results: the phone's vote
    card and the projector's vote panel show them through the live stream, no reload."""
    room = _seed(live_server, vote=RoundStatus.open)
    phone = _phone(browser)
    _join(phone, live_server, room.code)
    vote_card = phone.locator("#ballot")
    expect(vote_card.get_by_role("link", name="ลงคะแนนเลย")).to_be_visible()
    expect(phone.locator(f"#ballot-results-{room.round_id}")).to_have_count(0)
    projector = _staff(browser, live_server, {"width": 1280, "height": 800})
    projector.goto(f"{live_server}/staff/workshops/{room.workshop_id}/projector")
    expect(projector.locator("#projector-vote")).to_contain_text("เปิดลงคะแนน")
    expect(projector.locator(".projector-bars")).to_have_count(0)  # hidden until then
    for page in (phone, projector):
        page.evaluate("window.__sameDocument = true")

    form = {"confirm": "yes"} if action == "close" else {"visible": "1"}
    _staff_post(projector, f"{live_server}/staff/rounds/{room.round_id}/{action}", form)

    expect(phone.locator(f"#ballot-results-{room.round_id} li")).to_have_count(2, timeout=5_000)
    if action == "close":  # the card is now the results card: nothing left to vote on
        expect(vote_card.locator("h2")).to_have_text("ผลการลงคะแนน")
        expect(vote_card.get_by_role("link", name="ลงคะแนนเลย")).to_have_count(0)
    else:  # revealed while open: the results join the ballot's card
        expect(vote_card.get_by_role("link", name="ลงคะแนนเลย")).to_be_visible()
    expect(projector.locator("#projector-vote .projector-bars li")).to_have_count(2, timeout=5_000)
    for page in (phone, projector):
        assert page.evaluate("window.__sameDocument") is True  # swapped in, not reloaded


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_projector_fits_the_screen_without_staff_links(
    browser: Browser, live_server: str, width: int, height: int
) -> None:
    room = _seed(live_server, vote=RoundStatus.closed, ideas=40)
    page = _staff(browser, live_server, {"width": width, "height": height})
    for path in ("projector", "themes/projector"):
        page.goto(f"{live_server}/staff/workshops/{room.workshop_id}/{path}")
        assert page.evaluate("document.documentElement.scrollHeight") <= height
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        expect(
            page.locator("a[href^='/staff'], form[action='/logout'], header.site")
        ).to_have_count(0)
    page.goto(f"{live_server}/staff/workshops/{room.workshop_id}/projector")
    for selector in (".qr svg", ".projector-code", ".timer", "#projector-counts"):
        _in_first_screen(page.locator(selector), height)
    qr = page.locator(".qr svg").bounding_box()
    assert qr is not None
    assert abs(qr["width"] - qr["height"]) < 2  # square: no empty strip under the code
    expect(page.locator(".projector-code")).to_have_text(room.code)
    page.goto(f"{live_server}/rounds/{room.round_id}/results?view=projector")
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    expect(page.locator(".projector-bars li")).to_have_count(2)


def test_closing_the_workshop_asks_in_a_dialog(browser: Browser, live_server: str) -> None:
    room = _seed(live_server)
    console = _staff(browser, live_server)
    console.goto(f"{live_server}/staff/workshops/{room.workshop_id}")
    close = console.locator("#run-panel").get_by_role("button", name="ปิดการประชุม")
    dialog = console.locator("dialog#confirm-close-workshop")
    close.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="ยกเลิก").click()
    expect(dialog).to_be_hidden()
    with _session(live_server) as session:
        workshop = session.get(Workshop, room.workshop_id)
        assert workshop is not None
        assert workshop.status == "open"  # cancelled: nothing happened
    close.click()
    dialog.get_by_role("button", name="ปิดการประชุม").click()
    expect(console.locator("#run-panel")).to_contain_text("การประชุมนี้ปิดแล้ว")


def _transferred(page: Page) -> int:
    """Bytes over the wire (compressed, headers included) of the page shown and everything it
    loaded, once its scripts have settled (what the browser had cached counts nothing)."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    return int(
        page.evaluate(
            "performance.getEntriesByType('navigation').concat("
            "performance.getEntriesByType('resource'))"
            ".reduce((sum, e) => sum + e.transferSize, 0)"
        )
    )


def test_first_load_of_the_join_and_workshop_pages_fits_the_byte_budget(
    browser: Browser, live_server: str
) -> None:
    room = _seed(live_server, ideas=50)
    join, workshop = f"{live_server}/join", f"{live_server}/w/{room.code}"
    for url in (join, workshop):  # each opened first, from a link or a QR code
        page = browser.new_context(**PHONE).new_page()
        page.goto(url)
        size = _transferred(page)
        assert 5_000 < size <= FIRST_LOAD_BUDGET, f"{url} alone: {size} bytes"
    # The way in by code: the join page, then the code sent, which leads to the workshop.
    page = browser.new_context(**PHONE).new_page()
    page.goto(join)
    both = _transferred(page)
    page.locator("#code").fill(room.code)
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.get_by_role("button", name="เข้าร่วม").click()
    expect(page).to_have_url(workshop)
    redirect = sent.value.request.sizes()
    both += redirect["responseHeadersSize"] + redirect["responseBodySize"] + _transferred(page)
    assert both <= FIRST_LOAD_BUDGET, f"join, then the workshop: {both} bytes"


# Every element in the first screen: where it is, the part of it in view, and how it looks.
FIRST_SCREEN = """() => [...document.querySelectorAll('body *')].filter(element => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight;
}).map(element => {
    const box = element.getBoundingClientRect(), style = getComputedStyle(element);
    const shown = Math.min(box.bottom, innerHeight) - Math.max(box.top, 0);
    return [element.tagName, element.id, element.className, box.x, box.y, box.width, shown,
        style.color, style.backgroundColor, style.fontSize, style.fontWeight,
        style.borderTopWidth, style.borderTopColor, style.visibility].join(' ');
})"""


def _first_screen(page: Page, url: str, *, whole_sheet: bool) -> list[str]:
    """The first screen with the whole stylesheet, or with only the inlined critical CSS
    (app.css refused, as if it had not arrived yet)."""
    if not whole_sheet:
        page.route("**/static/app.css*", lambda route: route.abort())
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)  # the live stream's first events
    screen: list[str] = page.evaluate(FIRST_SCREEN)
    page.unroute("**/static/app.css*")
    return screen


def test_entry_pages_first_screen_needs_only_the_inlined_css(
    browser: Browser, live_server: str
) -> None:
    """Join, the board join and the workshop page (to join, then in each phase) look the same
    before app.css arrives as after, and the Content-Security-Policy lets the inline CSS apply."""
    room = _seed(live_server, vote=RoundStatus.open)
    with _session(live_server) as session:
        slug = factories.city(session).slug  # the seeded workshop's city
    page = _phone(browser)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    workshop = f"{live_server}/w/{room.code}"
    pages = [f"{live_server}/join", f"{live_server}/cities/{slug}/board/join", workshop]
    for url in pages:
        assert _first_screen(page, url, whole_sheet=False) == _first_screen(
            page, url, whole_sheet=True
        ), url
    _join(page, live_server, room.code)
    for phase in ("ideation", "voting", "wrap_up", "closed"):
        page.goto("about:blank")  # a live page may reload itself on the change: not mid-visit
        if phase == "closed":
            _change(live_server, room, close=True)
        else:
            _change(live_server, room, phase=phase)
        critical = _first_screen(page, workshop, whole_sheet=False)
        assert critical == _first_screen(page, workshop, whole_sheet=True), phase
    assert refused == []


def _spotlight(live_server: str, room: Room, idea_id: int | None) -> None:
    with _session(live_server) as session:
        workshop = session.get(Workshop, room.workshop_id)
        assert workshop is not None
        workshop_service.spotlight(session, workshop, idea_id)
        session.commit()


def test_spotlight_fills_the_projector_then_gives_back_the_wall(
    browser: Browser, live_server: str
) -> None:
    room = _seed(live_server, ideas=2)
    page = _staff(browser, live_server, {"width": 1280, "height": 720})
    page.goto(f"{live_server}/staff/workshops/{room.workshop_id}/projector?sort=plus")
    spotlight = page.locator("#spotlight")
    expect(spotlight).to_be_hidden()
    first = page.locator("#wall-list li").last
    idea_id = int((first.get_attribute("id") or "").removeprefix("idea-"))
    _spotlight(live_server, room, idea_id)
    expect(spotlight).to_be_visible(timeout=5_000)
    expect(spotlight).to_contain_text("ความคิดเห็นที่")
    box = spotlight.bounding_box()
    assert box is not None
    assert (box["width"], box["height"]) == (1280, 720)  # the whole screen
    _spotlight(live_server, room, None)
    expect(spotlight).to_be_hidden(timeout=5_000)
    expect(page.locator("#wall-list li")).to_have_count(2)


def test_text_at_200_percent_loses_nothing(browser: Browser, live_server: str) -> None:
    """A phone set to large text (the root font size doubled, as the browser's text-size
    setting does): nothing runs off the side, and join, write and send are all reachable."""
    room = _seed(live_server)
    page = _phone(browser)
    page.add_init_script(  # on every page this phone opens (CSSOM: the CSP lets it through)
        "document.addEventListener('DOMContentLoaded', () =>"
        " document.documentElement.style.setProperty('font-size', '200%', 'important'));"
    )
    page.goto(f"{live_server}/w/{room.code}")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    start = page.get_by_role("button", name="เริ่ม")
    start.scroll_into_view_if_needed()
    expect(start).to_be_in_viewport()
    page.get_by_label("ประชาชน").check()
    start.click()
    box = page.get_by_label("ความคิดเห็นหรือข้อเสนอแนะของท่าน")
    box.scroll_into_view_if_needed()
    expect(box).to_be_in_viewport()
    box.fill("ขอทางเท้าที่เดินได้จริง")
    send = page.locator("#idea-form").get_by_role("button", name="ส่ง")
    send.scroll_into_view_if_needed()
    expect(send).to_be_in_viewport()
    send.click()
    expect(page.locator("#wall-list")).to_contain_text("ขอทางเท้าที่เดินได้จริง", timeout=5_000)
    for element in ("header.site", "#phase-panel", "#idea-form", "#wall-list"):
        width = page.evaluate(f"document.querySelector('{element}').scrollWidth")
        assert width <= 390, f"{element} is {width} px wide at 200% text"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
