"""Settings from the environment, and what every SQLite connection is set up with."""

import asyncio
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.config import Settings
from app.db import PoolWarmer, WriteGate, get_session, make_engine, reads_only
from app.main import create_app


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
    """Forty worker threads may each hold a connection: a pool smaller than that closed every
    extra one on return, so under load each request paid for a new connection."""
    engine = make_engine(database_url)
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    burst = 30
    barrier = threading.Barrier(burst)

    def hold_one() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            barrier.wait(timeout=30)  # all thirty checked out at once

    for _ in range(2):
        threads = [threading.Thread(target=hold_one) for _ in range(burst)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    engine.dispose()
    assert len(opened) == burst  # the second burst opened none


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


def test_sqlite_writing_sessions_take_turns_and_reads_only_posts_skip_the_queue(
    tmp_path: Path,
) -> None:
    """One writing session at a time waits in the event loop, not on a worker thread blocked
    on SQLite's lock; a POST marked reads_only and every GET go straight through."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    state = SimpleNamespace(
        engine=engine,
        write_engine=engine.execution_options(sqlite_begin="IMMEDIATE"),
        write_gate=WriteGate(),
    )

    @reads_only
    def review() -> None: ...

    def request(method: str, endpoint: object = None) -> Request:
        app = SimpleNamespace(state=state)
        return Request({"type": "http", "method": method, "app": app, "endpoint": endpoint})

    async def scenario() -> None:
        first = get_session(request("POST"))
        await anext(first)
        second = get_session(request("POST"))
        waiting = asyncio.ensure_future(anext(second))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # queued behind the first writer
        for other in (get_session(request("POST", review)), get_session(request("GET"))):
            await asyncio.wait_for(anext(other), timeout=5)
            await other.aclose()
        await first.aclose()
        await asyncio.wait_for(waiting, timeout=5)  # its turn once the first closed
        await second.aclose()

    asyncio.run(scenario())
    engine.dispose()
