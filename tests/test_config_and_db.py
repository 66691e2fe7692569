"""Settings from the environment, and what every SQLite connection is set up with."""

import asyncio
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio.to_thread
import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.config import BACKGROUND_CONNECTIONS, POOL_MARGIN, Settings
from app.db import (
    POOL_SIZE,
    DatabaseProbe,
    PoolWarmer,
    SessionSlots,
    WriteGate,
    get_session,
    make_engine,
    reads_only,
)
from app.main import create_app
from tests.conftest import TEST_DATABASE_URL
from tests.statements import recorded_statements


def test_database_url_from_either_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MRK_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/one")
    assert Settings().database_url == "postgresql+psycopg://db/one"
    monkeypatch.setenv("MRK_DATABASE_URL", "postgresql+psycopg://db/two")
    assert Settings().database_url == "postgresql+psycopg://db/two"


def test_defaults_are_sqlite_under_data_and_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "MRK_DATABASE_URL", "MRK_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(secret_key="k" * 40)
    assert settings.database_url == "sqlite:///data/mueang_ruam_kit.db"
    assert settings.cookie_secure is True


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    assert (tmp_path / "nested" / "x.db").exists()


def test_sqlite_transactions_roll_back_and_savepoints_work(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
    with engine.connect() as connection:
        with connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
            nested = connection.begin_nested()
            connection.execute(text("INSERT INTO t VALUES (2)"))
            nested.rollback()
        transaction = connection.begin()
        connection.execute(text("INSERT INTO t VALUES (3)"))
        transaction.rollback()
        assert connection.execute(text("SELECT v FROM t")).scalars().all() == [1]
    engine.dispose()


def test_a_burst_of_concurrent_requests_reuses_pooled_connections(database_url: str) -> None:
    """Every worker thread and background loop may hold a connection at once: a pool smaller
    than that closed every extra one on return, so under load each request paid for a new
    connection."""
    engine = make_engine(database_url)
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    burst = POOL_SIZE
    barrier = threading.Barrier(burst)

    def hold_one() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            barrier.wait(timeout=30)  # all checked out at once

    for _ in range(2):
        threads = [threading.Thread(target=hold_one) for _ in range(burst)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    engine.dispose()
    assert len(opened) == burst  # the second burst opened none


def test_the_pool_holds_the_worker_threads_and_a_margin_not_more(settings: Settings) -> None:
    """Sized from the worker threads (each holds at most one connection) plus the background
    loops: 40 per worker made the README's four workers need 160 PostgreSQL connections, more
    than its default max_connections of 100."""
    defaults = settings.model_copy(update={"db_pool_size": None, "worker_threads": 8})
    assert defaults.pool_size == 8 + POOL_MARGIN
    assert 4 * defaults.pool_size < 100
    app = create_app(defaults.model_copy(update={"worker_threads": 20}))
    assert app.state.engine.pool.size() == 20 + POOL_MARGIN
    app.state.engine.dispose()
    app = create_app(defaults.model_copy(update={"db_pool_size": 9}))
    assert app.state.engine.pool.size() == 9
    assert app.state.session_slots.count == 9 - BACKGROUND_CONNECTIONS
    app.state.engine.dispose()


def test_pool_warmer_opens_the_connections_a_first_burst_would_have_opened(
    database_url: str,
) -> None:
    """After the warm-up a burst of requests finds its connections open: none is made then."""
    engine = make_engine(database_url, pool_size=12)
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    warmer = PoolWarmer(engine, 12)
    warmer.run()
    assert warmer.opened == len(opened) == 12
    held = [engine.connect() for _ in range(12)]
    for connection in held:
        connection.close()
    engine.dispose()
    assert len(opened) == 12


def test_pool_warmer_stops_quietly_when_the_database_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Startup must not fail because the database is not up yet: requests connect later."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    warmer = PoolWarmer(engine, 5)
    warmer.run()
    engine.dispose()
    assert warmer.opened == 0
    assert "pool warm-up stopped" in caplog.text


def test_pool_warmer_runs_only_on_postgresql(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"db_pool_warm": True}))
    for _ in range(2):  # one app may start and stop more than once (as tests do)
        with TestClient(app):
            started = app.state.pool_warmer.started
        assert started == (not settings.database_url.startswith("sqlite"))
        assert not app.state.pool_warmer.started  # stopped with the app


