from pathlib import Path

import pytest
from sqlmodel import Session, select

from app import cli
from app.config import get_settings
from app.db import make_engine
from app.models import Idea, Plan, ProgressReport, Role, StaffAccount, VoteRound, Workshop
from app.security import verify_password
from tests.databases import migrate, scratch_database


@pytest.fixture
def cli_database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url)
        migrate(engine)
        monkeypatch.setenv("MRK_DATABASE_URL", url)
        monkeypatch.setenv("MRK_SECRET_KEY", "k" * 40)
        get_settings.cache_clear()
        try:
            yield engine
        finally:
            get_settings.cache_clear()
            engine.dispose()


def test_create_user_hashes_the_password(cli_database, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    args = [
        "create-user",
        "--role",
        "admin",
        "--email",
        "Chief@City.go.th",
        "--password",
        "a long password",
    ]
    assert cli.main(args) == 0
    assert "created admin account chief@city.go.th" in capsys.readouterr().out
    with Session(cli_database) as session:
        account = session.exec(select(StaffAccount)).one()
    assert account.role == Role.admin
    assert account.password_hash.startswith("$argon2")
    assert verify_password(account.password_hash, "a long password")


def test_create_user_refuses_duplicates_and_short_passwords(
    cli_database, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    base = ["create-user", "--role", "planner", "--email", "p@city.go.th"]
    assert cli.main([*base, "--password", "short"]) == 2
    assert cli.main([*base, "--password", "long enough password"]) == 0
    assert cli.main([*base, "--password", "long enough password"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_sign_out_ends_every_session_of_an_account(
    cli_database, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    base = ["create-user", "--role", "facilitator", "--email", "f@city.go.th"]
    assert cli.main([*base, "--password", "long enough password"]) == 0
    assert cli.main(["sign-out", "--email", "F@city.go.th"]) == 0
    assert cli.main(["sign-out", "--email", "nobody@city.go.th"]) == 1
    assert "no account" in capsys.readouterr().err
    with Session(cli_database) as session:
        assert session.exec(select(StaffAccount.session_version)).one() == 1


def test_create_user_rejects_unknown_role(cli_database) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        cli.main(
            ["create-user", "--role", "mayor", "--email", "m@city.go.th", "--password", "x" * 12]
        )


def test_demo_is_idempotent_and_prints_logins(
    cli_database, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["demo"]) == 0
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "facilitator@demo.example / demo-password" in out
    with Session(cli_database) as session:
        assert len(session.exec(select(Workshop)).all()) == 1
        ideas = session.exec(select(Idea)).all()
        assert len(ideas) == 5
        assert {i.channel for i in ideas} == {"phone", "paper"}
        roles = sorted(a.role for a in session.exec(select(StaffAccount)).all())
        assert roles == ["admin", "agency", "facilitator", "planner"]
        plans = session.exec(select(Plan).where(Plan.is_demo)).all()
        assert len(plans) == 4  # four demo cities, each clearly marked
        assert session.exec(select(ProgressReport)).first() is not None
        rounds = session.exec(select(VoteRound)).all()
        assert sorted(r.status for r in rounds) == ["closed", "draft"]


def test_recount_reads_the_two_exported_files(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """The command line recount agrees with the pure tally on a small budget vote."""
    import json

    from app.domain import ballot_files
    from app.domain.voting import Ballot, Method, RoundRules, tally

    rules = RoundRules(
        method=Method.budget, proposal_ids=(1, 2, 3), budget=100, costs={1: 60, 2: 50, 3: 40}
    )
    ballots = [
        Ballot("a", "resident", {1: 1, 3: 1}),
        Ballot("b", "business", {2: 1}),
        Ballot("c", "resident", {1: 1}),
    ]
    (tmp_path / "b.csv").write_text("\ufeff" + ballot_files.ballots_csv(ballots), encoding="utf-8")
    (tmp_path / "r.json").write_text(
        ballot_files.round_json(rules, {1: "ก", 2: "ข", 3: "ค"}), encoding="utf-8"
    )
    code = cli.main(["recount", str(tmp_path / "b.csv"), "--round-json", str(tmp_path / "r.json")])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["method"] == "budget"
    expected = tally(rules, ballots)
    for rule in ("greedy", "equal_shares"):
        assert printed["rules"][rule]["winners"] == list(expected[rule].winners)
        assert [r["proposal_id"] for r in printed["rules"][rule]["ranking"]] == [
            r.proposal_id for r in expected[rule].ranking
        ]


def test_recount_explains_a_broken_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "b.csv").write_text("ballot_id,stakeholder_group\nx,resident\n", encoding="utf-8")
    (tmp_path / "r.json").write_text('{"method": "approval", "proposals": []}', encoding="utf-8")
    code = cli.main(["recount", str(tmp_path / "b.csv"), "--round-json", str(tmp_path / "r.json")])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert cli.main(["recount", str(tmp_path / "nope.csv"), "--round-json", "x.json"]) == 2
