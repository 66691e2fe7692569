import io
import zipfile
from collections.abc import Callable, Mapping
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from app.domain.monitoring import (
    MonitoringValueError,
    Period,
    check_in_period,
    parse_date,
    parse_money,
    parse_percent,
    parse_period,
    parse_status,
)
from app.domain.sheet_import import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    FieldSpec,
    RowError,
    Sheet,
    SheetError,
    guess_mapping,
    map_rows,
    number_text,
    parse_sheet_date,
    read_sheet,
)


def sheet_error(data: bytes, filename: str = "upload.csv") -> SheetError:
    with pytest.raises(SheetError) as caught:
        read_sheet(data, filename)
    return caught.value


def xlsx(build: Callable[[Workbook], None]) -> bytes:
    workbook = Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def patch_zip(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same XLSX with one part rewritten, for what openpyxl would not write."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename == name else content)
    return out.getvalue()


# --- CSV -------------------------------------------------------------------------------


def test_csv_utf8_with_bom_keeps_row_numbers_true_to_the_file() -> None:
    data = "\ufeffโครงการ,ร้อยละ\r\nถนน, 45 \r\n\r\n,\r\nไฟฟ้า,๕๐\r\n".encode()
    sheet = read_sheet(data, "รายงาน.csv")
    assert sheet.columns == ["โครงการ", "ร้อยละ"]
    assert sheet.rows == [["ถนน", "45"], ["ไฟฟ้า", "๕๐"]]  # Thai digits are left as they are
    assert sheet.row_numbers == [2, 5]
    assert sheet.header_row == 1


def test_csv_without_bom_semicolons_and_quoted_line_breaks() -> None:
    data = 'a;b\n1;"บรรทัดแรก\nบรรทัดสอง"\n2;x\n'.encode()
    sheet = read_sheet(data, "x.csv")
    assert sheet.rows == [["1", "บรรทัดแรก\nบรรทัดสอง"], ["2", "x"]]
    assert sheet.row_numbers == [2, 3]  # records, as a spreadsheet numbers them


def test_csv_cells_are_cleaned_of_controls_and_bidi_overrides() -> None:
    data = "a,b\nถนน\x07\u202eสาย,e\u0301\n".encode()  # (a NUL makes it "not a CSV")
    assert read_sheet(data, "x.csv").rows == [["ถนนสาย", "\u00e9"]]


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    data = "โครงการ\tงบประมาณ\nถนน\t1,500\n".encode("utf-16")
    assert data.startswith(b"\xff\xfe")
    sheet = read_sheet(data, "export.txt")
    assert sheet.columns == ["โครงการ", "งบประมาณ"]
    assert sheet.rows == [["ถนน", "1,500"]]


@pytest.mark.parametrize(
    "data",
    ["โครงการ,งบ\nถนน,1\n".encode("cp874"), b"a,b\n1,caf\xe9\n"],
)
def test_other_encodings_are_refused_with_advice(data: bytes) -> None:
    error = sheet_error(data)
    assert error.code == "not_utf8"
    assert "CSV UTF-8" in str(error)
    assert error.params["line"] >= 1


def test_ragged_rows_blank_headers_and_empty_columns() -> None:
    data = b"a,,b,,\n1,x,2\n3,,4,,\n5\n"
    sheet = read_sheet(data, "x.csv")
    assert sheet.columns == ["a", "(B)", "b"]  # a blank header over data is named by letter
    assert sheet.rows == [["1", "x", "2"], ["3", "", "4"], ["5", "", ""]]


def test_a_sheet_title_above_the_header_is_skipped() -> None:
    data = "แผนพัฒนาท้องถิ่น 2566-2570,,\n,,\nโครงการ,งบ,หน่วยงาน\nถนน,1,กองช่าง\n".encode()
    sheet = read_sheet(data, "x.csv")
    assert sheet.header_row == 3
    assert sheet.columns == ["โครงการ", "งบ", "หน่วยงาน"]
    assert sheet.row_numbers == [4]


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        (b"", "empty", {}),
        (b" \r\n\r\n", "empty", {}),
        (b",,\n,,\n", "empty", {}),
        (b"a,b\n", "no_rows", {}),
        (b"2566,2567\n1,2\n", "no_header", {}),
        ("ชื่อ,งบ, ชื่อ \n1,2,3\n".encode(), "duplicate_column", {"column": "ชื่อ"}),
    ],
)
def test_sheets_that_cannot_be_used(data: bytes, code: str, params: dict[str, object]) -> None:
    error = sheet_error(data)
    assert (error.code, error.params) == (code, params)


