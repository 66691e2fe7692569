import xml.etree.ElementTree as ET

import pytest

from app.domain.charts import (
    PALETTE,
    STATUS_COLOURS,
    bar_chart,
    format_value,
    grouped_bar_chart,
    line_chart,
    nice_ticks,
    stacked_bar,
    text_width,
    truncate,
)

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "ขยะ <script>alert(1)</script> & น้ำ \"ท่วม\" 'x'"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def visible_texts(root: ET.Element) -> list[str]:
    """Text drawn, without hover titles."""
    out = []
    for t in root.iter(f"{SVG}text"):
        out.append((t.text or "") + "".join(child.tail or "" for child in t))
    return out


def ids(root: ET.Element) -> set[str]:
    return {e.attrib["id"] for e in root.iter() if "id" in e.attrib}


def assert_accessible(root: ET.Element, title: str) -> None:
    assert root.attrib["role"] == "img"
    labelled = root.attrib["aria-labelledby"].split()
    found = {e.attrib.get("id"): e for e in root.iter() if "id" in e.attrib}
    assert found[labelled[0]].tag == f"{SVG}title"
    assert found[labelled[0]].text == title
    if len(labelled) > 1:
        assert found[labelled[1]].tag == f"{SVG}desc"
    assert float(root.attrib["font-size"]) >= 14


def all_charts(title: str = "ชาร์ต", label: str = "เทศบาล") -> list[str]:
    return [
        bar_chart(title, [(label, 45.5), ("ขอนแก่น", 12)], unit="%", description="คำอธิบาย"),
        grouped_bar_chart(title, [label, "ภูเก็ต"], [("แผน", [10, 20]), ("จริง", [5, None])]),
        line_chart(title, [(label, 60), ("Q2", None), ("Q3", 40)], target=30, baseline=60),
        stacked_bar(title, [(label, 3, "on_track"), ("ล่าช้า", 1, "#8a5300")]),
    ]


@pytest.mark.parametrize("index", range(4))
def test_every_chart_is_valid_accessible_svg(index: int) -> None:
    svg = all_charts()[index]
    assert_accessible(parse(svg), "ชาร์ต")


@pytest.mark.parametrize("index", range(4))
def test_thai_text_with_markup_characters_is_escaped(index: int) -> None:
    svg = all_charts(NASTY, NASTY)[index]
    root = parse(svg)
    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == NASTY  # type: ignore[union-attr]
    assert any(NASTY in t for t in texts(root))  # in a label, or its hover title


def test_control_characters_cannot_break_the_xml() -> None:
    parse(bar_chart("a\x00b\x1f", [("c\x0bd", 1)]))


def test_two_charts_on_one_page_have_distinct_ids() -> None:
    first = parse(bar_chart("งบประมาณ", [("a", 1)]))
    second = parse(bar_chart("งบประมาณ", [("a", 2)]))
    other_kind = parse(line_chart("งบประมาณ", [("a", 1)]))
    assert not ids(first) & ids(second)
    assert not ids(first) & ids(other_kind)
    # The same chart drawn twice is the same text, so pages can be cached and compared.
    assert bar_chart("x", [("a", 1)]) == bar_chart("x", [("a", 1)])


def test_an_explicit_id_is_used_and_must_be_plain() -> None:
    root = parse(bar_chart("x", [("a", 1)], chart_id="status-2569"))
    assert "status-2569-title" in ids(root)
    with pytest.raises(ValueError, match="chart_id"):
        bar_chart("x", [("a", 1)], chart_id='a" onload="x')


@pytest.mark.parametrize(
    "svg",
    [
        bar_chart("t", [], empty_text="ไม่มีข้อมูล"),
        bar_chart("t", [("a", None)], empty_text="ไม่มีข้อมูล"),
        grouped_bar_chart("t", [], [("s", [])], empty_text="ไม่มีข้อมูล"),
        line_chart("t", [("Q1", None), ("Q2", None)], empty_text="ไม่มีข้อมูล"),
        line_chart("t", [], empty_text="ไม่มีข้อมูล"),
        stacked_bar("t", [("a", 0, "done")], empty_text="ไม่มีข้อมูล"),
        stacked_bar("t", [], empty_text="ไม่มีข้อมูล"),
    ],
)
def test_empty_data_says_so_in_the_callers_words(svg: str) -> None:
    root = parse(svg)
    assert_accessible(root, "t")
    assert texts(root) == ["ไม่มีข้อมูล"]


