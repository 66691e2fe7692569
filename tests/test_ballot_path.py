"""The ballot POST under load: few statements per ballot, and a ballot racing a close is never
counted after it. On a scratch database that the app's own engine sees (rows committed)."""

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.config import Settings
from app.db import make_engine
from app.domain.eligibility import Eligibility
from app.domain.errors import Conflict
from app.domain.voting import Method
from app.main import create_app
from app.models import Ballot, Participant, RoundPresence, RoundStatus, RoundVoter, VoteRound
from app.services import voting
from tests import factories
from tests.statements import recorded_statements, split_queries

SECRET = "test-secret-key-that-is-long-enough-for-hmac"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Issue 11: at most 4 queries per ballot. Three read or write rows; on SQLite the transaction
# control around them (BEGIN IMMEDIATE, the group commit's SAVEPOINT/RELEASE) touches none.
MAX_BALLOT_QUERIES = 3
MAX_TRANSACTION_CONTROL = 3


def _assert_few_statements(seen: list[str]) -> None:
    queries, control = split_queries(seen)
    assert len(queries) <= MAX_BALLOT_QUERIES, seen
    assert len(control) <= MAX_TRANSACTION_CONTROL, seen


def _token(client: TestClient, path: str) -> str:
    match = CSRF.search(client.get(path).text)
    assert match
    return match.group(1)


@dataclass(frozen=True)
class JoinedPhone:
    """A workshop with an open round, the app on the scratch database and one phone that has
    joined the workshop (and, in a hall round, is marked present)."""

    app: FastAPI
    client: TestClient
    token: str
    code: str
    round_id: int
    pids: list[int]

    def cast(self, pid: int, key: str) -> None:
        """One ballot: a single dot on `pid`, under the client key `key`."""
        cast = self.client.post(
            f"/w/{self.code}/vote",
            data={f"p{pid}": "1", "client_key": key, "csrf_token": self.token},
        )
        assert cast.status_code == 303, cast.text

    def stored_marks(self) -> dict[str, int]:
        with Session(self.app.state.engine) as session:
            [ballot] = session.exec(select(Ballot).where(Ballot.round_id == self.round_id)).all()
            return ballot.marks


@contextlib.contextmanager
def _joined_phone(scratch_url: str, rule: Eligibility = Eligibility.open) -> Iterator[JoinedPhone]:
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        workshop = factories.workshop(session)
        vote_round = factories.vote_round(
            session, workshop=workshop, status=RoundStatus.open, eligibility=rule
        )
        code, round_id = workshop.join_code, vote_round.id or 0
        pids = [e.proposal.id or 0 for e in voting.ballot_entries(session, vote_round)]
    app = create_app(
        Settings(
            database_url=scratch_url, secret_key=SECRET, cookie_secure=False, db_pool_warm=False
        )
    )
    try:
        with TestClient(app, follow_redirects=False) as client:
            token = _token(client, f"/w/{code}")
            joined = client.post(
                f"/w/{code}/participants",
                data={"stakeholder_group": "resident", "csrf_token": token},
            )
            assert joined.status_code == 303
            if rule is Eligibility.hall:  # this phone is present (the door list marks it so)
                with Session(engine) as session:
                    [participant] = session.exec(
                        select(Participant).where(Participant.workshop_id == workshop.id)
                    ).all()
                    session.add(RoundPresence(round_id=round_id, participant_id=participant.id))
                    session.commit()
            yield JoinedPhone(app, client, token, code, round_id, pids)
    finally:
        app.state.engine.dispose()
        engine.dispose()


@pytest.mark.parametrize("rule", [Eligibility.open, Eligibility.hall])
def test_a_workshop_ballot_post_takes_at_most_three_queries(
    scratch_url: str, rule: Eligibility
) -> None:
    with _joined_phone(scratch_url, rule) as phone:
        counts = []
        for key, pid in (("a", phone.pids[0]), ("b", phone.pids[1])):  # a first ballot, a change
            with recorded_statements(phone.app.state.engine) as seen:
                phone.cast(pid, key)
            counts.append(list(seen))
        assert phone.stored_marks() == {str(phone.pids[1]): 1}
    for seen in counts:
        _assert_few_statements(seen)


