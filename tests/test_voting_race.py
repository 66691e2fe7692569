"""Two simultaneous submissions from one voter, through two app instances on one database,
leave exactly one ballot (the unique voter key decides; the loser updates the winner's row)."""

import re
import threading
from pathlib import Path

import httpx2
from sqlmodel import Session, func, select

from app.db import make_engine
from app.models import Ballot, RoundStatus, RoundVoter
from app.services import voting
from tests import factories
from tests.databases import migrate, scratch_database
from tests.servers import serve

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_simultaneous_ballots_from_one_voter_leave_one(database_url: str, tmp_path: Path) -> None:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        with Session(engine) as session:
            workshop = factories.workshop(session)
            vote_round = factories.vote_round(session, workshop=workshop, status=RoundStatus.open)
            code, round_id = workshop.join_code, vote_round.id
            proposal_ids = [e.proposal.id or 0 for e in voting.ballot_entries(session, vote_round)]

        with serve(url) as first, serve(url) as second:
            with httpx2.Client(base_url=first, follow_redirects=False, timeout=10) as phone:
                token = CSRF.search(phone.get(f"/w/{code}").text)
                assert token
                joined = phone.post(
                    f"/w/{code}/participants",
                    data={"stakeholder_group": "resident", "csrf_token": token.group(1)},
                )
                assert joined.status_code == 303
                cookies = dict(phone.cookies)

            # One ballot through each instance first: FastAPI builds a route's parsers lazily,
            # and two first requests racing there is a framework matter, not this test's.
            for base in (first, second):
                with httpx2.Client(base_url=base, cookies=cookies, timeout=10) as client:
                    warm = client.post(
                        f"/w/{code}/vote",
                        data={
                            f"p{proposal_ids[0]}": "1",
                            "client_key": f"warm-{base}",
                            "csrf_token": token.group(1),
                        },
                    )
                    assert warm.status_code == 303, warm.status_code

            statuses: list[int] = []
            for attempt in range(8):
                barrier = threading.Barrier(2)

                def send(
                    base: str, key: str, pid: int, barrier: threading.Barrier = barrier
                ) -> None:
                    with httpx2.Client(base_url=base, cookies=cookies, timeout=10) as client:
                        barrier.wait()
                        response = client.post(
                            f"/w/{code}/vote",
                            data={f"p{pid}": "1", "client_key": key, "csrf_token": token.group(1)},
                        )
                        statuses.append(response.status_code)

                threads = [
                    threading.Thread(target=send, args=(first, f"a{attempt}", proposal_ids[0])),
                    threading.Thread(target=send, args=(second, f"b{attempt}", proposal_ids[1])),
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()

        assert statuses == [303] * 16, statuses
        with Session(engine) as session:
            ballots = session.exec(select(Ballot).where(Ballot.round_id == round_id)).all()
            assert len(ballots) == 1
            assert ballots[0].marks in ({str(proposal_ids[0]): 1}, {str(proposal_ids[1]): 1})
            voters = session.exec(select(func.count()).select_from(RoundVoter)).one()
            assert voters == 1
        engine.dispose()
