"""Load on a vote: N voters submit ballots, 50 at a time by default, against the running app.

Usage:
  .venv/bin/python bench/vote_load.py [--voters 1000] [--workers N] [--concurrency 50]
      [--database-url URL]

The app runs in its own uvicorn process(es) on loopback (default: 1 worker on SQLite, as the
README advises, 2 on PostgreSQL); without --database-url a temporary SQLite file is used (for
PostgreSQL pass a database you can throw away: the script drops and recreates its public
schema). Setup (not measured): one workshop with 10 proposals and an open dot vote (5 dots, at
most 3 on one), and N phones that join it. Then, in the same run:

1. the bare ceiling: a FastAPI app with one constant GET (bench/bare_app.py), in its own
   process, loaded by wrk (Debian's `wrk`; without it, by this script's own client);
2. /healthz of the app (same middleware, one cheap query), loaded the same way; with wrk also
   the naive reference: one form field inserted as one row and committed, in a FastAPI app of
   its own on a SQLite file of its own (bench/naive_insert_app.py), what a ballot would cost
   with none of the product around it;
3. the ballots: every phone posts its dot ballot (the full POST with CSRF check, validation,
   the write and the receipt), `--concurrency` in flight, from this script's client, which
   checks every answer (and prints its own CPU per ballot: it shares the machine's two cores
   with the server);
4. with wrk: the same phones change their ballots for 5 s (each request one phone's full POST
   with its cookie, CSRF token and a fresh client key), so that, as for rows 1 and 2, the
   client costs the server's machine almost nothing.

Reported as one table: requests per second, the share of the bare app and of /healthz,
p50/p99 latency, server CPU per request, SQL statements per request (counted in-process on the
same database), then ballots counted in the database afterwards (lost or duplicated must be 0).
Targets (issues 11 and 16): ballots >= 20% of /healthz and >= 10% of the bare app, p99 under
250 ms, at most 4 queries per ballot, none lost or duplicated.
"""

import argparse
import asyncio
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

import httpx2
from common import (
    GROUPS,
    Load,
    cpu_seconds,
    free_port,
    load_from,
    ratio_table,
    start_bare,
    start_naive_insert,
    start_server,
    stop_process,
    wait_until_up,
    wrk_get,
)
from sqlmodel import Session, func, select

from app.config import Settings
from app.db import make_engine
from app.domain.voting import Method
from app.main import create_app
from app.models import Ballot, RoundStatus, RoundVoter, VoteRound
from app.services import workshops as workshop_service
from tests import factories
from tests.databases import migrate, reset_database
from tests.statements import recorded_statements, split_queries

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PROPOSALS = 10


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
        async with gate:
            # Made inside the gate: a client costs milliseconds of CPU (its SSL context), and a
            # thousand made at once starved the loop until the first connects timed out.
            client = httpx2.AsyncClient(base_url=base, timeout=60, limits=limits)
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


async def python_get(base: str, path: str, requests: int, concurrency: int) -> Load:
    """GET load from this script's own client, for machines without wrk."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    limits = httpx2.Limits(max_connections=concurrency)
    async with httpx2.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return load_from(latencies, time.perf_counter() - started)


def get_load(base: str, path: str, concurrency: int, server_pid: int) -> Load:
    measured = wrk_get(f"{base}{path}", connections=concurrency, server_pid=server_pid)
    if measured is not None:
        return measured
    asyncio.run(python_get(base, path, 200, 20))  # warm-up
    before = cpu_seconds(server_pid)
    load = asyncio.run(python_get(base, path, 2000, concurrency))
    return Load(
        load.rps, load.p50_ms, load.p99_ms, 1000 * (cpu_seconds(server_pid) - before) / 2000
    )


async def vote_all(
    phones: list[tuple[httpx2.AsyncClient, str]],
    code: str,
    proposal_ids: list[int],
    concurrency: int,
) -> tuple[list[float], float, list[int]]:
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
    return latencies, time.perf_counter() - started, statuses


def count_queries(url: str, code: str, proposal_ids: list[int]) -> tuple[str, str]:
    """SQL statements for one /healthz and for one ballot POST, counted in-process on the same
    database (fewest of three, so that a background loop's poll never counts): queries that
    read or write rows, then "+N tx" for transaction control (BEGIN IMMEDIATE and the group
    commit's SAVEPOINT/RELEASE on SQLite)."""
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=url, secret_key="bench-" * 8, cookie_secure=False))
    healthz: list[tuple[int, int]] = []
    ballot: list[tuple[int, int]] = []
    with TestClient(app, follow_redirects=False) as client:
        engine = app.state.engine
        for i in range(4):
            client.cookies.clear()
            token = CSRF.search(client.get(f"/w/{code}").text)
            assert token
            joined = client.post(
                f"/w/{code}/participants",
                data={"stakeholder_group": GROUPS[i % 5], "csrf_token": token.group(1)},
            )
            assert joined.status_code == 303, joined.status_code
            data = {
                f"p{proposal_ids[0]}": "1",
                "client_key": f"count-{i}",
                "csrf_token": token.group(1),
            }
            with recorded_statements(engine) as statements:
                response = client.post(f"/w/{code}/vote", data=data)
            assert response.status_code == 303, response.status_code
            if i:  # the first ballot warms the app up
                ballot.append(tuple(map(len, split_queries(statements))))
            with recorded_statements(engine) as statements:
                client.get("/healthz").raise_for_status()
            healthz.append(tuple(map(len, split_queries(statements))))
    return _shown(min(healthz)), _shown(min(ballot))


def _shown(counts: tuple[int, ...]) -> str:
    queries, control = counts
    return f"{queries}+{control}tx" if control else str(queries)