def test_bars_are_labelled_with_their_values_and_unit() -> None:
    root = parse(bar_chart("t", [("a", 45.5), ("b", 1234567), ("c", None)], unit="%"))
    shown = visible_texts(root)
    assert "45.5%" in shown
    assert "1,234,567%" in shown
    assert "–" in shown  # no value: a dash, no bar
    with_unit = parse(bar_chart("t", [("a", 3)], unit="บาท"))
    assert "3 บาท" in visible_texts(with_unit)


def test_all_zero_values_draw_zero_bars_with_labels() -> None:
    root = parse(bar_chart("t", [("a", 0), ("b", 0)]))
    assert visible_texts(root).count("0") == 2
    assert not [r for r in root.iter(f"{SVG}rect") if float(r.attrib["width"]) > 0]


def test_values_beyond_max_value_stop_at_the_edge_but_keep_their_number() -> None:
    root = parse(bar_chart("t", [("a", 50), ("b", 150)], max_value=100, width=640))
    widths = sorted(float(r.attrib["width"]) for r in root.iter(f"{SVG}rect"))
    assert widths[1] == pytest.approx(2 * widths[0], rel=0.01)
    assert "150" in visible_texts(root)
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.attrib["x"]) + float(rect.attrib["width"]) <= 640


def test_negative_bars_extend_left_of_zero() -> None:
    root = parse(bar_chart("t", [("a", -20), ("b", 40)]))
    rects = list(root.iter(f"{SVG}rect"))
    zero = float(next(root.iter(f"{SVG}line")).attrib["x1"])
    assert float(rects[0].attrib["x"]) + float(rects[0].attrib["width"]) == pytest.approx(
        zero, abs=0.2
    )
    assert float(rects[1].attrib["x"]) == pytest.approx(zero, abs=0.2)
    assert "-20" in visible_texts(root)


def test_long_labels_are_cut_and_keep_their_full_text_for_hover() -> None:
    long = "โครงการก่อสร้างถนนคอนกรีตเสริมเหล็กสายบ้านหนองบัวถึงบ้านโนนสูงหมู่ที่ 12"
    root = parse(bar_chart("t", [(long, 10)]))
    label = next(t for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None)
    assert label.find(f"{SVG}title").text == long  # type: ignore[union-attr]
    shown = visible_texts(root)[0]
    assert shown.endswith("…")
    assert long.startswith(shown[:-1])


def test_series_differ_by_texture_as_well_as_colour() -> None:
    root = parse(
        grouped_bar_chart("t", ["a"], [("แผน", [10]), ("จริง", [5]), ("สาม", [1])], unit="บาท")
    )
    patterns = [p.attrib["id"] for p in root.iter(f"{SVG}pattern")]
    assert len(patterns) == 2  # the first series is plain
    overlays = {r.attrib["fill"] for r in root.iter(f"{SVG}rect") if "url(" in r.attrib["fill"]}
    assert overlays == {f"url(#{p})" for p in patterns}
    assert {"แผน", "จริง", "สาม"} <= set(visible_texts(root))  # the legend
    assert "10 บาท" in visible_texts(root)


def test_grouped_bars_with_a_short_series() -> None:
    root = parse(grouped_bar_chart("t", ["a", "b"], [("s1", [1, 2]), ("s2", [3])]))
    assert visible_texts(root).count("–") == 1


def test_line_chart_gaps_target_baseline_and_negative_values() -> None:
    svg = line_chart(
        "PM2.5",
        [("Q1", 60), ("Q2", 55), ("Q3", None), ("Q4", 40), ("Q1/70", -5)],
        target=30,
        baseline=60,
        unit="วัน",
        target_text="เป้าหมาย",
        baseline_text="ค่าฐาน",
    )
    root = parse(svg)
    polylines = list(root.iter(f"{SVG}polyline"))
    assert len(polylines) == 2  # broken at the missing quarter
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    dashed = [ln for ln in root.iter(f"{SVG}line") if "stroke-dasharray" in ln.attrib]
    assert len(dashed) == 4  # target and baseline, each in the key and across the plot
    shown = visible_texts(root)
    assert "เป้าหมาย 30 วัน" in shown
    assert "ค่าฐาน 60 วัน" in shown
    assert "-5 วัน" in shown
    assert "-20" in shown  # the scale reaches below zero


