import pytest

from app.domain.text import TextProblem, clean_text, clean_user_text, normalize, visible_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [("abc", 3), ("น้ำ", 2), ("ผู้สูงอายุ", 6), ("", 0), ("e\u0301", 1), ("a\u200bb", 2)],
)
def test_visible_length_counts_what_a_reader_sees(text: str, expected: int) -> None:
    assert visible_length(text) == expected


def test_normalize_unifies_line_endings_and_trims() -> None:
    assert normalize("  ถนน\r\nชำรุด \r") == "ถนน\nชำรุด"


def test_normalize_composes_to_nfc() -> None:
    assert normalize("e\u0301") == "\u00e9"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b"])
def test_clean_user_text_refuses_empty(text: str) -> None:
    with pytest.raises(TextProblem) as info:
        clean_user_text(text, max_length=10)
    assert info.value.reason == "empty"


def test_clean_user_text_refuses_too_long_with_length() -> None:
    with pytest.raises(TextProblem) as info:
        clean_user_text("ก" * 11, max_length=10)
    assert (info.value.reason, info.value.length, info.value.limit) == ("too_long", 11, 10)


def test_clean_user_text_accepts_limit_counting_thai_marks_as_zero() -> None:
    text = "น้ำ" * 5  # 15 code points, 10 visible
    assert clean_user_text(text, max_length=10) == text


def test_clean_user_text_caps_raw_length_of_combining_marks() -> None:
    with pytest.raises(TextProblem):
        clean_user_text("ก" + "\u0e48" * 100, max_length=10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\x00b", "ab"),  # NUL: PostgreSQL refuses it
        ("a\x07\x1b[31mb\x7f\x85", "a[31mb"),  # C0 (but tab, newline), DEL, C1
        ("tab\tline\nend", "tab\tline\nend"),
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # right-to-left override
        ("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069x", "x"),
        ("\u200ex\u200f\u061c", "x"),  # directional marks
        ("\ufeffca\u00adfe\u2060", "cafe"),  # BOM, soft hyphen, word joiner
        ("ไฟ\u200bดับ", "ไฟ\u200bดับ"),  # ZERO WIDTH SPACE kept: a Thai word-break hint
        ("\U0001f468\u200d\U0001f469", "\U0001f468\u200d\U0001f469"),  # ZWJ kept for emoji
        ("e\u0301", "\u00e9"),  # NFC
        ("ก\u0e48\u0e38", "ก\u0e38\u0e48"),  # Thai marks in canonical order
        ("x\ud800y", "xy"),  # a lone surrogate cannot be stored
        ("  spaced  ", "  spaced  "),
    ],
)
def test_clean_text_removes_controls_and_disguises(text: str, expected: str) -> None:
    assert clean_text(text) == expected


def test_clean_text_is_idempotent() -> None:
    text = "\u202eก\u0e48\u0e38\x00\r\n"
    assert clean_text(clean_text(text)) == clean_text(text)


def test_clean_user_text_keeps_within_the_columns_length() -> None:
    """Few visible characters, many code points: refused before the column (PostgreSQL) is."""
    for text in ("ก" + "\u0e48" * 30, "🏳️‍🌈" * 6):
        assert clean_user_text(text, max_length=20) == text  # no column limit given
        with pytest.raises(TextProblem) as caught:
            clean_user_text(text, max_length=20, max_stored=20)
        assert caught.value.length == len(text)
