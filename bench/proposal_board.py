"""A city's proposal board with 10,000 proposals and 100,000 comments of real Thai text.

Usage:
  .venv/bin/python bench/proposal_board.py [--proposals 10000] [--comments 100000]
      [--requests 50] [--seconds 5] [--concurrency 20] [--database-url URL]

Setup (not measured): Khon Kaen's board filled from ../shared/data/thai_comments_dev.csv
(real municipal requests, reused with a running number so that texts differ): proposals with
categories, places and costs, comments and supports, written in bulk; the search index is
filled with the same segmentation the app uses (app.domain.thai_nlp.search_words). Without
--database-url a temporary SQLite file is used (for PostgreSQL pass a database you can throw
away: its public schema is dropped and recreated).

Measured, in one run: board pages (newest, most supported, most discussed, random, a filter,
a deep page), a proposal page and searches (Thai words, digits, mixed Thai/English), one
request at a time (p50/p95); SQL statements per request (in-process, same database); then
the bare app, /healthz and the board page under wrk.
Targets (issue 12): board p95 under 100 ms and at most 10 queries whatever the page size,
search p95 under 200 ms, board throughput at least 10% of /healthz.
"""

import argparse
import csv
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, unquote

import httpx2
from common import (
    GROUPS,
    ROOT,
    free_port,
    ratio_table,
    start_bare,
    start_server,
    stop_process,
    wait_until_up,
    wrk_get,
)
from sqlalchemy import insert, text
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.domain.indicator_library import DIMENSIONS
from app.domain.thai_nlp import search_words
from app.main import create_app
from app.models import Participant, Proposal, ProposalComment, ProposalSupport
from app.services import cities
from tests.databases import migrate, reset_database
from tests.statements import recorded_statements

DATA = ROOT.parent.parent / "shared" / "data" / "thai_comments_dev.csv"
PLACES = ["ชุมชนโนนทัน", "ชุมชนหนองวัด", "ชุมชนศรีฐาน", "ชุมชนบ้านเป็ด", "ชุมชนเทพารักษ์", None]
SEARCHES = ["น้ำท่วม", "ไฟฟ้า", "ทางเท้า ซอย", "ขยะ", "ซอย ๕", "ซอย 5", "LED ไฟ", "รถเมล์"]


def _texts() -> list[str]:
    path = DATA if DATA.exists() else Path("/work/shared/data/thai_comments_dev.csv")
    with path.open(encoding="utf-8") as handle:
        return [row["text"].strip() for row in csv.DictReader(handle) if row["text"].strip()]


def seed(url: str, proposals: int, comments: int) -> tuple[int, int]:
    """Fill Khon Kaen's board; returns (a proposal id, people)."""
    reset_database(url)
    engine = make_engine(url)
    migrate(engine)
    texts = _texts()
    words = {t: " ".join(search_words(t)) for t in texts}  # segment each real text once
    rng = random.Random(12)
    sqlite = url.startswith("sqlite")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(engine) as session:
        city = cities.by_slug(session, "khon-kaen")
        assert city is not None
        city_id = city.id or 0
        people = 2000
        session.execute(
            insert(Participant),
            [
                {
                    "city_id": city_id,
                    "token": f"bench-{i:06d}-{'x' * 20}",
                    "stakeholder_group": GROUPS[i % 5],
                    "created_at": start,
                }
                for i in range(people)
            ],
        )
        first_person = session.execute(text("SELECT min(id) FROM participant")).scalar_one()
        rows = []
        for i in range(proposals):
            body = texts[i % len(texts)]
            rows.append(
                {
                    "city_id": city_id,
                    "title": f"{body[:80]} #{i}",
                    "description": body,
                    "category": DIMENSIONS[i % 6],
                    "place": PLACES[i % len(PLACES)],
                    "estimated_cost": rng.choice([None, 50_000, 250_000, 1_200_000]),
                    "origin": "online" if i % 3 else "idea",
                    "status": "open" if i % 10 else "shortlisted",
                    "status_reason": "",
                    "author_participant_id": first_person + i % people,
                    "author_group": GROUPS[i % 5],
                    "support_count": 0,
                    "comment_count": 0,
                    "created_at": start + timedelta(minutes=i),
                }
            )
        session.execute(insert(Proposal), rows)
        first = session.execute(text("SELECT min(id) FROM proposal")).scalar_one()
        index = [
            (first + i, first + i, city_id, f"{words[texts[i % len(texts)]]} {i}")
            for i in range(proposals)
        ]
        comment_rows = []
        comment_counts = [0] * proposals
        for j in range(comments):
            target = int(rng.paretovariate(1.2)) % proposals
            comment_counts[target] += 1
            comment_rows.append(
                {
                    "proposal_id": first + target,
                    "author_participant_id": first_person + j % people,
                    "stakeholder_group": GROUPS[j % 5],
                    "text": texts[(j * 7) % len(texts)],
                    "hidden": False,
                    "held_for_review": False,
                    "flag_count": 0,
                    "created_at": start + timedelta(minutes=j),
                }
            )
        for chunk in range(0, len(comment_rows), 5000):
            session.execute(insert(ProposalComment), comment_rows[chunk : chunk + 5000])
        first_comment = session.execute(text("SELECT min(id) FROM proposal_comment")).scalar_one()
        index += [
            (-(first_comment + j), c["proposal_id"], city_id, words[c["text"]])
            for j, c in enumerate(comment_rows)
        ]
        supports = set()
        support_counts = [0] * proposals
        for _ in range(proposals * 5):
            target, person = int(rng.paretovariate(1.1)) % proposals, rng.randrange(people)
            if (target, person) not in supports:
                supports.add((target, person))
                support_counts[target] += 1
        session.execute(
            insert(ProposalSupport),
            [
                {
                    "proposal_id": first + t,
                    "participant_id": first_person + p,
                    "stakeholder_group": GROUPS[p % 5],
                    "created_at": start,
                }
                for t, p in supports
            ],
        )
        session.execute(
            text("UPDATE proposal SET support_count = :s, comment_count = :c WHERE id = :id"),
            [
                {"s": support_counts[i], "c": comment_counts[i], "id": first + i}
                for i in range(proposals)
            ],
        )
        sql = (
            "INSERT INTO board_search (rowid, proposal_id, city_id, text) VALUES (:d, :p, :c, :t)"
            if sqlite
            else "INSERT INTO board_search (doc_id, proposal_id, city_id, text)"
            " VALUES (:d, :p, :c, :t)"
        )
        for chunk in range(0, len(index), 5000):
            session.execute(
                text(sql),
                [{"d": d, "p": p, "c": c, "t": t} for d, p, c, t in index[chunk : chunk + 5000]],
            )
        session.commit()
        if not sqlite:
            session.execute(text("ANALYZE"))
            session.commit()
    engine.dispose()
    return first, people


