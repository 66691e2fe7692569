"""Applying retention dates in the background: once a day each process erases the personal
data of participants of workshops past their retention date, and of city-board participants
past theirs (app.services.privacy.purge).

Several processes may run it at the same moment: erasure claims each participant with a
conditional UPDATE, so exactly one of them erases a given person and the others skip them.
`python -m app.cli purge` does the same on demand.
"""

import asyncio
import logging
from datetime import datetime

import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.background import SharedLoop
from app.models import utcnow
from app.services import privacy

log = logging.getLogger(__name__)
DAY_SECONDS = 24 * 60 * 60.0
FIRST_RUN_SECONDS = 60.0  # after start-up, once the app is serving


def purge_due(engine: Engine, now: datetime) -> privacy.Purge:
    """Erase what is due at `now`: one read when nothing is, a writing transaction if so."""
    with Session(engine) as session:
        if not privacy.any_due(session, now):
            return privacy.Purge(0, 0)
    with Session(engine.execution_options(sqlite_begin="IMMEDIATE")) as session:
        result = privacy.purge(session, now)
        session.commit()
    if result.participants or result.board_participants:
        log.info(
            "retention: erased %s participants of %s workshops and %s of %s city boards",
            result.participants,
            result.workshops,
            result.board_participants,
            result.boards,
        )
    return result


class RetentionPurger(SharedLoop):
    name = "retention-purger"

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = DAY_SECONDS,
        first_run: float = FIRST_RUN_SECONDS,
    ) -> None:
        super().__init__()
        self._engine = engine
        self._interval = interval
        self._first_run = first_run

    def step(self, now: datetime) -> privacy.Purge:
        return purge_due(self._engine, now)

    async def _run(self) -> None:
        await asyncio.sleep(self._first_run)
        while True:
            try:
                await anyio.to_thread.run_sync(lambda: self.step(utcnow()))
            except SQLAlchemyError:
                log.warning("could not apply the retention dates; retrying", exc_info=True)
            await asyncio.sleep(self._interval)