def test_limits() -> None:
    assert sheet_error(b"a" * (MAX_BYTES + 1)).params == {"max_mb": 5}
    many_rows = "a,b\n" + "1,2\n" * (MAX_ROWS + 1)
    assert sheet_error(many_rows.encode()).code == "too_many_rows"
    read_sheet(("a,b\n" + "1,2\n" * MAX_ROWS).encode(), "x.csv")
    wide = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n" + "1\n"
    assert sheet_error(wide.encode()).code == "too_many_columns"


def test_a_damaged_csv_names_the_row() -> None:
    data = b"a,b\n1,2\n" + b'3,"' + b"x" * 200_000 + b'"\n'
    error = sheet_error(data)
    assert (error.code, error.params) == ("bad_csv", {"row": 3})


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "plan.csv", "unsupported"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "plan.xls", "unsupported"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "plan.csv", "unsupported"),
        (b"\x00\x01\x02binary", "plan.xlsx", "bad_xlsx"),
        (b"PK\x03\x04 not really a zip", "plan.xlsx", "bad_xlsx"),
    ],
)
def test_files_that_are_not_spreadsheets(data: bytes, filename: str, code: str) -> None:
    assert sheet_error(data, filename).code == code


def test_a_zip_that_is_not_a_workbook_is_unsupported() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert sheet_error(out.getvalue(), "plan.xlsx").code == "unsupported"


def test_a_csv_named_xlsx_is_read_by_its_content() -> None:
    assert read_sheet(b"a,b\n1,2\n", "plan.xlsx").rows == [["1", "2"]]


# --- XLSX ------------------------------------------------------------------------------


def planners_workbook(workbook: Workbook) -> None:
    ws = workbook.active
    ws.title = "ติดตามผล"
    ws.append(["แผนพัฒนาท้องถิ่น (พ.ศ. 2566-2570)"])
    ws.merge_cells("A1:F1")  # a title merged across the table
    ws.append(["ลำดับ", "โครงการ", "หน่วยงาน", "งบประมาณ", "ร้อยละ", "วันที่รายงาน"])
    ws.append([1, "ถนนคอนกรีต", "กองช่าง", 1_500_000, 0.45, date(2026, 1, 31)])
    ws.append([2, "ไฟฟ้าส่องสว่าง", None, "๑,๒๐๐,๐๐๐", 0.5, datetime(2026, 2, 1, 10, 30)])
    ws.append([])
    ws.append([3, "รางระบายน้ำ", None, 2.5, 12.25, "๓๑/๐๑/๒๕๖๙"])
    ws.merge_cells("C3:C6")  # one agency for three items, merged down over the empty row
    for row in (3, 4):
        ws.cell(row, 5).number_format = "0%"
    ws["A7"] = "=SUM(A3:A6)"  # a formula, never calculated by openpyxl