def test_requests_return_their_connection(settings: Settings, engine: Engine) -> None:
    """The request's session closes after the handler, whether or not it touched the database
    (`engine`: the migrated test database)."""
    application = create_app(settings)
    with TestClient(application) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
        assert client.get("/cities/khon-kaen").status_code == 200
        assert client.get("/join").status_code == 200
    pool = application.state.engine.pool
    assert pool.checkedout() == 0
    application.state.engine.dispose()


def _gated_state(tmp_path: Path) -> SimpleNamespace:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (body TEXT UNIQUE)"))
    return SimpleNamespace(
        engine=engine,
        write_engine=engine.execution_options(sqlite_begin="IMMEDIATE"),
        write_gate=WriteGate(),
        session_slots=SessionSlots(100),
    )


def _request(state: SimpleNamespace, method: str, endpoint: object = None) -> Request:
    app = SimpleNamespace(state=state)
    return Request({"type": "http", "method": method, "app": app, "endpoint": endpoint})


def _stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(text("SELECT body FROM note")).scalars())


def _write(session: object, body: str) -> None:
    session.execute(text("INSERT INTO note VALUES (:body)"), {"body": body})  # type: ignore[attr-defined]
    session.commit()  # type: ignore[attr-defined]


def test_sqlite_writing_sessions_take_turns_and_reads_only_posts_skip_the_queue(
    tmp_path: Path,
) -> None:
    """One writing session at a time waits in the event loop, not on a worker thread blocked
    on SQLite's lock; a POST marked reads_only and every GET go straight through."""
    state = _gated_state(tmp_path)

    @reads_only
    def review() -> None: ...

    async def scenario() -> None:
        first = get_session(_request(state, "POST"))
        await anext(first)
        second = get_session(_request(state, "POST"))
        waiting = asyncio.ensure_future(anext(second))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # queued behind the first writer
        for method, endpoint in (("POST", review), ("GET", None)):
            other = get_session(_request(state, method, endpoint))
            await asyncio.wait_for(anext(other), timeout=5)
            await other.aclose()
        first_done = asyncio.ensure_future(first.aclose())
        await asyncio.wait_for(waiting, timeout=5)  # its turn once the first closed
        await second.aclose()
        await asyncio.wait_for(first_done, timeout=5)

    asyncio.run(scenario())
    state.engine.dispose()


class _Queue:
    """Writers queued behind a first one that holds the gate (and commits on its own)."""

    def __init__(self, state: SimpleNamespace) -> None:
        self.state = state
        self.first = get_session(_request(state, "POST"))
        self.writers: list[Any] = []
        self.turns: list[asyncio.Future[Any]] = []

    async def start(self, queued: int) -> None:
        _write(await anext(self.first), "first")
        for _ in range(queued):
            writer = get_session(_request(self.state, "POST"))
            self.writers.append(writer)
            self.turns.append(asyncio.ensure_future(anext(writer)))
            await asyncio.sleep(0.02)
        await self.first.aclose()  # alone when it started: its own commit, answered at once

    async def turn(self, index: int) -> Any:
        return await asyncio.wait_for(self.turns[index], timeout=5)


