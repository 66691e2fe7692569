"""Engine construction and the one request-scoped session dependency."""

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio
from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlmodel import Session

from app.config import POOL_MARGIN, WORKER_THREADS

P = ParamSpec("P")
R = TypeVar("R")

# Sync handlers and dependencies run on the worker threads (MRK_WORKER_THREADS, 8), each
# holding at most one pooled connection; the health probe and page fragments take those threads
# too; the background loops (live hub, round settler, retention purger, theme runner) and
# SQLite's group-commit batch take one each. A pool smaller than what is in use at once churns:
# SQLAlchemy closes every connection beyond `pool_size` when it is returned, so under load each
# request paid for a new connection (on PostgreSQL a new server process, seconds of stall for
# some requests; on SQLite an open plus four PRAGMAs). A much bigger pool only holds server
# processes nobody uses: 40 per worker (sized for AnyIO's former 40 threads) meant that the
# README's four workers would need 160 of PostgreSQL's default 100 connections.
# The app's pool is its worker threads plus POOL_MARGIN (app.config.Settings.pool_size); this
# is for scripts and tests that make an engine of their own.
POOL_SIZE = WORKER_THREADS + POOL_MARGIN
POOL_OVERFLOW = 5
PING_AFTER_IDLE_SECONDS = 5.0


class _NoRowValues(logging.Filter):
    """SQLAlchemy logs every fetched row at DEBUG: names, comments and tokens would end up
    in the logs of anyone who turns DEBUG on. Those records never pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


_engine_log = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _NoRowValues) for f in _engine_log.filters):
    _engine_log.addFilter(_NoRowValues())


def _close_returned_after_dispose(engine: Engine) -> None:
    """A connection that comes back to the pool after the engine was disposed is closed.

    Stopping a server with requests in flight: a handler already running on a worker thread
    returns its connection only after the app has shut down and disposed the engine. That
    pool is no longer the engine's and nobody would close the connection: on PostgreSQL its
    server process stays until the garbage collector finds it, and psycopg then reports a
    ResourceWarning wherever the program happens to be (a flaky test, here)."""

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        record.info["pool_id"] = id(engine.pool)

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        # Compared with the engine's pool of now: dispose() replaces it. (An id cannot be
        # reused meanwhile: a checked-out connection keeps its old pool alive.)
        if dbapi_connection is not None and record.info.get("pool_id") != id(engine.pool):
            dbapi_connection.close()


def _ping_after_idle(engine: Engine) -> None:
    """PostgreSQL: a connection that sat in the pool for a while is checked with a SELECT 1
    before use, and replaced if the server dropped it (a restart, an idle timeout).

    SQLAlchemy's pool_pre_ping checks every checkout: under load, a round trip per request for
    connections used a few milliseconds before. Measured here, checkout + SELECT 1 + return:
    465-574 us CPU and 715-964 us with it, 340-375 us and 544-610 us with this. A server that
    goes away while connections are in steady use is still noticed: SQLAlchemy invalidates the
    pool on the first disconnect error (that request fails)."""

    @event.listens_for(engine, "checkin")
    def _returned_at(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool discards it and connects anew
            raise DisconnectionError from error


def make_engine(url: str, *, echo: bool = False, pool_size: int = POOL_SIZE) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and real transactions.

    Statement parameters (what people typed, tokens) stay out of logs and error messages
    (hide_parameters); with the filter above no logged SQL holds personal data."""
    parsed = make_url(url)
    pool = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, echo=echo, hide_parameters=True, **pool)
        _close_returned_after_dispose(engine)
        _ping_after_idle(engine)
        return engine

    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    in_memory = not database or database == ":memory:" or "mode=memory" in database
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": 30},
        **({} if in_memory else pool),  # one in-memory database lives in one connection
    )
    _close_returned_after_dispose(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT;
        # take control of it (SQLAlchemy's documented recipe) and emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # FULL: a commit (an acknowledged ballot) is on disk before the answer goes out, so
        # not even a power loss takes it back; NORMAL would only survive a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


class PoolWarmer:
    """Opens the pool's connections on a background thread right after startup.

    A new PostgreSQL connection costs a server process and its first query about 13 ms (40 of
    them took 526 ms here, against 24 ms for 40 queries on open ones). Without this the first
    burst after a start opened 40 per worker at once on 2 cores, and the first round of
    bench/stack_overhead.py saw /healthz p99 of 0.9-1.2 s against 60-100 ms once warm."""

    def __init__(self, engine: Engine, count: int) -> None:
        self._engine = engine
        self._count = count
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.opened = 0

    def start(self) -> None:
        """On every startup of the app (tests run one app's lifespan many times)."""
        if self._count and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name="pool-warmer", daemon=True)
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def run(self) -> None:
        held: list[Connection] = []
        try:
            pool = self._engine.pool
            # Never beyond the pool's size: requests that came early may hold some already, and
            # a warmer waiting for a connection would hold the rest (see SessionSlots).
            while (
                len(held) < self._count
                and not self._stop.is_set()
                and pool.checkedout() < pool.size()  # type: ignore[attr-defined]
            ):
                held.append(self._engine.connect())
        except SQLAlchemyError as error:  # the database is not up yet: requests will connect
            logging.getLogger(__name__).warning("pool warm-up stopped: %s", error)
        finally:
            self.opened = len(held)
            for connection in held:
                connection.close()  # back into the pool, which keeps up to pool_size


