"""Creating, migrating and throwing away test databases on SQLite and PostgreSQL."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    if url is not None:
        config.attributes["url"] = url
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the migrations as `alembic upgrade` does, on the engine's database."""
    command.upgrade(alembic_config(engine.url.render_as_string(hide_password=False)), revision)


def reset_database(url: str) -> None:
    """Empty the database so the session starts from `alembic upgrade head` on nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    admin.dispose()


@contextmanager
def scratch_database(base_url: str, directory: Path) -> Iterator[str]:
    """A new, empty database beside the test one: a file for SQLite, a database for PostgreSQL."""
    parsed = make_url(base_url)
    if parsed.get_backend_name() == "sqlite":
        yield f"sqlite:///{directory / f'scratch-{uuid.uuid4().hex}.db'}"
        return
    name = f"mrk_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
