"""Closing online rounds at their closing time, in the background, so that no page view writes.

Each process runs one RoundSettler beside its LiveHub. Every few seconds it looks (one read)
for open rounds whose closing time has passed and, only if there are some, closes them in a
writing transaction (BEGIN IMMEDIATE on SQLite). Several processes may do this at once:
app.services.voting.settle_due freezes each round exactly once. Until a round is settled,
pages already show it closed (VoteRound.current_status) and ballots are refused.
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
from app.services import voting

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 5.0


class RoundSettler(SharedLoop):
    name = "round-settler"

    def __init__(self, engine: Engine, *, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__()
        self._engine = engine
        self._interval = interval

    def step(self, now: datetime) -> list[int]:
        """Close the rounds due at `now`; the ids of those this process closed."""
        with Session(self._engine) as session:
            if not voting.any_due(session, now):
                return []
        with Session(self._engine.execution_options(sqlite_begin="IMMEDIATE")) as session:
            closed = voting.settle_due(session, now)
            session.commit()
        if closed:
            log.info("closed rounds %s at their closing time", closed)
        return closed

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await anyio.to_thread.run_sync(lambda: self.step(utcnow()))
            except SQLAlchemyError:
                log.warning("could not close the rounds due; retrying", exc_info=True)