def test_xlsx_merged_cells_thai_digits_dates_percentages_and_empty_rows() -> None:
    sheet = read_sheet(xlsx(planners_workbook), "plan.xlsx")
    assert sheet.sheet_name == "ติดตามผล"
    assert sheet.header_row == 2
    assert sheet.columns == ["ลำดับ", "โครงการ", "หน่วยงาน", "งบประมาณ", "ร้อยละ", "วันที่รายงาน"]
    assert sheet.rows == [
        ["1", "ถนนคอนกรีต", "กองช่าง", "1500000", "45%", "2026-01-31"],
        ["2", "ไฟฟ้าส่องสว่าง", "กองช่าง", "๑,๒๐๐,๐๐๐", "50%", "2026-02-01"],
        ["3", "รางระบายน้ำ", "กองช่าง", "2.5", "12.25", "๓๑/๐๑/๒๕๖๙"],
    ]
    assert sheet.row_numbers == [3, 4, 6]  # the empty row 5 is skipped, numbers stay true
    # Row 7 holds only a formula without a saved value: it reads as empty.


def test_xlsx_formulas_give_the_value_excel_saved() -> None:
    def build(workbook: Workbook) -> None:
        workbook.active.append(["a", "b"])
        workbook.active.append([21, "=A2*2"])

    data = xlsx(build)
    cached = patch_zip(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<f>A2*2</f><v />", b"<f>A2*2</f><v>42</v>"),
    )
    assert read_sheet(cached, "x.xlsx").rows == [["21", "42"]]
    assert read_sheet(data, "x.xlsx").rows == [["21", ""]]


def test_xlsx_rows_beyond_a_wrong_declared_size_are_still_read() -> None:
    def build(workbook: Workbook) -> None:
        for i in range(5):
            workbook.active.append([f"h{i}" if i == 0 else str(i), "x"])

    data = patch_zip(
        xlsx(build),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<dimension ref="A1:B5" />', b'<dimension ref="A1:B2" />'),
    )
    assert len(read_sheet(data, "x.xlsx").rows) == 4


def test_openpyxls_notices_about_excel_extensions_do_not_stop_the_reading() -> None:
    # Excel writes drop-down lists (data validation) as an extension openpyxl drops with
    # a UserWarning; the tests turn warnings into errors, as a strict server would.
    extension = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="0"/></ext></extLst></worksheet>'
    )
    data = patch_zip(
        xlsx(lambda wb: [wb.active.append(r) for r in (["a", "b"], [1, 2])]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</worksheet>", extension),
    )
    assert read_sheet(data, "x.xlsx").rows == [["1", "2"]]


def test_xlsx_reads_the_first_worksheet_with_values() -> None:
    def build(workbook: Workbook) -> None:
        workbook.active.title = "ว่าง"
        second = workbook.create_sheet("ข้อมูล")
        second.append(["a", "b"])
        second.append([1, 2])

    sheet = read_sheet(xlsx(build), "x.xlsx")
    assert (sheet.sheet_name, sheet.rows) == ("ข้อมูล", [["1", "2"]])


def test_an_empty_workbook_is_empty() -> None:
    assert sheet_error(xlsx(lambda wb: None), "x.xlsx").code == "empty"


def test_xlsx_zip_bomb_is_refused_before_parsing() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (51 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 200_000
    error = sheet_error(data, "x.xlsx")
    assert (error.code, error.params) == ("too_large", {"max_mb": 5})


def test_a_damaged_xlsx_is_bad_xlsx() -> None:
    data = patch_zip(xlsx(planners_workbook), "xl/workbook.xml", lambda xml: xml[:50])
    assert sheet_error(data, "x.xlsx").code == "bad_xlsx"


def test_xlsx_merged_ranges_beyond_the_data_are_clipped() -> None:
    def build(workbook: Workbook) -> None:
        workbook.active.append(["a", "b"])
        workbook.active.append(["x", 1])

    # Written into the XML: openpyxl would make 2.6 million cells to merge this range.
    merge = b'</sheetData><mergeCells count="1"><mergeCell ref="A2:Z100000"/></mergeCells>'
    data = patch_zip(
        xlsx(build), "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", merge)
    )
    sheet = read_sheet(data, "x.xlsx")
    assert sheet.rows == [["x", "x"]]  # filled across the used columns, no more rows


def test_xlsx_with_a_flood_of_merged_ranges_is_too_large() -> None:
    def build(workbook: Workbook) -> None:
        workbook.active.append(["a", "b"])
        workbook.active.append(["x", 1])
        workbook.active["A20000"] = "y"

    many = b"".join(b'<mergeCell ref="A2:A19999"/>' for _ in range(20_001))
    merges = b"</sheetData><mergeCells>" + many + b"</mergeCells>"
    data = patch_zip(
        xlsx(build), "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", merges)
    )
    assert sheet_error(data, "x.xlsx").code == "too_large"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"),
        (0.1 + 0.2, "0.3"),
        (1.2345678901e10, "12345678901"),
        (1e20, "100000000000000000000"),
        (2.5e-7, "0.00000025"),
        (-3, "-3"),
    ],
)
def test_number_text(value: float, text: str) -> None:
    assert number_text(value) == text


