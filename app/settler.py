"""Closing online rounds at their closing time, in the background, so that no page view writes.

Each process runs one RoundSettler beside its LiveHub. Every few seconds it looks (one read)
for open rounds whose closing time has passed and, only if there are some, closes them in a
writing transaction (BEGIN IMMEDIATE on SQLite). Several processes may do this at once:
app.services.voting.settle_due freezes each round exactly once. Until a round is settled,
pages already show it closed (VoteRound.current_status) and ballots are refused.
"""

import asyncio
import contextlib
import logging
from datetime import datetime

import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.models import utcnow
from app.services import voting

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 5.0


class RoundSettler:
    def __init__(self, engine: Engine, *, interval: float = INTERVAL_SECONDS) -> None:
        self._engine = engine
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._users = 0

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

    def start(self) -> None:
        """Start the loop (once; several lifespans of one app share it, as they share the hub)."""
        self._users += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="round-settler")

    async def stop(self) -> None:
        self._users -= 1
        if self._users > 0:
            return
        task, self._task = self._task, None
        if task is None:
            return
        if task.get_loop() is not asyncio.get_running_loop():
            task.get_loop().call_soon_threadsafe(task.cancel)
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await anyio.to_thread.run_sync(lambda: self.step(utcnow()))
            except SQLAlchemyError:
                log.warning("could not close the rounds due; retrying", exc_info=True)