class WriteGate:
    """SQLite: writing requests take turns per process, waiting in the event loop, and share
    their commits.

    A writing request takes the database's one write lock at its first query (BEGIN
    IMMEDIATE) and keeps it until its session closes. Without the gate, a burst of writes
    fills the thread pool with requests blocked on the lock while the holder waits for a free
    thread: everything stalls until the busy timeout ("database is locked"). Held only while
    the session is open, not while the request's body is read and checked or its answer sent.

    Group commit: with synchronous=FULL every COMMIT waits for the disk. Where that wait is
    long (here, with other processes writing to the same disk, ~9 ms behind the gate per ballot
    against ~3 ms of CPU: 112 ballots/s in-process at 50 in flight), taking it in turn is the
    ceiling. So a writer that finds others queued behind it starts a batch: they run in one
    transaction on one connection, each inside its own SAVEPOINT (its commit releases it, its
    failure rolls back only its own work), and the last of them commits for all: one disk wait
    for up to MAX_BATCH requests (the same load: 273/s). Nobody answers before that commit is
    on disk, and if it fails every request of the batch fails with it. A writer with nobody
    waiting keeps a session of its own, as without batching (no savepoint, no extra thread hop).
    """

    MAX_BATCH = 32

    def __init__(self) -> None:
        self._semaphore: asyncio.Semaphore | None = None
        self._waiting = 0
        self._batch: _Batch | None = None
        self._orphans: set[asyncio.Task[None]] = set()

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:  # made on first use, inside the loop that serves requests
            self._semaphore = asyncio.Semaphore(1)
        return self._semaphore

    @contextlib.asynccontextmanager
    async def session(self, engine: Engine) -> AsyncIterator[Session]:
        """A writing request's session: its turn, then its own transaction, or a savepoint in a
        batch when others are queued."""
        self._waiting += 1
        try:
            await self.semaphore.acquire()
        except BaseException:  # cancelled while queued, maybe just after a writer handed over
            self._waiting -= 1
            self._finish_orphan()
            raise
        self._waiting -= 1
        if self._batch is None and self._waiting == 0:
            try:
                async with _own_session(engine) as session:
                    yield session
            finally:
                self.semaphore.release()
            return
        try:
            if self._batch is None:
                self._batch = await anyio.to_thread.run_sync(_Batch.open, engine)
            batch = self._batch
            batch.size += 1
            # Every writer of a batch in a savepoint, the first too: only a savepoint's rollback
            # undoes exactly the work the request did not commit.
            session = Session(bind=batch.connection, join_transaction_mode="create_savepoint")
        except BaseException:
            self.semaphore.release()
            raise
        try:
            yield session
        finally:
            with anyio.CancelScope(shield=True):  # the batch is finished whatever happens here
                await self._leave(batch, session)

    def _finish_orphan(self) -> None:
        """A writer left an open batch to the writers queued behind it, and the last of them
        was cancelled before its turn: nobody would commit, its requests would never be
        answered and the write lock would stay taken. Commit it on a task of its own."""
        batch = self._batch
        if batch is None or self._waiting or self.semaphore.locked():
            return
        task = asyncio.get_running_loop().create_task(self._commit_orphan(batch))
        self._orphans.add(task)
        task.add_done_callback(self._orphans.discard)

    async def _commit_orphan(self, batch: "_Batch") -> None:
        async with self.semaphore:
            if self._batch is not batch:  # a newer writer joined it and committed
                return
            self._batch = None
            try:
                await anyio.to_thread.run_sync(batch.commit)
            finally:
                batch.done.set()

    async def _leave(self, batch: "_Batch", session: Session) -> None:
        try:
            if session.in_transaction():  # rolls back to its own savepoint
                await anyio.to_thread.run_sync(session.close)
            else:
                session.close()
        finally:
            last = self._waiting == 0 or batch.size >= self.MAX_BATCH
            if last:
                self._batch = None
                try:
                    await anyio.to_thread.run_sync(batch.commit)
                finally:
                    batch.done.set()
            self.semaphore.release()
            if not last:
                await batch.done.wait()
        if batch.error is not None:
            raise batch.error


