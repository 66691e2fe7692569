"""Online rounds close at their closing time in the background (app.settler), exactly once,
on a database that the app's own engine sees (so the rows here are committed)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.db import make_engine
from app.domain.errors import Conflict
from app.domain.voting import ResultDocument
from app.models import RoundStatus, VoteRound, utcnow
from app.services import voting
from app.settler import RoundSettler
from tests import factories
from tests.databases import migrate, scratch_database

SECRET = "test-secret-key-that-is-long-enough-for-hmac"


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        yield engine
        engine.dispose()


def _online_round(engine: Engine, closes_in: timedelta, *, ballots: int = 0) -> int:
    """An open city-board round closing `closes_in` from now, with some ballots cast."""
    with Session(engine) as session:
        workshop = factories.workshop(session)
        proposals = [factories.proposal(session, workshop=workshop, title=t) for t in "AB"]
        vote_round = factories.vote_round(
            session, proposals=proposals, status=RoundStatus.open, closes_at=utcnow() + closes_in
        )
        for n in range(ballots):
            voting.cast_ballot(
                session,
                vote_round,
                voter_key=f"voter-{n}",
                group="resident",
                marks={proposals[n % 2].id or 0: 1},
                client_key=f"k{n}",
                secret_key=SECRET,
            )
        session.commit()
        return vote_round.id or 0


def _round(engine: Engine, round_id: int) -> VoteRound:
    with Session(engine) as session:
        vote_round = session.get(VoteRound, round_id)
        assert vote_round is not None
        session.expunge(vote_round)
        return vote_round


def test_settler_step_closes_a_round_at_its_closing_time_and_freezes_its_result(
    engine: Engine,
) -> None:
    due = _online_round(engine, timedelta(hours=1), ballots=3)
    later = _online_round(engine, timedelta(hours=2))
    closes_at = _round(engine, due).closes_at
    assert closes_at is not None
    settler = RoundSettler(engine)

    assert settler.step(closes_at - timedelta(seconds=1)) == []
    assert _round(engine, due).status == RoundStatus.open

    assert settler.step(closes_at + timedelta(seconds=3)) == [due]
    closed = _round(engine, due)
    assert closed.status == RoundStatus.closed
    assert closed.closed_at == closes_at  # as of its closing time, not of the settling
    assert closed.ballot_count == 3
    assert closed.digest
    assert closed.result is not None
    assert ResultDocument.from_json(closed.result).turnout["total"] == 3
    assert _round(engine, later).status == RoundStatus.open

    assert settler.step(closes_at + timedelta(seconds=10)) == []  # nothing left to do
    assert _round(engine, due).digest == closed.digest


def test_a_round_settled_elsewhere_is_not_frozen_again(engine: Engine) -> None:
    """Two processes saw the round open; the one that comes second must change nothing."""
    round_id = _online_round(engine, timedelta(hours=1), ballots=2)
    closes_at = _round(engine, round_id).closes_at
    assert closes_at is not None
    other_process = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with Session(engine, expire_on_commit=False) as late:
            seen_open = late.get(VoteRound, round_id)
            assert seen_open is not None
            late.commit()  # the late process's read is over; it still holds the open round

            assert RoundSettler(other_process).step(closes_at + timedelta(seconds=1)) == [round_id]
            frozen = _round(engine, round_id)

            assert seen_open.status == RoundStatus.open
            with pytest.raises(Conflict):
                voting.close_round(late, seen_open)
            late.commit()
    finally:
        other_process.dispose()
    again = _round(engine, round_id)
    assert (again.closed_at, again.digest, again.result) == (
        frozen.closed_at,
        frozen.digest,
        frozen.result,
    )
