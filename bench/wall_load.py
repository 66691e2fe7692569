"""The wall of a workshop with 1,000 ideas: one request, and many phones at once.

Usage:
  .venv/bin/python bench/wall_load.py [--ideas 1000] [--workers N] [--concurrency 50]
      [--requests 30] [--database-url URL]

Setup (not measured): one workshop with N ideas from as many participants
(common.seed_workshop). The app runs in its own uvicorn process (1 worker on SQLite, 2 on
PostgreSQL); without --database-url a temporary SQLite file is used (for PostgreSQL pass a
database you can throw away: its public schema is dropped and recreated). Then, in one run:

1. one request at a time (after one English page that compiles the templates): the phone
   page /w/{code} (the newest 50 ideas) once cold (the page is rendered) and then `--requests` times warm (the rendered wall is reused until the
   next workshop event), and the next page /w/{code}?before=... the same way;
2. the bare ceiling: a FastAPI app with one constant GET (bench/bare_app.py) in its own
   process, loaded by wrk;
3. /healthz of the app, then the phone page and the next page, loaded by wrk (50 in flight).

Reported: one-request latency (cold, warm p50/p99), and one table of requests per second as a
share of the bare app and of /healthz, p50/p99, server CPU per request and SQL statements
per request (counted in-process on the same database, cold and warm).
Targets (issue 16): at most 10 queries, one request under 50 ms, at least 10% of /healthz.
"""

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx2
from common import (
    Load,
    free_port,
    ratio_table,
    seed_workshop,
    start_bare,
    start_server,
    stop_process,
    wait_until_up,
    wrk_get,
)

from app.config import Settings
from app.main import create_app
from tests.statements import recorded_statements

OLDER = re.compile(r'href="/w/\w+\?before=(\d+)#wall"')


def one_at_a_time(base: str, path: str, requests: int) -> tuple[float, list[float], str]:
    """Milliseconds of the first (cold) request, then of `requests` warm ones; the last body."""
    with httpx2.Client(base_url=base) as client:
        started = time.perf_counter()
        response = client.get(path)
        cold = 1000 * (time.perf_counter() - started)
        response.raise_for_status()
        warm = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            warm.append(1000 * (time.perf_counter() - started))
            response.raise_for_status()
    return cold, warm, response.text


def count_queries(url: str, paths: list[str]) -> dict[str, tuple[int, int]]:
    """SQL statements per GET of each path: cold (first) and warm (second), in-process."""
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=url, secret_key="bench-" * 8, cookie_secure=False))
    counts: dict[str, tuple[int, int]] = {}
    with TestClient(app, follow_redirects=False) as client:
        client.get("/healthz")
        for path in paths:
            runs = []
            for _ in range(2):
                with recorded_statements(app.state.engine) as statements:
                    client.get(path).raise_for_status()
                runs.append(len(statements))
            counts[path] = (runs[0], runs[1])
        with recorded_statements(app.state.engine) as statements:
            client.get("/healthz").raise_for_status()
        counts["/healthz"] = (len(statements), len(statements))
    return counts


def _ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ideas", type=int, default=1000)
    parser.add_argument("--workers", type=int, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        postgres = url.startswith("postgresql")
        workers = args.workers or (2 if postgres else 1)
        code = seed_workshop(url, ideas=args.ideas)
        wall = f"/w/{code}"
        bare_port, port = free_port(), free_port()
        bare = start_bare(bare_port)
        server = start_server(url, port, workers=workers)
        base = f"http://127.0.0.1:{port}"
        single: dict[str, tuple[float, list[float]]] = {}
        loads: dict[str, Load] = {}
        try:
            wait_until_up(f"http://127.0.0.1:{bare_port}", path="/")
            wait_until_up(base)
            # Compiles the templates (in English, another cached page), so "cold" below is
            # the render of the Thai wall and not the first use of Jinja2 in the process.
            httpx2.get(f"{base}{wall}?lang=en").raise_for_status()
            cold, warm, body = one_at_a_time(base, wall, args.requests)
            single[wall] = (cold, warm)
            older = OLDER.search(body)
            if older is None:
                raise RuntimeError("the wall has no link to older ideas: seed more ideas")
            next_page = f"{wall}?before={older.group(1)}"
            cold, warm, _body = one_at_a_time(base, next_page, args.requests)
            single[next_page] = (cold, warm)

            def load(target: str, path: str, pid: int) -> Load:
                measured = wrk_get(
                    f"{target}{path}",
                    seconds=args.seconds,
                    connections=args.concurrency,
                    server_pid=pid,
                )
                if measured is None:
                    raise SystemExit("wall_load needs wrk (Debian package `wrk`)")
                return measured

            loads["bare"] = load(f"http://127.0.0.1:{bare_port}", "/", bare.pid)
            stop_process(bare)
            loads["/healthz"] = load(base, "/healthz", server.pid)
            loads[wall] = load(base, wall, server.pid)
            loads[next_page] = load(base, next_page, server.pid)
        finally:
            stop_process(bare)
            stop_process(server)
        queries = count_queries(url, [wall, next_page])

    backend = "PostgreSQL" if postgres else "SQLite"
    print(
        f"wall_load: {args.ideas} ideas, {workers} worker(s), {args.concurrency} in flight, {backend}"
    )
    print("one request at a time (ms):")
    print(f"  {'page':34} {'cold':>8} {'warm p50':>9} {'warm p99':>9}")
    for path, (cold, warm) in single.items():
        name = path.replace(code, "{code}")
        print(f"  {name:34} {cold:8.1f} {_ms(warm, 50):9.1f} {_ms(warm, 99):9.1f}")
    rows = [("bare FastAPI GET (own process)", loads["bare"], "0")]
    for path in ("/healthz", wall, next_page):
        cold_q, warm_q = queries[path]
        shown = str(warm_q) if cold_q == warm_q else f"{cold_q}/{warm_q}"
        rows.append((path.replace(code, "{code}"), loads[path], shown))
    print(ratio_table(rows, loads["bare"], loads["/healthz"]))
    print("  queries: cold (renders the page) / warm (the page rendered at this event reused)")


if __name__ == "__main__":
    main()
