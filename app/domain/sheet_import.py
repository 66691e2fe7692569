"""Spreadsheets planners already keep, in: CSV or XLSX to a grid of text, then to checked rows.

Two steps, so the upload page can show a preview and every problem before anything is
saved: read_sheet turns the file into a Sheet (cell text, row numbers as the file shows
them), and map_rows parses each mapped cell with a FieldSpec, collecting an error for
every bad cell of every row rather than stopping at the first. Saving is the caller's,
and only when there is no error at all.

What a file is is decided by its content, never its name. Reading is bounded: the file
size, the unpacked size of an XLSX (against zip bombs), rows, columns and cells.

XLSX: the first worksheet with a value is read, streaming (as openpyxl's read-only mode)
with the values Excel last calculated (a file written by a program that never calculated
its formulas has empty formula cells). Merged cells are filled: the value of a merged
range goes into every cell of the range, so an agency merged over three rows gives each
of the three rows the agency. A row with no value of its own (only filled from a merge)
is still skipped as empty.
"""

import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from openpyxl import load_workbook
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser

from app.domain.errors import CodedError
from app.domain.monitoring import MonitoringValueError, parse_date, thai_digits_to_ascii
from app.domain.text import clean_text

MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # an honest 5 MB XLSX unpacks to 40 MB at most
MAX_ZIP_ENTRIES = 2_000
MAX_ROWS = 10_000  # rows with a value; a plan has hundreds of items
MAX_COLUMNS = 200
MAX_CELLS = 500_000  # cells read from an XLSX, about five seconds of openpyxl
MAX_SHEET_ROWS = 100_000  # row elements in the XML, with a value or not
MAX_MERGED_RANGES = 20_000  # real sheets have hundreds
MAX_TITLE_ROWS = 5  # rows with one value above the header (a sheet title) are skipped
EXCEL_EPOCH = date(1899, 12, 30)
_BINARY_MAGIC = (
    b"\xd0\xcf\x11\xe0",  # old Excel .xls, Word .doc
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
    b"Rar!",
)
_DELIMITERS = (",", "\t", ";")


class SheetError(CodedError):
    """A file, or a mapping, that cannot be read at all; code and params for a translated
    message, str() in English.

    Codes (params): too_large (max_mb), empty, not_utf8 (line), bad_xlsx, unsupported,
    bad_csv (row), no_header, no_rows, duplicate_column (column), too_many_rows (max_rows),
    too_many_columns (max_columns); from map_rows: missing_field (field),
    unknown_column (column).
    """

    messages: ClassVar[Mapping[str, str]] = {
        "too_large": "the file is too large: at most {max_mb} MB",
        "empty": "the file is empty",
        "not_utf8": "the text is not UTF-8 (line {line}): save the sheet as 'CSV UTF-8' or XLSX",
        "bad_xlsx": "the XLSX file is damaged or not a real XLSX: open it and save it again",
        "unsupported": "this is not a CSV or XLSX file: save the sheet as 'CSV UTF-8' or XLSX",
        "bad_csv": "the CSV cannot be read at row {row}",
        "no_header": "the first row must name the columns, but it holds only numbers",
        "no_rows": "the sheet has a header but no rows",
        "duplicate_column": "two columns are called {column!r}: give each column its own name",
        "too_many_rows": "the sheet has more than {max_rows} rows",
        "too_many_columns": "the sheet has more than {max_columns} columns",
        "missing_field": "no column is chosen for {field!r}",
        "unknown_column": "the sheet has no column {column!r}",
    }


@dataclass(frozen=True)
class Sheet:
    columns: list[str]  # header names, trimmed; a blank header over data is "(C)"
    rows: list[list[str]]  # cell text, trimmed, one list per non-empty row, len(columns) long
    row_numbers: list[int]  # each row's number as the file shows it (1-based)
    header_row: int = 1  # the header's row number: sheet title rows above it are skipped
    sheet_name: str = ""  # the worksheet read, for an XLSX


