"""Time and memory of `python -m app.cli cluster-csv` on 10,000 comments, end to end.

Usage: .venv/bin/python bench/themes_speed.py [--rows 10000] [--data ../shared/data/...csv]
    [--runs 3]

Builds a CSV of --rows comments in a temporary folder by resampling the dev file
(shared/data/thai_comments_dev.csv) and perturbing each copy the way people type (a phrase
dropped, a polite particle, emoji, Thai digits, a letter repeated, an English word), so that
copies are not identical. Runs the command as a subprocess and reports wall time (best and
median of --runs) and peak memory of the child (getrusage RUSAGE_CHILDREN). Targets: < 10 s
and < 1 GB on the 2-core machine. Nothing is written into the repository. A figure, not a test.
"""

import argparse
import csv
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "thai_comments_dev.csv"
ENDINGS = ["", " ครับ", " ค่ะ", " นะคะ", " 😡", " 🙏🙏", "!!!", " ด่วนมากกก", " please"]
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
GROUPS = ["resident", "business", "youth", "official", "elder"]


def perturb(text: str, rng: random.Random) -> str:
    parts = text.split(" ")
    if len(parts) > 2 and rng.random() < 0.5:
        parts.pop(rng.randrange(len(parts)))
    text = " ".join(parts)
    if rng.random() < 0.2:
        text = text.translate(THAI_DIGITS)
    if rng.random() < 0.2 and text:
        i = rng.randrange(len(text))
        text = text[: i + 1] + text[i] * 3 + text[i + 1 :]
    return text + rng.choice(ENDINGS)


def build(source: Path, target: Path, rows: int, seed: int = 0) -> None:
    with source.open(encoding="utf-8-sig", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)]
    rng = random.Random(seed)
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "group"])
        for i in range(rows):
            writer.writerow([f"c{i:05d}", perturb(rng.choice(texts), rng), rng.choice(GROUPS)])


def run_once(sheet: Path, out: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "cluster-csv",
            str(sheet),
            "--out",
            str(out),
            "--group-column",
            "group",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sheet = Path(folder) / "comments.csv"
        build(args.data, sheet, args.rows)
        times = []
        for _ in range(args.runs):
            seconds, summary = run_once(sheet, Path(folder) / "themes.csv")
            times.append(seconds)
        with (Path(folder) / "themes.csv").open(encoding="utf-8-sig") as f:
            written = sum(1 for _ in f) - 1
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    print(summary.splitlines()[0])
    print(f"rows in: {args.rows}, rows written: {written}")
    print(
        f"wall time: best {min(times):.2f} s, median {statistics.median(times):.2f} s"
        f" over {args.runs} runs (target < 10 s)"
    )
    print(f"peak memory of the command: {peak_mb:.0f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()
