"""A planner's spreadsheet in, one theme per row out: the file side of `cluster-csv`.

Pure functions over bytes and text, so the command line and a later upload page share them.
Input is any UTF-8 CSV, with or without Excel's byte order mark, separated by commas,
semicolons or tabs. Output keeps every input row, in input order, so it can be pasted back
next to the original sheet.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.clustering import OTHER_KEY, Clustering, Comment, theme_of

OUTPUT_COLUMNS = ("id", "theme_id", "theme_label")
_DELIMITERS = (",", ";", "\t")


class CsvProblem(ValueError):
    """Why a file was refused, with a stable code: "not_utf8", "empty", "missing_column"
    (params column, columns), "no_rows" or "malformed" (params line, reason)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class CsvRow:
    row_id: str  # the value of the id column, written back unchanged
    text: str
    group: str | None = None


def decode(data: bytes) -> str:
    """UTF-8 text of an upload; Excel's BOM is dropped. Anything else is refused with a hint,
    because a guessed encoding would silently garble Thai."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvProblem("not_utf8", "the file is UTF-16 text, not UTF-8", encoding="utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvProblem("not_utf8", f"the file is not UTF-8 (line {line})", line=line) from exc


def _header(text: str, delimiter: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return [c.strip() for c in first]


def _find(columns: list[str], wanted: str) -> str | None:
    """The column named `wanted`; spaces around names and letter case do not matter."""
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.casefold() == wanted.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def read_rows(
    data: bytes, *, text_column: str, id_column: str, group_column: str | None = None
) -> list[CsvRow]:
    """Rows of a CSV upload: every data row, also those with an empty text (they are grouped
    as "other" later, not dropped, so the output has one line per input line)."""
    text = decode(data)
    if not text.strip():
        raise CsvProblem("empty", "the file is empty")
    wanted = [c for c in (text_column, id_column, group_column) if c is not None]
    headers = {d: _header(text, d) for d in _DELIMITERS}
    delimiter = next(
        (d for d in _DELIMITERS if all(_find(headers[d], w) for w in wanted)),
        max(_DELIMITERS, key=lambda d: len(headers[d])),
    )
    columns = headers[delimiter]
    for name in wanted:
        if _find(columns, name) is None:
            raise CsvProblem(
                "missing_column",
                f"no column {name!r}; the file has: {', '.join(columns)}",
                column=name,
                columns=columns,
            )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    position = {name: columns.index(_find(columns, name) or name) for name in wanted}

    def cell(record: list[str], name: str | None) -> str:
        if name is None or position[name] >= len(record):
            return ""
        return record[position[name]].strip()

    rows: list[CsvRow] = []
    try:
        next(reader)
        for record in reader:
            if any(c.strip() for c in record):  # a blank line is not a row of the sheet
                group = cell(record, group_column) or None
                rows.append(CsvRow(cell(record, id_column), cell(record, text_column), group))
    except csv.Error as exc:
        raise CsvProblem(
            "malformed", f"line {reader.line_num}: {exc}", line=reader.line_num, reason=str(exc)
        ) from exc
    if not rows:
        raise CsvProblem("no_rows", "the file has a header but no rows")
    return rows


def comments_for(rows: Sequence[CsvRow]) -> list[Comment]:
    """Comments keyed by row position: ids in a sheet may be blank or repeated."""
    return [Comment(id=str(i), text=r.text, group=r.group) for i, r in enumerate(rows)]


def theme_number(key: int) -> int:
    """Theme ids as people count them in a sheet: 1, 2, ... and 0 for "other"."""
    return 0 if key == OTHER_KEY else key + 1


def write_assignments(rows: Sequence[CsvRow], clustering: Clustering) -> str:
    """id,theme_id,theme_label for every row, in input order (rows clustered via comments_for)."""
    labels = {t.key: t.label for t in (*clustering.themes, clustering.other)}
    keys = theme_of(clustering)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(OUTPUT_COLUMNS)
    for i, row in enumerate(rows):
        key = keys.get(str(i), OTHER_KEY)
        writer.writerow((row.row_id, theme_number(key), labels[key]))
    return out.getvalue()


def summary_lines(clustering: Clustering) -> list[str]:
    """A short overview for a terminal: theme id, size, label and top keywords."""
    total = sum(t.size for t in clustering.themes) + clustering.other.size
    how = "chosen automatically" if clustering.params.get("auto_k") else "as requested"
    lines = [
        f"{clustering.k} themes ({how}) from {total} comments; {clustering.other.size} in other"
    ]
    for theme in (*clustering.themes, clustering.other):
        lines.append(f"{theme_number(theme.key):>4}  {theme.size:>5}  {theme.label}")
        if theme.keywords:
            lines.append(f"{'':>4}  {'':>5}  keywords: {', '.join(theme.keywords)}")
    return lines
