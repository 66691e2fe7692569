"""How long segmenting one long comment takes (the longest an idea may be is 1,000 characters;
paper notes and imported sheets can be longer).

Usage: .venv/bin/python bench/tokenize_speed.py [--chars 5000] [--repeat 5]

Prints the best of --repeat runs after one warm-up (the word list loads once per process),
for each segmentation engine the app allows. The target: 5,000 characters in under 2 s. A figure, not a test.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.thai_nlp import ENGINES, tokenize

SENTENCE = "ถนนหน้าบ้านเป็นหลุมเป็นบ่อ น้ำขังทุกครั้งที่ฝนตก "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = (SENTENCE * (args.chars // len(SENTENCE) + 1))[: args.chars]
    for engine in ENGINES:
        tokenize("สวัสดี", engine=engine)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            tokens = tokenize(text, engine=engine)
            times.append(time.perf_counter() - start)
        seconds = min(times)
        verdict = "OK" if seconds < 2 else "TOO SLOW"
        print(
            f"tokenize {engine:<10} {args.chars:>6} characters, {len(tokens):>5} tokens:"
            f" {seconds * 1000:.1f} ms  [{verdict}: target < 2 s]"
        )


if __name__ == "__main__":
    main()
