"""The schema comes only from Alembic, and Alembic's result matches the models exactly."""

import json
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import make_engine
from app.models import City
from app.models.proposal import is_search_index
from tests.databases import alembic_config, scratch_database

ALL_GROUPS = ["resident", "public_agency", "business", "civil_society", "academia"]


def _json(value: object) -> object:
    """A JSON column as read by plain SQL: parsed on PostgreSQL, text on SQLite."""
    return json.loads(value) if isinstance(value, str) else value


def _outside_search_index(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # The full-text index (FTS5 table and its shadow tables on SQLite, tsvector table and GIN
    # index on PostgreSQL) is dialect-specific DDL in migration 0012, not a model.
    table = getattr(obj, "table", None)
    return not is_search_index(name) and not is_search_index(getattr(table, "name", None))


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_object": _outside_search_index}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, SQLModel.metadata)


def test_upgrade_downgrade_upgrade_without_drift(database_url: str, tmp_path: Path) -> None:
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        try:
            command.upgrade(alembic_config(url), "head")
            assert _diff(engine) == []
            with engine.connect() as connection:
                assert connection.execute(select(func.count()).select_from(City)).scalar() == 8

            command.downgrade(alembic_config(url), "base")
            assert set(inspect(engine).get_table_names()) == {"alembic_version"}

            command.upgrade(alembic_config(url), "head")
            assert _diff(engine) == []
        finally:
            engine.dispose()


def test_migrations_have_a_single_head() -> None:
    from alembic.script import ScriptDirectory

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_application_code_never_calls_create_all() -> None:
    root = Path(__file__).resolve().parent.parent / "app"
    offenders = [p for p in root.rglob("*.py") if "create_all(" in p.read_text()]
    assert offenders == []


def test_live_workshop_migration_backfills_existing_workshops(
    database_url: str, tmp_path: Path
) -> None:
    """Workshops created before migration 0003 get the default agenda and their creator as
    facilitator, and keep their data (SQLite batch mode must not cascade-delete anything)."""
    from sqlalchemy import text

    with scratch_database(database_url, tmp_path) as url:
        command.upgrade(alembic_config(url), "0002")
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO staff_account (email, display_name, password_hash, role, is_active, created_at)"
                        " VALUES ('f@example.test', 'F', 'x', 'facilitator', true, CURRENT_TIMESTAMP)"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO workshop (city_id, title, description, join_code, status, created_by_id, created_at)"
                        " SELECT id, 'เวทีเดิม', '', 'ABCDEF', 'open', 1, CURRENT_TIMESTAMP FROM city WHERE slug = 'nan'"
                    )
                )
            command.upgrade(alembic_config(url), "head")
            with engine.connect() as connection:
                workshop = connection.execute(
                    text(
                        "SELECT id, title, current_phase_id, venue, language, invited_groups,"
                        " posting_locked, event_seq FROM workshop"
                    )
                ).one()
                kinds = connection.execute(
                    text(
                        "SELECT kind FROM workshop_phase WHERE workshop_id = :w ORDER BY position"
                    ),
                    {"w": workshop.id},
                ).scalars()
                facilitators = connection.execute(
                    text("SELECT account_id FROM workshop_facilitator")
                ).scalars()
                assert list(kinds) == ["ideation", "themes", "voting", "wrap_up"]
                assert list(facilitators) == [1]
                assert workshop.title == "เวทีเดิม"
                assert (workshop.venue, workshop.language) == ("", "th")
                assert _json(workshop.invited_groups) == ALL_GROUPS
                assert workshop.current_phase_id is not None
                assert not workshop.posting_locked
                assert workshop.event_seq == 0
            assert _diff(engine) == []
        finally:
            engine.dispose()


