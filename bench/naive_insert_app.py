"""The naive reference for ballot figures: FastAPI, one form field, one INSERT and its COMMIT.

What a ballot would cost with nothing of the product around it (no session cookie, CSRF check,
validation, round to read or receipt): a sync handler inserting one row through a SQLAlchemy
pool into SQLite with the app's own durability (WAL, synchronous=FULL), answered with a 303.
bench/vote_load.py starts it in its own process beside the bare app, so a ballot's share of
the bare app can be read against what a bare insert reaches in the same run. The database file
is NAIVE_DATABASE_URL (a SQLite URL the benchmark throws away).
"""

import os

from fastapi import FastAPI, Form
from fastapi.responses import RedirectResponse
from sqlalchemy import create_engine, event, text

engine = create_engine(os.environ["NAIVE_DATABASE_URL"], pool_size=16)


@event.listens_for(engine, "connect")
def _pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
        connection.execute(f"PRAGMA {pragma}")


with engine.begin() as startup:
    startup.execute(text("CREATE TABLE IF NOT EXISTS vote (id INTEGER PRIMARY KEY, choice TEXT)"))

app = FastAPI()


@app.post("/vote")
def vote(choice: str = Form()) -> RedirectResponse:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO vote (choice) VALUES (:choice)"), {"choice": choice})
    return RedirectResponse("/done", status_code=303)
