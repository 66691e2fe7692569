"""Accessible SVG charts, drawn on the server: no JavaScript, readable on a projector.

Each chart is one <svg role="img"> named by its <title> and <desc> (ids prefixed per
chart, so several charts share a page). Values are labelled directly and series differ by
pattern as well as colour, so no reading depends on telling colours apart; text is at
least 14 user units high at the chart's width. The caller shows a data table beside each
chart, so the numbers are also there for screen readers. Long labels are cut with "…" and
keep their full text in a <title> for hover. Text that must be translated ("no data",
"target") is passed in by the caller.
"""

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

INK = "#1b1f23"
MUTED = "#5a6470"
GRID = "#d5dae0"
# Dark enough for white text on them (4.5:1 or more) and for bars on white (3:1 or more).
PALETTE = ("#0b5cad", "#8a5300", "#1d7a3a", "#6b3fa0", "#b3261e", "#5a6470")
# Colours for plan item statuses (ItemStatus values), for stacked_bar parts.
STATUS_COLOURS = {
    "not_started": "#5a6470",
    "on_track": "#1d7a3a",
    "delayed": "#8a5300",
    "done": "#0b5cad",
    "cancelled": "#1b1f23",
}
FONT_FAMILY = "Sarabun, Noto Sans Thai, Leelawadee UI, Tahoma, sans-serif"
MAX_POINT_LABELS = 12  # a line chart labels every point up to this many, else the last
_CHAR_WIDTH = 0.6  # of the font size, a generous average for Thai and Latin glyphs
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|(?:rgb|hsl)a?\([0-9.,%\s]+\)")
_CLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

Number = float | int
Formatter = Callable[[float], str]


# --- text ------------------------------------------------------------------------------


def _esc(text: str) -> str:
    """Text content, escaped; characters XML cannot hold at all are dropped."""
    return escape(_XML_INVALID.sub("", text))


def _attr(text: str) -> str:
    return quoteattr(_XML_INVALID.sub("", text))


def _char_width(char: str) -> float:
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0  # Thai vowels and tone marks above and below take no room
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    return _CHAR_WIDTH


def text_width(text: str, font_size: float) -> float:
    """An estimate of the drawn width, enough to lay out and cut labels."""
    return sum(_char_width(c) for c in text) * font_size


def truncate(text: str, max_width: float, font_size: float) -> str:
    """The text cut with "…" to fit max_width, never between a letter and its marks."""
    if text_width(text, font_size) <= max_width:
        return text
    budget = max_width - _CHAR_WIDTH * font_size  # room for the ellipsis
    used = 0.0
    end = 0
    for i, char in enumerate(text):
        width = _char_width(char) * font_size
        if width and used + width > budget:
            break
        used += width
        end = i + 1
    return text[:end].rstrip() + "…"


def _label(x: float, y: float, text: str, max_width: float, font: float, **attrs: str) -> str:
    """A <text>, cut to fit, with the full text in a <title> child when it was cut."""
    shown = truncate(text, max_width, font) if max_width > 0 else text
    extra = "".join(f" {k.rstrip('_').replace('_', '-')}={_attr(v)}" for k, v in attrs.items())
    hover = f"<title>{_esc(text)}</title>" if shown != text else ""
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{hover}{_esc(shown)}</text>'


def format_value(value: float) -> str:
    """1,234 for whole numbers, else at most two decimals: 12.5, 0.33."""
    if not math.isfinite(value):
        return "–"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _with_unit(text: str, unit: str) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "‰") else f"{text} {unit}"


# --- the frame -------------------------------------------------------------------------


def _font(width: int) -> float:
    """Text size in user units: at least 14, and a 40th of the width, so a chart scaled
    to a projector or a phone keeps its text in proportion."""
    return float(max(14, round(width / 40)))


