"""The XLSX writer of the plan's exports, read back with openpyxl (as a planner's
spreadsheet program would open it)."""

import io
import zipfile

from openpyxl import load_workbook

from app.domain.plan_documents import Sheet, workbook


def test_workbook_keeps_values_and_types_with_a_bold_frozen_header() -> None:
    rows = [
        [1, 2.5, 'ทางเท้า <ริมบึง> & "ซอย 5"', True],
        [None, -0.1, "  ช่องว่างหน้าหลัง  ", False],
        [10**15, None, None, None],
    ]
    book = load_workbook(
        io.BytesIO(workbook([Sheet("ข้อเสนอ", ["id", "score", "title", "done"], rows, (8, 40))]))
    )
    (sheet,) = book.worksheets
    assert sheet.title == "ข้อเสนอ"
    assert [[c.value for c in r] for r in sheet.iter_rows(min_row=2)] == rows
    assert [c.value for c in sheet[1]] == ["id", "score", "title", "done"]
    assert all(c.font.b for c in sheet[1])
    assert not sheet["C2"].font.b
    assert sheet.freeze_panes == "A2"
    assert 40 <= sheet.column_dimensions["B"].width < 41  # in characters, plus the cell padding


def test_text_is_never_a_formula_and_characters_xml_cannot_hold_are_dropped() -> None:
    rows = [['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "ok\x01\x0b ไทย\t"]]
    sheet = load_workbook(io.BytesIO(workbook([Sheet("s", ["a", "b", "c", "d"], rows)]))).active
    cells = next(iter(sheet.iter_rows(min_row=2)))  # type: ignore[union-attr]
    assert [c.data_type for c in cells] == ["s"] * 4
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "ok ไทย\t"]


def test_sheet_titles_follow_excels_rules_and_wide_rows_get_their_columns() -> None:
    wide = [list(range(30))]
    data = workbook(
        [
            Sheet("Vote 1: [ถนน]/ทางเท้า? " + "ก" * 40, [f"c{i}" for i in range(30)], wide),
            Sheet("Vote 1: [ถนน]/ทางเท้า? " + "ก" * 40, ["x"], iter([])),
        ]
    )
    book = load_workbook(io.BytesIO(data))
    first, second = book.sheetnames
    assert len(first) <= 31
    assert not set(first) & set("[]:*?/\\")
    assert second.endswith(" (2)")
    assert len(second) <= 31
    assert book.worksheets[0]["AD2"].value == 29
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_sheet_titles_that_excel_would_refuse_are_made_acceptable() -> None:
    """Round questions become sheet titles: emoji count twice in Excel's 31, an apostrophe may
    not end a title, "History" is Excel's own; the workbook is still written."""
    titles = [
        "Vote 3 ร่วมคิด 🏫 โรงเรียนใหม่ของเมืองเรา 🏫🏫",
        "Vote 3 " + "a" * 23 + "'b",
        "'quoted'",
        "History",
        "\x01\x02",
    ]
    data = workbook([Sheet(title, ["x"], [[1]]) for title in titles])
    names = load_workbook(io.BytesIO(data)).sheetnames
    assert len(names) == len(titles)
    for name in names:
        assert len(name.encode("utf-16-le")) // 2 <= 31
        assert not name.startswith("'")
        assert not name.endswith("'")
        assert name.lower() != "history"
