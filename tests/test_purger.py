"""Retention dates are applied by the daily purge (app.purger) and `python -m app.cli purge`:
personal data of participants of expired workshops, and of city-board participants inactive
for longer than their city's board retention, goes; counts, ideas, proposals and comments
stay. The clock is passed in, so "two years later" is a date, not a wait."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from app import cli
from app.config import get_settings
from app.db import make_engine
from app.models import (
    City,
    CommentFlag,
    ConsentPurpose,
    ConsentRecord,
    ErasedBy,
    ErasureRecord,
    Idea,
    IdeaReaction,
    Participant,
    Proposal,
    ProposalComment,
    ProposalSupport,
    StakeholderGroup,
    Workshop,
)
from app.purger import RetentionPurger
from app.services import privacy
from tests import factories
from tests.databases import migrate, scratch_database


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        yield engine
        engine.dispose()


def _workshop(session: Session, held_on: date, retain_until: date | None = None) -> int:
    workshop = factories.workshop(session)
    workshop.held_on = held_on
    workshop.retain_until = retain_until
    session.add(workshop)
    for n in range(2):
        person = factories.participant(session, workshop=workshop)
        person.display_name = f"ชื่อ{workshop.id}-{n}"
        person.community = "ชุมชนทดสอบ"
        session.add(person)
        idea = factories.idea(session, workshop=workshop, participant=person)
        session.add(IdeaReaction(idea_id=idea.id or 0, participant_id=person.id or 0))
    session.commit()
    return workshop.id or 0


def _named(engine: Engine, workshop_id: int) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(
            Participant.workshop_id == workshop_id,
            Participant.display_name.is_not(None),  # type: ignore[union-attr]
        )
        return session.exec(query).one()


def _totals(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Participant, Idea, IdeaReaction)
        )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


def test_purge_erases_expired_workshops_only_and_keeps_the_counts(engine: Engine) -> None:
    with Session(engine) as session:
        old = _workshop(session, date(2024, 1, 10))  # default: kept until 2026-01-10
        recent = _workshop(session, date(2026, 11, 1))  # until 2028-11-01
        shortened = _workshop(session, date(2026, 11, 1), retain_until=date(2027, 6, 1))
    totals = _totals(engine)
    purger = RetentionPurger(engine)

    assert purger.step(_at(date(2026, 1, 10))) == privacy.Purge(0, 0)  # the last day kept
    assert _named(engine, old) == 2
    assert purger.step(_at(date(2026, 1, 11))) == privacy.Purge(1, 2)
    assert (_named(engine, old), _named(engine, recent), _named(engine, shortened)) == (0, 2, 2)
    assert purger.step(_at(date(2026, 1, 11))) == privacy.Purge(0, 0)  # nothing left to do
    assert purger.step(_at(date(2027, 6, 2))) == privacy.Purge(1, 2)
    assert (_named(engine, recent), _named(engine, shortened)) == (2, 0)
    assert _totals(engine) == totals
    with Session(engine) as session:
        ideas = session.exec(select(Idea).where(Idea.workshop_id == old)).all()
        assert [i.participant_id for i in ideas] == [None, None]
        assert all(i.text for i in ideas)


def test_a_participant_is_erased_once_whoever_comes_second(engine: Engine) -> None:
    with Session(engine) as session:
        workshop_id = _workshop(session, date(2024, 1, 10))
    now = _at(date(2026, 2, 1))
    with Session(engine) as first, Session(engine, expire_on_commit=False) as second:
        query = select(Participant).where(Participant.workshop_id == workshop_id)
        theirs = second.exec(query).all()
        second.commit()  # ends its read; SQLite's writers take turns (BEGIN IMMEDIATE)
        mine = first.exec(query).all()
        assert all(privacy.erase(first, p, now, by=ErasedBy.retention) is not None for p in mine)
        first.commit()
        # The second process read the rows before the first erased them: it erases nothing.
        assert [privacy.erase(second, p, now, by=ErasedBy.retention) for p in theirs] == [
            None,
            None,
        ]
        second.commit()


def test_cli_purge_applies_retention_dates(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Session(engine) as session:
        expired = _workshop(session, date(2000, 1, 1), retain_until=date(2000, 6, 1))
        kept = _workshop(session, date(2199, 1, 1))
    monkeypatch.setenv("MRK_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MRK_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    try:
        assert cli.main(["purge"]) == 0
    finally:
        get_settings.cache_clear()
    assert "2 participants of 1 workshops and 0 participants of 0 city boards" in (
        capsys.readouterr().out
    )
    assert (_named(engine, expired), _named(engine, kept)) == (0, 2)
    with Session(engine) as session:
        assert session.get(Workshop, expired) is not None


def test_a_retention_day_starts_at_midnight_in_bangkok(engine: Engine) -> None:
    """Kept until D-1 means the erasure day is D: due from 00:00 on D in Bangkok, which is
    17:00 UTC on D-1 (a UTC clock would wait seven more hours), and not a second before."""
    erasure_day = date(2027, 3, 15)
    with Session(engine) as session:
        workshop = _workshop(session, date(2026, 1, 1), retain_until=date(2027, 3, 14))
    purger = RetentionPurger(engine)
    assert purger.step(datetime(2027, 3, 14, 16, 59, 59, tzinfo=UTC)) == privacy.Purge(0, 0)
    assert _named(engine, workshop) == 2
    assert privacy.municipal_day(datetime(2027, 3, 14, 17, 0, tzinfo=UTC)) == erasure_day
    assert purger.step(datetime(2027, 3, 14, 17, 0, tzinfo=UTC)) == privacy.Purge(1, 2)
    assert _named(engine, workshop) == 0


# --- city boards: months after each participant's last activity -------------------------------


def _when(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok


def _board_person(
    session: Session,
    slug: str,
    joined: date,
    *,
    commented: date | None = None,
    supported: date | None = None,
) -> int:
    """A named board participant who joined on `joined` and (maybe) commented on and
    supported a proposal of the city on the days given."""
    city_id = session.exec(select(City.id).where(City.slug == slug)).one()
    person = Participant(
        city_id=city_id,
        token=f"purge-{slug}-{joined}-{commented}-{supported}",
        stakeholder_group=StakeholderGroup.business,
        display_name=f"ชื่อบอร์ด{slug}",
        community="ชุมชนทดสอบ",
        created_at=_when(joined),
    )
    session.add(person)
    session.flush()
    proposal = Proposal(city_id=city_id, title="ทางเท้า", created_at=_when(joined))
    session.add(proposal)
    session.flush()
    if commented:
        session.add(
            ProposalComment(
                proposal_id=proposal.id or 0,
                author_participant_id=person.id,
                stakeholder_group=person.stakeholder_group,
                text="ขอทางเท้ากว้างขึ้น",
                created_at=_when(commented),
            )
        )
        proposal.comment_count += 1
    if supported:
        session.add(
            ProposalSupport(
                proposal_id=proposal.id or 0,
                participant_id=person.id or 0,
                stakeholder_group=person.stakeholder_group,
                created_at=_when(supported),
            )
        )
        proposal.support_count += 1
    session.add(proposal)
    session.commit()
    return person.id or 0


def _set_months(engine: Engine, slug: str, months: int) -> None:
    with Session(engine) as session:
        city = session.exec(select(City).where(City.slug == slug)).one()
        privacy.set_board_retention(session, city, months)
        session.commit()


def _person(engine: Engine, participant_id: int) -> Participant:
    with Session(engine) as session:
        person = session.get(Participant, participant_id)
        assert person is not None
        return person


def test_purge_erases_board_participants_past_their_date_and_keeps_their_posts(
    engine: Engine,
) -> None:
    """Khon Kaen keeps the default, 24 months after the last activity: a comment on
    2024-03-10 keeps its author until 2026-03-10; a support in 2026 keeps its giver."""
    with Session(engine) as session:
        gone = _board_person(session, "khon-kaen", date(2024, 1, 5), commented=date(2024, 3, 10))
        active = _board_person(session, "khon-kaen", date(2024, 1, 5), supported=date(2026, 2, 1))
    with Session(engine) as session:
        counts = (
            session.exec(select(func.count()).select_from(ProposalComment)).one(),
            session.exec(select(func.count()).select_from(ProposalSupport)).one(),
            session.exec(select(func.sum(Proposal.support_count))).one(),
            session.exec(select(func.sum(Proposal.comment_count))).one(),
        )
    purger = RetentionPurger(engine)

    assert purger.step(_at(date(2026, 3, 10))) == privacy.Purge(0, 0)  # the last day kept
    assert _person(engine, gone).display_name is not None
    assert purger.step(_at(date(2026, 3, 11))) == privacy.Purge(0, 0, 1, 1)
    erased = _person(engine, gone)
    assert (erased.display_name, erased.community, erased.erased_at) == (
        None,
        None,
        _at(date(2026, 3, 11)),
    )
    assert _person(engine, active).display_name == "ชื่อบอร์ดkhon-kaen"
    assert purger.step(_at(date(2026, 3, 11))) == privacy.Purge(0, 0)  # nothing left to do
    with Session(engine) as session:
        comment = session.exec(select(ProposalComment)).one()
        assert (comment.author_participant_id, comment.text) == (None, "ขอทางเท้ากว้างขึ้น")
        assert session.exec(select(ProposalSupport.participant_id)).all() == [active]
        assert counts == (
            session.exec(select(func.count()).select_from(ProposalComment)).one(),
            session.exec(select(func.count()).select_from(ProposalSupport)).one(),
            session.exec(select(func.sum(Proposal.support_count))).one(),
            session.exec(select(func.sum(Proposal.comment_count))).one(),
        )
        record = session.exec(select(ErasureRecord)).one()
        assert (record.erased_by, record.city_id, record.workshop_id) == (
            ErasedBy.retention,
            erased.city_id,
            None,
        )
    assert purger.step(_at(date(2028, 2, 2))) == privacy.Purge(0, 0, 1, 1)
    assert _person(engine, active).display_name is None


def test_each_city_applies_its_own_board_retention(engine: Engine) -> None:
    """Khon Kaen keeps five years, Chiang Rai one month: the same last activity erases the
    Chiang Rai participant first, and Khon Kaen's longer setting is not applied to them."""
    _set_months(engine, "khon-kaen", 60)
    _set_months(engine, "chiang-rai", 1)
    with Session(engine) as session:
        kept = _board_person(session, "khon-kaen", date(2026, 1, 10))
        short = _board_person(session, "chiang-rai", date(2026, 1, 10))
    purger = RetentionPurger(engine)

    assert purger.step(_at(date(2026, 2, 10))) == privacy.Purge(0, 0)
    assert purger.step(_at(date(2026, 2, 11))) == privacy.Purge(0, 0, 1, 1)
    assert (_person(engine, kept).erased_at, _person(engine, short).display_name) == (None, None)
    assert purger.step(_at(date(2031, 1, 10))) == privacy.Purge(0, 0)
    assert purger.step(_at(date(2031, 1, 11))) == privacy.Purge(0, 0, 1, 1)
    assert _person(engine, kept).display_name is None


