"""Live updates for workshop screens, correct with any number of workers.

Every write appends to the workshop_event table (services/live.py). Each process runs one
LiveHub that polls that table a few times a second for the workshops someone in this
process is watching and hands new events to their server-sent-event streams. Writes made
by another worker arrive the same way as local ones, so nothing depends on which process
took the write; a dropped connection resumes from its Last-Event-ID and misses nothing.
Polling one indexed query per process keeps this identical on SQLite and PostgreSQL.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.background import SharedLoop
from app.services import live as feed

log = logging.getLogger(__name__)
QUEUE_SIZE = 1000


@dataclass(frozen=True)
class EventRef:
    workshop_id: int
    seq: int
    kind: str
    subject_id: int | None


END = EventRef(0, 0, "end", None)  # tells a stream to finish (shutdown, or it fell behind)
PING = EventRef(0, 0, "ping", None)  # keeps idle connections open through proxies
KEEPALIVE_SECONDS = 15.0


class LiveHub(SharedLoop):
    name = "live-hub"

    def __init__(self, engine: Engine, *, interval: float = 0.2) -> None:
        super().__init__()
        self._engine = engine
        self._interval = interval
        self._queues: dict[int, set[asyncio.Queue[EventRef]]] = {}
        self._cursor: dict[int, int] = {}

    def _before_stop(self) -> None:
        for queues in self._queues.values():
            for queue in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(END)

    @contextlib.asynccontextmanager
    async def subscribe(self, workshop_id: int) -> AsyncIterator[asyncio.Queue[EventRef]]:
        queue: asyncio.Queue[EventRef] = asyncio.Queue(maxsize=QUEUE_SIZE)
        if workshop_id not in self._queues:
            self._cursor[workshop_id] = await anyio.to_thread.run_sync(
                self._current_seq, workshop_id
            )
            self._queues.setdefault(workshop_id, set())
        self._queues[workshop_id].add(queue)
        try:
            yield queue
        finally:
            queues = self._queues.get(workshop_id)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._queues[workshop_id]
                    self._cursor.pop(workshop_id, None)

    def listeners(self, workshop_id: int) -> int:
        return len(self._queues.get(workshop_id, ()))

    def _current_seq(self, workshop_id: int) -> int:
        with Session(self._engine) as session:
            return feed.current_seq(session, workshop_id)

    def _fetch(self, workshop_ids: list[int], cursor: dict[int, int]) -> list[EventRef]:
        with Session(self._engine) as session:
            return [
                EventRef(e.workshop_id, e.seq, e.kind, e.subject_id)
                for e in feed.events_after(session, workshop_ids, cursor)
            ]

    async def poll_once(self) -> None:
        if not self._queues:
            return
        events = await anyio.to_thread.run_sync(self._fetch, list(self._queues), dict(self._cursor))
        for event in events:
            self._cursor[event.workshop_id] = max(self._cursor.get(event.workshop_id, 0), event.seq)
            for queue in list(self._queues.get(event.workshop_id, ())):
                try:
                    queue.put_nowait(event)
                except asyncio.QueueFull:
                    # A stream this far behind is stuck; ending it makes the browser reconnect
                    # and catch up from its Last-Event-ID.
                    queue.get_nowait()
                    queue.put_nowait(END)

    def ping(self) -> None:
        """One keep-alive for every stream (cheaper than a timer per stream)."""
        for queues in self._queues.values():
            for queue in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(PING)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + KEEPALIVE_SECONDS
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.poll_once()
            except SQLAlchemyError:
                log.warning("live hub could not read the event feed; retrying", exc_info=True)
            if loop.time() >= next_ping:
                self.ping()
                next_ping = loop.time() + KEEPALIVE_SECONDS


def events_between(engine: Engine, workshop_id: int, after: int) -> list[EventRef]:
    """Stored events after `after`, for a stream that reconnects or starts behind."""
    with Session(engine) as session:
        return [
            EventRef(e.workshop_id, e.seq, e.kind, e.subject_id)
            for e in feed.events_after(session, [workshop_id], {workshop_id: after})
        ]


def sse_message(seq: int, html: str) -> str:
    """One server-sent event: its id is the workshop's event number, its data the HTML."""
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"id: {seq}\n{data}\n"
