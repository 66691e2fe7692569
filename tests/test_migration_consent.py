"""Migration 0009 moves each participant's consent flag into a consent record, and back."""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from app.db import make_engine
from tests.databases import alembic_config, migrate, scratch_database


def test_consent_flags_become_consent_records(database_url: str, tmp_path: Path) -> None:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate(engine, "0008")
            given = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
            with engine.begin() as connection:
                city = connection.execute(sa.text("SELECT min(id) FROM city")).scalar_one()
                connection.execute(
                    sa.text(
                        "INSERT INTO workshop (city_id, title, description, venue, language, "
                        "invited_groups, join_code, status, posting_locked, event_seq, "
                        "created_at) VALUES (:city, 'w', '', '', 'th', '[]', 'ABCDEF', 'open', "
                        "false, 0, :at)"
                    ),
                    {"city": city, "at": given},
                )
                workshop = connection.execute(sa.text("SELECT id FROM workshop")).scalar_one()
                insert = sa.text(
                    "INSERT INTO participant (workshop_id, token, stakeholder_group, community, "
                    "consent_at, consent_version, created_at) VALUES (:w, :token, 'resident', "
                    ":community, :consent_at, :version, :at)"
                )
                connection.execute(
                    insert,
                    [
                        {
                            "w": workshop,
                            "token": "t1",
                            "community": "ชุมชนก",
                            "consent_at": given,
                            "version": "2026-11",
                            "at": given,
                        },
                        {
                            "w": workshop,
                            "token": "t2",
                            "community": None,
                            "consent_at": None,
                            "version": None,
                            "at": given,
                        },
                    ],
                )
            migrate(engine, "0009")
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text(
                        "SELECT p.token, c.purpose, c.notice_version, c.withdrawn_at "
                        "FROM consent_record c JOIN participant p ON p.id = c.participant_id"
                    )
                ).all()
            assert [tuple(r) for r in rows] == [("t1", "demographics", "2026-11", None)]
            with engine.connect() as connection:
                references = connection.execute(sa.text("SELECT reference FROM participant"))
                assert len({r for (r,) in references if r and len(r) == 8}) == 2

            command.downgrade(alembic_config(url), "0008")
            with engine.connect() as connection:
                back = connection.execute(
                    sa.text("SELECT token, consent_version FROM participant ORDER BY token")
                ).all()
            assert [tuple(r) for r in back] == [("t1", "2026-11"), ("t2", None)]
        finally:
            engine.dispose()
