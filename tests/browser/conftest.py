"""A real server on loopback with its own database, and Debian's Chromium through Playwright."""

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.models import Role
from app.services import accounts
from tests.conftest import TEST_SECRET
from tests.databases import migrate, scratch_database

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
STAFF_PASSWORD = "browser-test-password"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM:
        return
    skip = pytest.mark.skip(
        reason="no chromium on PATH: install Debian's chromium package to run browser tests"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app on 127.0.0.1 with a freshly migrated database and a planner and facilitator."""
    directory: Path = tmp_path_factory.mktemp("live")
    with scratch_database(database_url, directory) as url:
        engine = make_engine(url)
        migrate(engine)
        with Session(engine) as session:
            for role in (Role.facilitator, Role.planner):
                accounts.create_account(
                    session,
                    email=f"{role.value}@browser.test",
                    password=STAFF_PASSWORD,
                    role=role,
                    display_name=f"{role.value} (browser)",
                )
            session.commit()
        engine.dispose()

        settings = Settings(database_url=url, secret_key=TEST_SECRET, cookie_secure=False)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
