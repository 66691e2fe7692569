"""No GET request changes the database: every GET route of the authorization matrix, as
every actor, against a world with a vote round past its closing time (which pages once
closed on the spot), leaves every table as it was and issues no INSERT, UPDATE or DELETE."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel

from app.models import Role, RoundStatus, utcnow
from app.services import voting
from tests import factories
from tests.helpers import join, login
from tests.routes.test_authorization_matrix import ACTORS, EXPECTATIONS, World

GET_ROUTES = sorted(path for method, path in EXPECTATIONS if method == "GET")
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE", "TRUNCATE")


def _snapshot(db: Session) -> dict[str, tuple[int, str]]:
    """Per table: the number of rows and a digest of all their contents, in any order."""
    connection = db.connection()
    snapshot = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        snapshot[table.name] = (len(rows), digest)
    return snapshot


@contextmanager
def _writes() -> Iterator[list[str]]:
    """Every writing statement any engine sends while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            seen.append(statement.split("(")[0].strip())

    sa.event.listen(sa.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", record)


@pytest.mark.parametrize("actor", ACTORS)
def test_get_requests_write_nothing(actor: str, client: TestClient, db: Session) -> None:
    item, report, indicator, agency_account = factories.monitored_item(db)
    account = {
        "facilitator": factories.account(db, role=Role.facilitator),
        "outsider": factories.account(db, role=Role.facilitator),
        "planner": factories.account(db, role=Role.planner),
        "admin": factories.account(db, role=Role.admin),
        "agency": agency_account,
    }.get(actor)
    runner = account if actor == "facilitator" else factories.account(db, role=Role.facilitator)
    workshop = factories.workshop(db, facilitators=[runner])
    idea = factories.idea(db, workshop=workshop)
    phase_id = factories.phases(db, workshop)[-1].id or 0
    factories.vote_round(db, workshop=workshop, status=RoundStatus.open)
    due = factories.vote_round(
        db,
        proposals=[factories.proposal(db, workshop=workshop, title=t) for t in ("ก", "ข")],
        status=RoundStatus.open,
        closes_at=utcnow() + timedelta(hours=1),
    )
    [first, _second] = [e.proposal.id or 0 for e in voting.ballot_entries(db, due)]
    voting.cast_ballot(
        db,
        due,
        voter_key="someone",
        group="resident",
        marks={first: 1},
        client_key="k",
        secret_key="x",
    )
    due.closes_at = utcnow() - timedelta(minutes=1)  # now past it, and not yet settled
    db.add(due)
    db.commit()
    world = World(
        workshop.id or 0,
        workshop.join_code,
        idea.id or 0,
        phase_id,
        runner.id or 0,
        due.id or 0,
        item.id or 0,
        report.id or 0,
        indicator.id or 0,
    )
    if actor == "participant":
        join(client, workshop)
    elif account is not None:
        login(client, account)

    before = _snapshot(db)
    written: dict[str, list[str]] = {}
    for path in GET_ROUTES:
        url = world.url(path)
        with _writes() as seen:
            if path.endswith("/events"):  # a live stream: opening it is enough
                with client.stream("GET", url) as response:
                    pass
            else:
                response = client.get(url)
        assert response.status_code < 500, f"GET {path} answered {response.status_code}"
        if seen:
            written[path] = seen
    assert not written, f"GET requests that wrote: {written}"
    assert _snapshot(db) == before
    assert db.get(type(due), due.id).status == RoundStatus.open  # type: ignore[union-attr]