def test_last_board_activity_counts_every_kind_of_activity(engine: Engine) -> None:
    """Joining, a comment's edit, a report of a comment and a consent each move the date."""
    with Session(engine) as session:
        person_id = _board_person(
            session, "khon-kaen", date(2026, 1, 1), commented=date(2026, 1, 2)
        )
        person = session.get(Participant, person_id)
        city = session.exec(select(City).where(City.slug == "khon-kaen")).one()
        assert person is not None
        assert privacy.board_retention_date(session, person, city) == date(2028, 1, 2)
        comment = session.exec(select(ProposalComment)).one()
        comment.edited_at = _when(date(2026, 2, 3))
        session.add(comment)
        session.flush()
        assert privacy.board_retention_date(session, person, city) == date(2028, 2, 3)
        session.add(
            CommentFlag(
                comment_id=comment.id or 0,
                participant_id=person_id,
                created_at=_when(date(2026, 3, 4)),
            )
        )
        session.flush()
        assert privacy.board_retention_date(session, person, city) == date(2028, 3, 4)
        session.add(
            ConsentRecord(
                participant_id=person_id,
                purpose=ConsentPurpose.demographics,
                notice_version=privacy.NOTICE_VERSION,
                given_at=_when(date(2026, 4, 5)),
            )
        )
        session.flush()
        assert privacy.board_retention_date(session, person, city) == date(2028, 4, 5)
        # Another participant's later activity is not theirs.
        _board_person(session, "khon-kaen", date(2026, 9, 9), supported=date(2026, 10, 10))
        assert privacy.board_retention_date(session, person, city) == date(2028, 4, 5)


