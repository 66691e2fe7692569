import math
import re
import unicodedata
import zlib
from datetime import UTC, datetime

import pytest
import segno

from app.domain import code_cards
from app.domain.code_cards import CardText, code_cards_pdf, qr_shape, wrap_lines

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TEXT = CardText(
    title="แผนพัฒนาเทศบาลนครเชียงใหม่ประจำปี 2570 ควรให้ความสำคัญกับโครงการใดมากที่สุด"
    " ระหว่างถนน ทางเท้า และสวนสาธารณะ",
    instructions="สแกน QR หรือเปิด https://ruamkit.example.go.th/v แล้วกรอกรหัส",
    code_label="รหัสลงคะแนน",
    footer="ใช้ได้ครั้งเดียว · เทศบาลนครเชียงใหม่",
)


def _url(code: str) -> str:
    return f"https://ruamkit.example.go.th/v/{code}"


def _codes(n: int) -> list[str]:
    return [f"AB{i // 100 % 100:02d}-{i % 100:02d}XY" for i in range(n)]


def _pdf(codes: list[str], text: CardText = TEXT) -> bytes:
    return code_cards_pdf(codes, vote_url=_url, text=text, created=CREATED)


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _page_streams(pdf: bytes) -> list[bytes]:
    """Decompressed content streams that draw text, in file order (page order in fpdf2)."""
    streams = []
    for match in re.finditer(rb"/Filter /FlateDecode\n/Length (\d+)\n>>\nstream\n", pdf):
        data = zlib.decompress(pdf[match.end() : match.end() + int(match.group(1))])
        if b" Tj" in data:
            streams.append(data)
    return streams


def _drawn_qrs(content: bytes) -> list[set[tuple[int, int]]]:
    """Dark modules (column, row) of each QR drawn on a page, read back from its rectangles."""
    symbols = []
    for block in re.findall(rb"q 0 g (.*?) f Q", content):
        rects = [tuple(map(float, r)) for r in re.findall(rb"(\S+) (\S+) (\S+) (\S+) re", block)]
        module = min(w for _, _, w, _ in rects)
        left = min(x for x, _, _, _ in rects)
        top = max(y + h for _, y, _, h in rects)
        dark: set[tuple[int, int]] = set()
        for x, y, w, h in rects:
            col, row = round((x - left) / module), round((top - y - h) / module)
            dark.update(
                (col + c, row + r)
                for c in range(round(w / module))
                for r in range(round(h / module))
            )
        symbols.append(dark)
    return symbols


def _segno_dark(url: str) -> set[tuple[int, int]]:
    matrix = segno.make(url, error="m", micro=False, mask=code_cards.QR_MASK).matrix
    return {(x, y) for y, row in enumerate(matrix) for x, bit in enumerate(row) if bit}


def test_no_codes_is_an_error() -> None:
    with pytest.raises(ValueError, match="no codes"):
        _pdf([])


@pytest.mark.parametrize("n", [1, 9, 10, 11, 25])
def test_one_page_per_ten_cards(n: int) -> None:
    pdf = _pdf(_codes(n))
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert _page_count(pdf) == math.ceil(n / 10)


def test_five_hundred_codes_make_fifty_pages() -> None:
    """How fast is a figure, not a test: bench/code_cards_speed.py."""
    pdf = _pdf(_codes(500))
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert _page_count(pdf) == 50
    assert len(_page_streams(pdf)) == 50


