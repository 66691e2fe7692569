"""Dashboards under a full programme: 8 cities x 200 plan items x 20 quarters of reports.

Usage:
  .venv/bin/python bench/dashboard_load.py [--cities 8] [--items 200] [--quarters 20]
      [--requests 100] [--database-url URL]

Seeds the data straight into the database (not measured), starts the app in its own uvicorn
process on loopback, and requests the city dashboard (each city in turn) and the programme
dashboard one at a time, as a reader would. Reports p50/p95/p99 latency of each.
Targets (issue 6): city dashboard p95 under 200 ms, programme dashboard p95 under 500 ms.
Without --database-url a temporary SQLite file is used; for PostgreSQL pass a database you
can throw away (its public schema is dropped and recreated).
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx2
from common import free_port, start_server, wait_until_up
from sqlmodel import Session, select

from app.db import make_engine
from app.domain import monitoring as rules
from app.domain.indicator_library import LIBRARY
from app.domain.monitoring import ItemStatus
from app.models import (
    Agency,
    City,
    Indicator,
    IndicatorValue,
    Plan,
    PlanItem,
    ProgressReport,
    ReportState,
)
from tests.databases import migrate, reset_database

STATUSES = [ItemStatus.on_track, ItemStatus.delayed, ItemStatus.done, ItemStatus.not_started]


def seed(url: str, cities: int, items: int, quarters: int) -> list[str]:
    reset_database(url)
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(6)
    last = rules.Period.containing(date(2026, 9, 30))
    periods = rules.periods_between(_back(last, quarters - 1), last)
    slugs = []
    with Session(engine) as session:
        for city in session.exec(select(City).order_by(City.id)).all()[:cities]:  # type: ignore[arg-type]
            slugs.append(city.slug)
            plan = Plan(city_id=city.id or 0, title="bench plan", is_demo=True)
            agency = Agency(city_id=city.id or 0, name="bench agency")
            session.add_all([plan, agency])
            session.flush()
            rows = []
            for n in range(items):
                item = PlanItem(
                    plan_id=plan.id or 0,
                    title=f"item {n}",
                    priority=n + 1,
                    agency_id=agency.id,
                    budget_planned=rng.randint(1, 50) * 100_000,
                    fiscal_year_start=periods[0].fiscal_year,
                )
                session.add(item)
                rows.append(item)
            session.flush()
            for item in rows:
                for i, period in enumerate(periods):
                    session.add(
                        ProgressReport(
                            plan_item_id=item.id or 0,
                            period_key=period.key,
                            period_end=period.end,
                            status=rng.choice(STATUSES),
                            percent=min(100, 5 * i),
                            budget_spent=i * 10_000,
                            state=ReportState.published,
                        )
                    )
            for entry in LIBRARY[:4]:
                indicator = Indicator(
                    city_id=city.id or 0,
                    library_key=entry.key,
                    name_th=entry.name_th,
                    unit=entry.unit,
                    baseline_value=100,
                    target_value=50,
                    direction="lower",
                    baseline_date=date(2021, 9, 30),
                    target_date=date(2027, 9, 30),
                )
                session.add(indicator)
                session.flush()
                for i, period in enumerate(periods):
                    session.add(
                        IndicatorValue(
                            indicator_id=indicator.id or 0,
                            period_key=period.key,
                            value=100 - i * 2,
                            published=True,
                        )
                    )
            session.commit()
    engine.dispose()
    return slugs


def _back(period: rules.Period, steps: int) -> rules.Period:
    for _ in range(steps):
        period = period.previous()
    return period


def measure(client: httpx2.Client, paths: list[str], requests: int) -> list[float]:
    times = []
    for i in range(requests):
        started = time.perf_counter()
        response = client.get(paths[i % len(paths)])
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times


def summary(times: list[float]) -> str:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return f"p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cities", type=int, default=8)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--quarters", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        slugs = seed(url, args.cities, args.items, args.quarters)
        seeded = time.perf_counter() - started
        port = free_port()
        server = start_server(url, port)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            with httpx2.Client(base_url=base, timeout=60) as client:
                measure(client, ["/dashboards", f"/dashboards/{slugs[0]}"], 6)  # warm-up
                city = measure(client, [f"/dashboards/{s}" for s in slugs], args.requests)
                programme = measure(client, ["/dashboards"], args.requests)
        finally:
            server.terminate()
            server.wait(timeout=10)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    reports = len(slugs) * args.items * args.quarters
    print(
        f"dashboard_load: {len(slugs)} cities x {args.items} items x {args.quarters} quarters "
        f"= {reports:,} reports, {backend} (seeded in {seeded:.1f} s)"
    )
    print(f"  city dashboard       {summary(city)}   (target p95 < 200 ms)")
    print(f"  programme dashboard  {summary(programme)}   (target p95 < 500 ms)")


if __name__ == "__main__":
    main()