def test_sqlite_writers_in_a_queue_share_one_commit_and_answer_only_after_it(
    tmp_path: Path,
) -> None:
    """Group commit: writers that find others queued run in one transaction, and nobody's
    work is visible (nor answered) before the last one's commit."""
    state = _gated_state(tmp_path)
    commits: list[int] = []
    event.listen(state.engine, "commit", lambda _conn: commits.append(1))

    async def scenario() -> None:
        queue = _Queue(state)
        await queue.start(2)
        assert commits == [1]
        _write(await queue.turn(0), "one")
        one_done = asyncio.ensure_future(queue.writers[0].aclose())
        session = await queue.turn(1)
        await asyncio.sleep(0.05)
        assert not one_done.done()  # not answered before the shared commit
        assert await asyncio.to_thread(_stored, state.engine) == ["first"]
        _write(session, "two")
        await queue.writers[1].aclose()
        await asyncio.wait_for(one_done, timeout=5)

    asyncio.run(scenario())
    assert _stored(state.engine) == ["first", "one", "two"]
    assert len(commits) == 2  # the first's own, then one for the batch
    state.engine.dispose()


def test_a_writer_with_nobody_waiting_commits_on_its_own_without_a_savepoint(
    tmp_path: Path,
) -> None:
    state = _gated_state(tmp_path)

    async def scenario() -> list[str]:
        writer = get_session(_request(state, "POST"))
        with recorded_statements(state.engine) as seen:
            _write(await anext(writer), "alone")
            await writer.aclose()
        return seen

    seen = asyncio.run(scenario())
    assert [s.split()[0] for s in seen] == ["BEGIN", "INSERT"]
    assert _stored(state.engine) == ["alone"]
    state.engine.dispose()


def test_a_failed_writer_in_a_shared_commit_loses_only_its_own_work(tmp_path: Path) -> None:
    """Each writer of a batch runs in its own savepoint: one that fails (here a unique
    violation, as a second ballot of the same voter) is rolled back alone, the first of the
    batch included; the others' work is committed."""
    state = _gated_state(tmp_path)

    async def scenario() -> None:
        queue = _Queue(state)
        await queue.start(3)
        session = await queue.turn(0)
        session.execute(text("INSERT INTO note VALUES ('lost')"))
        refused = asyncio.ensure_future(queue.writers[0].athrow(RuntimeError("refused")))
        session = await queue.turn(1)
        session.execute(text("INSERT INTO note VALUES ('half')"))
        with pytest.raises(Exception, match="UNIQUE"):
            session.execute(text("INSERT INTO note VALUES ('first')"))
        refused_too = asyncio.ensure_future(queue.writers[1].athrow(RuntimeError("refused")))
        _write(await queue.turn(2), "three")
        await queue.writers[2].aclose()
        for task in (refused, refused_too):
            with pytest.raises(RuntimeError, match="refused"):
                await asyncio.wait_for(task, timeout=5)

    asyncio.run(scenario())
    assert _stored(state.engine) == ["first", "three"]
    state.engine.dispose()


def test_a_failed_shared_commit_fails_every_writer_of_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the disk refuses the commit, no writer of the batch may answer as if it were saved."""
    state = _gated_state(tmp_path)
    from app import db

    def refuse(batch: db._Batch) -> None:
        batch.connection.rollback()
        batch.connection.close()
        batch.error = OSError("disk full")

    async def scenario() -> None:
        queue = _Queue(state)
        await queue.start(2)
        _write(await queue.turn(0), "one")
        one_done = asyncio.ensure_future(queue.writers[0].aclose())
        _write(await queue.turn(1), "two")
        monkeypatch.setattr(db._Batch, "commit", refuse)
        with pytest.raises(OSError, match="disk full"):
            await queue.writers[1].aclose()
        with pytest.raises(OSError, match="disk full"):
            await asyncio.wait_for(one_done, timeout=5)

    asyncio.run(scenario())
    assert _stored(state.engine) == ["first"]
    state.engine.dispose()


def test_a_batch_commits_after_at_most_max_batch_writers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A steady queue cannot hold answers back for ever: every MAX_BATCH writers commit."""
    state = _gated_state(tmp_path)
    monkeypatch.setattr(WriteGate, "MAX_BATCH", 2)
    commits: list[int] = []
    event.listen(state.engine, "commit", lambda _conn: commits.append(1))

    async def one(body: str) -> None:
        session = get_session(_request(state, "POST"))
        _write(await anext(session), body)
        await asyncio.sleep(0.01)
        await session.aclose()

    async def scenario() -> None:
        await asyncio.wait_for(asyncio.gather(*(one(str(i)) for i in range(7))), timeout=10)

    asyncio.run(scenario())
    assert _stored(state.engine) == [str(i) for i in range(7)]
    assert len(commits) == 4  # the first alone (nobody queued yet), then three batches of two
    state.engine.dispose()


