"""`python -m app.cli backup` and `restore`: a restored backup holds every ballot, on SQLite
(online backup API) and on PostgreSQL (pg_dump / pg_restore)."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from app import cli
from app.config import get_settings
from app.db import make_engine
from app.models import Ballot, RoundStatus
from tests import factories
from tests.databases import migrate, scratch_database

BALLOTS = 25


@pytest.fixture
def database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    if database_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    with scratch_database(database_url, tmp_path) as url:
        monkeypatch.setenv("MRK_DATABASE_URL", url)
        get_settings.cache_clear()
        engine = make_engine(url)
        migrate(engine)
        try:
            yield engine
        finally:
            get_settings.cache_clear()
            engine.dispose()


def _ballots(engine) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {
            (b.id, b.voter_key, str(sorted(b.marks.items()))) for b in session.exec(select(Ballot))
        }


def test_restored_backup_holds_every_ballot(database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(database) as session:
        workshop = factories.workshop(session)
        vote_round = factories.vote_round(session, workshop=workshop, status=RoundStatus.open)
        for n in range(BALLOTS):
            session.add(
                Ballot(
                    id=f"ballot{n:026d}",
                    round_id=vote_round.id or 0,
                    voter_key=f"voter-{n}",
                    stakeholder_group="resident",
                    marks={"1": n % 3},
                    receipt_hash=f"receipt-{n}",
                )
            )
        session.commit()
    before = _ballots(database)
    assert len(before) == BALLOTS

    backup_file = tmp_path / "backup.bin"
    assert cli.main(["backup", str(backup_file)]) == 0
    assert backup_file.stat().st_size > 0
    with Session(database) as session:
        session.exec(delete(Ballot))  # type: ignore[call-overload]
        session.commit()
    assert _ballots(database) == set()
    database.dispose()

    assert cli.main(["restore", "--yes", str(backup_file)]) == 0
    assert _ballots(database) == before
    if database.dialect.name == "sqlite":
        with database.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_backup_never_overwrites_and_restore_asks_first(
    database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    existing = tmp_path / "exists.bin"
    existing.write_bytes(b"keep me")
    assert cli.main(["backup", str(existing)]) == 1
    assert existing.read_bytes() == b"keep me"
    assert cli.main(["restore", str(existing)]) == 2
    assert "--yes" in capsys.readouterr().err


def test_restore_refuses_a_file_that_is_not_a_backup(
    database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all" * 100)
    assert cli.main(["restore", "--yes", str(junk)]) == 1
    assert "error:" in capsys.readouterr().err
