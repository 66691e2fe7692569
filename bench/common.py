"""What the benchmark scripts share: a seeded database and the app in its own processes."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import make_engine  # noqa: E402
from app.models import Role, StakeholderGroup  # noqa: E402
from app.services import accounts, cities  # noqa: E402
from app.services import ideas as idea_service  # noqa: E402
from app.services import workshops as workshop_service  # noqa: E402
from tests.databases import migrate, reset_database  # noqa: E402

GROUPS = [g.value for g in StakeholderGroup]


def seed_workshop(url: str, *, ideas: int = 0) -> str:
    """Empty and migrate the database, create one workshop with `ideas` ideas from as many
    participants; returns its join code."""
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
        details = workshop_service.WorkshopDetails(city=city, title="bench workshop")
        workshop = workshop_service.create_workshop(session, details, created_by=staff)
        for i in range(ideas):
            person = workshop_service.join(
                session, workshop, workshop_service.JoinDetails(group=GROUPS[i % 5])
            )
            idea_service.post(
                session, workshop, person, f"ความคิดเห็นที่ {i} เรื่องทางเท้าและน้ำท่วม", client_key=None
            )
        session.commit()
        code = workshop.join_code
    engine.dispose()
    return code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, *, workers: int = 1) -> "subprocess.Popen[bytes]":
    """uvicorn in its own process(es), as in production, so the load generator does not share
    its interpreter."""
    env = {
        **os.environ,
        "MRK_DATABASE_URL": url,
        "MRK_SECRET_KEY": "bench-" * 8,
        "MRK_COOKIE_SECURE": "false",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
    ]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    command += ["--timeout-graceful-shutdown", "2", "--backlog", "4096"]
    return subprocess.Popen(command, env=env, cwd=ROOT)


def wait_until_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/healthz").status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")
