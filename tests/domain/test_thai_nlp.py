import os
import socket

import pytest

from app.domain import thai_nlp
from app.domain.thai_nlp import STOPWORDS, normalize_for_nlp, tokenize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("น้ำท่วม ๒ วัน ๑๐๐ หลัง", "น้ำท่วม 2 วัน 100 หลัง"),  # Thai digits
        ("ฝนตกหนักมากกกกก", "ฝนตกหนักมาก"),  # a letter typed again and again
        ("เหม็นนนนน!!!", "เหม็น"),
        ("ขยะเยอะ 😡😡👎🏽 ช่วยด้วย🙏", "ขยะเยอะ ช่วยด้วย"),  # emoji, skin tones included
        ("ดูรูปที่ https://example.com/p?x=1 และ www.city.go.th ครับ", "ดูรูปที่ และ ครับ"),
        ("นํ้าท่วม", "น้ำท่วม"),  # nikhahit + sara aa typed for sara am
        ("กรุงเทพฯ ดีๆ", "กรุงเทพ ดี"),  # paiyannoi and mai yamok
        ("Street LIGHT   broken\n\tagain", "street light broken again"),
        ("   ", ""),
        ("🙏🙏🙏", ""),
    ],
)
def test_normalize_for_nlp(raw: str, expected: str) -> None:
    assert normalize_for_nlp(raw) == expected


def test_normalize_keeps_double_letters_that_thai_spells() -> None:
    # "รร" is ordinary spelling (ธรรม, พรรค); only three or more in a row are a typo.
    assert normalize_for_nlp("กรรมการพรรค") == "กรรมการพรรค"


def test_tokenize_drops_stopwords_numbers_and_punctuation() -> None:
    tokens = tokenize("ขอให้ซ่อมไฟถนนที่ซอย 5 ด่วนนะคะ!!! 💡")
    assert "ซ่อม" in tokens
    assert not {"ขอให้", "ที่", "นะคะ", "ด่วน", "5", "ซอย"} & set(tokens)
    assert all(any(ch.isalpha() for ch in t) for t in tokens)


def test_tokenize_lowercases_latin_and_keeps_mixed_text() -> None:
    tokens = tokenize("ติดตั้งโคมไฟ LED ริมถนน Soi Ari")
    assert {"led", "soi", "ari", "โคมไฟ"} <= set(tokens)


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "๕๕๕๕ 555 !!!", "ครับ ค่ะ นะ"])
def test_tokenize_gives_nothing_for_text_without_content(text: str) -> None:
    assert tokenize(text) == []


def test_stopwords_are_pythainlps_plus_the_project_list() -> None:
    assert {"และ", "ที่", "ของ"} <= STOPWORDS  # from PyThaiNLP
    assert {"ครับ", "ร้องเรียน", "เจ้าหน้าที่", "แขวง"} <= STOPWORDS  # project list
    assert thai_nlp.PROJECT_STOPWORDS <= STOPWORDS
    assert not {"น้ำท่วม", "ขยะ", "ถนน", "ไฟ"} & STOPWORDS  # topics are never stopwords


def test_custom_words_stay_whole_only_when_listed() -> None:
    text = "ชุมชนบ้านโนนสะอาดพัฒนาน้ำท่วมทุกปี"
    assert "โนนสะอาดพัฒนา" not in tokenize(text)
    with_dictionary = tokenize(text, custom_words=["โนนสะอาดพัฒนา"])
    assert "โนนสะอาดพัฒนา" in with_dictionary
    assert "น้ำท่วม" in with_dictionary


def test_custom_words_are_normalized_like_the_text() -> None:
    assert "ซอยร่วมใจ3" in tokenize("ซอยร่วมใจ๓ ไฟดับ", custom_words=["  ซอย ร่วมใจ ๓ "])


def test_custom_words_never_cut_a_longer_word_or_a_syllable() -> None:
    assert "ชาวนา" in tokenize("ชาวนาปลูกข้าว", custom_words=["นา"])
    assert "เกาะ" in tokenize("ไปเกาะสมุย", custom_words=["เก"])


def test_custom_words_win_over_stopwords() -> None:
    assert "ทางนี้" not in tokenize("ทางนี้")
    assert tokenize("ทางนี้", custom_words=["ทางนี้"]) == ["ทางนี้"]


def test_the_matcher_is_built_once_per_word_set() -> None:
    thai_nlp._matcher.cache_clear()
    tokenize("บ้านหนองแวงใหม่", custom_words=["หนองแวงใหม่", "ดอนบม"])
    tokenize("ดอนบม", custom_words=["ดอนบม", "หนองแวงใหม่"])  # same set, other order
    info = thai_nlp._matcher.cache_info()
    assert (info.misses, info.hits) == (1, 1)


@pytest.mark.parametrize("engine", ["newmm", "mm"])
def test_other_dictionary_engines_work_and_honour_custom_words(engine: str) -> None:
    tokens = tokenize("น้ำท่วมบ้านโนนสะอาดพัฒนา", engine=engine, custom_words=["โนนสะอาดพัฒนา"])
    assert "โนนสะอาดพัฒนา" in tokens


def test_nlpo3_segments_like_newmm() -> None:
    text = "ไฟส่องสว่างภายในซอยดับหลายดวง รถขยะไม่มาเก็บหลายวันแล้ว"
    assert tokenize(text, engine="nlpo3") == tokenize(text, engine="newmm")


def test_engines_that_download_models_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        tokenize("สวัสดี", engine="deepcut")


def test_a_5000_character_comment_is_segmented() -> None:
    """How fast is a figure, not a test: bench/tokenize_speed.py."""
    text = ("ถนนหน้าบ้านเป็นหลุมเป็นบ่อ น้ำขังทุกครั้งที่ฝนตก " * 200)[:5000]
    tokens = tokenize(text)
    assert "หลุม" in tokens
    assert tokens.count("ฝนตก") == text.count("ฝนตก")


def test_pythainlp_is_kept_read_only_and_offline() -> None:
    import pythainlp

    assert pythainlp.is_read_only_mode()
    assert pythainlp.is_offline_mode()
    assert os.environ["PYTHAINLP_READ_ONLY"] == "1"


def test_tokenize_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    thai_nlp._matcher.cache_clear()
    for engine in thai_nlp.ENGINES:
        assert "ขยะ" in tokenize("ขยะล้นถังหน้าบ้านหนองแวง", engine=engine, custom_words=["หนองแวง"])


def test_tokenize_many_reports_progress_per_chunk() -> None:
    texts = ["ขอให้ซ่อมไฟถนนด่วนนะคะ"] * 25
    seen: list[float] = []
    found = thai_nlp.tokenize_many(texts, progress=seen.append, chunk=10)
    assert found == [("ซ่อม", "ไฟถนน")] * 25
    assert seen == [0.4, 0.8, 1.0]