def test_sarabun_is_embedded_not_looked_up() -> None:
    pdf = _pdf(_codes(1))
    assert len(re.findall(rb"/FontFile2 ", pdf)) == 2  # regular and bold, both subset
    assert re.search(rb"/BaseFont /[A-Z]{6}\+Sarabun\b", pdf)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+SarabunBold\b", pdf)
    app_dir = code_cards.FONT_DIR.parent.parent
    for font in (code_cards.REGULAR_FONT, code_cards.BOLD_FONT):
        assert font.is_relative_to(app_dir)
        assert font.stat().st_size < 200_000
    licence = (code_cards.FONT_DIR / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Sarabun Project Authors" in licence


def test_thai_is_shaped() -> None:
    """Without shaping a tone mark over an upper vowel (ที่) is drawn over the vowel and lost."""
    with code_cards._document(CREATED) as document:
        assert document.text_shaping
        assert document.text_shaping["use_shaping_engine"]


def test_same_codes_and_date_give_the_same_bytes() -> None:
    codes = _codes(12)
    first = _pdf(codes)
    assert first == _pdf(codes)
    assert b"/CreationDate (D:20260301093000Z)" in first


def test_every_card_gets_the_qr_of_its_own_vote_url() -> None:
    codes = _codes(12)
    asked: list[str] = []

    def vote_url(code: str) -> str:
        asked.append(code)
        return _url(code)

    pdf = code_cards_pdf(codes, vote_url=vote_url, text=TEXT, created=CREATED)
    assert asked == codes
    drawn = [qr for page in _page_streams(pdf) for qr in _drawn_qrs(page)]
    assert drawn == [_segno_dark(_url(code)) for code in codes]


def test_shared_text_is_shaped_once_a_page_and_copied_to_the_other_cards() -> None:
    pages = _page_streams(_pdf(_codes(13)))
    assert [len(re.findall(rb"^q 1 0 0 1 \S+ \S+ cm$", p, re.MULTILINE)) for p in pages] == [9, 2]


def test_a_short_last_page_has_cut_lines_only_around_its_cards() -> None:
    pages = _page_streams(_pdf(_codes(13)))
    dashed = [len(re.findall(rb" l S", p)) for p in pages]
    assert dashed == [6 + 3, 3 + 3]  # horizontal + vertical lines


def test_long_texts_stay_inside_their_lines() -> None:
    long = CardText(
        title=TEXT.title * 4,
        instructions=TEXT.instructions + " " + TEXT.instructions + "\nโทร 053-123456",
        code_label=TEXT.code_label * 5,
        footer=TEXT.footer * 3,
    )
    with code_cards._document(CREATED) as document:
        layout = code_cards._CardLayout.measure(document, long)
        document.set_font("Sarabun", "B", code_cards.TITLE_PT)
        title_widths = [document.get_string_width(line) for line in layout.title]
        document.set_font("Sarabun", "", code_cards.INSTR_PT)
        instruction_widths = [document.get_string_width(line) for line in layout.instructions]
    assert len(layout.title) == 2
    assert layout.title[-1].endswith("…")
    assert len(layout.instructions) == 3
    assert layout.instructions[-1].endswith("…")
    assert layout.label.endswith("…")
    assert layout.footer.endswith("…")
    assert max(title_widths) <= code_cards.CARD_W - 2 * code_cards.PAD
    assert max(instruction_widths) <= layout.text_w


def test_a_failing_vote_url_leaves_no_font_file_open() -> None:
    def broken(code: str) -> str:
        raise RuntimeError(code)

    with pytest.raises(RuntimeError, match="ABCD"):  # filterwarnings=error catches a leak
        code_cards_pdf(["ABCD"], vote_url=broken, text=TEXT, created=CREATED)


def test_empty_texts_are_allowed() -> None:
    pdf = _pdf(_codes(3), CardText(title="", instructions="", code_label="", footer=""))
    assert _page_count(pdf) == 1


# --- QR shape


@pytest.mark.parametrize("url", [_url("ABCD-EFGH"), "https://x.example/" + "v" * 200])
def test_qr_shape_covers_exactly_the_dark_modules_once(url: str) -> None:
    shape = qr_shape(url)
    covered = [(r.x + dx, r.y + dy) for r in shape.rects for dx in range(r.w) for dy in range(r.h)]
    assert len(covered) == len(set(covered))  # no module drawn twice
    assert set(covered) == _segno_dark(url)
    assert shape.size == len(segno.make(url, error="m", micro=False).matrix)
    assert len(shape.rects) < len(covered) / 2  # runs and blocks, not module by module


def test_qr_is_a_full_qr_with_at_least_medium_error_correction() -> None:
    symbol = segno.make(_url("ABCD-EFGH"), error="m", micro=False, mask=code_cards.QR_MASK)
    assert not symbol.is_micro
    assert symbol.error in {"M", "Q", "H"}
    assert qr_shape(_url("ABCD-EFGH")).size == symbol.symbol_size(border=0)[0]


# --- wrapping


def _width(text: str) -> float:
    """One unit per character that takes room: marks above and below a letter take none."""
    return sum(unicodedata.category(ch) != "Mn" for ch in text)


def test_short_text_is_one_line() -> None:
    assert wrap_lines("รหัสลงคะแนน", 20, 2, _width) == ("รหัสลงคะแนน",)


def test_empty_text_has_no_lines() -> None:
    assert wrap_lines("  ", 20, 2, _width) == ()


def test_thai_breaks_between_words_and_never_before_a_mark() -> None:
    text = "แผนพัฒนาเทศบาลนครเชียงใหม่ประจำปีควรให้ความสำคัญกับโครงการใดมากที่สุด"
    lines = wrap_lines(text, 12, 10, _width)
    assert len(lines) > 2
    assert "".join(lines) == text
    assert all(_width(line) <= 12 for line in lines)
    assert not any(unicodedata.category(line[0]) == "Mn" for line in lines)
    assert "เชียงใหม่" in lines or any(line.endswith("เชียงใหม่") for line in lines)


def test_spaces_are_break_points_and_are_not_kept_at_line_ends() -> None:
    assert wrap_lines("ใช้ได้ ครั้งเดียว", 7, 3, _width) == ("ใช้ได้", "ครั้งเดียว")


def test_cut_text_ends_with_an_ellipsis_that_fits() -> None:
    lines = wrap_lines("ถนน ทางเท้า สวนสาธารณะ ตลาด", 8, 2, _width)
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(_width(line) <= 8 for line in lines)


def test_a_long_address_breaks_between_characters() -> None:
    url = "https://ruamkit.example.go.th/v/ABCD-EFGH"
    lines = wrap_lines(f"เปิด {url}", 12, 5, _width)
    assert lines[0] == "เปิด"
    assert "".join(lines[1:]) == url
    assert all(_width(line) <= 12 for line in lines)


def test_line_breaks_and_zero_width_spaces_are_kept_as_breaks() -> None:
    assert wrap_lines("บรรทัดแรก\nบรรทัดสอง", 40, 3, _width) == ("บรรทัดแรก", "บรรทัดสอง")
    assert wrap_lines("ตลาด\u200bสด", 4, 3, _width) == ("ตลาด", "สด")
