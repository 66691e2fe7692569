"""The proposal board's use cases on the database: search, support, comments, merge."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.domain.errors import Conflict, Forbidden, NotFound, UserError
from app.models import (
    CityWord,
    ErasedBy,
    Participant,
    Proposal,
    ProposalChange,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
    Role,
    StakeholderGroup,
    utcnow,
)
from app.services import board, privacy
from app.services import proposals as proposal_service
from app.services.board import BoardFilter, ProposalFields
from tests import factories


def _propose(db: Session, title: str, body: str = "", **kw: object) -> Proposal:
    author = factories.board_participant(db)
    city = factories.city(db)
    proposal = board.propose(db, city, author, ProposalFields(title=title, body=body, **kw))  # type: ignore[arg-type]
    db.commit()
    return proposal


def _search(db: Session, q: str, slug: str = "khon-kaen") -> list[int]:
    page = board.board_page(db, factories.city(db, slug), BoardFilter(q=q), seed=1)
    return [c.proposal.id or 0 for c in page.cards]


def test_categories_are_the_six_dimensions_of_every_city(db: Session) -> None:
    codes = [c.code for c in board.categories(db, factories.city(db, "nan"))]
    assert codes == ["environment", "disaster", "mobility", "economy", "society", "governance"]


def test_search_finds_a_thai_word_inside_unspaced_text(db: Session) -> None:
    flood = _propose(db, "ปัญหาน้ำท่วมขังถนนหน้าตลาด")
    _propose(db, "ไฟถนนดับ")
    assert _search(db, "น้ำท่วม") == [flood.id]
    assert _search(db, "ตลาด") == [flood.id]
    assert _search(db, "น้ำท่วม", slug="nan") == []


def test_search_matches_thai_and_arabic_digits_and_mixed_text(db: Session) -> None:
    soi = _propose(db, "ซ่อมไฟซอย ๕ ด่วน", "LED street light")
    assert _search(db, "ซอย 5") == [soi.id]
    assert _search(db, "๕") == [soi.id]
    assert _search(db, "LED ไฟ") == [soi.id]
    assert _search(db, "street") == [soi.id]


def test_search_uses_the_city_words(db: Session) -> None:
    db.add(CityWord(city_id=factories.city(db).id or 0, word="โนนทัน"))
    db.commit()
    proposal = _propose(db, "สวนสาธารณะชุมชนโนนทัน")
    assert _search(db, "โนนทัน") == [proposal.id]


def test_search_ranks_and_stays_in_step_on_edit_hide_and_merge(db: Session) -> None:
    staff = factories.account(db, role=Role.planner)
    city = factories.city(db)
    first = _propose(db, "ทางเท้า")
    second = _propose(db, "ต้นไม้ริมถนน")
    participant = factories.board_participant(db)
    remark = board.comment(db, second, participant, "น้ำท่วมหน้าบ้านทุกปี")
    db.commit()
    assert _search(db, "น้ำท่วม") == [second.id]
    proposal_service.hide_comment(db, second, remark.id or 0, staff, "off topic")
    assert _search(db, "น้ำท่วม") == []
    proposal_service.restore_comment(db, second, remark.id or 0, staff)
    assert _search(db, "น้ำท่วม") == [second.id]
    proposal_service.reword(db, first, staff, ProposalFields(title="ทางเท้าน้ำท่วม"), "clearer")
    assert set(_search(db, "น้ำท่วม")) == {first.id, second.id}
    proposal_service.merge(db, second, first.id or 0, staff)
    assert _search(db, "น้ำท่วม") == [first.id]
    assert _search(db, "ต้นไม้") == []  # the merged proposal's own text left the index
    assert city.id


def test_support_is_one_per_participant_and_can_be_withdrawn(db: Session) -> None:
    proposal = _propose(db, "ทางจักรยาน")
    person = factories.board_participant(db, group=StakeholderGroup.business)
    assert board.set_support(db, proposal, person, given=True)
    assert board.set_support(db, proposal, person, given=True)  # a second tap changes nothing
    db.commit()
    assert proposal.support_count == 1
    groups = board.supports_by_group(db, [proposal.id or 0])[proposal.id or 0]
    assert groups["business"] == 1
    assert groups["resident"] == 0
    assert not board.set_support(db, proposal, person, given=False)
    assert not board.set_support(db, proposal, person, given=False)
    assert proposal.support_count == 0


def test_replies_are_one_level_and_abusive_words_are_held(db: Session) -> None:
    proposal = _propose(db, "ตลาดนัด")
    person = factories.board_participant(db)
    top = board.comment(db, proposal, person, "เห็นด้วย")
    reply = board.comment(db, proposal, person, "ใช่", parent_id=top.id)
    deeper = board.comment(db, proposal, person, "ต่อ", parent_id=reply.id)
    held = board.comment(db, proposal, person, "ไอ้ควายทำไม่เป็น")
    assert deeper.parent_id == top.id
    assert held.held_for_review
    assert proposal.comment_count == 3
    threads = board.comment_threads(db, proposal, staff=False, participant=None)
    assert [t.comment.id for t in threads] == [top.id]
    assert [r.id for r in threads[0].replies] == [reply.id, deeper.id]


def test_comment_edit_is_own_and_within_fifteen_minutes(db: Session) -> None:
    proposal = _propose(db, "ลานกีฬา")
    author = factories.board_participant(db)
    other = factories.board_participant(db)
    remark = board.comment(db, proposal, author, "ดี")
    now = remark.created_at + timedelta(minutes=14)
    board.edit_comment(db, proposal, author, remark.id or 0, "ดีมาก", now=now)
    assert remark.text == "ดีมาก"
    assert remark.edited_at == now
    with pytest.raises(Forbidden):
        board.edit_comment(db, proposal, other, remark.id or 0, "x", now=now)
    later = remark.created_at + timedelta(minutes=16)
    with pytest.raises(Conflict):
        board.edit_comment(db, proposal, author, remark.id or 0, "x", now=later)


def test_bad_proposal_fields_are_refused(db: Session) -> None:
    city = factories.city(db)
    person = factories.board_participant(db)
    for fields in (
        ProposalFields(title=""),
        ProposalFields(title="x" * 201),
        ProposalFields(title="ok", category="space"),
        ProposalFields(title="ok", cost=-1),
        ProposalFields(title="ok", cost=10**13),
    ):
        with pytest.raises(UserError):
            board.propose(db, city, person, fields)


def test_merge_moves_supports_once_and_comments_and_keeps_history(db: Session) -> None:
    staff = factories.account(db, role=Role.planner)
    survivor = _propose(db, "สวนสาธารณะ")
    duplicate = _propose(db, "สวนสาธารณะใหม่")
    both, only_dup = factories.board_participant(db), factories.board_participant(db)
    for person in (both, only_dup):
        board.set_support(db, duplicate, person, given=True)
    board.set_support(db, survivor, both, given=True)
    board.comment(db, duplicate, only_dup, "ต้องมีร่มเงา")
    db.commit()
    proposal_service.merge(db, duplicate, survivor.id or 0, staff, "ซ้ำกัน")
    db.commit()
    supporters = db.exec(
        select(ProposalSupport.participant_id).where(ProposalSupport.proposal_id == survivor.id)
    ).all()
    assert sorted(supporters) == sorted([both.id, only_dup.id])
    assert survivor.support_count == 2
    assert survivor.comment_count == 1
    assert duplicate.status == ProposalStatus.merged
    assert duplicate.merged_into_id == survivor.id
    assert duplicate.support_count == 0
    moved = db.exec(select(ProposalComment).where(ProposalComment.proposal_id == survivor.id)).all()
    assert len(moved) == 1
    actions = db.exec(
        select(ProposalChange.action).where(ProposalChange.proposal_id == duplicate.id)
    ).all()
    assert "merged" in actions
    with pytest.raises(Conflict):
        board.set_support(db, duplicate, both, given=True)
    with pytest.raises(Conflict):
        proposal_service.merge(db, survivor, survivor.id or 0, staff)


def test_reword_keeps_the_original_in_the_history(db: Session) -> None:
    staff = factories.account(db, role=Role.facilitator)
    proposal = _propose(db, "ถนนพัง")
    changed = proposal_service.reword(
        db, proposal, staff, ProposalFields(title="ซ่อมถนนหน้าโรงเรียน", category="mobility"), "ชัดขึ้น"
    )
    assert changed["title"] == ["ถนนพัง", "ซ่อมถนนหน้าโรงเรียน"]
    entries = board.history(db, proposal)
    assert entries[-1][0].changes["title"][0] == "ถนนพัง"
    assert entries[-1][0].reason == "ชัดขึ้น"


def test_status_needs_a_reason_and_a_settable_value(db: Session) -> None:
    staff = factories.account(db, role=Role.planner)
    proposal = _propose(db, "ถนนพัง")
    with pytest.raises(UserError):
        proposal_service.set_status(db, proposal, staff, "shortlisted", "")
    with pytest.raises(UserError):
        proposal_service.set_status(db, proposal, staff, "merged", "x")
    proposal_service.set_status(db, proposal, staff, "shortlisted", "ผ่านรอบแรก")
    assert proposal.status == "shortlisted"
    assert proposal.status_reason == "ผ่านรอบแรก"


def test_board_filters_and_sorts(db: Session) -> None:
    city = factories.city(db)
    quiet = _propose(db, "ก", category="economy")
    loud = _propose(db, "ข", category="mobility")
    for _ in range(2):
        board.set_support(db, loud, factories.board_participant(db), given=True)
    db.commit()

    def ids(**kw: object) -> list[int]:
        page = board.board_page(db, city, BoardFilter(**kw), seed=3)  # type: ignore[arg-type]
        return [c.proposal.id or 0 for c in page.cards]

    assert ids(sort="supported")[0] == loud.id
    assert ids(category="economy") == [quiet.id]
    assert ids(origin="online", group="resident", sort="newest")[:2] == [loud.id, quiet.id]
    assert sorted(ids(sort="random")) == sorted(ids())
    assert (
        board.board_page(db, city, BoardFilter(page_size=1, page=2), seed=1).cards[0].proposal.id
        == quiet.id
    )


def test_board_page_queries_do_not_grow_with_the_page(db: Session) -> None:
    from tests.statements import recorded_statements

    city = factories.city(db)
    for i in range(30):
        proposal = _propose(db, f"ข้อเสนอ {i}")
        board.set_support(db, proposal, factories.board_participant(db), given=True)
    db.commit()
    board.board_page(db, city, BoardFilter(), seed=1)  # the session's own first statements
    counts = []
    for size in (5, 30):
        with recorded_statements(db.connection()) as statements:
            page = board.board_page(db, city, BoardFilter(page_size=size, sort="supported"), seed=1)
        assert len(page.cards) == size
        counts.append(len(statements))
    # count, page, supports per group
    assert counts[0] == counts[1] == 3


def test_erasing_a_board_participant_keeps_their_posts_and_support_anonymous(db: Session) -> None:
    """PDPA erasure of someone who took part online: their proposal, comment and the history
    entries they made stay on the board without them; their support still counts."""
    author = factories.board_participant(db)
    proposal = board.propose(
        db, factories.city(db), author, ProposalFields(title="ทางเท้าริมคลองแสนแสบ")
    )
    comment = board.comment(db, proposal, author, "ขอให้มีไฟส่องทางด้วย")
    board.set_support(db, proposal, author, given=True)
    db.commit()
    authored: list[tuple[type[Proposal] | type[ProposalComment], int | None]] = [
        (Proposal, proposal.id),
        (ProposalComment, comment.id),
    ]
    assert privacy.erase(db, author, utcnow(), by=ErasedBy.participant) is not None
    db.commit()
    for table, row_id in authored:
        row = db.get(table, row_id)
        assert row is not None
        db.refresh(row)
        assert row.author_participant_id is None
    history = db.exec(select(ProposalChange).where(ProposalChange.proposal_id == proposal.id))
    assert all(change.author_participant_id is None for change in history)
    db.refresh(proposal)
    assert proposal.support_count == 1


def test_deleted_comment_with_replies_stays_as_a_marker_and_keeps_its_replies(
    db: Session,
) -> None:
    proposal = _propose(db, "ถนนคนเดิน")
    author, other = factories.board_participant(db), factories.board_participant(db)
    top = board.comment(db, proposal, author, "ปิดถนนวันอาทิตย์ทุกสัปดาห์")
    reply = board.comment(db, proposal, other, "เห็นด้วย", parent_id=top.id)
    alone = board.comment(db, proposal, author, "ขอที่จอดรถด้วย")
    assert proposal.comment_count == 3
    with pytest.raises(Forbidden):
        board.delete_comment(db, proposal, other, top.id or 0)
    board.delete_comment(db, proposal, author, top.id or 0)
    board.delete_comment(db, proposal, author, alone.id or 0)
    assert proposal.comment_count == 1
    assert top.text == ""  # erased, not only hidden
    for staff in (False, True):
        threads = board.comment_threads(db, proposal, staff=staff, participant=None)
        assert [(t.comment.id, [r.id for r in t.replies]) for t in threads] == [
            (top.id, [reply.id])
        ]
    assert _search(db, "สัปดาห์") == []
    with pytest.raises(NotFound):
        board.delete_comment(db, proposal, author, top.id or 0)  # already gone
    with pytest.raises(NotFound):
        board.comment(db, proposal, other, "ตอบ", parent_id=top.id)
    with pytest.raises(NotFound):
        board.edit_comment(db, proposal, author, top.id or 0, "กลับมา")
    board.delete_comment(db, proposal, other, reply.id or 0)
    assert board.comment_threads(db, proposal, staff=True, participant=None) == []
    assert proposal.comment_count == 0


def _stored_counts_are_real(db: Session, proposals: list[Proposal]) -> None:
    for proposal in proposals:
        db.refresh(proposal)
        supports = db.exec(
            select(ProposalSupport).where(ProposalSupport.proposal_id == proposal.id)
        ).all()
        comments = db.exec(
            select(ProposalComment).where(ProposalComment.proposal_id == proposal.id)
        ).all()
        visible = [c for c in comments if board.counts(c)]
        assert (proposal.support_count, proposal.comment_count) == (len(supports), len(visible))


def test_stored_counts_equal_the_real_counts_after_every_kind_of_change(db: Session) -> None:
    staff = factories.account(db, role=Role.planner)
    first, second = _propose(db, "ลานกีฬา"), _propose(db, "ลานกีฬาชุมชน")
    a, b, c, d = (factories.board_participant(db) for _ in range(4))
    said: dict[str, ProposalComment] = {}

    def say(key: str, proposal: Proposal, who: Participant, text: str, to: str = "") -> None:
        parent = said[to].id if to else None
        said[key] = board.comment(db, proposal, who, text, parent_id=parent)

    def cid(key: str) -> int:
        return said[key].id or 0

    steps: list[Callable[[], object]] = [
        lambda: board.set_support(db, first, a, given=True),
        lambda: board.set_support(db, first, a, given=True),  # twice: one support
        lambda: board.set_support(db, second, a, given=True),
        lambda: board.set_support(db, second, b, given=True),
        lambda: board.set_support(db, second, b, given=False),
        lambda: board.set_support(db, second, b, given=False),
        lambda: say("fine", first, a, "ดีมาก"),
        lambda: say("held", first, b, "ไอ้ควาย"),  # held for review: not counted
        lambda: say("light", second, c, "ขอไฟส่องสว่าง"),
        lambda: say("yes", second, d, "ใช่", to="light"),
        lambda: proposal_service.hide_comment(db, second, cid("light"), staff, "นอกเรื่อง"),
        lambda: board.delete_comment(db, second, c, cid("light")),  # hidden, then deleted
        lambda: proposal_service.restore_comment(db, second, cid("light"), staff),  # stays deleted
        lambda: proposal_service.restore_comment(db, first, cid("held"), staff),
        lambda: board.delete_comment(db, first, a, cid("fine")),
        lambda: board.set_support(db, first, c, given=True),
        lambda: proposal_service.merge(db, second, first.id or 0, staff, "ซ้ำ"),
        lambda: board.delete_comment(db, first, d, cid("yes")),
        lambda: board.set_support(db, first, a, given=False),
    ]
    for step in steps:
        step()
        db.flush()
        _stored_counts_are_real(db, [first, second])
    assert (first.support_count, first.comment_count) == (1, 1)
