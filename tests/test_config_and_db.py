"""Settings from the environment, and what every SQLite connection is set up with."""

from pathlib import Path

import pytest
from sqlalchemy import text

from app.config import Settings
from app.db import make_engine


def test_database_url_from_either_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MRK_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/one")
    assert Settings().database_url == "postgresql+psycopg://db/one"
    monkeypatch.setenv("MRK_DATABASE_URL", "postgresql+psycopg://db/two")
    assert Settings().database_url == "postgresql+psycopg://db/two"


def test_defaults_are_sqlite_under_data_and_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "MRK_DATABASE_URL", "MRK_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(secret_key="k" * 40)
    assert settings.database_url == "sqlite:///data/mueang_ruam_kit.db"
    assert settings.cookie_secure is True


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    assert (tmp_path / "nested" / "x.db").exists()


def test_sqlite_transactions_roll_back_and_savepoints_work(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
    with engine.connect() as connection:
        with connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
            nested = connection.begin_nested()
            connection.execute(text("INSERT INTO t VALUES (2)"))
            nested.rollback()
        transaction = connection.begin()
        connection.execute(text("INSERT INTO t VALUES (3)"))
        transaction.rollback()
        assert connection.execute(text("SELECT v FROM t")).scalars().all() == [1]
    engine.dispose()
