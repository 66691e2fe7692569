"""Counting the SQL statements a block of code sends (for the "at most N queries" tests and
the benchmarks' queries-per-request figures)."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event


@contextmanager
def recorded_statements(target: Engine | Connection) -> Iterator[list[str]]:
    """Every statement `target` executes inside the block, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", record)


# BEGIN IMMEDIATE, and the SAVEPOINT/RELEASE of SQLite's group commit (app/db.WriteGate): they
# touch no row; reported apart from the queries that read or write rows.
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|SAVEPOINT|RELEASE|ROLLBACK TO)\b", re.IGNORECASE)


def split_queries(statements: list[str]) -> tuple[list[str], list[str]]:
    """(queries that read or write rows, transaction control statements)."""
    control = [s for s in statements if _TRANSACTION_CONTROL.match(s)]
    return [s for s in statements if not _TRANSACTION_CONTROL.match(s)], control
