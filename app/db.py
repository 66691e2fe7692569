"""Engine construction and the one request-scoped session dependency."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session


class _NoRowValues(logging.Filter):
    """SQLAlchemy logs every fetched row at DEBUG: names, comments and tokens would end up
    in the logs of anyone who turns DEBUG on. Those records never pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


_engine_log = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _NoRowValues) for f in _engine_log.filters):
    _engine_log.addFilter(_NoRowValues())


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and real transactions.

    Statement parameters (what people typed, tokens) stay out of logs and error messages
    (hide_parameters); with the filter above no logged SQL holds personal data."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)

    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

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


def get_session(request: Request) -> Iterator[Session]:
    engine: Engine = request.app.state.engine
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # SQLite: take the write lock at BEGIN. A deferred transaction that reads and then
        # writes fails at once ("database is locked") when another writer got in between;
        # an immediate one waits its turn (busy_timeout) instead.
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with Session(engine) as session:
        yield session


# Closed as soon as the handler returns (pages render inside it), so a long response such as
# a live event stream never holds a pooled connection.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
