"""Throttling of failed staff logins, per account and per client address.

Only failures count, so a staff member who types the right password is never slowed by their
own successful logins. Per account: 5 failures in 15 minutes, then that account's logins wait
(whatever the address, so guessing one account from many addresses is slow too). Per address:
20 failures in 15 minutes, so one client cannot sweep many accounts. The counters live in the
`limits` storage named by MRK_LOGIN_LIMIT_STORAGE: memory of one process by default; with
several workers point it at Redis (`redis://host:6379`) so that workers share it.
"""

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, storage, strategies

from app.security import keyed_hash

log = logging.getLogger(__name__)

ACCOUNT_LIMIT = RateLimitItemPerMinute(5, 15)
ADDRESS_LIMIT = RateLimitItemPerMinute(20, 15)


@dataclass(frozen=True)
class Throttled:
    retry_after: int  # whole seconds, at least 1


class LoginThrottle:
    def __init__(self, storage_uri: str, secret_key: str) -> None:
        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
        self._secret_key = secret_key

    def _keys(self, email: str, address: str) -> list[tuple[RateLimitItem, str]]:
        # The e-mail address is keyed, so the storage (and any log) never holds it in clear.
        account = keyed_hash(self._secret_key, "login", email.strip().casefold())[:32]
        return [(ACCOUNT_LIMIT, f"account:{account}"), (ADDRESS_LIMIT, f"address:{address}")]

    def check(self, email: str, address: str) -> Throttled | None:
        """Whether a login attempt may go ahead now; if not, how long to wait."""
        waits = []
        for limit, key in self._keys(email, address):
            if not self._limiter.test(limit, key):
                reset = self._limiter.get_window_stats(limit, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return Throttled(max(waits)) if waits else None

    def failed(self, email: str, address: str) -> None:
        for limit, key in self._keys(email, address):
            self._limiter.hit(limit, key)
        account = self._keys(email, address)[0][1]
        log.warning("failed staff login for %s from %s", account, address)

    def succeeded(self, email: str, address: str) -> None:
        """The account's own counter starts afresh; the address's does not."""
        limit, key = self._keys(email, address)[0]
        self._limiter.clear(limit, key)
