import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.domain.export import be_datetime, safe_cell, to_csv


def test_csv_starts_with_bom_and_uses_crlf() -> None:
    data = to_csv(["a", "b"], [[1, "น้ำท่วม"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "a,b\r\n1,น้ำท่วม\r\n"


def test_csv_round_trips_quotes_commas_and_newlines() -> None:
    value = 'ถนน "ชำรุด", ซอย 5\nด่วน'
    rows = list(csv.reader(io.StringIO(to_csv(["t"], [[value]]).decode("utf-8-sig"))))
    assert rows == [["t"], [value]]


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-cmd", "@x", "\tx"])
def test_safe_cell_defuses_formulas(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(("value", "expected"), [(-5, "-5"), (None, ""), (True, "1"), (2.5, "2.5")])
def test_safe_cell_keeps_plain_values(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_be_dates_are_local_with_buddhist_years() -> None:
    from datetime import date

    from app.domain.export import be_date, local_iso

    bangkok = ZoneInfo("Asia/Bangkok")
    late = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)
    assert be_date(date(2026, 1, 5)) == "5/1/2569"
    assert be_datetime(late, bangkok) == "1/12/2569 01:30"
    assert local_iso(late, bangkok) == "2026-12-01T01:30:00+07:00"
    assert be_date(None) == be_datetime(None, bangkok) == local_iso(None, bangkok) == ""


def test_iter_csv_streams_the_same_bytes_as_to_csv() -> None:
    from app.domain.export import iter_csv

    rows = [[n, f"=แถว {n}"] for n in range(1234)]
    chunks = list(iter_csv(["n", "t"], rows))
    assert len(chunks) == 3  # 500 rows a chunk
    assert b"".join(chunks) == to_csv(["n", "t"], rows)
