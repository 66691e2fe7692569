"""Rules for user-written text: cleaning, normalization and user-visible length."""

import re
import unicodedata

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def arabic_digits(text: str) -> str:
    """Thai digits as Arabic ones: people type either, and mean the same number."""
    return text.translate(_THAI_DIGITS)


# Marks that sit on a base character (Thai vowels above/below, tone marks) and invisible
# format characters do not count toward what a person sees as length.
_NON_SPACING = frozenset({"Mn", "Me", "Cf"})


class TextProblem(ValueError):
    """Why a text was refused: "empty" or "too_long" (with the visible length)."""

    def __init__(self, reason: str, *, length: int = 0, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.length = length
        self.limit = limit


# Removed from all incoming text (clean_text): C0 controls but tab and newline (a NUL byte breaks
# PostgreSQL), DEL and C1 controls, lone surrogates (from JSON "\\ud800"; they cannot be
# encoded), the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069)
# and marks (U+200E, U+200F, U+061C) that can make "exe.txt" display as "txt.exe", the BOM and
# word joiner (U+FEFF, U+2060) and the soft hyphen (U+00AD), which hide inside words and make two
# equal-looking texts differ. Kept on purpose: U+200B ZERO WIDTH SPACE, which Thai writers and
# tools use as a word-break hint, and U+200C/U+200D (ZWNJ/ZWJ), which emoji sequences need.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
    "\u00ad\u061c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def clean_text(text: str) -> str:
    """The one cleaning every incoming text gets (form fields, query parameters, JSON bodies,
    import cells, file names): CR LF and CR become LF, invisible and control characters that
    break storage or disguise text are removed (see _UNWANTED), and the result is NFC.

    Surrounding whitespace is kept (fields decide whether to trim).

    >>> clean_text("a\\x00b\\r\\n\\u202ec")
    'ab\\nc'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _UNWANTED.sub("", text))


def normalize(text: str) -> str:
    """NFC-normalize, unify line endings and trim surrounding whitespace.

    >>> normalize("  น้ำท่วม\\r\\n ")
    'น้ำท่วม'
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


IDEA_MAX_LENGTH = 1000  # an idea, comment or paper note; the phone's text box holds the same


def visible_length(text: str) -> int:
    """Characters a reader sees: "น้ำ" is 2 (the tone mark rides on its consonant), "abc" is 3."""
    return sum(1 for ch in text if unicodedata.category(ch) not in _NON_SPACING)


def clean_user_text(text: str, *, max_length: int, max_stored: int | None = None) -> str:
    """Return the normalized text, or raise TextProblem if it is empty or too long.

    A raw-length cap (4x the limit) also stops inputs made mostly of combining marks.
    `max_stored`, the most code points the column holds, lowers that cap: a short title made
    of tone marks counts few visible characters but must still fit. Refused that way, the
    length given is the code points, the number the column counts.
    """
    cleaned = normalize(text)
    length = visible_length(cleaned)
    if length == 0:
        raise TextProblem("empty")
    if length > max_length:
        raise TextProblem("too_long", length=length, limit=max_length)
    raw_cap = min(4 * max_length, max_stored or 4 * max_length)
    if len(cleaned) > raw_cap:
        raise TextProblem("too_long", length=len(cleaned), limit=min(max_length, raw_cap))
    return cleaned
