"""Thai text made ready for grouping comments and for printing: normalization, word
segmentation, stopwords and a city's own dictionary (place names, community names, planning
terms).

The one module of the app that imports PyThaiNLP (tests/test_layering.py keeps it so), with the
one copy of its offline guard; everything else asks this module for words.

Everything here runs offline. Only dictionary-based segmenters whose data ships inside the
PyThaiNLP wheel are allowed; learning-based engines and corpora that PyThaiNLP fetches on first
use (its ``get_corpus_path``) are never called.
"""

import os

# PyThaiNLP creates ~/pythainlp-data when pythainlp.corpus is imported (it does on `import
# pythainlp`), which crashes where the home directory is read-only, and it may download corpora
# on first use. Read-only + offline mode stop both; nothing used here needs that directory. This
# must run before the first pythainlp import; an explicit setting by the operator wins.
if "PYTHAINLP_READ_ONLY" not in os.environ and "PYTHAINLP_READ_MODE" not in os.environ:
    os.environ["PYTHAINLP_READ_ONLY"] = "1"
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pythainlp.corpus import thai_stopwords
from pythainlp.tokenize import word_tokenize
from pythainlp.tokenize.tcc_p import tcc_pos
from pythainlp.util import Trie
from pythainlp.util import normalize as pythainlp_normalize

from app.domain.text import arabic_digits

# nlpo3 is newmm in Rust: the same segmentation as "newmm" once punctuation is gone (measured on
# the dev set: no difference after normalize_for_nlp) at a quarter of the time.
DEFAULT_ENGINE = "nlpo3"
# Dictionary-based engines whose data ships with PyThaiNLP. Learning-based ones (attacut,
# deepcut, oskut, wtp ...) need extra packages or fetch model files, so they are refused.
ENGINES = ("nlpo3", "newmm", "newmm-safe", "mm", "longest")

# Words that appear in any municipal request whatever its topic: polite particles, ways to ask,
# people and offices, address parts. Written for this project, not learnt from a data set.
_PROJECT_STOPWORD_TEXT = """
    ครับ คับ ครัช ครับผม ค่ะ คะ ค่า นะคะ นะครับ จ้า จ้ะ ฮะ
    ขอ ขอให้ อยากให้ อยาก ต้องการ ช่วย ช่วยด้วย รบกวน กรุณา โปรด ขอบคุณ ขอความกรุณา
    แจ้ง ร้องเรียน เรื่อง ปัญหา ดำเนินการ แก้ไข ตรวจสอบ เร่ง ด่วน ด้วย เสนอ เสนอแนะ
    เจ้าหน้าที่ หน่วยงาน ประชาชน ชาวบ้าน ผู้ ผม ดิฉัน หนู เรา พวกเรา ท่าน
    พื้นที่ บริเวณ จุด ตรงนี้ แถว แถวนี้ ละแวก
    ซอย แขวง เขต ตำบล อำเภอ จังหวัด หมู่ เลขที่ กทม กรุงเทพ กรุงเทพมหานคร
    ทำ ทำไม เป็น เคย ตลอด เวลา ตอน ตอนนี้ วันนี้ ปัจจุบัน หลาย นาน แล้วก็
"""
PROJECT_STOPWORDS: frozenset[str] = frozenset(_PROJECT_STOPWORD_TEXT.split())
PYTHAINLP_STOPWORDS: frozenset[str] = frozenset(thai_stopwords())
STOPWORDS: frozenset[str] = PYTHAINLP_STOPWORDS | PROJECT_STOPWORDS

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\S+"
    r"|\b[\w.-]+\.(?:com|net|org|info|io|me|ly|gl|th)(?:/\S*)?",
    re.IGNORECASE,
)
# Emoji, symbols, punctuation, foreign combining marks, the baht sign, Thai punctuation and mai
# yamok (ๆ) become spaces; letters, digits and Thai vowel and tone marks stay.
_NOT_WORD = re.compile(r"[^\w\s\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]|[_\u0e46]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")  # a letter typed three times or more
_SPACES = re.compile(r"\s+")


