"""Latency of the pages people hit most, served by uvicorn on loopback.

Usage: .venv/bin/python bench/pages.py [--database-url URL] [--requests 400] [--concurrency 20]

Without --database-url a temporary SQLite file is used; for PostgreSQL pass a database you can
throw away (its public schema is dropped). The script seeds one workshop with 300 ideas and
prints requests per second and p50/p95/p99 latency per page. A figure, not a test.
"""

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
from common import free_port, seed_workshop, start_server, wait_until_up


def measure(base: str, path: str, requests: int, concurrency: int) -> tuple[list[float], float]:
    def one(_: int) -> float:
        start = time.perf_counter()
        client.get(base + path).raise_for_status()
        return time.perf_counter() - start

    with httpx2.Client(timeout=30) as client, ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(concurrency)))  # warm up
        started = time.perf_counter()
        latencies = list(pool.map(one, range(requests)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        code = seed_workshop(url, ideas=300)
        port = free_port()
        server = start_server(url, port)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            print(
                f"database: {url.split('://')[0]}  requests: {args.requests}  concurrency: {args.concurrency}"
            )
            print(f"{'page':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
            for path in (
                "/healthz",
                "/",
                "/join",
                f"/w/{code}",
                f"/w/{code}/wall",
                "/api/v1/cities",
            ):
                latencies, elapsed = measure(base, path, args.requests, args.concurrency)
                q = statistics.quantiles(latencies, n=100)
                rate = args.requests / elapsed
                print(
                    f"{path:28} {rate:8.0f} {q[49] * 1000:8.1f} {q[94] * 1000:8.1f} {q[98] * 1000:8.1f}"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
