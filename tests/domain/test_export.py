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


def test_be_datetime_is_local_time_with_the_buddhist_era_year() -> None:
    late = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # already 1 January in Bangkok
    assert be_datetime(late, ZoneInfo("Asia/Bangkok")) == "2570-01-01 00:30"