def test_vote_migration_turns_skeleton_votes_into_approval_ballots(
    database_url: str, tmp_path: Path
) -> None:
    """Votes cast before migration 0004 (one row per voter and proposal) become one approval
    ballot per voter, on a ballot holding the workshop's proposals; downgrading brings the
    per-proposal votes back."""
    from sqlalchemy import text

    with scratch_database(database_url, tmp_path) as url:
        command.upgrade(alembic_config(url), "0003")
        engine = make_engine(url)
        statements = [
            "INSERT INTO staff_account (email, display_name, password_hash, role, is_active, created_at)"
            " VALUES ('f@example.test', 'F', 'x', 'facilitator', true, CURRENT_TIMESTAMP)",
            "INSERT INTO workshop (city_id, title, description, join_code, status, created_by_id, created_at,"
            " venue, language, invited_groups, posting_locked, event_seq)"
            " SELECT id, 'เวทีเดิม', '', 'ABCDEF', 'open', 1, CURRENT_TIMESTAMP, '', 'th', '[]', false, 0"
            " FROM city WHERE slug = 'nan'",
            "INSERT INTO proposal (city_id, workshop_id, title, description, status, created_at)"
            " SELECT city_id, id, 'ก', '', 'open', CURRENT_TIMESTAMP FROM workshop",
            "INSERT INTO proposal (city_id, workshop_id, title, description, status, created_at)"
            " SELECT city_id, id, 'ข', '', 'open', CURRENT_TIMESTAMP FROM workshop",
            "INSERT INTO vote_round (workshop_id, status, opened_at)"
            " SELECT id, 'closed', CURRENT_TIMESTAMP FROM workshop",
            "INSERT INTO vote (round_id, proposal_id, voter_key, stakeholder_group, created_at)"
            " VALUES (1, 1, 'k1', 'resident', CURRENT_TIMESTAMP), (1, 2, 'k1', 'resident', CURRENT_TIMESTAMP),"
            " (1, 2, 'k2', 'business', CURRENT_TIMESTAMP)",
        ]
        try:
            with engine.begin() as connection:
                for statement in statements:
                    connection.execute(text(statement))
            command.upgrade(alembic_config(url), "head")
            with engine.connect() as connection:
                vote_round = connection.execute(
                    text(
                        "SELECT city_id, method, status, question, eligible_groups, results_visible"
                        " FROM vote_round"
                    )
                ).one()
                assert vote_round.method == "approval"
                assert vote_round.status == "closed"
                assert vote_round.question == ""
                assert _json(vote_round.eligible_groups) == ALL_GROUPS
                # Results of a skeleton round stay hidden until staff choose to show them.
                assert vote_round.results_visible in (False, 0)
                ballot_rows = connection.execute(
                    text(
                        "SELECT voter_key, stakeholder_group, marks FROM ballot ORDER BY voter_key"
                    )
                ).all()
                on_ballot = connection.execute(
                    text("SELECT proposal_id FROM round_proposal ORDER BY position")
                ).scalars()
                assert list(on_ballot) == [1, 2]
            marks = [
                (key, group, m if isinstance(m, dict) else json.loads(m))
                for key, group, m in ballot_rows
            ]
            assert marks == [
                ("k1", "resident", {"1": 1, "2": 1}),
                ("k2", "business", {"2": 1}),
            ]
            assert _diff(engine) == []
            command.downgrade(alembic_config(url), "0003")
            with engine.connect() as connection:
                votes = connection.execute(
                    text("SELECT voter_key, proposal_id FROM vote ORDER BY voter_key, proposal_id")
                ).all()
            assert [tuple(v) for v in votes] == [("k1", 1), ("k1", 2), ("k2", 2)]
        finally:
            engine.dispose()


def test_eligibility_migration_marks_old_workshop_rounds_open_and_city_rounds_codes(
    database_url: str, tmp_path: Path
) -> None:
    """Rounds from before migration 0008: a workshop round let any joined phone vote, so it
    becomes "open" (not verified); a city-board round used codes, so it becomes "codes"."""
    from sqlalchemy import text

    with scratch_database(database_url, tmp_path) as url:
        command.upgrade(alembic_config(url), "0007")
        engine = make_engine(url)
        statements = [
            "INSERT INTO workshop (city_id, title, description, join_code, status, created_at,"
            " venue, language, invited_groups, posting_locked, event_seq)"
            " SELECT id, 'เวทีเดิม', '', 'ABCDEF', 'open', CURRENT_TIMESTAMP, '', 'th', '[]', false, 0"
            " FROM city WHERE slug = 'nan'",
            "INSERT INTO vote_round (city_id, workshop_id, question, method, status,"
            " eligible_groups, results_visible, ballot_count, created_at)"
            " SELECT city_id, id, 'ในเวที', 'dot', 'closed', '[]', false, 0, CURRENT_TIMESTAMP"
            " FROM workshop",
            "INSERT INTO vote_round (city_id, question, method, status,"
            " eligible_groups, results_visible, ballot_count, created_at)"
            " SELECT id, 'ทั้งเมือง', 'approval', 'draft', '[]', false, 0, CURRENT_TIMESTAMP"
            " FROM city WHERE slug = 'nan'",
        ]
        try:
            with engine.begin() as connection:
                for statement in statements:
                    connection.execute(text(statement))
            command.upgrade(alembic_config(url), "head")
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT question, eligibility FROM vote_round ORDER BY id")
                ).all()
            assert [tuple(r) for r in rows] == [("ในเวที", "open"), ("ทั้งเมือง", "codes")]
            assert _diff(engine) == []
            command.downgrade(alembic_config(url), "0007")
            with engine.connect() as connection:
                count = connection.execute(text("SELECT count(*) FROM vote_round")).scalar()
            assert count == 2
        finally:
            engine.dispose()


