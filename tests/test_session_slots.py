"""More requests in flight than the pool holds: each is answered, none waits out the pool's
30 s timeout (app/db.SessionSlots). On a scratch database the app's own engine sees."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from tests import factories
from tests.databases import migrate, scratch_database

SECRET = "test-secret-key-that-is-long-enough-for-hmac"


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with scratch_database(database_url, tmp_path) as scratch:
        engine = make_engine(scratch)
        migrate(engine)
        engine.dispose()
        yield scratch


async def _get(app: object, path: str) -> int:
    """One GET through the whole ASGI stack, as a server would make it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    statuses: list[int] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))  # type: ignore[call-overload]

    await app(scope, receive, send)  # type: ignore[operator]
    return statuses[0]


def test_forty_requests_on_two_threads_and_a_small_pool_are_all_answered(url: str) -> None:
    """A workshop page takes two thread hops (the workshop lookup, then the page) and keeps its
    connection between them. Forty at once on 2 threads and a pool of 8 (+5 overflow): without
    the slots, thirteen half-done requests held every connection while both threads waited for
    one, and nothing moved until the pool's 30 s timeout failed them."""
    engine = make_engine(url)
    with Session(engine) as session:
        code = factories.workshop(session).join_code
        session.commit()
    engine.dispose()
    settings = Settings(
        database_url=url,
        secret_key=SECRET,
        cookie_secure=False,
        db_pool_warm=False,
        worker_threads=2,
        db_pool_size=8,
    )
    app = create_app(settings)

    async def burst() -> list[int]:
        async with app.router.lifespan_context(app):
            # A hang detector, not a speed test: the answers take well under a second.
            return await asyncio.wait_for(
                asyncio.gather(*(_get(app, f"/w/{code}") for _ in range(40))), timeout=20
            )

    statuses = asyncio.run(burst())
    app.state.engine.dispose()
    assert statuses == [200] * 40