async def join_and_vote(
    base: str, code: str, proposal_ids: list[int], voters: int, concurrency: int, server_pid: int
) -> tuple[Load, list[int], list[tuple[str, str]]]:
    """Every phone joins, then casts its first ballot (this script's client, so that each
    answer is checked); returns the load, the statuses and each phone's (cookie, CSRF token)."""
    phones = await join_all(base, code, voters)
    before, client_before = cpu_seconds(server_pid), time.process_time()
    latencies, elapsed, statuses = await vote_all(phones, code, proposal_ids, concurrency)
    cpu = 1000 * (cpu_seconds(server_pid) - before) / len(phones)
    # The client shares the machine's two cores with the server: its own CPU per ballot says
    # how much of the figure is the load generator's.
    client_cpu = 1000 * (time.process_time() - client_before) / len(phones)
    print(f"  load client (this process): {client_cpu:.2f} ms CPU per ballot")
    identities = []
    for client, token in phones:
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        identities.append((cookie, token))
        await client.aclose()
    return load_from(latencies, elapsed, cpu), statuses, identities


def wrk_ballots(
    base: str,
    code: str,
    proposal_ids: list[int],
    identities: list[tuple[str, str]],
    *,
    connections: int,
    server_pid: int,
    directory: Path,
) -> Load | None:
    """The same phones change their ballots for 5 s, posted by wrk (a C client that costs the
    server's machine almost nothing, as for the bare app and /healthz): each request is the
    next phone's full ballot POST with its own cookie, CSRF token and a new client key."""
    # wrk's two threads take alternate phones (even and odd): with an even number of them, and
    # many more than the connections, no phone has two ballots in flight at once.
    identities = identities[: len(identities) - len(identities) % 2]
    if len(identities) < 4 * connections:
        print(f"  (wrk ballots skipped: {len(identities)} phones for {connections} connections)")
        return None
    rng = random.Random(11)
    entries = []
    for cookie, token in identities:
        marks = "&".join(f"{k}={v}" for k, v in dot_ballot(rng, proposal_ids).items())
        entries.append(f"{{[==[{cookie}]==], [==[{marks}&csrf_token={token}]==]}}")
    script = directory / "ballots.lua"
    script.write_text(
        "local phones = {\n"
        + ",\n".join(entries)
        + "\n}\n"
        + """
local threads, counter = 0, 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  sent = 0
end
function request()
  sent = sent + 1
  local phone = phones[(((sent - 1) * 2 + id) % #phones) + 1]
  return wrk.format("POST", nil, {
    ["Cookie"] = phone[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, phone[2] .. "&client_key=wrk-" .. id .. "-" .. sent)
end
"""
    )
    return wrk_get(
        f"{base}/w/{code}/vote", connections=connections, server_pid=server_pid, script=script
    )


def naive_insert_load(directory: Path, connections: int) -> Load | None:
    """wrk posting one form field to the naive insert app (bench/naive_insert_app.py) on a
    SQLite file of its own; None without wrk."""
    if shutil.which("wrk") is None:
        return None
    port = free_port()
    server = start_naive_insert(port, f"sqlite:///{directory / 'naive.db'}")
    script = directory / "naive.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.body = "choice=p3"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", path="/vote", status=405)
        # Its slowest requests wait over a second for SQLite's write lock (wrk gives up after 2 s
        # by default): that tail is part of the figure, not a failure.
        return wrk_get(
            f"http://127.0.0.1:{port}/vote",
            connections=connections,
            server_pid=server.pid,
            script=script,
            timeout=30,
        )
    finally:
        stop_process(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--workers", type=int, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        postgres = url.startswith("postgresql")
        workers = args.workers or (2 if postgres else 1)
        code, round_id, proposal_ids = seed(url)
        bare_port, port = free_port(), free_port()
        bare = start_bare(bare_port)
        server = start_server(url, port, workers=workers)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"http://127.0.0.1:{bare_port}", path="/")
            wait_until_up(base)
            bare_load = get_load(f"http://127.0.0.1:{bare_port}", "/", args.concurrency, bare.pid)
            stop_process(bare)
            naive_load = naive_insert_load(Path(tmp), args.concurrency)
            healthz_load = get_load(base, "/healthz", args.concurrency, server.pid)
            ballot_load, statuses, identities = asyncio.run(
                join_and_vote(base, code, proposal_ids, args.voters, args.concurrency, server.pid)
            )
            changes = wrk_ballots(
                base,
                code,
                proposal_ids,
                identities,
                connections=args.concurrency,
                server_pid=server.pid,
                directory=Path(tmp),
            )
        finally:
            stop_process(bare)
            stop_process(server)

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
        healthz_queries, ballot_queries = count_queries(url, code, proposal_ids)

    ok = sum(1 for s in statuses if s == 303)
    backend = "PostgreSQL" if postgres else "SQLite"
    print(
        f"vote_load: {args.voters} voters, {workers} worker(s), {args.concurrency} in flight, {backend}"
    )
    rows = [
        ("bare FastAPI GET (own process)", bare_load, "0"),
        *([("naive insert POST (own process)", naive_load, "1+1tx")] if naive_load else []),
        ("/healthz", healthz_load, healthz_queries),
        ("ballot POST /w/{code}/vote", ballot_load, ballot_queries),
    ]
    if changes is not None:
        rows.append(("ballot POST, changed ballots", changes, ballot_queries))
    print(ratio_table(rows, bare_load, healthz_load))
    print(
        f"  answered 303: {ok}/{len(statuses)}; other: {sorted({s for s in statuses if s != 303})}"
    )
    print(f"  stored ballots {stored}, distinct voter keys {keys}, has-voted markers {markers}")
    print(f"  lost {ok - stored}, duplicated {stored - keys}")


if __name__ == "__main__":
    main()
