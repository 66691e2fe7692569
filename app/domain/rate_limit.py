"""How fast one participant may post. Keyed on the participant, never on the IP address:
a whole hall of phones shares one Wi-Fi address."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PostingLimit:
    max_posts: int = 8
    window: timedelta = timedelta(seconds=60)
    min_interval: timedelta = timedelta(seconds=2)


def retry_after(recent: Sequence[datetime], now: datetime, limit: PostingLimit) -> int | None:
    """Seconds to wait before the next post, or None if it may go now.

    `recent` are the participant's earlier post times (any order). Two rules: at least
    `min_interval` since the last post, and fewer than `max_posts` inside the sliding
    `window`. The answer is rounded up to whole seconds (at least 1).

    >>> from datetime import timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> retry_after([t], t + timedelta(seconds=1), PostingLimit())
    1
    >>> retry_after([t], t + timedelta(seconds=5), PostingLimit()) is None
    True
    """
    in_window = sorted(t for t in recent if t > now - limit.window)
    waits: list[timedelta] = []
    if in_window and now - in_window[-1] < limit.min_interval:
        waits.append(limit.min_interval - (now - in_window[-1]))
    if len(in_window) >= limit.max_posts:
        oldest_that_counts = in_window[len(in_window) - limit.max_posts]
        waits.append(oldest_that_counts + limit.window - now)
    if not waits:
        return None
    seconds = max(waits).total_seconds()
    return max(1, int(seconds) + (0 if seconds == int(seconds) else 1))
