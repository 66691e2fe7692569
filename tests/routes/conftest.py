import logging
from datetime import timedelta

import pytest

from app.domain.rate_limit import PostingLimit
from app.services import ideas as idea_service


@pytest.fixture
def fast_posting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the per-participant posting limit for tests that post several ideas in a row."""
    limit = PostingLimit(max_posts=1000, min_interval=timedelta(0))
    monkeypatch.setattr(idea_service, "POSTING_LIMIT", limit)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG (SQLAlchemy's too: it sets its own level). List it before `db` in
    a test's arguments, so the database connection is made with statement logging on
    (SQLAlchemy decides that per connection)."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog
