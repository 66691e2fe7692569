"""Real uvicorn servers on loopback for tests that need committed data, several app
instances, or a browser."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from app.config import Settings
from app.main import create_app
from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str) -> Iterator[str]:
    """Serve a fresh app instance for `database_url`; yields its base URL."""
    settings = Settings(
        database_url=database_url, secret_key=TEST_SECRET, cookie_secure=False, db_pool_warm=False
    )
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_process(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The app in its own uvicorn process (as deployed), so a test can kill it outright;
    yields its base URL and the process."""
    port = free_port()
    env = os.environ | {
        "MRK_DATABASE_URL": database_url,
        "MRK_SECRET_KEY": TEST_SECRET,
        "MRK_COOKIE_SECURE": "false",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    options = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen([*command, *options], cwd=ROOT, env=env)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the test server process did not start")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
