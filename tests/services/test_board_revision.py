"""Every change to what a city's board lists moves the city's board revision on (the key of its
cached pages, app.routes.board.board_list); one test per kind of write."""

import io
from collections.abc import Callable

import pytest
from PIL import Image
from sqlmodel import Session, select

from app.models import City, Proposal, Role, RoundStatus, StaffAccount
from app.services import board, plans, themes
from app.services import proposals as proposal_service
from app.services.board import ProposalFields
from tests import factories


def _revision(db: Session) -> int:
    return db.exec(select(City.board_revision).where(City.slug == "khon-kaen")).one()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


class Board:
    """A city board with a proposal, its author's comment, and staff who run the board."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.city = factories.city(db)
        self.author = factories.board_participant(db)
        self.staff: StaffAccount = factories.account(db, role=Role.planner)
        self.workshop = factories.workshop(db)
        self.proposal = board.propose(db, self.city, self.author, ProposalFields(title="ทางเท้า"))
        self.comment = board.comment(db, self.proposal, self.author, "เห็นด้วย")
        db.commit()

    def other_proposal(self) -> Proposal:
        return board.propose(self.db, self.city, self.author, ProposalFields(title="ถนน"))


def _support(b: Board) -> None:
    board.set_support(b.db, b.proposal, b.author, given=True)


def _withdraw(b: Board) -> None:
    board.set_support(b.db, b.proposal, b.author, given=True)
    b.db.commit()
    before = _revision(b.db)
    board.set_support(b.db, b.proposal, b.author, given=False)
    assert _revision(b.db) > before


def _delete_image(b: Board) -> None:
    image = board.add_image(b.db, b.proposal, _png(), participant=b.author)
    b.db.commit()
    before = _revision(b.db)
    board.delete_image(b.db, b.proposal, image.id or 0)
    assert _revision(b.db) > before


def _hide(b: Board) -> None:
    proposal_service.hide_comment(b.db, b.proposal, b.comment.id or 0, b.staff, "ไม่สุภาพ")


def _restore(b: Board) -> None:
    _hide(b)
    b.db.commit()
    before = _revision(b.db)
    proposal_service.restore_comment(b.db, b.proposal, b.comment.id or 0, b.staff)
    assert _revision(b.db) > before


def _promote_theme(b: Board) -> None:
    from app.models import Theme, ThemeRun

    run = ThemeRun(city_id=b.city.id or 0, workshop_id=b.workshop.id, version=1, status="done")
    b.db.add(run)
    b.db.flush()
    theme = Theme(city_id=run.city_id, workshop_id=run.workshop_id, run_id=run.id or 0, label="ขยะ")
    b.db.add(theme)
    b.db.commit()
    before = _revision(b.db)
    themes.promote(b.db, themes.Scope(b.city, b.workshop), theme, b.staff)
    assert _revision(b.db) > before


def _agree(b: Board) -> None:
    proposal = factories.proposal(b.db, workshop=b.workshop)
    factories.vote_round(b.db, workshop=b.workshop, proposals=[proposal], status=RoundStatus.closed)
    before = _revision(b.db)
    plans.agree_priorities(b.db, b.workshop, [proposal.id or 0], b.staff)
    assert _revision(b.db) > before


WRITES: dict[str, Callable[[Board], object]] = {
    "propose": lambda b: b.other_proposal(),
    "support": _support,
    "withdraw support": _withdraw,
    "comment": lambda b: board.comment(b.db, b.proposal, b.author, "ดีมาก"),
    "reply": lambda b: board.comment(b.db, b.proposal, b.author, "ใช่", parent_id=b.comment.id),
    "edit comment": lambda b: board.edit_comment(
        b.db, b.proposal, b.author, b.comment.id or 0, "ไฟฟ้า"
    ),
    "delete comment": lambda b: board.delete_comment(b.db, b.proposal, b.author, b.comment.id or 0),
    "add image": lambda b: board.add_image(b.db, b.proposal, _png(), participant=b.author),
    "delete image": _delete_image,
    "staff create": lambda b: proposal_service.create(
        b.db, b.city, b.staff, ProposalFields(title="ห้องสมุด")
    ),
    "reword": lambda b: proposal_service.reword(
        b.db, b.proposal, b.staff, ProposalFields(title="ทางเท้ากว้าง")
    ),
    "status": lambda b: proposal_service.set_status(
        b.db, b.proposal, b.staff, "shortlisted", "ผ่าน"
    ),
    "merge": lambda b: proposal_service.merge(
        b.db, b.other_proposal(), b.proposal.id or 0, b.staff
    ),
    "hide comment": _hide,
    "restore comment": _restore,
    "promote idea": lambda b: proposal_service.promote_idea(
        b.db, b.workshop, factories.idea(b.db, workshop=b.workshop).id or 0, b.staff
    ),
    "promote ideas": lambda b: proposal_service.promote_ideas(
        b.db, b.workshop, [factories.idea(b.db, workshop=b.workshop).id or 0], b.staff
    ),
    "promote theme": _promote_theme,
    "agree priorities": _agree,
    # Not a card's field, but a search on the board splits its query with the city's words.
    "city word list": lambda b: themes.set_city_words(b.db, b.city, "ทางเท้า\nหน้าตลาด"),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_to_the_board_moves_its_revision_on(db: Session, write: str) -> None:
    setup = Board(db)
    before = _revision(db)
    WRITES[write](setup)
    db.commit()
    assert _revision(db) > before


def test_reading_the_board_keeps_its_revision(db: Session) -> None:
    setup = Board(db)
    before = _revision(db)
    board.board_page(db, setup.city, board.BoardFilter(), seed=1)
    board.comment_threads(db, setup.proposal, staff=False, participant=None)
    board.set_support(db, setup.proposal, setup.author, given=False)  # had none: no change
    db.commit()
    assert _revision(db) == before