def _chart_id(kind: str, title: str, data: object, chart_id: str | None) -> str:
    if chart_id:
        if not _CLASS.fullmatch(chart_id):
            raise ValueError(f"chart_id must be a plain identifier: {chart_id!r}")
        return chart_id
    digest = hashlib.sha256(repr((kind, title, data)).encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _patterns(cid: str, count: int) -> str:
    """White line and dot textures over the fill colours: series 0 is plain, the others
    each have their own texture, so they differ in grey scale and print too."""
    shapes = (
        "",
        '<path d="M0 0L0 8" stroke="#fff" stroke-width="3" stroke-opacity=".55"/>',
        '<circle cx="4" cy="4" r="1.8" fill="#fff" fill-opacity=".65"/>',
        '<path d="M0 4L8 4" stroke="#fff" stroke-width="2.5" stroke-opacity=".55"/>',
        '<path d="M0 0L0 8M0 0L8 0" stroke="#fff" stroke-width="3" stroke-opacity=".55"/>',
        '<path d="M4 0L4 8" stroke="#fff" stroke-width="2" stroke-opacity=".55"/>',
    )
    out = []
    for i in range(1, min(count, len(shapes))):
        rotate = ' patternTransform="rotate(45)"' if i in (1, 4) else ""
        out.append(
            f'<pattern id="{cid}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse"'
            f"{rotate}>{shapes[i]}</pattern>"
        )
    return f"<defs>{''.join(out)}</defs>" if out else ""


def _swatch_fill(cid: str, index: int) -> str | None:
    """The texture overlay of series `index`, or None for plain."""
    texture = index % 6
    return f"url(#{cid}-p{texture})" if texture else None


def _shape(
    cid: str, index: int, x: float, y: float, w: float, h: float, fill: str, cls: str = ""
) -> str:
    class_attr = f" class={_attr(cls)}" if cls else ""
    rect = (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f"fill={_attr(fill)}{class_attr}/>"
    )
    overlay = _swatch_fill(cid, index)
    if overlay:
        rect += (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
            f'fill="{overlay}" aria-hidden="true"/>'
        )
    return rect


def _svg(
    kind: str,
    cid: str,
    title: str,
    description: str,
    width: int,
    height: float,
    body: Sequence[str],
    *,
    defs: str = "",
) -> str:
    labelled = f"{cid}-title {cid}-desc" if description else f"{cid}-title"
    desc = f'<desc id="{cid}-desc">{_esc(description)}</desc>' if description else ""
    h = math.ceil(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" width="{width}" '
        f'height="{h}" role="img" aria-labelledby="{labelled}" class="chart chart-{kind}" '
        f'font-family="{FONT_FAMILY}" font-size="{_font(width):g}" fill="{INK}" '
        f'style="max-width:100%;height:auto">'
        f'<title id="{cid}-title">{_esc(title)}</title>{desc}{defs}{"".join(body)}</svg>'
    )


def _title_line(title: str, width: int, font: float, show: bool) -> tuple[list[str], float]:
    """The visible title at the top, if asked for, and the height it takes."""
    if not show:
        return [], 0.0
    size = font * 1.15
    text = _label(
        font, font * 1.6, title, width - 2 * font, size, font_size=f"{size:g}", font_weight="bold"
    )
    return [text], font * 2.4


def _empty(
    kind: str, cid: str, title: str, description: str, empty_text: str, width: int, show: bool
) -> str:
    font = _font(width)
    body, top = _title_line(title, width, font, show)
    height = top + font * 5
    body.append(
        _label(
            width / 2,
            top + font * 2.8,
            empty_text,
            width - 2 * font,
            font,
            text_anchor="middle",
            fill=MUTED,
        )
    )
    return _svg(kind, cid, title, description, width, height, body)


def _legend(
    cid: str, names: Sequence[str], colours: Sequence[str], x0: float, y0: float, width: int
) -> tuple[list[str], float]:
    """Swatches with their series names, wrapped into rows; returns the height used."""
    font = _font(width)
    x, y = x0, y0
    out: list[str] = []
    max_name = width - 2 * font - font * 1.6
    for i, name in enumerate(names):
        shown = truncate(name, max_name, font)
        item_w = font * 1.6 + text_width(shown, font) + font * 1.2
        if x > x0 and x + item_w > width - font:
            x, y = x0, y + font * 1.8
        out.append(_shape(cid, i, x, y, font, font, colours[i % len(colours)]))
        out.append(_label(x + font * 1.4, y + font * 0.85, name, max_name, font))
        x += item_w
    return out, (y - y0) + font * 2.2


# --- bar charts ------------------------------------------------------------------------


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    unit: str = "",
    max_value: float | None = None,
    description: str = "",
    width: int = 640,
    empty_text: str = "No data",
    value_format: Formatter = format_value,
    show_title: bool = False,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars, one per label, each with its value written at its end.

    max_value fixes the scale (100 for percentages); a value beyond it draws to the edge
    and still shows its own number. None draws no bar and a dash.
    """
    return _horizontal_bars(
        "bar",
        _chart_id("bar", title, list(bars), chart_id),
        title,
        [label for label, _ in bars],
        [("", [value for _, value in bars])],
        unit=unit,
        max_value=max_value,
        description=description,
        width=width,
        empty_text=empty_text,
        value_format=value_format,
        show_title=show_title,
    )


def grouped_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
    max_value: float | None = None,
    description: str = "",
    width: int = 640,
    empty_text: str = "No data",
    value_format: Formatter = format_value,
    show_title: bool = False,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars grouped by category, one bar per series (planned and spent budget
    per city), with a legend when there is more than one series. Series differ by colour
    and texture; every bar carries its value. A series shorter than categories has no
    value for the rest."""
    data = (list(categories), [(name, list(vs)) for name, vs in series])
    return _horizontal_bars(
        "grouped-bar",
        _chart_id("grouped-bar", title, data, chart_id),
        title,
        categories,
        series,
        unit=unit,
        max_value=max_value,
        description=description,
        width=width,
        empty_text=empty_text,
        value_format=value_format,
        show_title=show_title,
    )


def _horizontal_bars(
    _kind: str,
    cid: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str,
    max_value: float | None,
    description: str,
    width: int,
    empty_text: str,
    value_format: Formatter,
    show_title: bool,
) -> str:
    values = [
        float(v)
        for _, vs in series
        for v in vs
        if v is not None and math.isfinite(v)  # NaN and infinities are "no value"
    ]
    if not categories or not series or not values:
        return _empty(_kind, cid, title, description, empty_text, width, show_title)
    font = _font(width)
    pad = font
    body, top = _title_line(title, width, font, show_title)
    if len(series) > 1:
        legend, used = _legend(
            cid, [name for name, _ in series], PALETTE, pad, top + pad * 0.5, width
        )
        body += legend
        top += used + pad * 0.5
    else:
        top += pad * 0.5

    lo = min(0.0, *values)
    hi = max(0.0, *values) if max_value is None else max(0.0, float(max_value))
    if hi <= lo:
        hi = lo + 1.0  # all zero: an empty scale, zero-length bars, labels "0"

    def shown(v: float | None) -> str:
        if v is None or not math.isfinite(v):
            return "–"
        return _with_unit(value_format(float(v)), unit)

    value_w = max(text_width(shown(v), font) for _, vs in series for v in vs) + font * 0.6
    value_w = min(value_w, width * 0.3)
    label_w = min(max(text_width(c, font) for c in categories), width * 0.38)
    plot_x0 = pad + label_w + font * 0.6 + (value_w if lo < 0 else 0.0)
    plot_x1 = width - pad - value_w
    if plot_x1 - plot_x0 < width * 0.2:  # narrow charts: labels give way to bars
        label_w = max(font * 3, label_w - (width * 0.2 - (plot_x1 - plot_x0)))
        plot_x0 = pad + label_w + font * 0.6 + (value_w if lo < 0 else 0.0)

    def x(v: float) -> float:
        v = min(max(v, lo), hi)
        return plot_x0 + (v - lo) / (hi - lo) * (plot_x1 - plot_x0)

    bar_h = font * 1.6
    inner_gap = font * 0.3
    group_gap = font * 0.9
    group_h = len(series) * bar_h + (len(series) - 1) * inner_gap
    y = top
    for ci, category in enumerate(categories):
        centre = y + group_h / 2
        body.append(
            _label(
                pad + label_w,
                centre + font * 0.35,
                category,
                label_w,
                font,
                text_anchor="end",
            )
        )
        for si, (name, vs) in enumerate(series):
            value = vs[ci] if ci < len(vs) else None
            by = y + si * (bar_h + inner_gap)
            text = shown(value)
            if value is not None and math.isfinite(value) and value != 0:
                x_start, x_end = sorted((x(0.0), x(float(value))))
                bar = _shape(cid, si, x_start, by, x_end - x_start, bar_h, PALETTE[si % 6])
                hover = f"{category} – {name}: {text}" if name else f"{category}: {text}"
                body.append(f"<g><title>{_esc(hover)}</title>{bar}</g>")
            end = x(float(value)) if value is not None and math.isfinite(value) else x(0.0)
            if value is not None and math.isfinite(value) and value < 0:
                body.append(
                    _label(
                        end - font * 0.3, by + bar_h * 0.72, text, value_w, font, text_anchor="end"
                    )
                )
            else:
                body.append(_label(end + font * 0.3, by + bar_h * 0.72, text, value_w, font))
        y += group_h + group_gap
    zero = x(0.0)
    body.append(
        f'<line x1="{zero:.1f}" y1="{top - font * 0.3:.1f}" x2="{zero:.1f}" '
        f'y2="{y - group_gap + font * 0.3:.1f}" stroke="{INK}" stroke-width="1.5"/>'
    )
    height = y - group_gap + pad
    return _svg(
        _kind, cid, title, description, width, height, body, defs=_patterns(cid, len(series))
    )


def stacked_bar(
    title: str,
    parts: Sequence[tuple[str, float, str]],
    *,
    unit: str = "",
    description: str = "",
    width: int = 640,
    empty_text: str = "No data",
    value_format: Formatter = format_value,
    show_title: bool = False,
    chart_id: str | None = None,
) -> str:
    """One bar split into parts (plan items by status), with a legend line per part giving
    its value and share; parts with zero are listed but not drawn. The third element of a
    part is a colour ("#1d7a3a") or a CSS class (its fill then comes from the page's CSS,
    with the palette as fallback)."""
    cid = _chart_id("stacked-bar", title, list(parts), chart_id)
    values = [max(0.0, float(v)) if math.isfinite(v) else 0.0 for _, v, _ in parts]
    total = sum(values)
    if not parts or total <= 0:
        return _empty("stacked-bar", cid, title, description, empty_text, width, show_title)
    font = _font(width)
    pad = font
    body, top = _title_line(title, width, font, show_title)
    top += pad * 0.5
    bar_h = font * 2.6
    x = pad
    span = width - 2 * pad
    fills: list[str] = []
    for i, ((label, _, style), value) in enumerate(zip(parts, values, strict=True)):
        colour, cls = _style(style, i)
        fills.append(colour)
        if value <= 0:
            continue
        w = span * value / total
        text = _with_unit(value_format(value), unit)
        shape = _shape(cid, i, x, top, w, bar_h, colour, cls)
        inside = ""
        if text_width(text, font) + font * 0.8 <= w:
            inside = (
                f'<text x="{x + w / 2:.1f}" y="{top + bar_h / 2 + font * 0.35:.1f}" '
                f'text-anchor="middle" fill="#fff" stroke="{colour}" stroke-width="3" '
                f'paint-order="stroke" font-weight="bold">{_esc(text)}</text>'
            )
        body.append(f"<g><title>{_esc(f'{label}: {text}')}</title>{shape}{inside}</g>")
        x += w
    y = top + bar_h + font * 1.0
    for i, ((label, _, _), value) in enumerate(zip(parts, values, strict=True)):
        share = 100 * value / total
        line = f"{label}: {_with_unit(value_format(value), unit)} ({format_value(round(share))}%)"
        body.append(_shape(cid, i, pad, y, font * 1.1, font * 1.1, fills[i]))
        body.append(_label(pad + font * 1.7, y + font * 0.95, line, span - font * 1.7, font))
        y += font * 1.8
    height = y + pad * 0.5
    return _svg(
        "stacked-bar", cid, title, description, width, height, body, defs=_patterns(cid, len(parts))
    )


def _style(style: str, index: int) -> tuple[str, str]:
    """(fill colour, css class) of a stacked part's style."""
    style = style.strip()
    if _COLOUR.fullmatch(style):
        return style, ""
    if style in STATUS_COLOURS:
        return STATUS_COLOURS[style], style
    fallback = PALETTE[index % len(PALETTE)]
    return fallback, " ".join(c for c in style.split() if _CLASS.fullmatch(c))


# --- line chart ------------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering lo to hi."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = [round(first, 10)]
    while ticks[-1] < hi - step * 1e-9 and len(ticks) <= 4 * count + 2:
        ticks.append(round(first + step * len(ticks), 10))
    return ticks


def line_chart(
    title: str,
    points: Sequence[tuple[str, float | None]],
    *,
    target: float | None = None,
    baseline: float | None = None,
    unit: str = "",
    description: str = "",
    width: int = 640,
    height: int = 260,
    empty_text: str = "No data",
    target_text: str = "Target",
    baseline_text: str = "Baseline",
    value_format: Formatter = format_value,
    show_title: bool = False,
    chart_id: str | None = None,
) -> str:
    """Values over periods as a line with a marker on each point; None leaves a gap.

    Points are labelled with their values (all of them up to MAX_POINT_LABELS, else the
    last), above peaks and below dips. The target is a dashed line and the baseline a
    dotted one, named with their values in a key above the plot, where they cannot
    collide with the points. Negative values are fine: the scale follows the data, with a
    zero line when it crosses zero. The plot area is `height` minus the title and key.
    """
    cid = _chart_id("line", title, (list(points), target, baseline), chart_id)
    present = [
        (i, label, float(v))
        for i, (label, v) in enumerate(points)
        if v is not None and math.isfinite(v)
    ]
    if not present:
        return _empty("line", cid, title, description, empty_text, width, show_title)
    font = _font(width)
    pad = font
    body, top = _title_line(title, width, font, show_title)

    references = [
        (value, f"{text} {_with_unit(value_format(value), unit)}", dash)
        for value, text, dash in ((target, target_text, "8 6"), (baseline, baseline_text, "2 5"))
        if value is not None and math.isfinite(value)
    ]
    key_x = pad
    key_y = top + pad * 0.5
    for _, caption, dash in references:
        item_w = font * 2.6 + text_width(caption, font) + font * 1.2
        if key_x > pad and key_x + item_w > width - pad:
            key_x, key_y = pad, key_y + font * 1.8
        body.append(
            f'<line x1="{key_x:.1f}" y1="{key_y + font * 0.55:.1f}" x2="{key_x + font * 2:.1f}" '
            f'y2="{key_y + font * 0.55:.1f}" stroke="{INK}" stroke-width="2" '
            f'stroke-dasharray="{dash}"/>'
        )
        body.append(_label(key_x + font * 2.6, key_y + font * 0.9, caption, width - 2 * pad, font))
        key_x += item_w
    if references:
        top = key_y + font * 1.6
    top += pad * 1.4  # room for the labels of the highest points

    values = [v for _, _, v in present]
    lo = min(values + [r for r, _, _ in references])
    hi = max(values + [r for r, _, _ in references])
    if hi == lo:
        lo, hi = lo - max(1.0, abs(lo) * 0.1), hi + max(1.0, abs(hi) * 0.1)
    ticks = nice_ticks(lo, hi, 4)
    lo, hi = ticks[0], ticks[-1]
    tick_w = max(text_width(value_format(t), font) for t in ticks) + font * 0.6
    plot_x0 = pad + tick_w
    plot_x1 = width - pad
    plot_y0 = top
    plot_y1 = max(top + height - pad * 3.5, plot_y0 + font * 5)
    total_h = plot_y1 + font * 1.4 + pad * 1.2  # x labels, and room for labels below dips

    def y(v: float) -> float:
        return plot_y1 - (v - lo) / (hi - lo) * (plot_y1 - plot_y0)

    for t in ticks:
        ty = y(t)
        stroke = INK if t == 0 and lo < 0 < hi else GRID
        body.append(
            f'<line x1="{plot_x0:.1f}" y1="{ty:.1f}" x2="{plot_x1:.1f}" y2="{ty:.1f}" '
            f'stroke="{stroke}" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{plot_x0 - font * 0.4:.1f}" y="{ty + font * 0.35:.1f}" '
            f'text-anchor="end" fill="{MUTED}">{_esc(value_format(t))}</text>'
        )

    step = (plot_x1 - plot_x0) / len(points)

    def x(i: int) -> float:
        return plot_x0 + step * (i + 0.5)

    widest = max(text_width(label, font) for label, _ in points) + font * 0.6
    every = max(1, math.ceil(widest / step))  # label every n-th period so none overlap
    for i, (label, _) in enumerate(points):
        if i % every == 0:
            body.append(
                _label(
                    x(i),
                    plot_y1 + font * 1.3,
                    label,
                    step * every - font * 0.3,
                    font,
                    text_anchor="middle",
                    fill=MUTED,
                )
            )

    for value, _, dash in references:
        ry = y(value)
        body.append(
            f'<line x1="{plot_x0:.1f}" y1="{ry:.1f}" x2="{plot_x1:.1f}" y2="{ry:.1f}" '
            f'stroke="{INK}" stroke-width="2" stroke-dasharray="{dash}"/>'
        )

    colour = PALETTE[0]
    runs: list[list[str]] = [[]]
    for i, (_, v) in enumerate(points):
        if v is None or not math.isfinite(v):
            runs.append([])
        else:
            runs[-1].append(f"{x(i):.1f},{y(float(v)):.1f}")
    for run in runs:
        if len(run) > 1:
            body.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                f'stroke-width="3" stroke-linejoin="round"/>'
            )
    labelled = {p[0] for p in present} if len(present) <= MAX_POINT_LABELS else {present[-1][0]}
    by_index = {i: v for i, _, v in present}
    for i, label, value in present:
        px, py = x(i), y(value)
        text = _with_unit(value_format(value), unit)
        body.append(
            f'<g><title>{_esc(f"{label}: {text}")}</title><circle cx="{px:.1f}" '
            f'cy="{py:.1f}" r="{font * 0.35:.1f}" fill="{colour}" stroke="#fff" '
            f'stroke-width="2"/></g>'
        )
        if i in labelled:
            neighbours = [by_index[j] for j in (i - 1, i + 1) if j in by_index]
            dip = bool(neighbours) and value < sum(neighbours) / len(neighbours)
            dip = dip and py + font * 1.5 < plot_y1  # below only if clear of the axis
            half = text_width(text, font) / 2 + 2
            body.append(
                _label(
                    min(max(px, half), width - half),  # the first and last stay inside
                    py + font * 1.45 if dip else py - font * 0.7,
                    text,
                    max(step, font * 4),
                    font,
                    text_anchor="middle",
                    font_weight="bold",
                    stroke="#fff",
                    stroke_width="4",
                    paint_order="stroke",
                )
            )
    return _svg("line", cid, title, description, width, total_h, body)
