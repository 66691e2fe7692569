import pytest

from app.domain.text import TextProblem, clean_user_text, normalize, visible_length


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
