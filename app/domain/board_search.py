"""Full-text search of a proposal board, the part without a database: the query strings for
SQLite FTS5 and PostgreSQL, and highlighted snippets.

Both indexes hold text already cut into words (app.domain.thai_nlp.search_words), separated by
spaces; a query word matches an indexed word that starts with it, so "น้ำท่วม" finds the word
"น้ำท่วมขัง" as well as "น้ำท่วม"."""

import re
from collections.abc import Sequence

from app.domain.text import arabic_digits

MAX_QUERY_WORDS = 12


def fts5_query(words: Sequence[str]) -> str:
    """An FTS5 MATCH expression: every word, as a quoted prefix, must occur.

    >>> fts5_query(["น้ำท่วม", "2"])
    '"น้ำท่วม"* "2"*'
    """
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words[:MAX_QUERY_WORDS])


def tsquery(words: Sequence[str]) -> str:
    """A PostgreSQL to_tsquery('simple', ...) text: every word, as a quoted prefix.

    >>> tsquery(["น้ำท่วม", "flood"])
    "'น้ำท่วม':* & 'flood':*"
    """
    quoted = ("'" + w.replace("\\", "").replace("'", "''") + "':*" for w in words[:MAX_QUERY_WORDS])
    return " & ".join(quoted)


def _comparable(text: str) -> str:
    """The text with Thai digits as Arabic ones and Latin letters lowercased, same length."""
    mapped = arabic_digits(text)
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in mapped)


def snippet(text: str, words: Sequence[str], *, width: int = 160) -> list[tuple[str, bool]]:
    """A piece of `text` around the first match, as (piece, is_match) parts to be escaped and
    marked up by the template. Matching ignores case and the Thai/Arabic digit difference;
    overlapping matches merge; "…" parts mark cut text. Without a match: the text's start.

    >>> snippet("ปัญหาน้ำท่วมขังถนน", ["น้ำท่วม"])
    [('ปัญหา', False), ('น้ำท่วม', True), ('ขังถนน', False)]
    """
    haystack = _comparable(text)
    spans: list[tuple[int, int]] = []
    for word in {w for w in words if w}:
        for match in re.finditer(re.escape(word), haystack):
            spans.append((match.start(), match.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    first = merged[0][0] if merged else 0
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    parts: list[tuple[str, bool]] = [("…", False)] if lo > 0 else []
    position = lo
    for start, end in merged:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        if start > position:
            parts.append((text[position:start], False))
        parts.append((text[start:end], True))
        position = end
    if position < hi:
        parts.append((text[position:hi], False))
    if hi < len(text):
        parts.append(("…", False))
    return parts
