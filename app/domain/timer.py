"""The workshop's shared countdown, as two stored values: ends_at while running,
remaining seconds while paused. All functions take `now` and return the new pair."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Timer:
    ends_at: datetime | None = None
    paused_remaining: int | None = None

    def remaining(self, now: datetime) -> int | None:
        """Whole seconds left (never negative), or None when no timer is set."""
        if self.ends_at is not None:
            return max(0, int((self.ends_at - now).total_seconds() + 0.999))
        return self.paused_remaining

    def running(self) -> bool:
        return self.ends_at is not None


def start(seconds: int, now: datetime) -> Timer:
    return Timer(ends_at=now + timedelta(seconds=seconds))


def pause(timer: Timer, now: datetime) -> Timer:
    """Freeze a running timer; pausing a paused or empty timer changes nothing."""
    if timer.ends_at is None:
        return timer
    return Timer(paused_remaining=timer.remaining(now))


def resume(timer: Timer, now: datetime) -> Timer:
    if timer.ends_at is not None or timer.paused_remaining is None:
        return timer
    return start(timer.paused_remaining, now)


def reset() -> Timer:
    return Timer()