class _Batch:
    """One transaction shared by the writing requests of one group commit."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.size = 0
        self.done = asyncio.Event()
        self.error: BaseException | None = None

    @classmethod
    def open(cls, engine: Engine) -> "_Batch":
        connection = engine.connect()
        try:
            connection.begin()  # BEGIN IMMEDIATE: waits (busy_timeout) for a background writer
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    def commit(self) -> None:
        """On a worker thread; a failure is kept for every request of the batch."""
        try:
            self.connection.commit()
        except BaseException as error:
            self.error = error
        finally:
            self.connection.close()


class DatabaseProbe:
    """Whether the database answers, for /healthz: checks that arrive together share one round
    trip.

    Load balancers, uptime monitors and benchmarks poll at once. Each check used to take a worker
    thread and a pooled connection for its SELECT 1, and under load that thread hop cost more
    than the rest of the request (in-process, 50 in flight: ~800 us per check against ~80 us
    for the same stack answering without the database). Now a check waits for the next probe
    that starts after it arrived, and every check waiting for that probe gets its answer: never
    an answer older than the question, and one round trip however many ask at once."""

    def __init__(self, answers: Callable[[], bool]) -> None:
        self._answers = answers  # blocking; runs on a worker thread
        # Per event loop (tests serve one app from several loops, even at once): the check
        # that the next probe will answer, and the task running probes.
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _ProbeState] = (
            weakref.WeakKeyDictionary()
        )
        self.probes = 0

    @classmethod
    def on(cls, engine: Engine) -> "DatabaseProbe":
        def select_one() -> bool:
            try:
                with engine.connect() as connection:  # rolled back on close
                    connection.exec_driver_sql("SELECT 1")
            except SQLAlchemyError:
                return False
            return True

        return cls(select_one)

    async def answers(self) -> bool:
        loop = asyncio.get_running_loop()
        state = self._loops.setdefault(loop, _ProbeState())
        if state.next is None:
            state.next = loop.create_future()
        waiting = state.next
        if state.runner is None or state.runner.done():
            state.runner = loop.create_task(self._run(state))
        # Shielded: a check that gives up (a client gone) does not cancel the others' probe.
        return await asyncio.shield(waiting)

    async def _run(self, state: "_ProbeState") -> None:
        waiting: asyncio.Future[bool] | None = None
        try:
            while state.next is not None:  # checks that came during a probe wait for the next
                waiting, state.next = state.next, None
                self.probes += 1
                try:
                    answer = await anyio.to_thread.run_sync(self._answers)
                except Exception:  # not the database's refusal but a fault: still an answer
                    logging.getLogger(__name__).exception("the health probe failed")
                    answer = False
                waiting.set_result(answer)
        finally:  # cancelled (the loop is closing): nobody is left waiting for ever
            for future in (waiting, state.next):
                if future is not None and not future.done():
                    future.cancel()
            state.next = None


@dataclass
class _ProbeState:
    next: asyncio.Future[bool] | None = None
    runner: asyncio.Task[None] | None = None


def reads_only(endpoint: Callable[P, R]) -> Callable[P, R]:
    """Mark a POST handler that never writes (a ballot's review step): its session takes
    neither the write gate nor SQLite's write lock."""
    endpoint.reads_only = True  # type: ignore[attr-defined]
    return endpoint


def one_statement(endpoint: Callable[P, R]) -> Callable[P, R]:
    """Mark a POST handler whose only write is one statement, atomic on its own (a ballot's
    upsert): on PostgreSQL its session runs in autocommit, so the request pays no BEGIN and no
    COMMIT round trip (5 round trips became 2 for a ballot). Anything else it runs is a read.
    SQLite ignores the mark: its writes go through the write gate's transactions."""
    endpoint.one_statement = True  # type: ignore[attr-defined]
    return endpoint


def _writes(request: Request) -> bool:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not getattr(request.scope.get("endpoint"), "reads_only", False)


class SessionSlots:
    """At most `count` requests hold a session at once; the others wait in the event loop,
    holding neither a thread nor a connection.

    Without this the pool deadlocked once more requests were in flight than it held: a request
    keeps its connection between thread hops (a dependency, then the handler, then the closing
    rollback), so finished and half-done requests held every connection while waiting for a
    worker thread, and every worker thread waited for a connection (30 s, then an error). With
    `count` at most the pool size less what the background loops and the health probe use, a
    request that holds a slot always finds a connection, so threads always move."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        semaphore = self._loops.get(loop)
        if semaphore is None:  # per event loop (tests serve one app from several)
            semaphore = self._loops[loop] = asyncio.Semaphore(self.count)
        async with semaphore:
            yield

    def in_use(self) -> int:
        """Slots taken in the running event loop."""
        semaphore = self._loops.get(asyncio.get_running_loop())
        return 0 if semaphore is None else self.count - semaphore._value

    async def run(self, uses_a_connection: Callable[..., R], *args: object) -> R:
        """A blocking call that opens a session of its own (a stream's fragment), on a worker
        thread once a slot is free."""
        async with self.held():
            return await anyio.to_thread.run_sync(uses_a_connection, *args)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's one session, once a slot is free (see SessionSlots). Opening one does no
    I/O (it connects on first use), so this runs on the event loop; only a close that must roll
    back a still-open transaction goes to a worker thread. Paths that never touch the database
    pay no thread hop for it."""
    gate: WriteGate | None = getattr(request.app.state, "write_gate", None)
    writes = _writes(request)
    # SQLite: a writing request takes the write lock at BEGIN. A deferred transaction that
    # reads and then writes fails at once ("database is locked") when another writer got in
    # between; an immediate one waits its turn (busy_timeout) instead.
    state = request.app.state
    if gate is not None and writes:
        # No slot: the gate's writers use one connection at a time between them (their own,
        # or the batch's), counted among BACKGROUND_CONNECTIONS.
        async with gate.session(state.write_engine) as session:
            yield session
        return
    if writes and getattr(request.scope.get("endpoint"), "one_statement", False):
        engine = state.autocommit_engine
    else:
        engine = state.write_engine if writes else state.engine
    slots: SessionSlots = state.session_slots
    async with slots.held(), _own_session(engine) as session:
        yield session


@contextlib.asynccontextmanager
async def _own_session(engine: Engine) -> AsyncIterator[Session]:
    """A session with its own transaction. Opening one does no I/O (it connects on first use);
    only a close that must roll back a still-open transaction goes to a worker thread."""
    session = Session(engine)
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close)
        else:
            session.close()


# Closed as soon as the handler returns (pages render inside it), so a long response such as
# a live event stream never holds a pooled connection.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
