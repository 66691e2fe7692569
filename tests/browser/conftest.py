"""A real server on loopback with its own database, and Debian's Chromium through Playwright."""

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from app.db import make_engine
from app.domain.rate_limit import PostingLimit
from app.models import Role
from app.services import accounts
from app.services import ideas as idea_service
from tests.databases import migrate, scratch_database
from tests.servers import serve

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
LIVE_DATABASES: dict[str, str] = {}  # base URL -> database URL, for tests that seed rows


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM:
        return
    skip = pytest.mark.skip(
        reason="no chromium on PATH: install Debian's chromium package to run browser tests"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app on 127.0.0.1 with a freshly migrated database, a planner and a facilitator.

    A test types faster than a person, so the per-participant posting limit is lifted here.
    """
    directory: Path = tmp_path_factory.mktemp("live")
    with scratch_database(database_url, directory) as url, pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            idea_service, "POSTING_LIMIT", PostingLimit(max_posts=1000, min_interval=timedelta(0))
        )
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
        with serve(url) as base:
            LIVE_DATABASES[base] = url
            yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
