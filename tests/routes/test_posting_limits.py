"""The production posting limits, through the route, on a clock the test moves: 8 posts in any
60 seconds and at least 2 seconds between two posts of one participant."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Idea, Workshop
from app.services import ideas as idea_service
from tests import factories
from tests.helpers import join, post

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def at(self, seconds: float) -> None:
        self.now = START + timedelta(seconds=seconds)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(idea_service, "utcnow", fake)
    return fake


def _send(client: TestClient, workshop: Workshop, clock: Clock, seconds: float) -> tuple[int, str]:
    clock.at(seconds)
    response = post(client, f"/w/{workshop.join_code}/ideas", {"text": f"ความเห็นวินาทีที่ {seconds}"})
    return response.status_code, response.headers.get("Retry-After", "")


def _ideas(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Idea)).one()


def test_post_ninth_idea_within_sixty_seconds_is_refused_until_the_first_leaves(
    client: TestClient, db: Session, clock: Clock
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    for second in range(0, 24, 3):  # eight posts, three seconds apart
        assert _send(client, workshop, clock, second) == (303, "")
    # The ninth inside the minute waits until the first post (at 0 s) is 60 s old.
    assert _send(client, workshop, clock, 24) == (429, "36")
    assert _send(client, workshop, clock, 59.5) == (429, "1")
    assert _ideas(db) == 8
    assert _send(client, workshop, clock, 60) == (303, "")
    # Now the post at 3 s is the oldest of the eight in the window.
    assert _send(client, workshop, clock, 62) == (429, "1")
    assert _ideas(db) == 9


def test_post_again_within_two_seconds_is_refused(
    client: TestClient, db: Session, clock: Clock
) -> None:
    workshop = factories.workshop(db)
    join(client, workshop)
    assert _send(client, workshop, clock, 0) == (303, "")
    assert _send(client, workshop, clock, 0.5) == (429, "2")
    assert _send(client, workshop, clock, 1.9) == (429, "1")
    assert _send(client, workshop, clock, 2) == (303, "")
    assert _ideas(db) == 2
