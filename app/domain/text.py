"""Rules for user-written text: normalization and user-visible length."""

import unicodedata

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


def normalize(text: str) -> str:
    """NFC-normalize, unify line endings and trim surrounding whitespace.

    >>> normalize("  น้ำท่วม\\r\\n ")
    'น้ำท่วม'
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


def visible_length(text: str) -> int:
    """Characters a reader sees: "น้ำ" is 2 (the tone mark rides on its consonant), "abc" is 3."""
    return sum(1 for ch in text if unicodedata.category(ch) not in _NON_SPACING)


def clean_user_text(text: str, *, max_length: int) -> str:
    """Return the normalized text, or raise TextProblem if it is empty or too long.

    A raw-length cap (4x the limit) also stops inputs made mostly of combining marks.
    """
    cleaned = normalize(text)
    length = visible_length(cleaned)
    if length == 0:
        raise TextProblem("empty")
    if length > max_length or len(cleaned) > 4 * max_length:
        raise TextProblem("too_long", length=length, limit=max_length)
    return cleaned
