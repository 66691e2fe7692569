"""Pabulib and PrefLib files: our fixtures against pabutools and pref_voting, our writers read
back by us and by the field's own readers, and clear refusals."""

from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import greedy_utilitarian_welfare
from pref_voting.io.readers import preflib_to_profile
from pref_voting.margin_based_methods import beat_path
from pref_voting.scoring_methods import domination_borda_scores
from preflibtools.instances import OrdinalInstance

from app.domain.election_formats import (
    NO_GROUP,
    ElectionFileError,
    pabulib_text,
    preflib_soi,
    read_pabulib,
    read_preflib,
)
from app.domain.voting import Ballot, Method, RoundRules, tally

FIXTURES = Path(__file__).parent.parent / "fixtures" / "elections"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- Pabulib ----------------------------------------------------------------------------


def test_read_pabulib_approval_with_text_ids_and_a_ballot_over_the_budget() -> None:
    election = read_pabulib(_fixture("district_approval.pb"))
    rules = election.rules
    assert rules.method is Method.budget
    assert rules.proposal_ids == ("P01", "P02", "P03", "P04", "P05")
    assert rules.budget == 400000
    assert rules.max_sum_cost is None  # no max_sum_cost in META: ballots are not capped
    assert (rules.min_approvals, rules.max_approvals) == (1, 4)
    assert election.titles["P05"] == "Benches; shade"
    assert election.titles["P02"] == 'ไฟส่องสว่าง "หน้าตลาด"'
    assert len(election.ballots) == 6
    over = next(b for b in election.ballots if b.ballot_id == "1004")
    assert sum(rules.costs[pid] for pid in over.values) == 540000
    assert {b.stakeholder_group for b in election.ballots} == {NO_GROUP}
    results = tally(rules, election.ballots)
    # P02 and P03 tie on 3 approvals: "P02" comes first and does not fit after P01
    assert results["greedy"].winners == ("P01", "P03", "P04")


def test_pabulib_approval_fixture_agrees_with_pabutools() -> None:
    text = _fixture("district_approval.pb")
    instance, profile = parse_pabulib_from_string(text)
    outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    ours = tally(read_pabulib(text).rules, read_pabulib(text).ballots)["greedy"].winners
    assert sorted(p.name for p in outcome) == sorted(ours)


def test_read_pabulib_cumulative_as_dots() -> None:
    election = read_pabulib(_fixture("park_cumulative.pb"))
    assert election.rules.method is Method.dot
    assert (election.rules.dots_per_voter, election.rules.max_dots_per_proposal) == (10, 6)
    ranking = tally(election.rules, election.ballots)["dots"].ranking
    assert [(i.proposal_id, i.score, i.rank) for i in ranking] == [
        ("K1", 13, 1),
        ("K2", 13, 1),
        ("K4", 12, 3),
        ("K3", 11, 4),
    ]
    # the PROJECTS score column that Pabulib files carry says the same
    instance, profile = parse_pabulib_from_string(_fixture("park_cumulative.pb"))
    totals = {p.name: sum(b[p] for b in profile if p in b) for p in instance}
    assert totals == {str(i.proposal_id): i.score for i in ranking}


def test_read_pabulib_ordinal_as_ranks_agrees_with_pref_voting() -> None:
    election = read_pabulib(_fixture("canal_ordinal.pb"))
    assert election.rules.method is Method.ranked
    assert election.rules.proposal_ids == (15034, 15035, 15036, 15040)
    assert election.rules.max_ranks == 3
    results = tally(election.rules, election.ballots)
    profile = _pref_voting(election.rules, election.ballots)
    assert {i.proposal_id: i.score for i in results["borda"].ranking} == {
        c: int(s) for c, s in domination_borda_scores(profile).items()
    }
    assert sorted(results["schulze"].winners) == sorted(beat_path(profile))


def _pref_voting(rules: RoundRules, ballots: list[Ballot]):  # type: ignore[no-untyped-def]
    from pref_voting.profiles_with_ties import ProfileWithTies

    profile = ProfileWithTies(
        [dict(b.values) for b in ballots], candidates=list(rules.proposal_ids)
    )
    profile.use_extended_strict_preference()
    return profile


def test_read_pabulib_caps_only_when_max_sum_cost_says_so() -> None:
    capped = _fixture("district_approval.pb").replace(
        "budget;400000\n", "budget;400000\nmax_sum_cost;400000\n"
    )
    with pytest.raises(
        ElectionFileError,
        match=r"line 29: voter '1001': the selection costs 420000, more than the 400000",
    ) as caught:
        read_pabulib(capped)
    assert caught.value.code == "bad_ballot"
    assert caught.value.params["line"] == 29


