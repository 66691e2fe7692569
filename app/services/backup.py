"""Backups that keep every ballot: SQLite through its online backup API (consistent while the
app keeps serving), PostgreSQL through pg_dump / pg_restore in their custom format."""

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, in English (CLI)."""


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump understands it (no +driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)"
        )
    # A fixed program with arguments built here (no shell): the URL comes from the settings.
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the whole database to `target` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    source = _sqlite_path(url)
    if source is None:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)])
        return
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)  # page by page, under SQLite's own locking: writers may go on


def restore(url: str, backup_file: Path) -> None:
    """Replace the database's contents with the backup's (every table, every row)."""
    if not backup_file.is_file():
        raise BackupError(f"there is no backup at {backup_file}")
    target = _sqlite_path(url)
    if target is None:
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run([*command, f"--dbname={_libpq_url(url)}", str(backup_file)])
        return
    with closing(sqlite3.connect(backup_file)) as source:
        try:
            intact = source.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        except sqlite3.DatabaseError:
            intact = False
        if not intact:
            raise BackupError(f"{backup_file} is not an intact SQLite database")
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(target)) as live:
            source.backup(live)
