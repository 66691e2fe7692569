"""Test database (SQLite, or PostgreSQL with TEST_DATABASE_URL), built by Alembic, one
transaction per test rolled back afterwards; app and client fixtures on top."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from tests.databases import migrate, reset_database, scratch_database
from tests.helpers import app_on

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hmac"


def pytest_report_header() -> str:
    return f"database: {TEST_DATABASE_URL or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    reset_database(database_url)
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new migrated database of the run's kind, for tests whose app commits for real (its own
    engine, pool and threads, not the rolled-back test session)."""
    with scratch_database(database_url, tmp_path) as scratch:
        engine = make_engine(scratch)
        migrate(engine)
        engine.dispose()
        yield scratch


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside a transaction that is rolled back."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, secret_key=TEST_SECRET, cookie_secure=False, db_pool_warm=False
    )


@pytest.fixture
def app(settings: Settings, db: Session) -> Iterator[FastAPI]:
    application = app_on(settings, db)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
