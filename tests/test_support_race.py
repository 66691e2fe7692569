"""Two simultaneous supports from one participant leave one support and a count of one: the
unique constraint decides, and only the request whose row went in adds to the count."""

import threading
from pathlib import Path

from sqlmodel import Session, func, select

from app.db import make_engine
from app.models import Proposal, ProposalSupport
from app.services import board
from app.services.board import ProposalFields
from tests import factories
from tests.databases import migrate, scratch_database


def test_simultaneous_supports_from_one_participant_leave_one(
    database_url: str, tmp_path: Path
) -> None:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate(engine)
            with Session(engine) as session:
                city = factories.city(session)
                person = factories.board_participant(session)
                proposal = board.propose(session, city, person, ProposalFields(title="ทางเท้า"))
                session.commit()
                proposal_id, person_id = proposal.id, person.id

            barrier = threading.Barrier(2, timeout=10)
            errors: list[BaseException] = []

            def support() -> None:
                try:
                    barrier.wait()
                    # As the app opens a writing request's session (SQLite: BEGIN IMMEDIATE).
                    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
                    with Session(writer) as session:
                        row = session.get(Proposal, proposal_id)
                        who = session.get(type(person), person_id)
                        assert row is not None
                        assert who is not None
                        board.set_support(session, row, who, given=True)
                        session.commit()
                except BaseException as error:
                    errors.append(error)

            threads = [threading.Thread(target=support) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert errors == []
            with Session(engine) as session:
                count = session.exec(
                    select(func.count()).where(ProposalSupport.proposal_id == proposal_id)
                ).one()
                stored = session.get(Proposal, proposal_id)
                assert stored is not None
                assert count == 1
                assert stored.support_count == 1
        finally:
            engine.dispose()
