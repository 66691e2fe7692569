"""Retention dates are applied by the daily purge (app.purger) and `python -m app.cli purge`:
personal data of participants of expired workshops goes, counts and ideas stay. The clock is
passed in, so "two years later" is a date, not a wait."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from app import cli
from app.config import get_settings
from app.db import make_engine
from app.models import ErasedBy, Idea, IdeaReaction, Participant, Workshop
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
    assert "2 participants of 1 workshops" in capsys.readouterr().out
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