@contextlib.contextmanager
def _autocommit_flags(engine: sa.Engine) -> Iterator[list[bool]]:
    """Whether each statement went out on a PostgreSQL connection in autocommit."""
    flags: list[bool] = []

    def record(conn: sa.Connection, *_args: object) -> None:
        flags.append(bool(getattr(conn.connection.dbapi_connection, "autocommit", False)))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield flags
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_a_postgresql_ballot_is_one_statement_without_begin_or_commit(scratch_url: str) -> None:
    """PostgreSQL: the ballot's write is one atomic statement (the upsert with the has-voted
    marker inside it), sent in autocommit after one read, so the request makes two round trips
    to the server instead of five (BEGIN, read, upsert, marker, COMMIT). The marker is still
    written, and a second ballot from the same phone still replaces the first."""
    if not scratch_url.startswith("postgresql"):
        pytest.skip("SQLite writes in the write gate's transactions")
    with _joined_phone(scratch_url) as phone:
        engine = phone.app.state.engine
        for key, pid in (("a", phone.pids[0]), ("b", phone.pids[1])):
            with _autocommit_flags(engine) as flags, recorded_statements(engine) as seen:
                phone.cast(pid, key)
            assert len(seen) == 2, seen
            assert seen[1].lstrip().startswith("WITH"), seen
            assert flags == [True, True]
        # Other writing requests keep their transactions.
        with _autocommit_flags(engine) as flags:
            phone.client.post(
                f"/w/{phone.code}/ideas", data={"body": "ไอเดีย", "csrf_token": phone.token}
            )
        assert flags
        assert not any(flags)
        assert phone.stored_marks() == {str(phone.pids[1]): 1}
        with Session(engine) as session:
            voters = session.exec(
                select(RoundVoter).where(RoundVoter.round_id == phone.round_id)
            ).all()
            assert len(voters) == 1


def test_the_one_row_setting_reads_the_rounds_own_rules(db: Session) -> None:
    """The ballot POST reads the ballot as one aggregated column (voting._ballot_rows), which
    neither database orders: the rules must come back as the round's rows give them, in
    ballot order past position 9 (10 sorts after 9, not after 1) and with every cost."""
    workshop = factories.workshop(db)
    proposals = [factories.proposal(db, workshop=workshop, title=f"P{i}") for i in range(12)]
    proposals.reverse()  # ballot order differs from id order
    costs = [1000 * (i + 1) for i in range(12)]
    vote_round = factories.vote_round(
        db,
        workshop=workshop,
        proposals=proposals,
        method=Method.budget,
        status=RoundStatus.open,
        costs=costs,
        budget=20_000,
    )
    db.commit()
    setting = voting.workshop_ballot_setting(db, workshop.join_code, None)
    expected = voting.rules_of(db, vote_round)
    assert expected.proposal_ids == tuple(p.id for p in proposals)
    assert setting.rules == expected
    online = factories.vote_round(
        db, proposals=proposals[:3], method=Method.approval, status=RoundStatus.open
    )
    db.commit()
    assert voting.code_ballot_setting(db, online.id or 0, None).rules == voting.rules_of(db, online)


def test_a_code_ballot_post_takes_at_most_three_queries(scratch_url: str) -> None:
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        workshop = factories.workshop(session)
        proposals = [factories.proposal(session, workshop=workshop, title=t) for t in "AB"]
        vote_round = factories.vote_round(session, proposals=proposals, status=RoundStatus.open)
        [code] = voting.generate_codes(session, vote_round, 1, secret_key=SECRET)
        session.commit()
        round_id, pid = vote_round.id, proposals[0].id
    engine.dispose()
    app = create_app(
        Settings(
            database_url=scratch_url, secret_key=SECRET, cookie_secure=False, db_pool_warm=False
        )
    )
    with TestClient(app, follow_redirects=False) as client:
        token = _token(client, f"/v/{round_id}")
        claimed = client.post(
            f"/v/{round_id}/code", data={"code": code, "group": "resident", "csrf_token": token}
        )
        assert claimed.status_code == 303
        with recorded_statements(app.state.engine) as seen:
            cast = client.post(
                f"/v/{round_id}", data={f"p{pid}": "1", "client_key": "k", "csrf_token": token}
            )
        assert cast.status_code == 303, cast.text
    app.state.engine.dispose()
    _assert_few_statements(seen)