def test_a_batch_left_to_a_writer_cancelled_in_the_queue_is_still_committed(
    tmp_path: Path,
) -> None:
    """A hands its open batch to B, and B's request is cancelled before its turn (a shutdown, a
    timeout): the batch is committed anyway, A is answered and the write lock is free."""
    state = _gated_state(tmp_path)

    async def scenario() -> None:
        queue = _Queue(state)
        await queue.start(2)
        _write(await queue.turn(0), "one")
        semaphore = state.write_gate.semaphore
        release = semaphore.release

        def release_then_cancel_the_next() -> None:
            release()  # A hands over; B is woken, and cancelled before it runs
            semaphore.release = release
            queue.turns[1].cancel()

        semaphore.release = release_then_cancel_the_next
        await asyncio.wait_for(queue.writers[0].aclose(), timeout=5)
        assert state.write_gate._batch is None

    asyncio.run(scenario())
    assert _stored(state.engine) == ["first", "one"]
    with state.write_engine.begin() as connection:  # the lock is free for another writer
        connection.execute(text("INSERT INTO note VALUES ('after')"))
    state.engine.dispose()


def test_health_checks_that_arrive_together_share_one_probe() -> None:
    calls = []
    probe = DatabaseProbe(lambda: calls.append(1) or True)

    async def scenario() -> list[bool]:
        return await asyncio.gather(*(probe.answers() for _ in range(20)))

    assert asyncio.run(scenario()) == [True] * 20
    assert len(calls) == 1
    assert asyncio.run(scenario()) == [True] * 20  # a later burst (another loop) asks again
    assert len(calls) == 2


def test_a_health_check_never_gets_an_answer_older_than_itself() -> None:
    """A check that arrives while a probe runs waits for the next probe: here the database
    went away in between, and only the first check may still be told it answered."""
    started, release = threading.Event(), threading.Event()
    answers = iter([True, False])

    def ask() -> bool:
        started.set()
        release.wait(10)
        return next(answers)

    probe = DatabaseProbe(ask)

    async def scenario() -> tuple[bool, bool]:
        first = asyncio.ensure_future(probe.answers())
        await asyncio.to_thread(started.wait, 10)
        second = asyncio.ensure_future(probe.answers())
        await asyncio.sleep(0)
        release.set()
        return await first, await second

    assert asyncio.run(scenario()) == (True, False)
    assert probe.probes == 2


def test_a_health_check_that_gives_up_leaves_the_others_their_answer() -> None:
    release = threading.Event()
    probe = DatabaseProbe(lambda: release.wait(10))

    async def scenario() -> bool:
        leaving = asyncio.ensure_future(probe.answers())
        staying = asyncio.ensure_future(probe.answers())
        await asyncio.sleep(0.05)
        leaving.cancel()
        await asyncio.sleep(0)
        release.set()
        return await staying

    assert asyncio.run(scenario()) is True
    assert probe.probes == 1