def test_plan_record_migration_makes_version_one_and_numbers_items_without_gaps(
    database_url: str, tmp_path: Path
) -> None:
    """Plans from before migration 0011 become version 1 in their state; priorities 101, 102,
    109 become 1, 2, 3 in the same order; an item's proposal becomes its first source; an
    adopted plan's items are frozen into its snapshot."""
    from sqlalchemy import text

    with scratch_database(database_url, tmp_path) as url:
        command.upgrade(alembic_config(url), "0008")
        engine = make_engine(url)
        statements = [
            "INSERT INTO proposal (city_id, title, description, status, created_at)"
            " VALUES ((SELECT id FROM city WHERE slug = 'nan'), 'ทางเท้า', '', 'agreed', CURRENT_TIMESTAMP)",
            "INSERT INTO agency (city_id, name) VALUES ((SELECT id FROM city WHERE slug = 'nan'), 'กองช่าง')",
            "INSERT INTO plan (city_id, title, status, is_demo, created_at)"
            " VALUES ((SELECT id FROM city WHERE slug = 'nan'), 'ร่าง', 'draft', false, CURRENT_TIMESTAMP),"
            " ((SELECT id FROM city WHERE slug = 'nan'), 'แผนเดิม', 'adopted', false, CURRENT_TIMESTAMP)",
            "INSERT INTO plan_item (plan_id, proposal_id, title, priority, votes, dimension, status, created_at)"
            " VALUES (1, NULL, 'ข', 109, 0, '', 'not_started', CURRENT_TIMESTAMP),"
            " (1, 1, 'ก', 101, 7, '', 'not_started', CURRENT_TIMESTAMP),"
            " (1, NULL, 'ค', 102, 0, '', 'not_started', CURRENT_TIMESTAMP)",
            "INSERT INTO plan_item (plan_id, title, priority, votes, dimension, agency_id, status, created_at)"
            " VALUES (2, 'ตลาด', 5, 0, 'economy', 1, 'on_track', CURRENT_TIMESTAMP)",
        ]
        try:
            with engine.begin() as connection:
                for statement in statements:
                    connection.execute(text(statement))
            command.upgrade(alembic_config(url), "head")
            with engine.connect() as connection:
                items = connection.execute(
                    text(
                        "SELECT title, priority, revision FROM plan_item WHERE plan_id = 1 ORDER BY priority"
                    )
                ).all()
                assert [tuple(i) for i in items] == [("ก", 1, 1), ("ค", 2, 1), ("ข", 3, 1)]
                versions = connection.execute(
                    text(
                        "SELECT plan_id, number, state, snapshot FROM plan_version ORDER BY plan_id"
                    )
                ).all()
                assert [(v.plan_id, v.number, v.state) for v in versions] == [
                    (1, 1, "draft"),
                    (2, 1, "adopted"),
                ]
                assert versions[0].snapshot is None
                frozen = _json(versions[1].snapshot)
                assert isinstance(frozen, dict)
                assert [(i["title"], i["priority"], i["agency"]) for i in frozen["items"]] == [
                    ("ตลาด", 1, "กองช่าง")
                ]
                sources = connection.execute(
                    text("SELECT item_id, proposal_id, support FROM plan_item_source")
                ).all()
                assert [(s.proposal_id, s.support) for s in sources] == [(1, None)]
                assert (
                    connection.execute(text("SELECT count(*) FROM plan_version_move")).scalar() == 2
                )
            assert _diff(engine) == []
            command.downgrade(alembic_config(url), "0008")
            command.upgrade(alembic_config(url), "head")
        finally:
            engine.dispose()
