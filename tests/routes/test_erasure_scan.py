"""After erasure, a participant's personal strings are nowhere: not in any text column of any
table, not in any export or page staff or the public can download, not in the logs. The
scan first finds them before erasure, so it can tell."""

import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, func, select

from app.models import Idea, IdeaReaction, Participant, Role, RoundStatus, RoundVoter, VoteRound
from app.services import privacy
from tests import factories
from tests.helpers import login, post

NAME = "วรรณวิสาข์ไม่ซ้ำใคร"
COMMUNITY = "ชุมชนท่าพระหลังวัดไม่ซ้ำ"
PERSONAL = (NAME, COMMUNITY)


def _holds_text(column: sa.Column[object]) -> bool:
    """Strings of every kind (SQLModel's AutoString is a TypeDecorator of one) and JSON."""
    kind = column.type
    while isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, sa.String | sa.JSON)


def _text_columns(table: sa.Table) -> list[sa.Column[object]]:
    return [c for c in table.columns if _holds_text(c)]


def _found_in_tables(db: Session) -> list[str]:
    """`table.column` of every stored text holding a personal string."""
    db.flush()
    hits = []
    connection = db.connection()
    for table in SQLModel.metadata.sorted_tables:
        columns = _text_columns(table)
        if not columns:
            continue
        for row in connection.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if any(s in text for s in PERSONAL):
                    hits.append(f"{table.name}.{column.name}")
    return hits


def _count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_erasure_leaves_no_personal_string_in_tables_exports_or_logs(
    debug_logs: pytest.LogCaptureFixture, client: TestClient, db: Session, fast_posting: None
) -> None:
    admin = factories.account(db, role=Role.admin)
    workshop = factories.workshop(db, facilitators=[admin])
    proposals = [factories.proposal(db, workshop=workshop, title=t) for t in ("ก", "ข")]
    vote_round = factories.vote_round(
        db, workshop=workshop, proposals=proposals, status=RoundStatus.open
    )
    code = workshop.join_code
    form = {
        "stakeholder_group": "civil_society",
        "display_name": NAME,
        "age_band": "over_60",
        "community": COMMUNITY,
        "consent": "yes",
    }
    assert post(client, f"/w/{code}/participants", form).status_code == 303
    post(client, f"/w/{code}/ideas", {"text": "ขอสวนสาธารณะใกล้ตลาด", "client_key": "i"})
    idea = db.exec(select(Idea)).one()
    post(client, f"/w/{code}/ideas/{idea.id}/comments", {"text": "ดีมาก", "client_key": "c"})
    post(client, f"/w/{code}/ideas/{idea.id}/reactions", {"on": "1"})
    post(client, f"/w/{code}/vote", {f"p{proposals[0].id}": "1", "client_key": "v"})
    participant = db.exec(select(Participant)).one()
    assert NAME in client.get(f"/w/{code}").text
    before = sorted(set(_found_in_tables(db)))
    assert before == ["participant.community", "participant.display_name"]
    counts = {m: _count(db, m) for m in (Participant, Idea, IdeaReaction, RoundVoter)}

    assert post(client, f"/w/{code}/me/erase", {"confirm": "yes"}).status_code == 303

    assert _found_in_tables(db) == []
    assert {m: _count(db, m) for m in counts} == counts
    login(client, admin)
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 303
    )
    db.expire_all()
    closed = db.get(VoteRound, vote_round.id)
    assert closed is not None
    assert closed.ballot_count == 1
    downloads = [
        f"/staff/workshops/{workshop.id}/report.csv",
        f"/staff/workshops/{workshop.id}/report",
        f"/staff/rounds/{vote_round.id}/ballots.csv",
        f"/staff/rounds/{vote_round.id}/round.json",
        f"/staff/workshops/{workshop.id}/participants/{participant.id}/data.json",
        f"/staff/workshops/{workshop.id}/ideas",
        f"/staff/workshops/{workshop.id}",
        f"/staff/workshops/{workshop.id}/projector",
        f"/staff/workshops/{workshop.id}/themes",
        "/staff/plans/khon-kaen/prioritized.csv",
        "/dashboards/programme.csv",
        *(f"/dashboards/khon-kaen/{t}.csv" for t in ("status", "budget", "items", "indicators")),
        f"/w/{code}",
        f"/w/{code}/wall",
        f"/rounds/{vote_round.id}/results",
    ]
    for url in downloads:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not any(s in response.text for s in PERSONAL), url
    found = post(
        client, f"/staff/workshops/{workshop.id}/privacy", {"q": privacy.reference(participant)}
    )
    assert not any(s in found.text for s in PERSONAL)

    logged = "\n".join(r.getMessage() for r in debug_logs.records)
    assert "sqlalchemy.engine" in {r.name.rsplit(".", 1)[0] for r in debug_logs.records}
    assert not any(s in logged for s in PERSONAL)


def test_board_erasure_leaves_no_personal_string_in_tables_pages_or_logs(
    debug_logs: pytest.LogCaptureFixture, client: TestClient, db: Session
) -> None:
    """The same scan for someone who took part on a city's proposal board."""
    form = {
        "stakeholder_group": "resident",
        "display_name": NAME,
        "age_band": "18_25",
        "community": COMMUNITY,
        "consent": "yes",
    }
    assert post(client, "/cities/khon-kaen/board/participants", form).status_code == 303
    made = post(client, "/cities/khon-kaen/proposals", {"title": "ลานกีฬาชุมชน"})
    proposal_url = made.headers["location"]
    post(client, f"{proposal_url}/comments", {"text": "เห็นด้วย"})
    post(client, f"{proposal_url}/support", {"on": "1"})
    participant = db.exec(select(Participant)).one()
    assert sorted(set(_found_in_tables(db))) == [
        "participant.community",
        "participant.display_name",
    ]

    assert post(client, "/cities/khon-kaen/board/me/erase", {"confirm": "yes"}).status_code == 303

    assert _found_in_tables(db) == []  # the erasure record included
    login(client, factories.account(db, role=Role.admin))
    for url in (
        "/cities/khon-kaen/proposals",
        proposal_url,
        f"/staff/cities/khon-kaen/participants/{participant.id}/data.json",
        "/staff/erasures",
        "/api/v1/cities/khon-kaen/proposals",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not any(s in response.text for s in PERSONAL), url
    logged = "\n".join(r.getMessage() for r in debug_logs.records)
    assert not any(s in logged for s in PERSONAL)