def test_health_probe_says_no_for_a_database_that_does_not_open(tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    (tmp_path / "x.db").mkdir()  # a directory where the database file should be
    try:
        assert asyncio.run(DatabaseProbe.on(broken).answers()) is False
    finally:
        broken.dispose()


def _is_closed(raw: Any) -> bool:
    if hasattr(raw, "closed"):  # psycopg
        return bool(raw.closed)
    try:  # sqlite3
        raw.execute("SELECT 1")
    except Exception:  # sqlite3.ProgrammingError: closed
        return True
    return False


def test_a_connection_returned_after_the_engine_is_disposed_is_closed(database_url: str) -> None:
    """A request's thread may return its connection after the app has stopped and disposed
    the engine: it is closed then, not left open in a pool nobody owns (psycopg's warning
    about it surfaced in whichever test the garbage collector happened to run)."""
    engine = make_engine(database_url)
    held = engine.connect()
    raw = held.connection.dbapi_connection
    engine.dispose()
    held.close()
    assert _is_closed(raw)
    engine.dispose()


def test_connections_returned_to_a_live_pool_stay_open_for_the_next_request(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    with engine.connect() as first:
        raw = first.connection.dbapi_connection
    with engine.connect() as second:
        assert second.connection.dbapi_connection is raw
    assert not _is_closed(raw)
    engine.dispose()


def test_the_app_runs_sync_handlers_on_the_configured_number_of_threads(
    settings: Settings,
) -> None:
    application = create_app(settings.model_copy(update={"worker_threads": 5}))
    with TestClient(application) as client:
        limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)  # type: ignore[union-attr]
        assert limiter.total_tokens == 5
    application.state.engine.dispose()


def test_a_health_probe_that_breaks_answers_no_and_leaves_nobody_waiting() -> None:
    """A fault that is not the database's refusal (here a RuntimeError) still answers every
    check: those sharing that probe and those that arrived while it ran."""
    started, release = threading.Event(), threading.Event()
    calls = []

    def ask() -> bool:
        calls.append(1)
        if len(calls) == 1:
            started.set()
            release.wait(10)
            raise RuntimeError("driver fault")
        return True

    probe = DatabaseProbe(ask)

    async def scenario() -> list[bool]:
        first = asyncio.ensure_future(probe.answers())
        await asyncio.to_thread(started.wait, 10)
        second = asyncio.ensure_future(probe.answers())
        await asyncio.sleep(0)
        release.set()
        return list(await asyncio.wait_for(asyncio.gather(first, second), timeout=10))

    assert asyncio.run(scenario()) == [False, True]


def test_health_checks_on_two_event_loops_at_once_each_get_their_answer() -> None:
    release = threading.Event()
    probe = DatabaseProbe(lambda: release.wait(10))
    answers: list[bool] = []

    def serve() -> None:
        async def check() -> bool:
            return await asyncio.wait_for(probe.answers(), timeout=10)

        answers.append(asyncio.run(check()))

    loops = [threading.Thread(target=serve) for _ in range(2)]
    for thread in loops:
        thread.start()
    threading.Timer(0.2, release.set).start()
    for thread in loops:
        thread.join(15)
    assert answers == [True, True]


postgresql_only = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="the idle ping is PostgreSQL's (SQLite has no server to lose)",
)


@postgresql_only
def test_a_connection_idle_in_the_pool_is_checked_and_replaced_if_the_server_dropped_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.db

    monkeypatch.setattr(app.db, "PING_AFTER_IDLE_SECONDS", 0.0)  # everything counts as idle
    engine = make_engine(database_url)
    with engine.connect() as first:
        raw = first.connection.dbapi_connection
        pid = first.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = make_engine(database_url)
    with killer.connect() as other:  # the server drops it, as after a restart
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    with engine.connect() as second:
        assert second.execute(text("SELECT 1")).scalar_one() == 1
        assert second.connection.dbapi_connection is not raw
    engine.dispose()


@postgresql_only
def test_connections_in_steady_use_are_not_pinged(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(connection))
    for _ in range(5):
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    assert pings == []
    engine.dispose()