def test_cli_purge_reports_boards_too(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Session(engine) as session:
        _workshop(session, date(2000, 1, 1), retain_until=date(2000, 6, 1))
        gone = _board_person(session, "khon-kaen", date(2000, 1, 1), supported=date(2000, 2, 1))
        kept = _board_person(session, "khon-kaen", date(2199, 1, 1))
    monkeypatch.setenv("MRK_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MRK_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    try:
        assert cli.main(["purge"]) == 0
    finally:
        get_settings.cache_clear()
    assert "2 participants of 1 workshops and 1 participants of 1 city boards" in (
        capsys.readouterr().out
    )
    assert (_person(engine, gone).display_name, _person(engine, kept).erased_at) == (None, None)


def test_a_board_participant_active_since_the_due_list_was_read_is_kept(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a support can commit between the purge's due list and its erasure: the
    purge checks the date again, row locked, and keeps whoever is no longer due."""
    with Session(engine) as session:
        person = _board_person(session, "khon-kaen", date(2024, 1, 5))
        city_id = session.exec(select(City.id).where(City.slug == "khon-kaen")).one()
        stale = privacy._due_board_participants(session, _at(date(2026, 3, 1)))
    assert stale == [(person, city_id)]
    with Session(engine) as session:  # the participant supports a proposal meanwhile
        proposal = session.exec(select(Proposal).where(Proposal.city_id == city_id)).first()
        assert proposal is not None
        session.add(
            ProposalSupport(
                proposal_id=proposal.id or 0,
                participant_id=person,
                stakeholder_group=StakeholderGroup.business,
                created_at=_when(date(2026, 2, 28)),
            )
        )
        session.commit()
    monkeypatch.setattr(privacy, "_due_board_participants", lambda *_args, **_kw: stale)
    assert RetentionPurger(engine).step(_at(date(2026, 3, 1))) == privacy.Purge(0, 0)
    assert _person(engine, person).display_name == "ชื่อบอร์ดkhon-kaen"


def test_each_board_erasure_is_committed_on_its_own(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A purge that fails on its second board participant keeps the first one erased: no
    transaction holds one erasure's locks while the next participant's row is awaited."""
    with Session(engine) as session:
        first = _board_person(session, "khon-kaen", date(2020, 1, 5))
        second = _board_person(session, "khon-kaen", date(2020, 1, 6))
    erase = privacy.erase
    calls = []

    def failing_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("stopped")
        return erase(*args, **kwargs)

    monkeypatch.setattr(privacy, "erase", failing_second)
    with pytest.raises(RuntimeError):
        RetentionPurger(engine).step(_at(date(2026, 3, 1)))
    assert _person(engine, first).display_name is None
    assert _person(engine, second).display_name == "ชื่อบอร์ดkhon-kaen"
