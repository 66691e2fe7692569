"""The plan record at full size: a plan of 500 items with full provenance (5,000 proposals,
50,000 ideas and comments with +1s and themes behind them, 10 closed rounds).

Usage:
  .venv/bin/python bench/plan_record.py [--items 500] [--requests 60] [--database-url URL]

Seeds the data straight into the database (not measured), then, in this process through the
ASGI app (FastAPI's TestClient: no network, one worker), measures:
  - the staff plan page and the public plan page: p50/p95/p99, this process's CPU time and
    SQL statements per request (targets: p95 under 150 ms, a bounded number of queries);
  - the ranked proposals export (10 rounds x 1,000 proposals = 10,000 rows with per-group
    columns) as XLSX and CSV: seconds and peak Python memory (tracemalloc; targets 5 s and
    300 MB);
  - the PDF of the 500-item version (target 10 s).
Without --database-url a temporary SQLite file is used; for PostgreSQL pass a database you can
throw away (its public schema is dropped and recreated, and ANALYZEd after seeding).
"""

import argparse
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

from common import ROOT  # noqa: F401  (puts the project on sys.path)
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlmodel import Session, select

from app.config import Settings
from app.db import make_engine
from app.domain.voting import Method
from app.main import create_app
from app.models import (
    Agency,
    Ballot,
    City,
    Idea,
    IdeaReaction,
    Participant,
    Plan,
    PlanItem,
    PlanItemSource,
    Proposal,
    Role,
    RoundProposal,
    RoundStatus,
    Theme,
    ThemeMember,
    ThemeRun,
    VoteRound,
    Workshop,
)
from app.services import accounts, plan_record, voting
from tests.databases import migrate, reset_database
from tests.statements import recorded_statements

GROUPS = ["resident", "public_agency", "business", "civil_society", "academia"]
PASSWORD = "bench-password-123"  # noqa: S105  (a throwaway bench database)


def seed(url: str, items: int) -> None:
    reset_database(url)
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(13)
    with Session(engine) as session:
        city = session.exec(select(City).where(City.slug == "khon-kaen")).one()
        cid = city.id or 0
        planner = accounts.create_account(
            session,
            email="planner@bench.test",
            password=PASSWORD,
            role=Role.planner,
            display_name="bench planner",
        )
        workshop = Workshop(city_id=cid, title="bench workshop", join_code="BENCHW")
        agency = Agency(city_id=cid, name="กองช่าง")
        session.add_all([workshop, agency])
        session.flush()
        wid = workshop.id or 0
        session.execute(
            insert(Participant),
            [
                {
                    "workshop_id": wid,
                    "token": f"bench-{n:06d}-{'x' * 20}",
                    "stakeholder_group": GROUPS[n % 5],
                }
                for n in range(2000)
            ],
        )
        people = list(session.exec(select(Participant.id, Participant.stakeholder_group)).all())
        # 25,000 ideas, then 25,000 comments on them.
        session.execute(
            insert(Idea),
            [
                {
                    "workshop_id": wid,
                    "participant_id": people[n % 2000][0],
                    "stakeholder_group": people[n % 2000][1],
                    "channel": "phone",
                    "text": f"ความคิดเห็นที่ {n} เรื่องทางเท้า น้ำท่วม และรถโดยสาร",
                    "hidden": False,
                }
                for n in range(25_000)
            ],
        )
        idea_ids = list(session.exec(select(Idea.id).order_by(Idea.id)).all())  # type: ignore[arg-type]
        session.execute(
            insert(Idea),
            [
                {
                    "workshop_id": wid,
                    "participant_id": people[(n * 7) % 2000][0],
                    "stakeholder_group": people[(n * 7) % 2000][1],
                    "channel": "phone",
                    "parent_id": idea_ids[n],
                    "text": f"เห็นด้วยกับข้อ {n}",
                    "hidden": False,
                }
                for n in range(25_000)
            ],
        )
        session.execute(
            insert(IdeaReaction),
            [
                {"idea_id": idea_ids[n], "participant_id": people[(n * 13 + 5) % 2000][0]}
                for n in range(0, 25_000, 2)
            ],
        )
        run = ThemeRun(city_id=cid, workshop_id=wid, version=1, status="done", progress=1.0)
        session.add(run)
        session.flush()
        themes = []
        for t in range(100):
            theme = Theme(city_id=cid, workshop_id=wid, run_id=run.id or 0, label=f"ประเด็น {t}")
            session.add(theme)
            themes.append(theme)
        session.flush()
        session.execute(
            insert(ThemeMember),
            [
                {"run_id": run.id, "idea_id": idea_ids[n], "theme_id": themes[n % 100].id}
                for n in range(25_000)
            ],
        )
        # 5,000 proposals, each from an idea.
        session.execute(
            insert(Proposal),
            [
                {
                    "city_id": cid,
                    "workshop_id": wid,
                    "source_idea_id": idea_ids[n * 5],
                    "title": f"ข้อเสนอที่ {n}",
                    "description": "",
                    "status": "open",
                }
                for n in range(5000)
            ],
        )
        proposal_ids = list(session.exec(select(Proposal.id).order_by(Proposal.id)).all())  # type: ignore[arg-type]
        # 10 rounds of 1,000 proposals, 200 approval ballots each, closed (result frozen).
        rounds = []
        for r in range(10):
            on_ballot = proposal_ids[(r % 5) * 1000 : (r % 5) * 1000 + 1000]
            vote_round = VoteRound(
                city_id=cid,
                workshop_id=wid,
                question=f"รอบที่ {r + 1}",
                method=Method.approval,
                status=RoundStatus.open,
                eligibility="open",
            )
            session.add(vote_round)
            session.flush()
            session.execute(
                insert(RoundProposal),
                [
                    {"round_id": vote_round.id, "proposal_id": p, "position": i + 1}
                    for i, p in enumerate(on_ballot)
                ],
            )
            session.execute(
                insert(Ballot),
                [
                    {
                        "id": uuid.uuid4().hex,
                        "round_id": vote_round.id,
                        "voter_key": f"v{r}-{b}",
                        "stakeholder_group": GROUPS[b % 5],
                        "receipt_hash": uuid.uuid4().hex,
                        "marks": {str(p): 1 for p in rng.sample(on_ballot, 20)},
                    }
                    for b in range(200)
                ],
            )
            voting.close_round(session, vote_round)
            rounds.append(vote_round)
        # The plan: 500 items, each agreed from one proposal of the first round.
        plan = Plan(city_id=cid, title="แผนพัฒนาท้องถิ่น (พ.ศ. 2566-2570)", vision="เมืองน่าอยู่")
        session.add(plan)
        session.flush()
        first = rounds[0]
        for n in range(items):
            item = PlanItem(
                plan_id=plan.id or 0,
                proposal_id=proposal_ids[n],
                vote_round_id=first.id,
                title=f"ข้อเสนอที่ {n}",
                priority=n + 1,
                agency_id=agency.id,
                budget_planned=rng.randint(1, 50) * 100_000,
                fiscal_year_start=2569,
                fiscal_year_end=2570,
            )
            session.add(item)
            session.flush()
            session.add(
                PlanItemSource(
                    item_id=item.id or 0,
                    proposal_id=proposal_ids[n],
                    vote_round_id=first.id,
                    rationale="ทุกกลุ่มเห็นด้วย",
                    support=10,
                    rank=n + 1,
                )
            )
        session.flush()
        plan_record.move(session, plan, "consultation", "bench", planner)
        session.commit()
    if engine.dialect.name == "postgresql":
        # A live database has planner statistics (autovacuum); freshly bulk-loaded tables have
        # none until it runs, and the bench server may run without it.
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    engine.dispose()


