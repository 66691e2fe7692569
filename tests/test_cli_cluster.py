"""`python -m app.cli cluster-csv`: a planner's CSV in, themes out, clear errors on bad input."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from tests.domain.test_clustering import OFF_TOPIC, TOPICS

ROOT = Path(__file__).resolve().parent.parent


def write_sheet(path: Path, rows: list[tuple[str, str]], *, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "ความคิดเห็น", "group"])
        for i, (id_, text) in enumerate(rows):
            writer.writerow([id_, text, ["resident", "business"][i % 2]])
    return path


def topic_rows() -> list[tuple[str, str]]:
    return [(f"{t}-{i}", text) for t, texts in TOPICS.items() for i, text in enumerate(texts)]


def read_output(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def run(tmp_path: Path, sheet: Path, *extra: str) -> int:
    args = ["cluster-csv", str(sheet), "--text-column", "ความคิดเห็น", "--id-column", "id"]
    return cli.main([*args, "--out", str(tmp_path / "out.csv"), *extra])


def test_every_row_gets_a_theme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*topic_rows(), ("off", OFF_TOPIC), ("blank", ""), ("emoji", "🙏🙏"), ("", "ขยะล้นถัง")]
    sheet = write_sheet(tmp_path / "in.csv", rows)
    assert run(tmp_path, sheet, "--group-column", "group") == 0
    written = read_output(tmp_path / "out.csv")
    assert [r["id"] for r in written] == [id_ for id_, _ in rows]
    assert list(written[0]) == ["id", "theme_id", "theme_label"]
    by_id = {r["id"]: r for r in written}
    for topic in TOPICS:
        assert len({by_id[f"{topic}-{i}"]["theme_id"] for i in range(10)}) == 1
    assert {by_id[i]["theme_id"] for i in ("off", "blank", "emoji")} == {"0"}
    assert by_id["off"]["theme_label"] == "อื่น ๆ"
    assert {r["theme_id"] for r in written} == {"0", "1", "2", "3", "4"}
    out = capsys.readouterr().out
    assert out.startswith("4 themes (chosen automatically) from 44 comments; 3 in other")
    assert "keywords: " in out
    assert "น้ำท่วม" in out


def test_a_fixed_number_of_themes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = write_sheet(tmp_path / "in.csv", topic_rows())
    assert run(tmp_path, sheet, "--themes", "2") == 0
    assert {r["theme_id"] for r in read_output(tmp_path / "out.csv")} <= {"0", "1", "2"}
    assert capsys.readouterr().out.startswith("2 themes (as requested)")


def test_custom_words_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    place = "โนนสะอาดพัฒนา"
    extra = [(f"p{i}", f"ถนนเข้า{place}เป็นหลุม{'บ่อ' * (i % 2)}") for i in range(6)]
    sheet = write_sheet(tmp_path / "in.csv", [*topic_rows(), *extra])
    words = tmp_path / "words.txt"
    words.write_text(f"{place}\nหนองแวง\n", encoding="utf-8")
    assert run(tmp_path, sheet, "--words", str(words)) == 0
    assert place in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (topic_rows()[:4], "at least 6 are needed"),
        (
            [(str(i), t) for i, t in enumerate(["", "😀😀", "555", "ครับ"] * 3)],
            "has words to group by",
        ),
    ],
)
def test_too_little_to_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[tuple[str, str]], message: str
) -> None:
    sheet = write_sheet(tmp_path / "in.csv", rows)
    assert run(tmp_path, sheet) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert not (tmp_path / "out.csv").exists()


def test_a_missing_column_lists_the_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = write_sheet(tmp_path / "in.csv", topic_rows())
    assert run(tmp_path, sheet, "--text-column", "text") == 2
    err = capsys.readouterr().err
    assert "no column 'text'" in err
    assert "id, ความคิดเห็น, group" in err


def test_not_utf8_says_to_save_as_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = write_sheet(tmp_path / "in.csv", topic_rows(), encoding="cp874")
    assert run(tmp_path, sheet) == 2
    assert "save it as UTF-8" in capsys.readouterr().err


def test_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, tmp_path / "nope.csv") == 2
    assert "cannot read" in capsys.readouterr().err


def test_at_least_two_themes(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "in.csv", topic_rows())
    with pytest.raises(SystemExit) as caught:
        run(tmp_path, sheet, "--themes", "1")
    assert caught.value.code == 2


def test_subprocess_offline_with_a_read_only_home(tmp_path: Path) -> None:
    """The real command, as a planner runs it, where the home directory cannot be written
    (it is a file here, so even root cannot create ~/pythainlp-data) and sockets fail."""
    sheet = write_sheet(tmp_path / "in.csv", topic_rows())
    home = tmp_path / "home"
    home.write_text("not a directory")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHAINLP")}
    env["HOME"] = str(home)
    offline = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise OSError('network is off')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from app.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = [sheet, "--text-column", "ความคิดเห็น", "--out", tmp_path / "out.csv"]
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", offline, "cluster-csv", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(read_output(tmp_path / "out.csv")) == 40
    assert "Traceback" not in done.stdout


def test_bad_input_never_shows_a_traceback(tmp_path: Path) -> None:
    sheet = tmp_path / "in.csv"
    sheet.write_bytes("id,text\n1,น้ำท่วม\n".encode("utf-16"))
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "app.cli", "cluster-csv", str(sheet), "--out", "x.csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "UTF-8" in done.stderr
