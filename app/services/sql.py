"""Query pieces several services share."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session


def among(session: Session, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN ids`, sent on PostgreSQL as one array parameter (`= ANY(%(ids)s)`).

    An IN list sends one bound parameter per id: on a 500-item plan page its thousands of
    parameters cost more CPU to render, cast and send than the queries took to run, and the
    statement's text changed with every count (bench/plan_record.py)."""
    values = sorted(set(ids))
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", values, type_=ARRAY(Integer), unique=True))
    return column.in_(values)
