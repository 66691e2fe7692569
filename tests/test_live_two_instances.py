"""An idea posted through one app instance reaches a listener on another: live updates go
through the database, not through one process's memory."""

import re
import threading
from pathlib import Path

import httpx2
from sqlmodel import Session

from app.db import make_engine
from app.models import Role
from tests import factories
from tests.databases import migrate, scratch_database
from tests.servers import serve

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_idea_posted_on_one_instance_reaches_a_listener_on_another(
    database_url: str, tmp_path: Path
) -> None:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        with Session(engine) as session:
            workshop = factories.workshop(
                session, facilitators=[factories.account(session, role=Role.facilitator)]
            )
            code = workshop.join_code
        engine.dispose()

        with serve(url) as first, serve(url) as second:
            received: list[str] = []
            connected = threading.Event()

            def listen() -> None:
                with (
                    httpx2.Client(timeout=10) as client,
                    client.stream("GET", f"{second}/w/{code}/events") as stream,
                ):
                    connected.set()
                    for line in stream.iter_lines():
                        received.append(line)
                        if "ไอเดียข้ามเครื่อง" in line:
                            return

            listener = threading.Thread(target=listen, daemon=True)
            listener.start()
            assert connected.wait(5)

            with httpx2.Client(base_url=first, follow_redirects=False, timeout=10) as phone:
                token = CSRF.search(phone.get(f"/w/{code}").text)
                assert token
                joined = phone.post(
                    f"/w/{code}/participants",
                    data={"stakeholder_group": "resident", "csrf_token": token.group(1)},
                )
                assert joined.status_code == 303
                sent = phone.post(
                    f"/w/{code}/ideas", data={"text": "ไอเดียข้ามเครื่อง", "csrf_token": token.group(1)}
                )
                assert sent.status_code == 303

            listener.join(timeout=5)
            assert any("ไอเดียข้ามเครื่อง" in line for line in received), received
            ids = [int(line.split(": ")[1]) for line in received if line.startswith("id: ")]
            assert ids == sorted(set(ids))  # in order, none twice
