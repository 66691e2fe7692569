"""Load on a live workshop: N phones join and post ideas while K listeners hold the live wall.

Usage:
  .venv/bin/python bench/workshop_load.py [--phones 300] [--listeners 300] [--duration 60]
      [--workers 2] [--database-url URL]

The app runs in its own uvicorn process(es) on loopback; without --database-url a temporary
SQLite file is used (for PostgreSQL pass a database you can throw away: the script drops and
recreates its public schema). Phones join with their own cookies, then post one idea each at
a random moment within --duration seconds (joins spread over its first half, as people scan the
QR code over a few minutes). Listeners connect to the server-sent event stream
first and record when each idea arrives. Reported: posts per second, post latency
percentiles, fan-out delay (post sent -> idea arrives at a listener) percentiles, and lost or
duplicated ideas, checked against both the listeners and the database.
"""

import argparse
import asyncio
import multiprocessing
import random
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx2
from common import free_port, seed_workshop, start_server, stop_process, wait_until_up
from sqlmodel import Session, func, select

from app.db import make_engine
from app.models import Idea

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r"bench-(\d+)-(\d+)")


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    q = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {q[49] * 1000:7.1f} ms  p95 {q[94] * 1000:7.1f} ms  p99 {q[98] * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms"


class ListenerError(RuntimeError):
    """A listener could not open or keep its stream: the run's figures would be wrong."""


async def listen_all(base: str, code: str, count: int, ready, stop) -> list[dict[str, list[float]]]:  # type: ignore[no-untyped-def]
    """Hold `count` live streams open; return, per listener, when each idea token arrived.

    Raises ListenerError as soon as any listener fails, instead of waiting for the others."""
    arrivals: list[dict[str, list[float]]] = [defaultdict(list) for _ in range(count)]
    connected = 0

    async def one(index: int) -> None:
        nonlocal connected
        timeout = httpx2.Timeout(10, read=None)
        try:
            async with (
                httpx2.AsyncClient(timeout=timeout) as client,
                client.stream("GET", f"{base}/w/{code}/events?since=0") as stream,
            ):
                if stream.status_code != 200:
                    raise ListenerError(
                        f"listener {index}: the stream answered {stream.status_code}"
                    )
                connected += 1
                if connected == count:
                    ready.set()
                async for line in stream.aiter_lines():
                    if "bench-" in line:
                        now = time.monotonic()
                        for match in TOKEN.finditer(line):
                            arrivals[index][match.group(0)].append(now)
        except httpx2.HTTPError as exc:
            raise ListenerError(f"listener {index}: {type(exc).__name__}: {exc}") from exc

    tasks = [asyncio.create_task(one(i)) for i in range(count)]
    try:
        while not stop.is_set():
            for task in tasks:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            await asyncio.sleep(0.1)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [dict(a) for a in arrivals]


def listener_process(base: str, code: str, count: int, ready, stop, conn) -> None:  # type: ignore[no-untyped-def]
    """The listeners run in their own process, so their work does not delay the phones' clock.
    Sends ("ok", arrivals) or ("error", message) through the pipe, never nothing."""
    try:
        conn.send(("ok", asyncio.run(listen_all(base, code, count, ready, stop))))
    except ListenerError as exc:
        conn.send(("error", str(exc)))
    finally:
        conn.close()


async def phone(
    base: str,
    code: str,
    number: int,
    join_at: float,
    post_at: float,
    results: list[tuple[str, float, float, int]],
) -> None:
    await asyncio.sleep(join_at)  # people scan the QR code over the first minutes, not all at once
    async with httpx2.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        page = await client.get(f"/w/{code}")
        token = CSRF.search(page.text)
        assert token, "no CSRF token on the workshop page"
        group = random.choice(
            ["resident", "business", "public_agency", "civil_society", "academia"]
        )
        joined = await client.post(
            f"/w/{code}/participants",
            data={"stakeholder_group": group, "csrf_token": token.group(1)},
        )
        assert joined.status_code == 303, joined.status_code
        await asyncio.sleep(max(0.0, post_at - join_at - 0.05))
        key = f"bench-{number}-1"
        text = f"ความคิดเห็นทดสอบ {key} เรื่องทางเท้าและไฟส่องสว่าง"
        started = time.monotonic()
        response = await client.post(
            f"/w/{code}/ideas",
            data={"text": text, "csrf_token": token.group(1), "client_key": key},
            headers={"HX-Request": "true"},
        )
        results.append((key, started, time.monotonic(), response.status_code))


async def post_all(
    base: str, code: str, phones: int, duration: float
) -> tuple[list[tuple[str, float, float, int]], float]:
    results: list[tuple[str, float, float, int]] = []
    joins = [random.uniform(0, duration / 2) for _ in range(phones)]
    posts = [random.uniform(j + 1, duration) for j in joins]
    begin = time.monotonic()
    await asyncio.gather(
        *(phone(base, code, n, joins[n], posts[n], results) for n in range(phones))
    )
    return results, time.monotonic() - begin


def run(base: str, code: str, phones: int, listeners: int, duration: float) -> dict[str, object]:
    context = multiprocessing.get_context("fork")
    ready, stop = context.Event(), context.Event()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=listener_process, args=(base, code, listeners, ready, stop, sender), daemon=True
    )
    process.start()
    try:
        deadline = time.monotonic() + 120
        while not ready.wait(0.2):
            if receiver.poll():
                _status, message = receiver.recv()
                raise SystemExit(f"workshop_load: listeners could not connect: {message}")
            if not process.is_alive() or time.monotonic() > deadline:
                raise SystemExit("workshop_load: listeners could not connect within 120 s")
        results, elapsed = asyncio.run(post_all(base, code, phones, duration))
        time.sleep(3)  # let the last events reach every listener
        stop.set()
        if not receiver.poll(60):
            raise SystemExit("workshop_load: the listeners sent no results within 60 s")
        status, per_listener = receiver.recv()
        if status != "ok":
            raise SystemExit(f"workshop_load: a listener failed during the run: {per_listener}")
    finally:
        stop.set()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join(timeout=10)
    return {"results": results, "per_listener": per_listener, "elapsed": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--listeners", type=int, default=300)
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds over which phones post"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    random.seed(20261127)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        code = seed_workshop(url)
        port = free_port()
        server = start_server(url, port, workers=args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            outcome = run(base, code, args.phones, args.listeners, args.duration)
        finally:
            stop_process(server)

        results = outcome["results"]  # type: ignore[assignment]
        per_listener = outcome["per_listener"]  # type: ignore[assignment]
        ok = [r for r in results if r[3] == 200]
        latencies = [end - start for _token, start, end, _status in ok]
        sent_at = {token: start for token, start, _end, _status in ok}
        fanout: list[float] = []
        lost = duplicated = 0
        for arrivals in per_listener:
            for token, start in sent_at.items():
                times = arrivals.get(token, [])
                if not times:
                    lost += 1
                    continue
                # The idea's own fragment carries the token once; later fragments (counts) do not.
                duplicated += max(0, len(times) - 1)
                fanout.append(times[0] - start)
        engine = make_engine(url)
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(Idea)).one()
            texts = Counter(t for t in session.exec(select(Idea.client_key)).all())
        engine.dispose()

    statuses = Counter(r[3] for r in results)
    print(
        f"database: {url.split('://')[0]}  workers: {args.workers}  phones: {args.phones}  listeners: {args.listeners}"
    )
    print(f"posting window: {args.duration:.0f} s, all posts done in {outcome['elapsed']:.1f} s")  # type: ignore[str-format]
    print(f"post statuses: {dict(statuses)}")
    print(f"posts per second (window): {len(ok) / max(outcome['elapsed'], 1e-9):.1f}")  # type: ignore[operator]
    print(f"post latency:   {percentiles(latencies)}")
    print(f"fan-out delay:  {percentiles(fanout)}  ({len(fanout)} deliveries)")
    print(f"lost deliveries: {lost}  duplicated deliveries: {duplicated}")
    print(
        f"ideas in database: {stored} (expected {len(ok)}), duplicated keys: {sum(1 for c in texts.values() if c > 1)}"
    )


if __name__ == "__main__":
    main()