# --- reading ---------------------------------------------------------------------------


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The sheet in an upload of CSV (UTF-8 with or without BOM, or UTF-16 with BOM as
    Excel's "Unicode Text"; comma, tab or semicolon separated) or XLSX.

    The filename only words the refusal of a binary file: a damaged "x.xlsx" is bad_xlsx,
    anything else unsupported. Raises SheetError.
    """
    if len(data) > MAX_BYTES:
        raise SheetError("too_large", {"max_mb": MAX_BYTES // (1024 * 1024)})
    if not data.strip():
        raise SheetError("empty")
    sheet_name = ""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        sheet_name, grid = _read_xlsx(data)
    elif _is_binary(data):
        if filename.lower().endswith((".xlsx", ".xlsm")):
            raise SheetError("bad_xlsx")
        raise SheetError("unsupported")
    else:
        grid = _read_csv(_decode(data))
    return _to_sheet(grid, sheet_name)


def _is_binary(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text
    return data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SheetError("not_utf8", {"line": 1}) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SheetError("not_utf8", {"line": line}) from exc


def _read_csv(text: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) of the rows with a value. Row numbers count records, as a
    spreadsheet shows them, so a quoted line break does not shift them."""
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if any(cell.strip() for cell in record):
                if len(grid) >= MAX_ROWS + MAX_TITLE_ROWS + 1:
                    raise SheetError("too_many_rows", {"max_rows": MAX_ROWS})
                grid.append((number, record))
    except csv.Error as exc:
        raise SheetError("bad_csv", {"row": number + 1}) from exc
    return grid


def _delimiter(text: str) -> str:
    """The separator that splits most of the first rows into the same number of columns
    (two or more), then the one giving the widest row; commas on a tie."""
    head = "\n".join(line for line in text.splitlines()[:50] if line.strip())

    def score(delimiter: str) -> tuple[int, int]:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(head), delimiter=delimiter)][:20]
        except csv.Error:
            return (0, 0)
        wide = [w for w in widths if w >= 2]
        return (max((wide.count(w) for w in wide), default=0), max(widths, default=0))

    return max(_DELIMITERS, key=score)


def _read_xlsx(data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SheetError("bad_xlsx") from exc
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SheetError("unsupported")  # a Word file, an OpenDocument sheet, a plain zip
    # The sizes in the zip directory are what zipfile will unpack at most, so they bound
    # what openpyxl can be made to read.
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNCOMPRESSED:
        raise SheetError("too_large", {"max_mb": MAX_BYTES // (1024 * 1024)})
    try:
        with _quiet_openpyxl():
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged file fails in many ways inside openpyxl
        raise SheetError("bad_xlsx") from exc
    try:
        for worksheet in workbook.worksheets:
            grid = _worksheet_rows(workbook, worksheet)
            if grid:
                return worksheet.title, sorted(grid.items())
    except SheetError:
        raise
    except Exception as exc:
        raise SheetError("bad_xlsx") from exc
    finally:
        workbook.close()
    return "", []


@contextmanager
def _quiet_openpyxl() -> Iterator[None]:
    """Silences openpyxl's notices about what it drops when reading ("Data Validation
    extension is not supported", "Workbook contains no default style"): Excel files with
    drop-down lists have them, and reading values loses nothing. Only openpyxl's
    UserWarnings; the filter list is process-wide, so at worst another thread misses one
    such notice."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
        yield


def _worksheet_rows(workbook: Any, worksheet: Any) -> dict[int, list[str]]:
    """{row number: cell texts} of the rows with a value, merged ranges filled in.

    Reads the worksheet XML with openpyxl's streaming parser, the one behind its read-only
    mode, because that mode's rows are padded to the widest row and do not include merged
    ranges: here a row costs what it holds, and the merged ranges (after the cells in the
    XML) come from the same pass. This uses openpyxl internals, pinned with it and
    covered by the tests (merged cells, percentages, dates).
    """
    grid: dict[int, list[str]] = {}
    cells = rows = 0
    with worksheet._get_source() as source, _quiet_openpyxl():
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, row in parser.parse():
            rows += 1
            cells += len(row)
            if cells > MAX_CELLS or rows > MAX_SHEET_ROWS:
                raise SheetError("too_large", {"max_mb": MAX_BYTES // (1024 * 1024)})
            texts: dict[int, str] = {}
            for cell in row:
                if cell["value"] is None:
                    continue  # formatting only
                text = _cell_text(ReadOnlyCell(worksheet, **cell))
                if text:
                    if cell["column"] > MAX_COLUMNS:
                        raise SheetError("too_many_columns", {"max_columns": MAX_COLUMNS})
                    texts[cell["column"]] = text
            if texts:
                if len(grid) >= MAX_ROWS + MAX_TITLE_ROWS + 1:
                    raise SheetError("too_many_rows", {"max_rows": MAX_ROWS})
                line = [""] * max(texts)
                for column, text in texts.items():
                    line[column - 1] = text
                grid[number] = line
        merged = parser.merged_cells.mergeCell if parser.merged_cells else []
    if len(merged) > MAX_MERGED_RANGES:
        raise SheetError("too_large", {"max_mb": MAX_BYTES // (1024 * 1024)})
    ranges = []
    for merge in merged:
        c1, r1, c2, r2 = range_boundaries(merge.ref)
        ranges.append((r1, c1, r2, c2))
    _fill_merged(grid, ranges)
    return grid


def _cell_text(cell: Any) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and "%" in (getattr(cell, "number_format", "") or ""):
        return number_text(value * 100) + "%"  # Excel keeps 45% as 0.45
    return value_text(value)


def value_text(value: object) -> str:
    """A cell value as text: whole numbers without ".0", no exponents, days as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def number_text(value: int | float) -> str:
    """12 not 12.0, 0.3 not 0.30000000000000004, 12345678901 not 1.2345678901e+10: 15
    significant digits, as Excel shows."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        text = format(Decimal(text), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text


def _tidy(text: str) -> str:
    """A header name trimmed, with line breaks inside it (Alt+Enter) as spaces."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _fill_merged(grid: dict[int, list[str]], ranges: Iterable[tuple[int, int, int, int]]) -> None:
    """The value of each merged range into every cell of it, in rows that have a value of
    their own; within the sheet's used rows and columns."""
    if not grid:
        return
    numbers = sorted(grid)
    last_column = max(len(row) for row in grid.values())
    filled = 0
    for r1, c1, r2, c2 in ranges:
        top = grid.get(r1)
        value = top[c1 - 1] if top is not None and c1 - 1 < len(top) else ""
        if not value:
            continue
        c2 = min(c2, last_column)
        for r in numbers[bisect_left(numbers, r1) : bisect_right(numbers, r2)]:
            row = grid[r]
            filled += c2 - c1 + 1
            if filled > MAX_CELLS:
                raise SheetError("too_large", {"max_mb": MAX_BYTES // (1024 * 1024)})
            if len(row) < c2:
                row.extend([""] * (c2 - len(row)))
            row[c1 - 1 : c2] = [value] * (c2 - c1 + 1)


# --- from a grid to a sheet ------------------------------------------------------------

_NUMBERISH = re.compile(r"[\d\s.,:/%+\-]+")


def _distinct(cells: Sequence[str]) -> int:
    return len({c for c in cells if c})


def _to_sheet(grid: list[tuple[int, list[str]]], sheet_name: str) -> Sheet:
    grid = [(n, [clean_text(c).strip() for c in cells]) for n, cells in grid]
    grid = [(n, cells) for n, cells in grid if any(cells)]
    if not grid:
        raise SheetError("empty")
    # Sheet titles above the header ("แผนพัฒนาท้องถิ่น 2566-2570", often merged across):
    # leading rows with a single value, when the table below is at least three wide.
    start = 0
    if max(_distinct(cells) for _, cells in grid[:20]) >= 3:
        while start < min(MAX_TITLE_ROWS, len(grid) - 1) and _distinct(grid[start][1]) == 1:
            start += 1
    header_row, header = grid[start][0], [_tidy(c) for c in grid[start][1]]
    body = grid[start + 1 :]
    if len(body) > MAX_ROWS:
        raise SheetError("too_many_rows", {"max_rows": MAX_ROWS})
    width = max(len(cells) for _, cells in grid[start:])
    if width > MAX_COLUMNS:
        raise SheetError("too_many_columns", {"max_columns": MAX_COLUMNS})
    header = header + [""] * (width - len(header))
    names = [c for c in header if c]
    if names and all(_NUMBERISH.fullmatch(thai_digits_to_ascii(c)) for c in names):
        raise SheetError("no_header")
    keep: list[int] = []
    columns: list[str] = []
    seen: dict[str, str] = {}
    for index, name in enumerate(header):
        has_data = any(index < len(cells) and cells[index] for _, cells in body)
        if not name:
            if not has_data:
                continue  # an empty column, often just formatting
            name = f"({get_column_letter(index + 1)})"
        folded = _same_name(name)
        if folded in seen:
            raise SheetError("duplicate_column", {"column": name})
        seen[folded] = name
        keep.append(index)
        columns.append(name)
    rows = [[cells[i] if i < len(cells) else "" for i in keep] for _, cells in body]
    numbers = [n for n, _ in body]
    if not rows or not any(any(r) for r in rows):
        raise SheetError("no_rows")
    return Sheet(columns, rows, numbers, header_row=header_row, sheet_name=clean_text(sheet_name))


def _same_name(text: str) -> str:
    """Column names that people would take for the same: case and spaces aside."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _fold(text: str) -> str:
    """Names compared as people see them: case, spaces and punctuation aside; NFKC splits
    Thai sara am, which is put back."""
    text = unicodedata.normalize("NFKC", text).replace("\u0e4d\u0e32", "\u0e33").casefold()
    return re.sub(r"[\s_\-.:*()\[\]/]+", "", text)


# --- mapping columns to fields ---------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    required: bool
    # text -> value; raises MonitoringValueError (or any ValueError with code and params)
    parse: Callable[[str], object]


@dataclass(frozen=True)
class RowError:
    row_number: int  # as the file shows it
    field: str
    code: str  # "required", "duplicate_row" (params row) or the parser's code
    params: dict[str, Any]
    value: str  # the cell text as read


@dataclass(frozen=True)
class Mapped:
    values: list[dict[str, object]]  # one per sheet row; a bad or empty cell is None
    errors: list[RowError]  # every problem, by row, then by field order
    row_numbers: list[int]

    @property
    def ok(self) -> bool:
        return not self.errors


def guess_mapping(
    columns: Sequence[str], fields: Sequence[str], aliases: Mapping[str, Sequence[str]]
) -> dict[str, str | None]:
    """A first guess of the column for each field, for the mapping form to preselect.

    A column whose name equals the field or one of its aliases (case, spaces and
    punctuation aside) comes first; then a column whose name contains an alias
    ("งบประมาณที่ใช้ไป (บาท)" for "งบประมาณที่ใช้ไป"), longest alias first, so "budget
    spent" is not taken for "budget". Each column goes to one field at most.
    """
    names = {field: [field, *aliases.get(field, ())] for field in fields}
    folded = [(_fold(c), c) for c in columns]
    mapping: dict[str, str | None] = dict.fromkeys(fields)
    used: set[str] = set()
    for field in fields:
        wanted = {_fold(n) for n in names[field] if _fold(n)}
        for key, column in folded:
            if column not in used and key in wanted:
                mapping[field] = column
                used.add(column)
                break
    candidates = sorted(
        (
            (len(_fold(alias)), fi, ci)
            for fi, field in enumerate(fields)
            for alias in names[field]
            for ci, (key, _) in enumerate(folded)
            if _fold(alias) and _fold(alias) in key
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    for _, fi, ci in candidates:
        field, column = fields[fi], folded[ci][1]
        if mapping[field] is None and column not in used:
            mapping[field] = column
            used.add(column)
    return mapping


RowCheck = Callable[[Mapping[str, object]], Iterable[tuple[str, ValueError]]]


def map_rows(
    sheet: Sheet,
    mapping: Mapping[str, str | None],
    fields: Sequence[FieldSpec],
    *,
    row_check: RowCheck | None = None,
    unique: Sequence[str] = (),
) -> Mapped:
    """Every row parsed field by field, with an error for every bad cell.

    An empty cell is None, or "required" for a required field. row_check sees a row whose
    cells all parsed and yields (field, error) for problems between fields (a date
    outside the report's period: monitoring.check_in_period). `unique` names fields whose
    values together may appear on one row only (item and period): a repeat is
    "duplicate_row" with the first row's number. Raises SheetError("missing_field") when
    a required field has no column, ("unknown_column") for a column the sheet lacks.
    """
    positions: dict[str, int | None] = {}
    for spec in fields:
        column = mapping.get(spec.name)
        if column is None:
            if spec.required:
                raise SheetError("missing_field", {"field": spec.name})
            positions[spec.name] = None
        elif column not in sheet.columns:
            raise SheetError("unknown_column", {"column": column})
        else:
            positions[spec.name] = sheet.columns.index(column)
    values: list[dict[str, object]] = []
    errors: list[RowError] = []
    seen: dict[tuple[object, ...], int] = {}
    for number, cells in zip(sheet.row_numbers, sheet.rows, strict=True):
        row: dict[str, object] = {}
        texts: dict[str, str] = {}
        row_errors: list[RowError] = []
        for spec in fields:
            position = positions[spec.name]
            text = cells[position].strip() if position is not None else ""
            texts[spec.name] = text
            row[spec.name] = None
            if not text:
                if spec.required:
                    row_errors.append(RowError(number, spec.name, "required", {}, text))
                continue
            try:
                row[spec.name] = spec.parse(text)
            except ValueError as exc:
                row_errors.append(_row_error(number, spec.name, exc, text))
        if not row_errors and row_check is not None:
            for name, problem in row_check(row):
                row_errors.append(_row_error(number, name, problem, texts.get(name, "")))
                row[name] = None
        if unique and not row_errors:
            key = tuple(row.get(name) for name in unique)
            if all(part is not None for part in key):
                if key in seen:
                    first = unique[0]
                    row_errors.append(
                        RowError(number, first, "duplicate_row", {"row": seen[key]}, texts[first])
                    )
                else:
                    seen[key] = number
        order = {spec.name: i for i, spec in enumerate(fields)}
        errors.extend(sorted(row_errors, key=lambda e: order.get(e.field, len(order))))
        values.append(row)
    return Mapped(values, errors, list(sheet.row_numbers))


def _row_error(number: int, name: str, exc: ValueError, text: str) -> RowError:
    code = getattr(exc, "code", None) or "invalid"
    params = dict(getattr(exc, "params", None) or {})
    return RowError(number, name, str(code), params, text)


def parse_sheet_date(text: str) -> date:
    """A day as parse_date reads it, or a spreadsheet serial number (46053 = 2026-01-31),
    which is what a date cell formatted as a plain number gives."""
    try:
        return parse_date(text)
    except MonitoringValueError:
        cleaned = thai_digits_to_ascii(text).strip()
        if re.fullmatch(r"\d{5}", cleaned) and 18264 <= int(cleaned) <= 73050:  # 1950-2099
            return EXCEL_EPOCH + timedelta(days=int(cleaned))
        raise