# --- mapping ---------------------------------------------------------------------------

ALIASES: Mapping[str, list[str]] = {
    "item": ["โครงการ", "ชื่อโครงการ", "project"],
    "period": ["ไตรมาส", "งวด", "quarter"],
    "status": ["สถานะ"],
    "percent": ["ร้อยละ", "ความก้าวหน้า", "% complete"],
    "budget_planned": ["งบประมาณ", "budget"],
    "budget_spent": ["งบประมาณที่ใช้ไป", "เบิกจ่าย", "spent"],
    "reported_on": ["วันที่รายงาน", "date"],
}
FIELDS = list(ALIASES)


def test_guess_mapping_by_names_and_aliases() -> None:
    columns = [
        "ลำดับ",
        " ชื่อ โครงการ ",
        "Quarter",
        "งบประมาณที่ใช้ไป (บาท)",
        "งบประมาณ (บาท)",
        "ความก้าวหน้า (%)",
        "หมายเหตุ",
    ]
    assert guess_mapping(columns, FIELDS, ALIASES) == {
        "item": " ชื่อ โครงการ ",
        "period": "Quarter",
        "status": None,
        "percent": "ความก้าวหน้า (%)",
        "budget_planned": "งบประมาณ (บาท)",
        "budget_spent": "งบประมาณที่ใช้ไป (บาท)",
        "reported_on": None,
    }


def test_guess_mapping_uses_each_column_once() -> None:
    mapping = guess_mapping(["status", "budget"], ["status", "budget", "budget_planned"], {})
    assert mapping == {"status": "status", "budget": "budget", "budget_planned": None}


SPECS = [
    FieldSpec("item", True, str),
    FieldSpec("period", True, parse_period),
    FieldSpec("status", True, parse_status),
    FieldSpec("percent", False, parse_percent),
    FieldSpec("budget_spent", False, parse_money),
    FieldSpec("reported_on", False, parse_sheet_date),
]
MAPPING = {
    "item": "โครงการ",
    "period": "ไตรมาส",
    "status": "สถานะ",
    "percent": "ร้อยละ",
    "budget_spent": "เบิกจ่าย",
    "reported_on": "วันที่",
}
SHEET = Sheet(
    columns=["โครงการ", "ไตรมาส", "สถานะ", "ร้อยละ", "เบิกจ่าย", "วันที่"],
    rows=[
        ["ถนน", "ไตรมาส ๑/๒๕๖๙", "ตามแผน", "45%", "1,500", "15/11/2568"],
        ["ไฟ", "Q5/2569", "กำลังทำ", "120", "12 กม.", "31/02/2569"],
        ["", "2569-Q1", "", "", "", ""],
        ["ขยะ", "2569-Q2", "done", "", "-5", "46053"],
    ],
    row_numbers=[2, 3, 5, 6],
)


