"""The presence code on the projector and the check-in number on each phone.

Presence codes are derived, never stored: HMAC(secret, "presence:{round}:{minute}") turned
into six digits, where minute = floor(unix time / 60). A phone may type the current or the
previous minute's code (someone reading slowly at 09:00:59 is not punished), and only codes
of minutes since the round opened. A photo of the screen posted on LINE is useless two
minutes later.

Guessing: two codes of 10^6 are valid at any moment, so one guess wins with p = 2e-6.
Each participant has WRONG_CODE_LIMIT (5 wrong tries per 10 minutes), so 400 fresh
participants make 2,000 guesses: P(at least one fake ballot) = 1 - (1 - 2e-6)^2000 ≈ 0.4%,
and each fake ballot costs about 100,000 joins on average, which the console's join-burst
flag shows long before.
"""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from app.domain.rate_limit import PostingLimit
from app.domain.text import arabic_digits

DIGITS = 6
# Wrong presence codes per participant and round: no interval rule (typos come quickly).
WRONG_CODE_LIMIT = PostingLimit(max_posts=5, window=timedelta(minutes=10), min_interval=timedelta())
CHECKIN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud at the door
CHECKIN_LENGTH = 6


def _mac(secret_key: str, message: str) -> bytes:
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()


def minute_of(when: datetime) -> int:
    """Whole minutes since the Unix epoch."""
    return int(when.astimezone(UTC).timestamp()) // 60


def code_for_minute(secret_key: str, round_id: int, minute: int) -> str:
    """The six-digit code of one round for one minute (leading zeros kept).

    >>> len(code_for_minute("k", 1, 100)), code_for_minute("k", 1, 100).isdigit()
    (6, True)
    """
    number = int.from_bytes(_mac(secret_key, f"presence:{round_id}:{minute}")[:8], "big")
    return f"{number % 10**DIGITS:0{DIGITS}d}"


def current_code(secret_key: str, round_id: int, now: datetime) -> str:
    return code_for_minute(secret_key, round_id, minute_of(now))


def display(code: str) -> str:
    """Two groups of three, as the projector shows it: "123 456"."""
    return f"{code[:3]} {code[3:]}"


def seconds_left(now: datetime) -> int:
    """Seconds until the code on the screen changes."""
    return 60 - now.astimezone(UTC).second


def normalize_code(typed: str) -> str:
    """Digits only; Thai digits become Arabic ones, spaces and dashes go."""
    return "".join(ch for ch in arabic_digits(typed) if ch.isdigit())


def accepts(
    secret_key: str, round_id: int, typed: str, *, opened_at: datetime | None, now: datetime
) -> bool:
    """Whether `typed` is this round's code for the current or the previous minute, of a
    minute since the round opened. A round that has not opened accepts nothing.

    The comparison is constant-time, so response timing leaks nothing about the code.
    """
    code = normalize_code(typed)
    if opened_at is None or now < opened_at or len(code) != DIGITS:
        return False
    this_minute, first_minute = minute_of(now), minute_of(opened_at)
    ok = False
    for minute in (this_minute, this_minute - 1):
        if minute >= first_minute:
            expected = code_for_minute(secret_key, round_id, minute)
            ok |= hmac.compare_digest(expected, code)
    return ok


def checkin_number(secret_key: str, workshop_id: int, participant_token: str) -> str:
    """A phone's short check-in number in one workshop: six characters of an HMAC in an
    alphabet without look-alikes (31^6 ≈ 887 million values, so two phones in a hall of
    1,000 share one with a chance of about 0.06%). Shown on the phone; a facilitator types
    it to mark a person registered at the door as present. It says nothing about the
    participant token without the secret key.

    >>> len(checkin_number("k", 1, "token"))
    6
    """
    number = int.from_bytes(_mac(secret_key, f"checkin:{workshop_id}:{participant_token}"), "big")
    chars = []
    for _i in range(CHECKIN_LENGTH):
        number, index = divmod(number, len(CHECKIN_ALPHABET))
        chars.append(CHECKIN_ALPHABET[index])
    return "".join(chars)


def normalize_checkin(typed: str) -> str:
    """Upper case, letters and digits only; O and I typed by mistake read as 0 and 1 do not
    exist in the alphabet, so they simply fail to match."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())
