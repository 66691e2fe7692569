import csv
import io

import pytest

from app.domain.clustering import OTHER_LABEL, Clustering, ThemeSummary
from app.domain.theme_csv import (
    CsvProblem,
    CsvRow,
    comments_for,
    read_rows,
    summary_lines,
    theme_number,
    write_assignments,
)


def read(data: bytes, **columns: str) -> list[CsvRow]:
    return read_rows(data, text_column="text", id_column="id", **columns)


def test_plain_utf8() -> None:
    rows = read("id,text\n1,น้ำท่วม\n2,ขยะล้น\n".encode())
    assert rows == [CsvRow("1", "น้ำท่วม"), CsvRow("2", "ขยะล้น")]


def test_excel_utf8_with_bom_semicolons_and_crlf() -> None:
    data = '\ufeffid;text;กลุ่ม\r\nA1;ไฟดับ;ชาวบ้าน\r\nA2;"ถนน; หลุม";\r\n'.encode()
    rows = read(data, group_column="กลุ่ม")
    assert rows == [CsvRow("A1", "ไฟดับ", "ชาวบ้าน"), CsvRow("A2", "ถนน; หลุม", None)]


def test_tabs_case_and_spaces_in_column_names() -> None:
    rows = read("ID\t Text \n7\tสุนัขจรจัด\n".encode())
    assert rows == [CsvRow("7", "สุนัขจรจัด")]


def test_quoted_newlines_and_short_rows() -> None:
    rows = read('id,text,extra\n1,"บรรทัดแรก\nบรรทัดสอง",x\n2\n'.encode())
    assert rows == [CsvRow("1", "บรรทัดแรก\nบรรทัดสอง"), CsvRow("2", "")]


def test_rows_with_empty_text_are_kept_blank_lines_are_not() -> None:
    rows = read("id,text\n1,\n\n2,  \n3,ขยะ\n".encode())
    assert [r.row_id for r in rows] == ["1", "2", "3"]
    assert [r.text for r in rows] == ["", "", "ขยะ"]


def test_a_missing_column_lists_the_columns_there_are() -> None:
    with pytest.raises(CsvProblem) as caught:
        read("id,ความคิดเห็น,กลุ่ม\n1,x,y\n".encode())
    assert caught.value.code == "missing_column"
    assert caught.value.params == {"column": "text", "columns": ["id", "ความคิดเห็น", "กลุ่ม"]}
    assert "ความคิดเห็น" in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        "id,text\n1,น้ำท่วมหนัก\n".encode("cp874"),  # Thai Windows code page
        "id,text\n1,น้ำท่วม\n".encode("utf-16"),
        b"id,text\n1,caf\xe9\n",
    ],
)
def test_not_utf8_is_refused(data: bytes) -> None:
    with pytest.raises(CsvProblem) as caught:
        read(data)
    assert caught.value.code == "not_utf8"
    assert "UTF-8" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "code"), [(b"", "empty"), (b" \n\n", "empty"), (b"id,text\n", "no_rows")]
)
def test_empty_files(data: bytes, code: str) -> None:
    with pytest.raises(CsvProblem) as caught:
        read(data)
    assert caught.value.code == code


def test_a_broken_file_names_the_line() -> None:
    with pytest.raises(CsvProblem) as caught:
        read(b"id,text\n1,ok\n2," + b"x" * 200_000 + b"\n")  # beyond csv's field limit
    assert caught.value.code == "malformed"
    assert caught.value.params["line"] == 3


def test_comments_are_keyed_by_row_position() -> None:
    rows = [CsvRow("", "ก", "youth"), CsvRow("", "ข")]
    comments = comments_for(rows)
    assert [(c.id, c.text, c.group) for c in comments] == [("0", "ก", "youth"), ("1", "ข", None)]


def _theme(key: int, label: str, ids: tuple[str, ...]) -> ThemeSummary:
    return ThemeSummary(key, label, ("ก",), ids, ids[:1], {})


CLUSTERING = Clustering(
    themes=(_theme(0, "น้ำท่วม / ขัง", ("1", "2")), _theme(1, "ขยะ", ("0",))),
    other=_theme(-1, OTHER_LABEL, ("3",)),
    k=2,
    params={"auto_k": True},
)


def test_one_output_row_per_input_row_in_input_order() -> None:
    rows = [CsvRow("a", "x"), CsvRow("b", "y"), CsvRow("b", "z"), CsvRow("", "")]
    written = list(csv.reader(io.StringIO(write_assignments(rows, CLUSTERING))))
    assert written == [
        ["id", "theme_id", "theme_label"],
        ["a", "2", "ขยะ"],
        ["b", "1", "น้ำท่วม / ขัง"],
        ["b", "1", "น้ำท่วม / ขัง"],
        ["", "0", OTHER_LABEL],
    ]


def test_theme_numbers_count_from_one_other_is_zero() -> None:
    assert [theme_number(k) for k in (-1, 0, 1)] == [0, 1, 2]


def test_summary_lines() -> None:
    lines = summary_lines(CLUSTERING)
    assert lines[0] == "2 themes (chosen automatically) from 4 comments; 1 in other"
    assert lines[1].split() == ["1", "2", "น้ำท่วม", "/", "ขัง"]
    assert "keywords: ก" in lines[2]
    assert lines[-2].split()[:2] == ["0", "1"]