def timings(run: Callable[[], object], n: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock seconds of each run; with `cpu`, this process's CPU seconds of each run too
    (steadier than wall-clock time on a shared machine)."""
    times = []
    for _ in range(n):
        started, used = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.process_time() - used)
    return times


def summary(times: list[float], cpu: list[float]) -> str:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return (
        f"p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms  "
        f"CPU p50 {statistics.median(cpu) * 1000:5.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        seed(url, args.items)
        seeded = time.perf_counter() - started
        app = create_app(Settings(database_url=url, cookie_secure=False, secret_key="b" * 40))
        engine = app.state.engine
        with TestClient(app) as client:
            client.get("/login")
            token = client.cookies.get("csrftoken") or ""
            page = client.get("/login").text
            marker = 'name="csrf_token" value="'
            token = page[page.index(marker) + len(marker) :].split('"', 1)[0]
            response = client.post(
                "/login",
                data={"email": "planner@bench.test", "password": PASSWORD, "csrf_token": token},
                follow_redirects=False,
            )
            assert response.status_code == 303, response.status_code

            def get(path: str) -> Callable[[], object]:
                def run() -> object:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    return response

                return run

            staff, public = get("/staff/plans/khon-kaen"), get("/cities/khon-kaen/plan")
            staff(), public()  # warm-up
            with recorded_statements(engine) as staff_statements:
                staff()
            with recorded_statements(engine) as public_statements:
                public()
            staff_cpu: list[float] = []
            public_cpu: list[float] = []
            staff_times = timings(staff, args.requests, staff_cpu)
            public_times = timings(public, args.requests, public_cpu)

            figures = {}
            for name, path in (
                ("xlsx", "/staff/plans/khon-kaen/proposals.xlsx"),
                ("csv", "/staff/plans/khon-kaen/proposals.csv"),
                ("pdf", "/staff/plans/khon-kaen/versions/1.pdf"),
            ):
                [seconds] = timings(get(path), 1)
                tracemalloc.start()
                body = get(path)()
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                figures[name] = (seconds, peak, len(body.content))  # type: ignore[attr-defined]
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"plan_record: {args.items} items, 5,000 proposals, 50,000 ideas and comments, "
        f"10 rounds x 1,000 proposals; {backend}, in-process (seeded in {seeded:.1f} s)"
    )
    print(
        f"  staff plan page   {summary(staff_times, staff_cpu)}  {len(staff_statements)} statements  (target p95 < 150 ms)"
    )
    print(
        f"  public plan page  {summary(public_times, public_cpu)}  {len(public_statements)} statements  (target p95 < 150 ms)"
    )
    for name, target in (("xlsx", "5 s, 300 MB"), ("csv", "5 s, 300 MB"), ("pdf", "10 s")):
        seconds, peak, size = figures[name]
        print(
            f"  {name:4} export       {seconds:6.2f} s  peak {peak / 2**20:6.1f} MB (Python heap)  "
            f"{size / 2**20:5.1f} MB file  (target {target})"
        )


if __name__ == "__main__":
    main()