def test_the_review_step_writes_nothing_and_waits_for_no_writer(scratch_url: str) -> None:
    """Review and edit only show the ballot back: no write lock, so a phone checking its
    choices is not queued behind the ballots being stored (SQLite: another connection holds
    the write lock all along, and the review still answers)."""
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        workshop = factories.workshop(session)
        vote_round = factories.vote_round(
            session, workshop=workshop, status=RoundStatus.open, eligibility=Eligibility.open
        )
        code = workshop.join_code
        pid = voting.ballot_entries(session, vote_round)[0].proposal.id
    app = create_app(
        Settings(
            database_url=scratch_url, secret_key=SECRET, cookie_secure=False, db_pool_warm=False
        )
    )
    writer = engine.execution_options(sqlite_begin="IMMEDIATE").connect()
    with TestClient(app, follow_redirects=False) as client:
        token = _token(client, f"/w/{code}")
        joined = client.post(
            f"/w/{code}/participants", data={"stakeholder_group": "resident", "csrf_token": token}
        )
        assert joined.status_code == 303
        writer.begin()  # someone else is storing a ballot (SQLite: holds the write lock)
        for step in ("review", "edit"):
            with recorded_statements(app.state.engine) as seen:
                shown = client.post(
                    f"/w/{code}/vote/{step}", data={f"p{pid}": "1", "csrf_token": token}
                )
            assert shown.status_code == 200, shown.text
            assert not [
                s for s in seen if re.match(r"\s*(BEGIN IMMEDIATE|INSERT|UPDATE|DELETE)", s)
            ]
    writer.close()
    app.state.engine.dispose()
    engine.dispose()


def test_a_ballot_waiting_for_a_close_is_not_counted(scratch_url: str) -> None:
    """The ballot read its round while it was open; the close takes the round row first and
    commits while the ballot waits. The ballot must be refused, not added after the count."""
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        workshop = factories.workshop(session)
        vote_round = factories.vote_round(session, workshop=workshop, status=RoundStatus.open)
        participant = factories.participant(session, workshop=workshop)
        session.commit()
        round_id, participant_id = vote_round.id, participant.id
        pid = voting.ballot_entries(session, vote_round)[0].proposal.id or 0

    # As the app runs a POST: BEGIN IMMEDIATE on SQLite (there it waits for the closer's
    # write lock; on PostgreSQL the wait is on the round row).
    voter = Session(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
    stale = voter.get(VoteRound, round_id)  # still open as far as the ballot knows
    voter_participant = voter.get(Participant, participant_id)
    assert stale is not None
    voter.commit()
    outcome: list[object] = []
    closer = Session(engine.execution_options(sqlite_begin="IMMEDIATE"))
    closer.exec(  # takes the round row's lock (SQLite: the write lock) and holds it
        sa.update(VoteRound).where(col(VoteRound.id) == round_id).values(status=RoundStatus.closed)
    )

    def cast() -> None:
        try:
            voting.cast_ballot(
                voter,
                stale,
                voter_key="racer",
                group="resident",
                marks={pid: 1},
                client_key="k",
                secret_key=SECRET,
                participant=voter_participant,
            )
            voter.commit()
            outcome.append("stored")
        except Conflict as error:
            voter.rollback()
            outcome.append(error)

    thread = threading.Thread(target=cast)
    thread.start()
    thread.join(timeout=0.5)  # let the ballot reach the lock; the result does not rest on it
    closer.commit()
    closer.close()
    thread.join()
    voter.close()
    assert len(outcome) == 1, outcome
    assert isinstance(outcome[0], Conflict), outcome
    with Session(engine) as session:
        counted = session.exec(
            select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
        ).one()
    engine.dispose()
    assert counted == 0