def normalize_for_nlp(text: str) -> str:
    """Give the same spelling to what people type differently, so that it counts as one word.

    Thai digits become Arabic ones, URLs, e-mails, emoji and punctuation go, PyThaiNLP fixes the
    order of vowels and tone marks ("นํ้า" -> "น้ำ"), letters typed three times or more are
    collapsed ("มากกกก" -> "มาก") and Latin letters are lowercased.

    >>> normalize_for_nlp("น้ำท่วมมากกกก!!! ๒ วันแล้ว 😭 https://x.co/a")
    'น้ำท่วมมาก 2 วันแล้ว'
    """
    text = unicodedata.normalize("NFC", text)
    text = _URL.sub(" ", text)
    text = arabic_digits(text)
    text = _NOT_WORD.sub(" ", text.replace("\u0e2f", ""))  # paiyannoi: "กรุงเทพฯ" = "กรุงเทพ"
    text = pythainlp_normalize(text)
    text = _REPEATS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip().lower()


def custom_word_set(words: Iterable[str]) -> frozenset[str]:
    """A city's extra words spelled the way normalize_for_nlp spells text (spaces removed)."""
    cleaned = (normalize_for_nlp(w).replace(" ", "") for w in words)
    return frozenset(w for w in cleaned if len(w) >= 2)


class _CustomMatcher:
    """Finds a city's words in a text so that they stay whole ("โนนสะอาดพัฒนา", not "โนน
    สะอาด พัฒนา"). Longest match first; a match must start and end on Thai character-cluster
    boundaries (never inside a syllable) and must not sit inside a longer dictionary word
    (custom "นา" leaves "ชาวนา" alone)."""

    def __init__(self, words: frozenset[str]) -> None:
        self.trie = Trie(words)
        by_length = sorted(words, key=lambda w: (-len(w), w))
        self.starts = re.compile("(?=(?:" + "|".join(map(re.escape, by_length)) + "))")

    def split(self, text: str, engine: str) -> list[tuple[str, bool]]:
        """(piece, is_custom_word) pieces that cover the text in order."""
        candidates = [m.start() for m in self.starts.finditer(text)]
        if not candidates:
            return [(text, False)]
        boundaries = tcc_pos(text) | {0, len(text)}
        words = _spans(word_tokenize(text, engine=engine))
        pieces: list[tuple[str, bool]] = []
        done = 0
        for start in candidates:
            if start < done or start not in boundaries:
                continue
            ends = sorted((start + len(w) for w in self.trie.prefixes(text, start)), reverse=True)
            end = next(
                (e for e in ends if e in boundaries and not _inside_word(start, e, words)), None
            )
            if end is None:
                continue
            if start > done:
                pieces.append((text[done:start], False))
            pieces.append((text[start:end], True))
            done = end
        if done < len(text):
            pieces.append((text[done:], False))
        return pieces


def _spans(tokens: list[str]) -> list[tuple[int, int]]:
    """Character spans of tokens that cover a text end to end."""
    spans = []
    position = 0
    for token in tokens:
        spans.append((position, position + len(token)))
        position += len(token)
    return spans


def _inside_word(start: int, end: int, words: list[tuple[int, int]]) -> bool:
    """Whether [start, end) lies within one longer word of the default segmentation."""
    return any(a <= start and end <= b and b - a > end - start for a, b in words)


@lru_cache(maxsize=32)
def _matcher(words: frozenset[str]) -> _CustomMatcher:
    """Built once per word set: facilitators edit the list rarely, comments arrive often."""
    return _CustomMatcher(words)


