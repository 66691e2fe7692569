"""Query pieces several services share."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, Integer, Row, Table, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, SQLModel


def among(session: Session, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN ids`, sent on PostgreSQL as one array parameter (`= ANY(%(ids)s)`).

    An IN list sends one bound parameter per id: on a 500-item plan page its thousands of
    parameters cost more CPU to render, cast and send than the queries took to run, and the
    statement's text changed with every count (bench/plan_record.py)."""
    values = sorted(set(ids))
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", values, type_=ARRAY(Integer), unique=True))
    return column.in_(values)


def table(model: type[SQLModel]) -> Table:
    """A model's table, for Core statements on its columns (app.services.sql.rows)."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def rows(session: Session, statement: Executable) -> Sequence[Row[*tuple[Any, ...]]]:
    """The rows of a Core statement on table columns (`table(Model).c`), read as plain tuples.

    A statement on model attributes goes through the ORM's compile and per-row result steps
    even when it selects columns only; on a 500-item plan page those cost more CPU than the
    queries (bench/plan_record.py). Pending changes are flushed first, as the ORM's autoflush
    would (a Core statement does not trigger it)."""
    if session.autoflush:
        session.flush()
    return session.execute(statement).all()