def test_line_chart_with_many_points_labels_the_last_and_spaces_period_labels() -> None:
    points = [(f"ไตรมาส {i % 4 + 1}/{2560 + i // 4}", float(i)) for i in range(40)]
    root = parse(line_chart("t", points))
    bold = [t for t in root.iter(f"{SVG}text") if t.attrib.get("font-weight") == "bold"]
    assert [visible_texts_of(t) for t in bold] == ["39"]
    period_labels = [t for t in root.iter(f"{SVG}text") if t.attrib.get("fill") == "#5a6470"]
    assert 1 < len(period_labels) - 5 < 40  # ticks aside, some periods are skipped


def visible_texts_of(element: ET.Element) -> str:
    return (element.text or "") + "".join(child.tail or "" for child in element)


def test_line_chart_of_one_flat_value() -> None:
    root = parse(line_chart("t", [("Q1", 0.0)]))
    assert len(list(root.iter(f"{SVG}circle"))) == 1


def test_stacked_bar_lists_every_part_with_its_share_and_draws_only_non_zero() -> None:
    parts = [
        ("ยังไม่เริ่ม", 3, "not_started"),
        ("ตามแผน", 5, "on_track"),
        ("ยกเลิก", 0, "cancelled"),
        ("อื่น ๆ", 2, "my-class extra"),
    ]
    root = parse(stacked_bar("สถานะ", parts))
    shown = visible_texts(root)
    assert "ยังไม่เริ่ม: 3 (30%)" in shown
    assert "ยกเลิก: 0 (0%)" in shown
    segments = [r for r in root.iter(f"{SVG}rect") if r.attrib.get("class")]
    assert [s.attrib["class"] for s in segments] == ["not_started", "on_track", "my-class extra"]
    assert segments[0].attrib["fill"] == STATUS_COLOURS["not_started"]
    assert segments[2].attrib["fill"] in PALETTE


def test_stacked_bar_refuses_style_injection() -> None:
    svg = stacked_bar("t", [("a", 1, '" onclick="alert(1)'), ("b", 1, "url(javascript:x)")])
    root = parse(svg)
    assert "onclick" not in {k for e in root.iter() for k in e.attrib}
    assert "javascript" not in svg


def contrast(hex_colour: str, other: str = "#ffffff") -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(hex_colour), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("colour", [*PALETTE, *STATUS_COLOURS.values()])
def test_colours_carry_white_text_and_stand_out_on_white(colour: str) -> None:
    assert contrast(colour) >= 4.5


def test_text_is_at_least_14_units_at_any_width() -> None:
    for width in (320, 640, 1280):
        root = parse(bar_chart("t", [("a", 1)], width=width))
        assert float(root.attrib["font-size"]) >= max(14, width / 40 - 1)


def test_truncate_never_splits_a_letter_from_its_marks() -> None:
    text = "กี่ที่นี่ที่นั่น"
    for bases in range(1, 5):
        cut = truncate(text, (bases + 1) * 0.6 * 16, 16)
        assert cut.endswith("…")
        kept = cut[:-1]
        assert text.startswith(kept)
        assert text[len(kept)] not in "\u0e31\u0e34\u0e35\u0e48\u0e49"  # marks stay on
    assert text_width("กี่", 10) == text_width("ก", 10)  # marks take no room


def test_format_value_and_ticks() -> None:
    assert format_value(1234567) == "1,234,567"
    assert format_value(12.5) == "12.5"
    assert format_value(1 / 3) == "0.33"
    assert format_value(float("nan")) == "–"
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(-5, 60, 4) == [-20, 0, 20, 40, 60]
    assert nice_ticks(0.1, 0.37) == [0.1, 0.2, 0.3, 0.4]
    assert nice_ticks(3, 3) == [3, 3.2, 3.4, 3.6, 3.8, 4]
