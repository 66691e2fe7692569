"""python -m app.cli recount on real-shaped election files, and on a round of ours downloaded
as Pabulib and PrefLib."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import cli
from app.domain.voting import Method
from app.models import RoundStatus
from tests import factories
from tests.helpers import join, login, post

FIXTURES = Path(__file__).parent / "fixtures" / "elections"


def _recount(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert cli.main(["recount", *args]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_recount_a_pabulib_approval_file(capsys: pytest.CaptureFixture[str]) -> None:
    result = _recount(capsys, "--pb", str(FIXTURES / "district_approval.pb"))
    assert result["method"] == "budget"
    assert result["ballots"] == 6
    assert set(result["rules"]) == {"greedy", "equal_shares"}
    assert result["rules"]["greedy"]["winners"] == ["P01", "P03", "P04"]
    assert result["rules"]["greedy"]["ranking"][0] == {"proposal_id": "P01", "score": 5}
    assert "blank" not in result


def test_recount_pabulib_cumulative_and_ordinal_files(capsys: pytest.CaptureFixture[str]) -> None:
    dots = _recount(capsys, "--pb", str(FIXTURES / "park_cumulative.pb"))
    assert (dots["method"], dots["ballots"]) == ("dot", 5)
    assert dots["rules"]["dots"]["winners"] == ["K1", "K2"]
    ranked = _recount(capsys, "--pb", str(FIXTURES / "canal_ordinal.pb"))
    assert (ranked["method"], ranked["ballots"]) == ("ranked", 6)
    assert ranked["rules"]["borda"]["winners"] == [15034]
    assert ranked["rules"]["schulze"]["winners"] == [15034]


@pytest.mark.parametrize(
    ("name", "ballots", "borda", "schulze"),
    [("market.soc", 9, [1], [1]), ("market.soi", 8, [1], [3]), ("market.toc", 7, [2], [3])],
)
def test_recount_preflib_files(
    capsys: pytest.CaptureFixture[str],
    name: str,
    ballots: int,
    borda: list[int],
    schulze: list[int],
) -> None:
    result = _recount(capsys, "--preflib", str(FIXTURES / name))
    assert (result["method"], result["ballots"]) == ("ranked", ballots)
    assert result["rules"]["borda"]["winners"] == borda
    assert result["rules"]["schulze"]["winners"] == schulze


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (
            ["--pb", "{path}"],
            "META\nkey;value\nbudget;x\nPROJECTS\nproject_id;cost\nA;1\nVOTES\nvoter_id;vote\n",
            "META 'budget' must be a whole number",
        ),
        (
            ["--pb", "{path}"],
            "META\nkey;value\nPROJECTS\nid;cost\n",
            "line 4: the PROJECTS header needs a 'project_id'",
        ),
        (["--preflib", "{path}.toc"], "# NUMBER ALTERNATIVES: 3\n1: {1,2},3\n", "tied"),
        (["--preflib", "{path}.txt"], "1: 1\n", "a PrefLib file is .soc, .soi, .toc or .toi"),
        (["--pb", "{path}", "--preflib", "{path}.soc"], "", "give BALLOTS.csv"),
        (["{path}"], "", "our own files come in pairs"),
        (["--pb", "{path}.missing"], None, "cannot read"),
    ],
)
def test_recount_refuses_bad_files_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "election"
    argv = [a.replace("{path}", str(path)) for a in args]
    if content is not None:
        for a in argv:
            if not a.startswith("--"):
                Path(a).write_text(content, encoding="utf-8")
    assert cli.main(["recount", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1


def test_recount_refuses_a_non_utf8_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.soi").write_bytes("# ALTERNATIVE NAME 1: ก\n".encode("tis-620"))
    assert cli.main(["recount", "--preflib", str(tmp_path / "x.soi")]) == 2
    assert "UTF-8" in capsys.readouterr().err


def test_recount_of_a_broken_file_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nvote_type;approval\nbudget;10\nPROJECTS\n"
        "project_id;cost\nA;5\nVOTES\nvoter_id;vote\n1;B\n",
        encoding="utf-8",
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "app.cli", "recount", "--pb", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 2
    assert done.stderr == f"error: {bad}: line 10: project 'B' is not in PROJECTS\n"


# --- our own rounds, downloaded in the field's formats ----------------------------------


def _closed_round(client: TestClient, db: Session, method: Method, votes, **limits):  # type: ignore[no-untyped-def]
    facilitator = factories.account(db)
    workshop = factories.workshop(db, facilitators=[facilitator])
    proposals = [factories.proposal(db, workshop=workshop, title=f"ข้อเสนอ; {i}") for i in range(3)]
    vote_round = factories.vote_round(
        db, workshop=workshop, proposals=proposals, method=method, status=RoundStatus.open, **limits
    )
    for n, (group, marks) in enumerate(votes):
        with TestClient(client.app, follow_redirects=False) as phone:  # type: ignore[arg-type]
            join(phone, workshop, group=group)
            fields = {f"p{proposals[i].id}": str(v) for i, v in marks.items()}
            response = post(
                phone, f"/w/{workshop.join_code}/vote", {**fields, "client_key": f"k{n}"}
            )
            assert response.status_code == 303
    login(client, facilitator)
    return vote_round, proposals


def test_budget_round_as_pabulib_recounts_to_the_frozen_result(
    client: TestClient, db: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = [("resident", {0: 1, 2: 1}), ("business", {1: 1}), ("resident", {0: 1})]
    vote_round, _ = _closed_round(client, db, Method.budget, votes, budget=100, costs=[60, 50, 40])
    url = f"/staff/rounds/{vote_round.id}/round.pb"
    assert client.get(url).status_code == 409  # still open: the ballots are not final
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 303
    )
    response = client.get(url)
    assert response.status_code == 200
    assert f'filename="round-{vote_round.id}.pb"' in response.headers["content-disposition"]
    assert "max_sum_cost;100" in response.text
    (tmp_path / "round.pb").write_text(response.text, encoding="utf-8")
    recounted = _recount(capsys, "--pb", str(tmp_path / "round.pb"))
    db.refresh(vote_round)
    frozen = vote_round.result or {}
    assert recounted["ballots"] == 3
    assert recounted["digest"] == vote_round.digest
    for rule in ("greedy", "equal_shares"):
        assert recounted["rules"][rule]["winners"] == frozen["rules"][rule]["winners"]
        assert [(r["proposal_id"], r["score"]) for r in recounted["rules"][rule]["ranking"]] == [
            (r["proposal_id"], r["score"]) for r in frozen["rules"][rule]["ranking"]
        ]
    assert client.get(f"/staff/rounds/{vote_round.id}/round.soi").status_code == 404


def test_ranked_round_as_preflib_recounts_to_the_frozen_result(
    client: TestClient, db: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    votes = [
        ("resident", {1: 1, 0: 2}),
        ("business", {1: 1, 0: 2}),
        ("resident", {2: 1}),
        ("resident", {0: 1, 2: 2, 1: 3}),
    ]
    vote_round, proposals = _closed_round(client, db, Method.ranked, votes)
    assert (
        post(client, f"/staff/rounds/{vote_round.id}/close", {"confirm": "yes"}).status_code == 303
    )
    response = client.get(f"/staff/rounds/{vote_round.id}/round.soi")
    assert response.status_code == 200
    assert "# DATA TYPE: soi" in response.text
    (tmp_path / "round.soi").write_text(response.text, encoding="utf-8")
    recounted = _recount(capsys, "--preflib", str(tmp_path / "round.soi"))
    db.refresh(vote_round)
    frozen = vote_round.result or {}
    # PrefLib numbers alternatives 1..m in ballot order
    number = {p.id: k for k, p in enumerate(proposals, start=1)}
    assert recounted["ballots"] == 4
    for rule in ("borda", "schulze"):
        assert recounted["rules"][rule]["winners"] == [
            number[pid] for pid in frozen["rules"][rule]["winners"]
        ]
        assert [r["score"] for r in recounted["rules"][rule]["ranking"]] == [
            r["score"] for r in frozen["rules"][rule]["ranking"]
        ]
    assert client.get(f"/staff/rounds/{vote_round.id}/round.pb").status_code == 404