def timed(base: str, paths: list[str], requests: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    with httpx2.Client(base_url=base, timeout=30) as client:
        for path in paths:
            client.get(path).raise_for_status()  # templates compiled, caches warm
            runs = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                runs.append(1000 * (time.perf_counter() - started))
            found[path] = runs
    return found


def count_queries(url: str, paths: list[str]) -> dict[str, int]:
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=url, secret_key="bench-" * 8, cookie_secure=False))
    counts: dict[str, int] = {}
    with TestClient(app, follow_redirects=False) as client:
        client.get("/healthz")
        for path in paths:
            client.get(path).raise_for_status()
            with recorded_statements(app.state.engine) as statements:
                client.get(path).raise_for_status()
            counts[path] = len(statements)
    return counts


def _q(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        postgres = url.startswith("postgresql")
        started = time.perf_counter()
        proposal_id, _people = seed(url, args.proposals, args.comments)
        seeded = time.perf_counter() - started
        board = "/cities/khon-kaen/proposals"
        pages = [
            board,
            f"{board}?sort=supported",
            f"{board}?sort=discussed",
            f"{board}?sort=random",
            f"{board}?category=mobility&status=open&group=business",
            f"{board}?page=400",
            "/api/v1/cities/khon-kaen/proposals?page_size=100",
            f"{board}/{proposal_id}",
        ]
        searches = [f"{board}?q={quote(q)}" for q in SEARCHES]
        bare_port, port = free_port(), free_port()
        bare = start_bare(bare_port)
        server = start_server(url, port, workers=2 if postgres else 1)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"http://127.0.0.1:{bare_port}", path="/")
            wait_until_up(base)
            single = timed(base, pages + searches, args.requests)
            loads = {}
            for name, target, pid in (
                ("bare", f"http://127.0.0.1:{bare_port}/", bare.pid),
                ("/healthz", f"{base}/healthz", server.pid),
                (board, f"{base}{board}", server.pid),
                (searches[0], f"{base}{searches[0]}", server.pid),
            ):
                measured = wrk_get(
                    target, seconds=args.seconds, connections=args.concurrency, server_pid=pid
                )
                if measured is None:
                    raise SystemExit("proposal_board needs wrk (Debian package `wrk`)")
                loads[name] = measured
        finally:
            stop_process(bare)
            stop_process(server)
        queries = count_queries(url, [*pages, *searches, "/healthz"])

    backend = "PostgreSQL" if postgres else "SQLite"
    print(
        f"proposal_board: {args.proposals} proposals, {args.comments} comments, {backend}"
        f" (seeded in {seeded:.0f} s)"
    )
    print(f"  {'one request at a time':58} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for path, runs in single.items():
        name = unquote(path)
        print(f"  {name:58} {_q(runs, 50):8.1f} {_q(runs, 95):8.1f} {queries[path]:8}")
    rows = [("bare FastAPI GET (own process)", loads["bare"], "0")]
    rows += [(unquote(p), loads[p], str(queries[p])) for p in ("/healthz", board, searches[0])]
    print(ratio_table(rows, loads["bare"], loads["/healthz"]))


if __name__ == "__main__":
    main()
