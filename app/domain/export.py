"""Spreadsheet-friendly CSV (UTF-8 with BOM so Excel shows Thai, CRLF) and XLSX, both with no
formula injection."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from openpyxl import Workbook
from openpyxl.styles import Font

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


def be_datetime(value: datetime, zone: tzinfo) -> str:
    """A moment as local time with the Buddhist Era year, as Thai offices write it in sheets.

    >>> from datetime import UTC
    >>> from zoneinfo import ZoneInfo
    >>> be_datetime(datetime(2026, 12, 1, 6, 5, tzinfo=UTC), ZoneInfo("Asia/Bangkok"))
    '2569-12-01 13:05'
    """
    local = value.astimezone(zone)
    return f"{local.year + 543:04d}-{local:%m-%d %H:%M}"


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
