"""Load on a vote: N voters submit ballots at once against the running app.

Usage:
  .venv/bin/python bench/vote_load.py [--voters 1000] [--workers 2] [--concurrency 1000]
      [--database-url URL]

The app runs in its own uvicorn process(es) on loopback; without --database-url a temporary
SQLite file is used (for PostgreSQL pass a database you can throw away: the script drops and
recreates its public schema). Setup (not measured): one workshop with 10 proposals and an
open dot vote (5 dots, at most 3 on one), and N phones that join it. Then, in the same run:

1. the ceiling: the same number of concurrent requests to /healthz, a trivial endpoint of the
   same app (same middleware, one cheap database query);
2. the ballots: every phone posts its dot ballot, all at once (the full POST with CSRF check,
   validation, the write and the receipt).

Reported: requests per second for both, the ballots' share of the ceiling, ballot latency
percentiles, and ballots counted in the database afterwards (lost or duplicated must be 0).
Targets (issue 4): ballots/s at least 15% of the ceiling, p99 under 250 ms, none lost.
"""

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx2
from common import GROUPS, free_port, start_server, wait_until_up
from sqlmodel import Session, func, select

from app.db import make_engine
from app.domain.voting import Method
from app.models import Ballot, RoundStatus, RoundVoter, VoteRound
from app.services import workshops as workshop_service
from tests import factories
from tests.databases import migrate, reset_database

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PROPOSALS = 10


def percentiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return (
        f"p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms  "
        f"p99 {q[98] * 1000:6.1f} ms  max {max(values) * 1000:6.1f} ms"
    )


def seed(url: str) -> tuple[str, int, list[int]]:
    reset_database(url)
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        workshop = factories.workshop(session, title="bench vote")
        proposals = [
            factories.proposal(session, workshop=workshop, title=f"ข้อเสนอที่ {i}")
            for i in range(PROPOSALS)
        ]
        vote_round = factories.vote_round(
            session,
            workshop=workshop,
            proposals=proposals,
            method=Method.dot,
            status=RoundStatus.open,
            dots_per_voter=5,
            max_dots_per_proposal=3,
        )
        result = (workshop.join_code, vote_round.id or 0, [p.id or 0 for p in proposals])
        assert workshop_service.find_by_code(session, workshop.join_code) is not None
    engine.dispose()
    return result


async def join_all(base: str, code: str, voters: int) -> list[tuple[httpx2.AsyncClient, str]]:
    """Every phone joins (setup, not measured); returns clients with their CSRF tokens."""
    limits = httpx2.Limits(max_connections=voters, max_keepalive_connections=voters)
    phones: list[tuple[httpx2.AsyncClient, str]] = []
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        client = httpx2.AsyncClient(base_url=base, timeout=60, limits=limits)
        async with gate:
            page = await client.get(f"/w/{code}")
            token = CSRF.search(page.text)
            assert token, page.text[:200]
            joined = await client.post(
                f"/w/{code}/participants",
                data={"stakeholder_group": GROUPS[i % 5], "csrf_token": token.group(1)},
            )
            assert joined.status_code == 303, (
                joined.status_code,
                re.findall(r"<p class=\"error[^>]*>([^<]*)", joined.text),
                joined.text[-600:],
            )
        phones.append((client, token.group(1)))

    await asyncio.gather(*(one(i) for i in range(voters)))
    return phones


def dot_ballot(rng: random.Random, proposal_ids: list[int]) -> dict[str, str]:
    marks: dict[int, int] = {}
    for _ in range(5):
        pid = rng.choice(proposal_ids)
        if marks.get(pid, 0) < 3:
            marks[pid] = marks.get(pid, 0) + 1
    return {f"p{pid}": str(n) for pid, n in marks.items()}


async def ceiling(base: str, requests: int, concurrency: int) -> tuple[float, list[float]]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    limits = httpx2.Limits(max_connections=concurrency)
    async with httpx2.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                response = await client.get("/healthz")
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return requests / (time.perf_counter() - started), latencies


async def vote_all(
    phones: list[tuple[httpx2.AsyncClient, str]],
    code: str,
    proposal_ids: list[int],
    concurrency: int,
) -> tuple[float, list[float], list[int]]:
    rng = random.Random(7)
    ballots = [dot_ballot(rng, proposal_ids) for _ in phones]
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: list[int] = []

    async def one(index: int) -> None:
        client, token = phones[index]
        data = {**ballots[index], "client_key": f"bench-{index}", "csrf_token": token}
        async with gate:
            started = time.perf_counter()
            response = await client.post(f"/w/{code}/vote", data=data)
            latencies.append(time.perf_counter() - started)
        statuses.append(response.status_code)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(len(phones))))
    return len(phones) / (time.perf_counter() - started), latencies, statuses


async def run(
    base: str, code: str, proposal_ids: list[int], voters: int, concurrency: int
) -> dict[str, object]:
    phones = await join_all(base, code, voters)
    await ceiling(base, 200, 20)  # warm-up
    ceiling_rps, ceiling_latencies = await ceiling(base, voters, concurrency)
    ballot_rps, latencies, statuses = await vote_all(phones, code, proposal_ids, concurrency)
    for client, _token in phones:
        await client.aclose()
    return {
        "ceiling_rps": ceiling_rps,
        "ceiling_latencies": ceiling_latencies,
        "ballot_rps": ballot_rps,
        "latencies": latencies,
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        code, round_id, proposal_ids = seed(url)
        port = free_port()
        server = start_server(url, port, workers=args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            result = asyncio.run(run(base, code, proposal_ids, args.voters, args.concurrency))
        finally:
            server.terminate()
            server.wait(timeout=10)

        engine = make_engine(url)
        with Session(engine) as session:
            stored = session.exec(
                select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
            ).one()
            keys = session.exec(
                select(func.count(func.distinct(Ballot.voter_key))).where(
                    Ballot.round_id == round_id
                )
            ).one()
            markers = session.exec(
                select(func.count()).select_from(RoundVoter).where(RoundVoter.round_id == round_id)
            ).one()
            assert session.get(VoteRound, round_id) is not None
        engine.dispose()

    statuses = result["statuses"]
    assert isinstance(statuses, list)
    ok = sum(1 for s in statuses if s == 303)
    ceiling_rps = float(result["ceiling_rps"])  # type: ignore[arg-type]
    ballot_rps = float(result["ballot_rps"])  # type: ignore[arg-type]
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"vote_load: {args.voters} voters, {args.workers} workers, concurrency {args.concurrency}, {backend}"
    )
    print(
        f"  ceiling  /healthz      {ceiling_rps:7.1f} req/s   {percentiles(result['ceiling_latencies'])}"
    )  # type: ignore[arg-type]
    print(f"  ballots  POST /vote    {ballot_rps:7.1f} req/s   {percentiles(result['latencies'])}")  # type: ignore[arg-type]
    print(
        f"  ballot throughput = {100 * ballot_rps / ceiling_rps:.1f}% of the ceiling (target >= 15%)"
    )
    print(
        f"  answered 303: {ok}/{len(statuses)}; other: {sorted({s for s in statuses if s != 303})}"
    )
    print(f"  stored ballots {stored}, distinct voter keys {keys}, has-voted markers {markers}")
    print(f"  lost {args.voters - stored}, duplicated {stored - keys}")


if __name__ == "__main__":
    main()
