"""Printable A4 sheets of one-time voting codes, one cut-out card per code, with a QR each.

People without a phone at hand, or who prefer paper, get a card with the code printed large;
people with a phone scan the QR, which opens their ballot directly.

The Thai text needs a shaping engine: without it, a tone mark over an upper vowel (ที่, ญี่ปุ่น)
is drawn on top of the vowel and disappears. fpdf2 shapes through uharfbuzz.

Font: Sarabun Regular and Bold (Cadson Demak, "The Sarabun Project Authors", version 1.000),
SIL Open Font License 1.1 (app/static/fonts/OFL.txt). The TTF files are copied unchanged from the
npm package @expo-google-fonts/sarabun 0.4.1 (files 400Regular/Sarabun_400Regular.ttf and
700Bold/Sarabun_700Bold.ttf; its LICENSE_FONT is our OFL.txt). They are read from this package's
own folder, never looked up on the system, so every machine prints the same cards.
"""

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont

from app.domain import thai_nlp

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR_FONT = FONT_DIR / "Sarabun-Regular.ttf"
BOLD_FONT = FONT_DIR / "Sarabun-Bold.ttf"
_FAMILY = "Sarabun"

# A4 portrait in millimetres, 2 x 5 cards: each 95 x 55 mm, big enough for a QR a phone reads
# from arm's length and for text a person reads without glasses.
PAGE_W, PAGE_H = 210.0, 297.0
COLS, ROWS = 2, 5
CARDS_PER_PAGE = COLS * ROWS
MARGIN_X, MARGIN_Y = 10.0, 11.0
CARD_W = (PAGE_W - 2 * MARGIN_X) / COLS
CARD_H = (PAGE_H - 2 * MARGIN_Y) / ROWS
PAD = 4.0
QR_GAP = 2.5  # between the QR's quiet zone and the text column
QR_QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks
# segno tries all 8 masks and keeps the best by the standard's penalty score; that is 2 ms a
# code, most of the time for 500 cards. Any mask decodes the same. For these short random URLs
# mask 1 scores about 3 % above the best one on average (measured on 200 URLs), which readers
# do not notice, and takes 0.4 ms.
QR_MASK = 1

# Text column, top to bottom; *_Y are offsets from the top of the QR square.
TITLE_PT, TITLE_LINE, TITLE_LINES = 10.5, 4.6, 2
LABEL_PT, LABEL_LINE, LABEL_Y = 8.5, 4.0, 1.5
CODE_PT_MAX, CODE_PT_MIN, CODE_LINE, CODE_Y = 22.0, 11.0, 10.0, 6.0
INSTR_PT, INSTR_LINE, INSTR_LINES, INSTR_Y = 8.0, 3.6, 3, 17.5
FOOTER_PT, FOOTER_LINE = 7.5, 3.6
CODE_SPACING_PT = 1.0  # a little air between characters so "ABCD-EFGH" reads like separate letters

INK = (0, 0, 0)
MUTED = (90, 90, 90)
CUT_LINE = (150, 150, 150)

ELLIPSIS = "…"
ZWSP = "\u200b"


@dataclass(frozen=True)
class CardText:
    """Words printed on every card, already translated by the caller."""

    title: str  # round question or workshop title; wrapped, then cut to 2 lines
    instructions: str  # e.g. "สแกน QR หรือเปิด {url} แล้วกรอกรหัส"; wrapped, up to 3 lines
    code_label: str  # e.g. "รหัสลงคะแนน"
    footer: str  # e.g. "ใช้ได้ครั้งเดียว" or the city's name


