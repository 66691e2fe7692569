"""Latency of the pages people hit most, served by uvicorn on loopback.

Usage: .venv/bin/python bench/pages.py [--database-url URL] [--requests 400] [--concurrency 20]

Without --database-url a temporary SQLite file is used; for PostgreSQL pass an empty database
you can throw away (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench). The script
migrates it, seeds one workshop with 300 ideas, and prints p50/p95/p99 and requests per second
for each page. A figure, not a test: nothing here asserts.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import make_engine  # noqa: E402
from app.models import Role, StakeholderGroup  # noqa: E402
from app.services import accounts, cities  # noqa: E402
from app.services import workshops as workshop_service  # noqa: E402
from tests.databases import migrate, reset_database  # noqa: E402

GROUPS = list(StakeholderGroup)


def seed(url: str) -> str:
    reset_database(url)
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        city = cities.by_slug(session, "khon-kaen")
        assert city is not None
        staff = accounts.create_account(
            session,
            email="bench@example.test",
            password="bench-password",
            role=Role.facilitator,
            display_name="b",
        )
        workshop = workshop_service.create_workshop(
            session, city=city, title="bench", description="", held_on=None, created_by=staff
        )
        for i in range(300):
            participant = workshop_service.join(
                session, workshop, group=GROUPS[i % 5], display_name=None
            )
            workshop_service.post_idea(
                session, workshop, participant, f"ความคิดเห็นที่ {i} เรื่องทางเท้าและน้ำท่วม"
            )
        session.commit()
        code = workshop.join_code
    engine.dispose()
    return code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(base + "/healthz").status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def measure(base: str, path: str, requests: int, concurrency: int) -> tuple[list[float], float]:
    def one(_: int) -> float:
        start = time.perf_counter()
        response = client.get(base + path)
        response.raise_for_status()
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
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        code = seed(url)
        # The server runs in its own process, as in production, so the load generator's threads
        # do not share its interpreter lock.
        env = {
            **os.environ,
            "MRK_DATABASE_URL": url,
            "MRK_SECRET_KEY": "bench-" * 8,
            "MRK_COOKIE_SECURE": "false",
        }
        port = args.port or free_port()
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        server = subprocess.Popen(command, env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        print(
            f"database: {url.split('://')[0]}  requests: {args.requests}  concurrency: {args.concurrency}"
        )
        print(f"{'page':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for path in ("/healthz", "/", "/join", f"/w/{code}", f"/w/{code}/live", "/api/v1/cities"):
            latencies, elapsed = measure(base, path, args.requests, args.concurrency)
            q = statistics.quantiles(latencies, n=100)
            print(
                f"{path:28} {args.requests / elapsed:8.0f} {q[49] * 1000:8.1f} {q[94] * 1000:8.1f} {q[98] * 1000:8.1f}"
            )
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