def test_map_rows_reports_every_bad_cell_of_every_row() -> None:
    mapped = map_rows(SHEET, MAPPING, SPECS)
    assert not mapped.ok
    assert mapped.row_numbers == [2, 3, 5, 6]
    assert mapped.values[0] == {
        "item": "ถนน",
        "period": Period(2569, 1),
        "status": parse_status("on_track"),
        "percent": 45.0,
        "budget_spent": 1500,
        "reported_on": date(2025, 11, 15),
    }
    found = [(e.row_number, e.field, e.code) for e in mapped.errors]
    assert found == [
        (3, "period", "bad_period"),
        (3, "status", "bad_status"),
        (3, "percent", "percent_range"),
        (3, "budget_spent", "not_a_number"),
        (3, "reported_on", "bad_date"),
        (5, "item", "required"),
        (5, "status", "required"),
        (6, "budget_spent", "negative"),
    ]
    bad_unit = mapped.errors[3]
    assert bad_unit == RowError(3, "budget_spent", "not_a_number", {"value": "12 กม."}, "12 กม.")
    assert mapped.values[3]["reported_on"] == date(2026, 1, 31)  # a spreadsheet serial
    assert mapped.values[1]["period"] is None  # bad cells are None in the preview


def test_a_clean_sheet_maps_without_errors() -> None:
    mapped = map_rows(Sheet(SHEET.columns, [SHEET.rows[0]], [2]), MAPPING, SPECS)
    assert mapped.ok
    assert mapped.errors == []


def test_unmapped_optional_fields_are_none_and_required_ones_refused() -> None:
    mapping = {**MAPPING, "percent": None}
    del mapping["budget_spent"]
    mapped = map_rows(Sheet(SHEET.columns, [SHEET.rows[0]], [2]), mapping, SPECS)
    assert mapped.values[0]["percent"] is None
    assert mapped.values[0]["budget_spent"] is None
    with pytest.raises(SheetError) as caught:
        map_rows(SHEET, {**MAPPING, "status": None}, SPECS)
    assert (caught.value.code, caught.value.params) == ("missing_field", {"field": "status"})
    with pytest.raises(SheetError) as caught:
        map_rows(SHEET, {**MAPPING, "status": "ไม่มี"}, SPECS)
    assert (caught.value.code, caught.value.params) == ("unknown_column", {"column": "ไม่มี"})


def test_row_checks_and_duplicate_rows() -> None:
    sheet = Sheet(
        ["item", "period", "date"],
        [
            ["ถนน", "2569-Q1", "2025-11-01"],
            ["ถนน", "2569-Q2", "2025-11-01"],
            ["ไฟ", "2569-Q1", "2025-12-01"],
            ["ถนน", "Q1/2569", "2025-12-01"],
        ],
        [2, 3, 4, 5],
    )
    specs = [
        FieldSpec("item", True, str),
        FieldSpec("period", True, parse_period),
        FieldSpec("date", True, parse_date),
    ]

    def in_period(row: Mapping[str, object]) -> list[tuple[str, ValueError]]:
        period, day = row["period"], row["date"]
        assert isinstance(period, Period)
        assert isinstance(day, date)
        try:
            check_in_period(day, period)
        except MonitoringValueError as error:
            return [("date", error)]
        return []

    mapped = map_rows(
        sheet,
        {"item": "item", "period": "period", "date": "date"},
        specs,
        row_check=in_period,
        unique=("item", "period"),
    )
    assert [(e.row_number, e.field, e.code, e.params.get("row")) for e in mapped.errors] == [
        (3, "date", "date_outside_period", None),
        (5, "item", "duplicate_row", 2),
    ]
    assert mapped.errors[0].value == "2025-11-01"


def test_any_value_error_from_a_parser_becomes_a_row_error() -> None:
    mapped = map_rows(Sheet(["n"], [["x"]], [2]), {"n": "n"}, [FieldSpec("n", True, int)])
    assert [(e.code, e.params) for e in mapped.errors] == [("invalid", {})]


def test_parse_sheet_date() -> None:
    assert parse_sheet_date("46053") == date(2026, 1, 31)
    assert parse_sheet_date("๔๖๐๕๓") == date(2026, 1, 31)
    assert parse_sheet_date("31/01/2569") == date(2026, 1, 31)
    for text in ("2569", "99999", "460530"):
        with pytest.raises(MonitoringValueError):
            parse_sheet_date(text)
