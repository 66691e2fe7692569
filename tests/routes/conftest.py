from datetime import timedelta

import pytest

from app.domain.rate_limit import PostingLimit
from app.services import ideas as idea_service


@pytest.fixture
def fast_posting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the per-participant posting limit for tests that post several ideas in a row."""
    limit = PostingLimit(max_posts=1000, min_interval=timedelta(0))
    monkeypatch.setattr(idea_service, "POSTING_LIMIT", limit)