def test_read_pabulib_skips_and_counts_blank_votes() -> None:
    text = _fixture("district_approval.pb").replace("1006;P01;19", "1006;;19")
    text = text.replace("min_length;1\n", "")
    election = read_pabulib(text)
    assert (len(election.ballots), election.blank) == (5, 1)


def _pb(
    meta: str = "budget;100\nvote_type;approval\n",
    projects: str = "1;60\n2;50\n",
    votes: str = "a;1\n",
) -> str:
    return (
        f"META\nkey;value\n{meta}PROJECTS\nproject_id;cost\n{projects}VOTES\nvoter_id;vote\n{votes}"
    )


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("", "empty", None),
        ("a;b\n", "no_section", 1),
        (_pb().replace("PROJECTS", "VOTES", 1), "section_order", 5),
        ("META\nkey;value\nbudget;1\n", "missing_section", None),
        (_pb().replace("project_id;cost", "id;cost"), "missing_column", 6),
        (_pb(meta="budget;100\nvote_type;scoring\n"), "unknown_vote_type", None),
        (_pb(meta="vote_type;approval\n"), "approval_without_budget", None),
        (_pb(meta="budget;lots\n"), "bad_meta", None),
        (_pb(projects="1;60\n1;50\n"), "duplicate_project", 8),
        (_pb(projects="1;60\n" + "x" * 65 + ";50\n"), "bad_id", 8),
        (_pb(projects="1;60\n2;1,5\n"), "bad_cost", 8),
        (_pb(projects="1;60\n2\n"), "short_row", 8),
        (_pb(votes="a;1\na;2\n"), "duplicate_voter", 12),
        (_pb(votes=";1\n"), "bad_voter", 11),
        (_pb(votes="a;3\n"), "unknown_project", 11),
        (_pb(votes="a;1,1\n"), "repeated_project", 11),
        (
            _pb(meta="budget;100\nvote_type;approval\nmax_length;1\n", votes="a;1,2\n"),
            "bad_ballot",
            12,
        ),
        (
            _pb(meta="budget;100\nvote_type;cumulative\n", votes="a;1,2;5\n").replace(
                "voter_id;vote", "voter_id;vote;points"
            ),
            "points_mismatch",
            11,
        ),
    ],
)
def test_bad_pabulib_files_get_a_coded_one_line_error(
    text: str, code: str, line: int | None
) -> None:
    with pytest.raises(ElectionFileError) as caught:
        read_pabulib(text)
    assert caught.value.code == code
    assert caught.value.params.get("line") == line
    assert "\n" not in str(caught.value)


def test_pabulib_writer_round_trips_and_pabutools_reads_it() -> None:
    rules = RoundRules(
        Method.budget, (12, 7, 30), budget=100, costs={12: 60, 7: 50, 30: 40}, max_sum_cost=100
    )
    ballots = [
        Ballot("b2", "resident", {12: 1, 30: 1}),
        Ballot("b1", "business", {7: 1}),
        Ballot("b3", "resident", {12: 1}),
    ]
    titles = {12: "ซ่อมทางเท้า; ซอย 5", 7: 'ไฟ "หน้าตลาด"', 30: "ลอกคลอง\nป้องกันน้ำท่วม"}
    text = pabulib_text(rules, ballots, titles, {"description": "ควรทำอะไรก่อน", "unit": None})
    election = read_pabulib(text)
    assert election.rules == rules
    assert sorted(election.ballots, key=lambda b: b.ballot_id) == sorted(
        ballots, key=lambda b: b.ballot_id
    )
    assert election.titles[30] == "ลอกคลอง ป้องกันน้ำท่วม"
    assert tally(election.rules, election.ballots) == tally(rules, ballots)
    instance, profile = parse_pabulib_from_string(text)
    assert instance.budget_limit == 100
    assert {p.name: p.cost for p in instance} == {"12": 60, "7": 50, "30": 40}
    assert len(profile) == 3
    assert instance.meta["description"] == "ควรทำอะไรก่อน"
    assert "unit" not in instance.meta


def test_pabulib_writer_leaves_an_uncapped_round_uncapped() -> None:
    rules = RoundRules(Method.budget, ("P1", "P2"), budget=10, costs={"P1": 8, "P2": 9})
    ballots = [Ballot("a", "all", {"P1": 1, "P2": 1})]
    text = pabulib_text(rules, ballots, {})
    assert "max_sum_cost" not in text
    assert read_pabulib(text).rules.max_sum_cost is None


def test_pabulib_writer_is_for_budget_rounds() -> None:
    with pytest.raises(ElectionFileError, match="this round is a ranked vote"):
        pabulib_text(RoundRules(Method.ranked, (1, 2)), [], {})