@dataclass(frozen=True)
class QrRect:
    """A block of dark modules, in module units from the symbol's top-left corner."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class QrShape:
    """What a QR symbol looks like, ready to draw: its side in modules and its dark blocks."""

    size: int
    rects: tuple[QrRect, ...]


def qr_shape(data: str) -> QrShape:
    """Dark modules of the QR for `data` as few rectangles, so a sheet stays small and fast.

    Error correction M at least: a card gets folded and smudged in a pocket.
    Runs of dark modules in a row become one rectangle; a run that repeats at the same place in
    the next row grows that rectangle downward.
    """
    matrix = segno.make(data, error="m", micro=False, mask=QR_MASK).matrix
    done: list[QrRect] = []
    open_rects: dict[tuple[int, int], QrRect] = {}  # (x, w) -> rect that reaches the row above
    for y, row in enumerate(matrix):
        next_open: dict[tuple[int, int], QrRect] = {}
        x, size = 0, len(row)
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            key = (start, x - start)
            above = open_rects.pop(key, None)
            next_open[key] = (
                QrRect(start, above.y, x - start, above.h + 1)
                if above
                else QrRect(start, y, x - start, 1)
            )
        done.extend(open_rects.values())
        open_rects = next_open
    done.extend(open_rects.values())
    done.sort(key=lambda r: (r.y, r.x))
    return QrShape(size=len(matrix), rects=tuple(done))


def code_cards_pdf(
    codes: Sequence[str],
    *,
    vote_url: Callable[[str], str],
    text: CardText,
    created: datetime | None = None,
) -> bytes:
    """An A4 PDF with one card per code, 10 to a page, in the order given.

    `vote_url(code)` is the address each QR opens. `created` is the PDF's creation date
    (now when None); a fixed one makes the same codes give the same bytes.
    """
    if not codes:
        raise ValueError("no codes to print")
    with _document(created or datetime.now(UTC)) as pdf:
        pdf.set_title(text.title)  # the name a print queue and a viewer's tab show
        layout = _CardLayout.measure(pdf, text)
        for first in range(0, len(codes), CARDS_PER_PAGE):
            page = codes[first : first + CARDS_PER_PAGE]
            pdf.add_page()
            _cut_lines(pdf, len(page))
            _words(pdf, layout, len(page))
            for slot, code in enumerate(page):
                x0, y0 = _card_origin(slot)
                _code(pdf, layout, x0, y0, code)
                qr = qr_shape(vote_url(code))
                _draw_qr(pdf, qr, x0 + layout.qr_x, y0 + layout.qr_y, layout.qr_side)
        return bytes(pdf.output())


@contextmanager
def _document(created: datetime) -> Iterator[FPDF]:
    """A blank A4 document with the fonts loaded; the font files are closed afterwards.

    fpdf2 closes them only in output(), so an error half-way would leave them open.
    """
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    try:
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.c_margin = 0  # cells start exactly where we place them
        pdf.set_creation_date(created)
        pdf.set_lang("th")
        pdf.add_font(_FAMILY, "", str(REGULAR_FONT))
        pdf.add_font(_FAMILY, "B", str(BOLD_FONT))
        pdf.set_text_shaping(True)
        yield pdf
    finally:
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.close()


def _card_origin(slot: int) -> tuple[float, float]:
    return MARGIN_X + (slot % COLS) * CARD_W, MARGIN_Y + (slot // COLS) * CARD_H


@dataclass(frozen=True)
class _CardLayout:
    """Everything that is the same on every card, worked out once per sheet (offsets in mm)."""

    title: tuple[str, ...]
    label: str
    instructions: tuple[str, ...]
    footer: str
    qr_x: float
    qr_y: float
    qr_side: float  # includes the quiet zone, which may reach into the card's padding
    text_x: float
    text_w: float

    @classmethod
    def measure(cls, pdf: FPDF, text: CardText) -> "_CardLayout":
        qr_y = PAD + TITLE_LINES * TITLE_LINE
        qr_side = CARD_H - qr_y - PAD + 1.0
        text_x = PAD + qr_side + QR_GAP - 1.0
        text_w = CARD_W - text_x - PAD
        pdf.set_font(_FAMILY, "B", TITLE_PT)
        title = wrap_lines(text.title, CARD_W - 2 * PAD, TITLE_LINES, pdf.get_string_width)
        pdf.set_font(_FAMILY, "", INSTR_PT)
        instructions = wrap_lines(text.instructions, text_w, INSTR_LINES, pdf.get_string_width)
        pdf.set_font(_FAMILY, "", LABEL_PT)
        label = "".join(wrap_lines(text.code_label, text_w, 1, pdf.get_string_width))
        pdf.set_font(_FAMILY, "", FOOTER_PT)
        footer = "".join(wrap_lines(text.footer, text_w, 1, pdf.get_string_width))
        return cls(title, label, instructions, footer, PAD - 1.0, qr_y, qr_side, text_x, text_w)


def _cut_lines(pdf: FPDF, cards: int) -> None:
    """Dashed lines around the cards on this page only, so a short last page has no empty grid.

    Every line starts on the page margin, so where two cards share an edge the dashes line up.
    """
    rows = -(-cards // COLS)
    full_rows = cards // COLS  # rows whose right-hand card exists
    pdf.set_draw_color(*CUT_LINE)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2.0, gap=1.5)
    for k in range(rows + 1):  # horizontal lines
        wide = k < full_rows or k - 1 < full_rows
        y = MARGIN_Y + k * CARD_H
        pdf.line(MARGIN_X, y, MARGIN_X + (COLS if wide else 1) * CARD_W, y)
    for c in range(COLS + 1):  # vertical lines
        reach = full_rows if c == COLS else rows
        x = MARGIN_X + c * CARD_W
        pdf.line(x, MARGIN_Y, x, MARGIN_Y + reach * CARD_H)
    pdf.set_dash_pattern()


def _words(pdf: FPDF, layout: _CardLayout, cards: int) -> None:
    """The text that every card shares, on the first `cards` cards of the page.

    Shaping Thai costs about half a millisecond a line, so it is done once a page: the first
    card's drawing operators are copied to the other cards, moved by a translation. The copy is
    only made when those operators select their own font first, so they draw the same anywhere.
    """
    pdf.set_font(_FAMILY, "", TITLE_PT)  # not the title's font: the title must select its own
    contents = pdf.pages[pdf.page].contents
    start = len(contents) if isinstance(contents, bytearray) else 0
    x0, y0 = _card_origin(0)
    _card_words(pdf, layout, x0, y0)
    ops = bytes(contents[start:]) if isinstance(contents, bytearray) else b""
    for slot in range(1, cards):
        x, y = _card_origin(slot)
        if ops.startswith(b"BT /F"):
            dx, dy = (x - x0) * pdf.k, (y0 - y) * pdf.k
            pdf._out(f"q 1 0 0 1 {dx:.2f} {dy:.2f} cm\n".encode() + ops + b"Q")
        else:  # a future fpdf2 that writes differently: slower, still right
            _card_words(pdf, layout, x, y)


def _card_words(pdf: FPDF, layout: _CardLayout, x0: float, y0: float) -> None:
    pdf.set_text_color(*INK)
    pdf.set_font(_FAMILY, "B", TITLE_PT)
    for i, line in enumerate(layout.title):
        pdf.set_xy(x0 + PAD, y0 + PAD + i * TITLE_LINE)
        pdf.cell(CARD_W - 2 * PAD, TITLE_LINE, line)

    tx, tw = x0 + layout.text_x, layout.text_w
    pdf.set_text_color(*MUTED)
    pdf.set_font(_FAMILY, "", LABEL_PT)
    pdf.set_xy(tx, y0 + layout.qr_y + LABEL_Y)
    pdf.cell(tw, LABEL_LINE, layout.label)

    pdf.set_text_color(*INK)
    pdf.set_font(_FAMILY, "", INSTR_PT)
    for i, line in enumerate(layout.instructions):
        pdf.set_xy(tx, y0 + layout.qr_y + INSTR_Y + i * INSTR_LINE)
        pdf.cell(tw, INSTR_LINE, line)

    pdf.set_text_color(*MUTED)
    pdf.set_font(_FAMILY, "", FOOTER_PT)
    pdf.set_xy(tx, y0 + CARD_H - PAD - FOOTER_LINE)
    pdf.cell(tw, FOOTER_LINE, layout.footer)


def _code(pdf: FPDF, layout: _CardLayout, x0: float, y0: float, code: str) -> None:
    """The code, as large as fits the text column."""
    pdf.set_text_color(*INK)
    pdf.set_font(_FAMILY, "B", CODE_PT_MAX)
    pdf.set_char_spacing(CODE_SPACING_PT)
    plain = code.isascii()  # Latin letters and digits need no shaping, which is the slow part
    if plain:
        pdf.set_text_shaping(False)
    size = CODE_PT_MAX
    while size > CODE_PT_MIN and pdf.get_string_width(code) > layout.text_w:
        size -= 1.0
        pdf.set_font_size(size)
    pdf.set_xy(x0 + layout.text_x, y0 + layout.qr_y + CODE_Y)
    pdf.cell(layout.text_w, CODE_LINE, code)
    pdf.set_char_spacing(0)
    if plain:
        pdf.set_text_shaping(True)


def _draw_qr(pdf: FPDF, qr: QrShape, x: float, y: float, side: float) -> None:
    """Draw the dark modules as one filled path: no hairline seams between modules on screen."""
    module = side / (qr.size + 2 * QR_QUIET_ZONE)
    k = pdf.k
    left = (x + QR_QUIET_ZONE * module) * k
    top = (pdf.h - y - QR_QUIET_ZONE * module) * k  # PDF user space grows upward
    m = module * k
    ops = [
        f"{left + r.x * m:.3f} {top - (r.y + r.h) * m:.3f} {r.w * m:.3f} {r.h * m:.3f} re"
        for r in qr.rects
    ]
    # fpdf2 has no public call for one path of many rectangles; its own rect() writes the same
    # operators one rectangle at a time. q/Q keeps the fill colour from leaking into the text.
    pdf._out("q 0 g " + " ".join(ops) + " f Q")


def wrap_lines(
    text: str, width: float, max_lines: int, measure: Callable[[str], float]
) -> tuple[str, ...]:
    """Break `text` into at most `max_lines` lines no wider than `width`, with "…" if cut.

    Thai is written without spaces between words, so lines break between words found by
    PyThaiNLP, and a word too long for a line breaks between character clusters, never between
    a consonant and its vowel or tone marks. Line breaks in `text` are kept.
    """
    lines: list[str] = []
    for paragraph in text.splitlines():
        pieces = _break_pieces(paragraph)
        if pieces:
            lines.extend(_fill(pieces, width, measure))
    if len(lines) <= max_lines:
        return tuple(lines)
    kept = lines[:max_lines]
    kept[-1] = _with_ellipsis(kept[-1], width, measure)
    return tuple(kept)


def _fill(pieces: list[str], width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if piece == " ":
            if line:
                line += " "
            continue
        if measure(line + piece) <= width:
            line += piece
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        if measure(piece) <= width:
            line = piece
            continue
        for cluster in _clusters(piece):  # a word or an address wider than the line
            if line and measure(line + cluster) > width:
                lines.append(line)
                line = ""
            line += cluster
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _with_ellipsis(line: str, width: float, measure: Callable[[str], float]) -> str:
    clusters = _clusters(line)
    while clusters and measure("".join(clusters).rstrip() + ELLIPSIS) > width:
        clusters.pop()
    return "".join(clusters).rstrip() + ELLIPSIS


def _is_thai(ch: str) -> bool:
    return "\u0e00" <= ch <= "\u0e7f"


def _is_mark(ch: str) -> bool:
    """Thai vowels above and below and tone marks are marks; they never start a line."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _break_pieces(paragraph: str) -> list[str]:
    """Split a line of text into pieces between which a line may break; spaces are pieces."""
    pieces: list[str] = []
    for i, chunk in enumerate(paragraph.split()):
        if i:
            pieces.append(" ")
        for part in chunk.split(ZWSP):  # a zero-width space marks a break and prints nothing
            run = ""
            for ch in part:
                if run and _is_thai(ch) != _is_thai(run[-1]) and not _is_mark(ch):
                    pieces.extend(_words_of(run))
                    run = ""
                run += ch
            if run:
                pieces.extend(_words_of(run))
    return pieces


def _words_of(run: str) -> tuple[str, ...]:
    """Thai words of a run of Thai letters; any other run stays whole (an address, a number)."""
    return _segment(run) if _is_thai(run[-1]) else (run,)


@lru_cache(maxsize=256)
def _segment(run: str) -> tuple[str, ...]:
    return thai_nlp.words_for_line_breaks(run)


def _clusters(text: str) -> list[str]:
    """Characters with their combining marks (Thai vowels above/below, tone marks) attached."""
    clusters: list[str] = []
    for ch in text:
        if clusters and _is_mark(ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters
