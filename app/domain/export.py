"""Spreadsheet-friendly CSV (UTF-8 with BOM so Excel shows Thai, CRLF) and XLSX, both with no
formula injection."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Font

BE_OFFSET = 543  # Buddhist Era year = Common Era year + 543

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Render a cell; text that a spreadsheet would run as a formula gets a leading quote.

    Numbers stay numbers: -5 is written as -5, but "-cmd" becomes "'-cmd".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def be_date(value: date | None) -> str:
    """A date as a Thai reader writes it: day/month/Buddhist Era year, e.g. "1/12/2569"."""
    if value is None:
        return ""
    return f"{value.day}/{value.month}/{value.year + BE_OFFSET}"


def be_datetime(value: datetime | None, tz: tzinfo) -> str:
    """A timestamp in local time with a Buddhist Era year: "1/12/2569 13:05" (24-hour)."""
    if value is None:
        return ""
    local = value.astimezone(tz)
    return f"{be_date(local.date())} {local:%H:%M}"


def local_iso(value: datetime | None, tz: tzinfo) -> str:
    """A machine-readable local timestamp with its offset: "2026-12-01T13:05:00+07:00"."""
    return value.astimezone(tz).isoformat(timespec="seconds") if value else ""


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """The same file as to_csv, a chunk of rows at a time, for streaming large exports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(v) for v in row])
        if n % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], *, title: str) -> bytes:
    """One sheet with a bold header row. Every text cell is stored as text, so a cell that
    starts with "=" shows as typed and never runs as a formula (no leading quote needed)."""
    workbook = Workbook(write_only=False)
    sheet = workbook.create_sheet(index=0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    sheet.title = title[:31]  # Excel's limit for a sheet name
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([None if v is None else v for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl reads "=..." as a formula: make it text again
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