# --- PrefLib ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["market.soc", "market.soi", "market.toc"])
def test_preflib_fixtures_agree_with_pref_voting(name: str) -> None:
    election = read_preflib(_fixture(name), Path(name).suffix)
    assert election.rules.proposal_ids == (1, 2, 3, 4)
    assert election.titles[3] == "Night market"
    results = tally(election.rules, election.ballots)
    profile = preflib_to_profile(str(FIXTURES / name))
    profile.use_extended_strict_preference()
    # pref_voting reads a tie at the bottom as a tie; ours reads it as "not ranked": same
    assert {i.proposal_id: i.score for i in results["borda"].ranking} == {
        c: int(s) for c, s in domination_borda_scores(profile).items()
    }
    assert sorted(results["schulze"].winners) == sorted(beat_path(profile))


def test_preflib_counts_repeat_ballots() -> None:
    election = read_preflib(_fixture("market.soc"), "soc")
    assert len(election.ballots) == 9
    assert election.ballots[0].values == {1: 1, 3: 2, 2: 3, 4: 4}


HEAD = "# NUMBER ALTERNATIVES: 3\n"


@pytest.mark.parametrize(
    ("text", "kind", "code", "line"),
    [
        (HEAD + "2: 1,2\n", "csv", "unknown_kind", None),
        ("2: 1,2\n", "soi", "no_alternatives", None),
        (HEAD + "# no colon here\n", "soi", "bad_header", 2),
        (HEAD + "1,2\n", "soi", "bad_order_line", 2),
        (HEAD + "0: 1,2\n", "soi", "bad_count", 2),
        (HEAD + "x: 1,2\n", "soi", "bad_count", 2),
        (HEAD + "1: 1,{2,3\n", "toc", "bad_braces", 2),
        (HEAD + "1: 1,a\n", "soi", "bad_alternative", 2),
        (HEAD + "1: 1,4\n", "soi", "unknown_alternative", 2),
        (HEAD + "1: 1,2,1\n", "soi", "repeated_alternative", 2),
        (HEAD + "1: 1,{2,3}\n", "soc", "tie_in_strict", 2),
        (HEAD + "1: {1,2},3\n", "toc", "tie_not_counted", 2),
        (HEAD + "1: 1,{2,3}\n1: {1,2}\n", "toi", "tie_not_counted", 3),
        (HEAD + "1: {1,2,3}\n", "toc", "empty_ranking", 2),
    ],
)
def test_bad_preflib_files_get_a_coded_one_line_error(
    text: str, kind: str, code: str, line: int | None
) -> None:
    with pytest.raises(ElectionFileError) as caught:
        read_preflib(text, kind)
    assert caught.value.code == code
    assert caught.value.params.get("line") == line
    assert "\n" not in str(caught.value)


def test_a_tie_that_leaves_alternatives_out_is_refused_with_the_reason() -> None:
    with pytest.raises(ElectionFileError, match=r"line 2: alternatives \{2,3\} are tied; Borda"):
        read_preflib("# NUMBER ALTERNATIVES: 4\n1: 1,{2,3}\n", "toi")


def test_preflib_writer_is_read_by_us_and_by_preflibtools() -> None:
    rules = RoundRules(Method.ranked, (42, 17, 8))
    ballots = [
        Ballot("a", "resident", {17: 1, 42: 2}),
        Ballot("b", "business", {17: 1, 42: 2}),
        Ballot("c", "resident", {8: 1}),
    ]
    titles = {42: "ทางเท้า", 17: "ไฟถนน", 8: "ลอกคลอง"}
    text = preflib_soi(rules, ballots, titles, "ควรทำอะไรก่อน", "round-5.soi")
    assert text.splitlines()[-2:] == ["2: 2,1", "1: 3"]
    assert "# ALTERNATIVE NAME 2: ไฟถนน (proposal 17)" in text
    election = read_preflib(text, "soi")
    ours = tally(rules, ballots)
    theirs = tally(election.rules, election.ballots)
    number = {42: 1, 17: 2, 8: 3}
    for rule in ("borda", "schulze"):
        assert [number[pid] for pid in ours[rule].winners] == list(theirs[rule].winners)
    instance = OrdinalInstance()
    instance.parse_str(text, "soi")
    assert instance.num_alternatives == 3
    assert instance.num_voters == 3
    assert instance.multiplicity[((2,), (1,))] == 2


def test_preflib_writer_is_for_ranked_rounds() -> None:
    with pytest.raises(ElectionFileError, match="this round is a single vote"):
        preflib_soi(RoundRules(Method.single, (1, 2)), [], {})


def test_fraction_costs_are_whole_in_our_pabulib_files() -> None:
    rules = RoundRules(Method.budget, (1,), budget=5, costs={1: 5}, max_sum_cost=5)
    instance, _ = parse_pabulib_from_string(pabulib_text(rules, [Ballot("a", "g", {1: 1})], {}))
    assert [p.cost for p in instance] == [Fraction(5)]
