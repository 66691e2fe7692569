"""More requests in flight than the pool holds: each is answered, none waits out the pool's
30 s timeout (app/db.SessionSlots). On a scratch database the app's own engine sees."""

import asyncio

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.models import RoundStatus
from tests import factories

SECRET = "test-secret-key-that-is-long-enough-for-hmac"


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    """An HTTP request as a server hands it to the app."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


async def _get(app: object, path: str) -> int:
    """One GET through the whole ASGI stack."""
    statuses: list[int] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))  # type: ignore[call-overload]

    await app(_scope("GET", path, []), receive, send)  # type: ignore[operator]
    return statuses[0]


def test_forty_requests_on_two_threads_and_a_small_pool_are_all_answered(scratch_url: str) -> None:
    """A workshop page takes two thread hops (the workshop lookup, then the page) and keeps its
    connection between them. Forty at once on 2 threads and a pool of 8 (+5 overflow): without
    the slots, thirteen half-done requests held every connection while both threads waited for
    one, and nothing moved until the pool's 30 s timeout failed them."""
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        code = factories.workshop(session).join_code
        session.commit()
    engine.dispose()
    settings = Settings(
        database_url=scratch_url,
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


def test_a_ballot_body_still_arriving_holds_no_session_slot(scratch_url: str) -> None:
    """A phone on slow 3G posts a multipart form with the CSRF token in a header (htmx): no
    session slot is held while the body trickles in (app.security.csrf_protect reads it whole
    before the app-wide dependency that takes one), so slow uploads cannot take every slot.
    On SQLite a writing request waits for the write gate instead, which takes no slot."""
    engine = make_engine(scratch_url)
    with Session(engine) as session:
        workshop = factories.workshop(session)
        factories.vote_round(session, workshop=workshop, status=RoundStatus.open)
        code = workshop.join_code
        session.commit()
    engine.dispose()
    settings = Settings(database_url=scratch_url, secret_key=SECRET, cookie_secure=False)
    app = create_app(settings.model_copy(update={"db_pool_warm": False}))
    with TestClient(app) as client:
        page = client.get(f"/w/{code}")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())

    async def slow_post() -> tuple[int, int]:
        release = asyncio.Event()
        # Multipart (a form with a photo, say): unlike urlencoded and JSON bodies, which the
        # CleanIncomingText middleware reads whole, it streams through to the handler.
        part = b'--b\r\nContent-Disposition: form-data; name="client_key"\r\n\r\nk\r\n'
        chunks = [part, b"--b--\r\n"]
        path = f"/w/{code}/vote"
        scope = _scope(
            "POST",
            path,
            [
                (b"cookie", cookie.encode()),
                (b"x-csrf-token", token.encode()),
                (b"content-type", b"multipart/form-data; boundary=b"),
            ],
        )

        async def receive() -> dict[str, object]:
            if len(chunks) == 1:
                await release.wait()  # the rest of the body is still on its way
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

        statuses: list[int] = []

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(int(message["status"]))  # type: ignore[call-overload]

        async with app.router.lifespan_context(app):
            request = asyncio.ensure_future(app(scope, receive, send))
            for _ in range(50):  # until the request waits for the rest of its body
                await asyncio.sleep(0.01)
            held_while_uploading = app.state.session_slots.in_use()
            release.set()
            await asyncio.wait_for(request, timeout=20)
        return held_while_uploading, statuses[0]

    held, status = asyncio.run(slow_post())
    app.state.engine.dispose()
    assert held == 0
    assert status in (303, 422)  # answered (an empty ballot is refused, not lost)
