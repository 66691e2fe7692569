"""How long printing one-time vote codes takes: 500 cards (50 A4 pages) as one PDF.

Usage: .venv/bin/python bench/code_cards_speed.py [--cards 500] [--repeat 3]

Builds the PDF in memory (Sarabun subset, one QR per card, Thai text wrapped) and prints the
best of --repeat runs after one warm-up card (the Thai word list loads once per process).
The target: 500 cards in under 2 s on the 2-core machine. A figure, not a test.
"""

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.code_cards import CardText, code_cards_pdf

TEXT = CardText(
    title="แผนพัฒนาเทศบาลนครเชียงใหม่ประจำปี 2570 ควรให้ความสำคัญกับโครงการใดมากที่สุด",
    instructions="สแกน QR หรือเปิด https://ruamkit.example.go.th/v แล้วกรอกรหัส",
    code_label="รหัสลงคะแนน",
    footer="ใช้ได้ครั้งเดียว · เทศบาลนครเชียงใหม่",
)
CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def build(codes: list[str]) -> bytes:
    return code_cards_pdf(
        codes,
        vote_url=lambda code: f"https://ruamkit.example.go.th/v/{code}",
        text=TEXT,
        created=CREATED,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    codes = [f"AB{i // 100 % 100:02d}-{i % 100:02d}XY" for i in range(args.cards)]
    build(codes[:1])
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        pdf = build(codes)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    verdict = "OK" if seconds < 2 else "TOO SLOW"
    print(
        f"code cards {args.cards:>5} cards, {len(pdf) / 1024:,.0f} KiB PDF: {seconds:.3f} s"
        f"  [{verdict}: target < 2 s for 500 cards]"
    )


if __name__ == "__main__":
    main()
