"""Screenshots of the phone through a workshop's phases and of the projector, for docs/screens/.

    python -m tests.browser.screens [OUT_DIR]

Serves the app on loopback with a fresh SQLite database holding the demo data, walks a phone
(390x844) from joining to the thank-you, and shoots the projector at 1280x720 and 1920x1080.
Needs Debian's chromium. Writes PNG files and prints their names."""

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Idea, PhaseKind, VoteRound, Workshop, WorkshopPhase, WorkshopStatus
from app.services import demo, voting
from app.services import workshops as workshop_service
from tests import factories
from tests.browser.conftest import CHROMIUM_ARGS, PHONE
from tests.conftest import TEST_SECRET
from tests.databases import migrate
from tests.servers import serve

ROOT = Path(__file__).resolve().parents[2]


class Demo:
    """The demo workshop, changed the way its facilitator would change it at the console."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        with Session(self.engine) as session:
            _logins, workshop = demo.load(session, secret_key=TEST_SECRET)
            session.commit()
            self.workshop_id = workshop.id or 0
            self.code = workshop.join_code
            demo_round = session.exec(
                select(VoteRound).where(VoteRound.workshop_id == workshop.id)
            ).first()  # the demo's closed dot vote, with ballots
            self.demo_round_id = demo_round.id if demo_round else 0
        self.round_id = 0

    def change(self, action: Callable[[Session, Workshop], None]) -> None:
        with Session(self.engine) as session:
            workshop = session.get(Workshop, self.workshop_id)
            assert workshop is not None
            action(session, workshop)
            session.commit()

    def phase(self, kind: PhaseKind) -> None:
        def go(session: Session, workshop: Workshop) -> None:
            phase = session.exec(
                select(WorkshopPhase).where(
                    WorkshopPhase.workshop_id == workshop.id, WorkshopPhase.kind == kind
                )
            ).first()
            workshop_service.go_to_phase(session, workshop, phase.id if phase else None)
            workshop_service.control_timer(session, workshop, "start", 10)

        self.change(go)

    def open_vote(self) -> None:
        def opened(session: Session, workshop: Workshop) -> None:
            titles = ["ทางเท้าร่มรื่นรอบบึงแก่นนคร", "ลอกท่อระบายน้ำก่อนฤดูฝน", "ไฟส่องสว่างในซอยเปลี่ยว"]
            proposals = [factories.proposal(session, workshop=workshop, title=t) for t in titles]
            draft = factories.vote_round(session, workshop=workshop, proposals=proposals)
            voting.open_round(session, draft)
            self.round_id = draft.id or 0

        self.change(opened)

    def close_vote(self) -> None:
        def closed(session: Session, _workshop: Workshop) -> None:
            vote_round = session.get(VoteRound, self.round_id)
            assert vote_round is not None
            voting.close_round(session, vote_round)

        self.change(closed)

    def spotlight(self, on: bool) -> None:
        def shown(session: Session, workshop: Workshop) -> None:
            idea = session.exec(select(Idea).where(Idea.workshop_id == workshop.id)).first()
            workshop_service.spotlight(session, workshop, idea.id if (idea and on) else None)

        self.change(shown)


def _shoot(page: Page, out: Path, name: str, written: list[str]) -> None:
    page.wait_for_timeout(600)  # live swaps and the timer settle
    page.screenshot(path=str(out / name))
    written.append(name)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.stderr.write("chromium is needed: apt-get install chromium\n")
        return 2
    written: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'screens.db'}"
        migrate(make_engine(url))
        room = Demo(url)
        with serve(url) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            phone = browser.new_context(**PHONE).new_page()
            projector = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
            projector.goto(f"{base}/login")
            projector.locator("input[name=email]").fill("facilitator@demo.example")
            projector.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
            projector.locator("form[action='/login'] button[type=submit]").click()
            projector.wait_for_url(f"{base}/staff")

            room.phase(PhaseKind.ideation)
            phone.goto(f"{base}/w/{room.code}")
            _shoot(phone, out, "phone-1-join.png", written)
            phone.locator("#join-card input[type=radio]").first.check()
            phone.locator("#join-card button[type=submit]").click()
            _shoot(phone, out, "phone-2-ideation.png", written)
            projector.goto(f"{base}/staff/workshops/{room.workshop_id}/projector")
            _shoot(projector, out, "projector-1280x720-wall.png", written)

            room.phase(PhaseKind.voting)
            room.open_vote()
            phone.goto(f"{base}/w/{room.code}")
            _shoot(phone, out, "phone-3-voting.png", written)
            phone.goto(f"{base}/w/{room.code}/vote")
            _shoot(phone, out, "phone-4-ballot.png", written)
            projector.set_viewport_size({"width": 1920, "height": 1080})
            projector.goto(f"{base}/staff/workshops/{room.workshop_id}/projector")
            _shoot(projector, out, "projector-1920x1080-vote.png", written)

            room.close_vote()
            room.phase(PhaseKind.themes)
            phone.goto(f"{base}/w/{room.code}")
            _shoot(phone, out, "phone-5-themes.png", written)
            projector.set_viewport_size({"width": 1280, "height": 720})
            projector.goto(f"{base}/rounds/{room.demo_round_id}/results?view=projector")
            _shoot(projector, out, "projector-1280x720-results.png", written)
            projector.goto(f"{base}/staff/workshops/{room.workshop_id}/projector?sort=plus")
            room.spotlight(on=True)
            _shoot(projector, out, "projector-1280x720-spotlight.png", written)
            room.spotlight(on=False)

            room.change(lambda s, w: workshop_service.set_status(s, w, WorkshopStatus.closed))
            phone.goto(f"{base}/w/{room.code}")
            _shoot(phone, out, "phone-6-closed.png", written)
            browser.close()
        room.engine.dispose()
    for name in written:
        sys.stdout.write(f"{out / name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