def segment(text: str, *, custom_words: frozenset[str] = frozenset(), engine: str) -> list[str]:
    """Words of an already normalized text, a city's words kept whole; spaces dropped."""
    if engine not in ENGINES:
        raise ValueError(f"unknown or unsupported segmentation engine: {engine!r}")
    pieces = _matcher(custom_words).split(text, engine) if custom_words else [(text, False)]
    words: list[str] = []
    for piece, is_custom in pieces:
        if is_custom:
            words.append(piece)
        else:
            words.extend(word_tokenize(piece, engine=engine, keep_whitespace=False))
    return words


def is_content_word(
    token: str,
    custom_words: frozenset[str] = frozenset(),
    stopwords: frozenset[str] = STOPWORDS,
) -> bool:
    """Whether a token can tell one topic from another: not a stopword, not a number, not a
    stray letter left over from a typo. A city's own words always count."""
    if token in custom_words:
        return True
    return len(token) >= 2 and token not in stopwords and any(ch.isalpha() for ch in token)


def tokenize(
    text: str, *, custom_words: Sequence[str] = (), engine: str = DEFAULT_ENGINE
) -> list[str]:
    """Content words of a comment, in order: normalized, segmented, stopwords removed.

    >>> tokenize("ขอให้ซ่อมไฟถนนด่วนนะคะ 💡")
    ['ซ่อม', 'ไฟถนน']
    """
    words = custom_word_set(custom_words)
    return tokenize_normalized(normalize_for_nlp(text), custom_words=words, engine=engine)


def tokenize_normalized(
    text: str,
    *,
    custom_words: frozenset[str] = frozenset(),
    engine: str = DEFAULT_ENGINE,
    stopwords: frozenset[str] = STOPWORDS,
) -> list[str]:
    """tokenize() for text that has been through normalize_for_nlp and words through
    custom_word_set, so a batch pays for those once."""
    return [
        w
        for w in segment(text, custom_words=custom_words, engine=engine)
        if is_content_word(w, custom_words, stopwords)
    ]


@dataclass(frozen=True)
class Segmentation:
    """How comments become words. The defaults scored best on real comments
    (bench/themes_quality.py); the others exist so the benchmark can compare them."""

    engine: str = DEFAULT_ENGINE
    project_stopwords: bool = True  # PyThaiNLP's list plus PROJECT_STOPWORDS


def tokenize_many(
    texts: Sequence[str],
    *,
    custom_words: Sequence[str] = (),
    how: Segmentation = Segmentation(),
    progress: Callable[[float], None] | None = None,
    chunk: int = 500,
) -> list[tuple[str, ...]]:
    """tokenize() for many comments, in their order: the city's words and the stopwords are
    prepared once, and progress (0 to 1) is reported after every `chunk` texts."""
    words = custom_word_set(custom_words)
    stopwords = STOPWORDS if how.project_stopwords else PYTHAINLP_STOPWORDS
    found: list[tuple[str, ...]] = []
    for start in range(0, len(texts), chunk):
        for text in texts[start : start + chunk]:
            normalized = normalize_for_nlp(text)
            found.append(
                tuple(
                    tokenize_normalized(
                        normalized, custom_words=words, engine=how.engine, stopwords=stopwords
                    )
                )
            )
        if progress is not None:
            progress(min(len(texts), start + chunk) / max(1, len(texts)))
    return found


def words_for_line_breaks(run: str) -> tuple[str, ...]:
    """A run of Thai letters cut into dictionary words (newmm, spaces dropped), where a printed
    line may break. Not normalized and nothing dropped: the pieces join back into the run."""
    return tuple(word_tokenize(run, engine="newmm", keep_whitespace=False))


def search_words(text: str, *, custom_words: frozenset[str] = frozenset()) -> list[str]:
    """Words of a text as the full-text index stores them and a query looks for them:
    normalized (Thai digits as Arabic ones, Latin lowercased), segmented with the city's words
    kept whole, nothing dropped (a search for a stopword still finds it).

    >>> search_words("น้ำท่วม ๒ วัน Flood")
    ['น้ำท่วม', '2', 'วัน', 'flood']
    """
    return segment(normalize_for_nlp(text), custom_words=custom_words, engine=DEFAULT_ENGINE)
