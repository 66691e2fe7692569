"""kill -9 during a burst of ballots: the server process dies without any chance to clean up,
and every ballot it acknowledged (answered 303) is in the database afterwards, as acknowledged
or as a later change that was in flight at the kill. SQLite's file passes integrity_check and
the app serves again after a restart."""

import logging
import re
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import sqlalchemy as sa
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Ballot, RoundStatus
from app.services import voting
from tests import factories
from tests.conftest import TEST_SECRET
from tests.databases import migrate, scratch_database
from tests.servers import serve_process

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VOTERS = 8
KILL_AFTER = 40  # acknowledged ballots before the kill
log = logging.getLogger(__name__)


@dataclass
class Burst:
    """What the phones sent and what the server acknowledged, per voter key."""

    acked: dict[str, dict[str, int]] = field(default_factory=dict)  # the last marks answered 303
    in_flight: dict[str, dict[str, int]] = field(default_factory=dict)  # sent, not answered
    total: int = 0  # ballots acknowledged
    changed: threading.Condition = field(default_factory=threading.Condition)

    def sending(self, key: str, marks: dict[str, int]) -> None:
        with self.changed:
            self.in_flight[key] = marks

    def acknowledged(self, key: str, marks: dict[str, int]) -> None:
        with self.changed:
            self.acked[key] = marks
            self.total += 1
            self.changed.notify_all()


def test_a_killed_server_loses_no_acknowledged_ballot(database_url: str, tmp_path: Path) -> None:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        with Session(engine) as session:
            workshop = factories.workshop(session)
            proposals = [factories.proposal(session, workshop=workshop, title=t) for t in "ABC"]
            vote_round = factories.vote_round(session, proposals=proposals, status=RoundStatus.open)
            codes = voting.generate_codes(session, vote_round, VOTERS, secret_key=TEST_SECRET)
            session.commit()
            round_id = vote_round.id
            pids = [p.id for p in proposals]
            keys = {code: voting.code_voter_key(TEST_SECRET, vote_round, code) for code in codes}

        burst = Burst()
        with serve_process(url) as (base, process):
            phones = []
            for code in codes:  # every phone has its code before the burst
                phone = httpx2.Client(base_url=base, timeout=10, follow_redirects=False)
                token = CSRF.search(phone.get(f"/v/{round_id}").text)
                assert token
                claimed = phone.post(
                    f"/v/{round_id}/code",
                    data={"code": code, "group": "resident", "csrf_token": token.group(1)},
                )
                assert claimed.status_code == 303, claimed.text
                phones.append((keys[code], phone, token.group(1)))

            def vote(key: str, phone: httpx2.Client, token: str) -> None:
                for n in range(10_000):
                    marks = {str(pids[n % len(pids)]): 1}
                    burst.sending(key, marks)
                    form = {f"p{pid}": value for pid, value in marks.items()}
                    try:
                        cast = phone.post(
                            f"/v/{round_id}",
                            data=form | {"client_key": str(n), "csrf_token": token},
                        )
                    except httpx2.TransportError:
                        return  # the server is gone
                    assert cast.status_code == 303, cast.text
                    burst.acknowledged(key, marks)

            threads = [threading.Thread(target=vote, args=phone) for phone in phones]
            for thread in threads:
                thread.start()
            with burst.changed:  # every voter in, and enough ballots acknowledged
                assert burst.changed.wait_for(
                    lambda: len(burst.acked) == VOTERS and burst.total >= KILL_AFTER, timeout=30
                )
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            for thread in threads:
                thread.join(timeout=10)
            for _key, phone, _token in phones:
                phone.close()

        engine.dispose()
        engine = make_engine(url)  # a fresh start: SQLite recovers its WAL here
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                assert connection.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        with Session(engine) as session:
            stored = {
                b.voter_key: b.marks
                for b in session.exec(select(Ballot).where(Ballot.round_id == round_id)).all()
            }
        engine.dispose()
        log.info(
            "kill -9 on %s: %d voters acknowledged %d ballots, %d voters' ballots stored",
            engine.dialect.name,
            len(burst.acked),
            burst.total,
            len(stored),
        )
        lost = {
            key: marks
            for key, marks in burst.acked.items()
            if stored.get(key) not in (marks, burst.in_flight.get(key))
        }
        assert not lost, (lost, stored)
        assert burst.total >= KILL_AFTER

        with serve_process(url) as (base, _process):  # and it serves again
            assert httpx2.get(f"{base}/healthz", timeout=10).status_code == 200
