"""Hand-worked counts for every rule, every refusal code, ties, consensus and turnout."""

from collections.abc import Mapping, Sequence

import pytest

from app.domain.voting import (
    RULES,
    TIE_BREAK_RULE,
    Ballot,
    BallotError,
    Method,
    RankedItem,
    RoundRules,
    RulesError,
    Support,
    _EqualShares,
    _payment,
    _payment_sorted,
    consensus,
    equal_shares_selection,
    greedy_selection,
    proposal_order,
    tally,
    tally_by_group,
    turnout,
    validate_ballot,
)


def _ballots(*values: Mapping[int, int], group: str = "resident") -> list[Ballot]:
    return [Ballot(f"b{i}", group, dict(v)) for i, v in enumerate(values)]


def _ranked(*orders: Sequence[int], group: str = "resident") -> list[Ballot]:
    return _ballots(
        *({pid: r for r, pid in enumerate(order, start=1)} for order in orders), group=group
    )


def _rows(result_ranking: Sequence[RankedItem]) -> list[tuple[int, int, int | float]]:
    return [(i.rank, i.proposal_id, i.score) for i in result_ranking]


DOTS = RoundRules(Method.dot, (1, 2, 3), dots_per_voter=5, max_dots_per_proposal=3)
APPROVAL = RoundRules(Method.approval, (1, 2, 3, 4), max_approvals=2)
RANKED = RoundRules(Method.ranked, (1, 2, 3, 4), max_ranks=3)
BUDGET = RoundRules(
    Method.budget, (1, 2, 3), budget=100, costs={1: 60, 2: 50, 3: 40}, max_sum_cost=100
)
SINGLE = RoundRules(Method.single, (1, 2, 3))


# --- rules ---------------------------------------------------------------------------


def test_rules_cover_every_method() -> None:
    assert set(RULES) == set(Method)
    assert RULES[Method.ranked] == ("borda", "schulze")
    assert RULES[Method.budget] == ("greedy", "equal_shares")


def test_rules_accept_plain_strings_and_lists() -> None:
    rules = RoundRules("single", [3, 1])  # type: ignore[arg-type]
    assert rules.method is Method.single
    assert rules.proposal_ids == (3, 1)
    assert rules.rule_names == ("plurality",)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid Method"):
        RoundRules("lottery", (1,))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rules", "code", "params"),
    [
        (RoundRules(Method.single, ()), "empty_ballot", {}),
        (RoundRules(Method.single, (1, 0)), "bad_proposal_id", {"proposal_id": 0}),
        (RoundRules(Method.single, (1, "")), "bad_proposal_id", {"proposal_id": 0}),
        (RoundRules(Method.single, ("x" * 65,)), "bad_proposal_id", {"proposal_id": 0}),
        (RoundRules(Method.single, ("P1", "P1")), "duplicate_proposal", {"proposal_id": "P1"}),
        (
            RoundRules(Method.approval, (1,), min_approvals=-1),
            "bad_min_approvals",
            {"min_approvals": -1},
        ),
        (
            RoundRules(Method.budget, (1,), budget=9, costs={1: 5}, max_sum_cost=0),
            "bad_max_sum_cost",
            {"max_sum_cost": 0},
        ),
        (RoundRules(Method.single, (1, 2, 1)), "duplicate_proposal", {"proposal_id": 1}),
        (RoundRules(Method.dot, (1,)), "missing_dots_per_voter", {}),
        (
            RoundRules(Method.dot, (1,), dots_per_voter=0),
            "bad_dots_per_voter",
            {"dots_per_voter": 0},
        ),
        (
            RoundRules(Method.dot, (1,), dots_per_voter=3, max_dots_per_proposal=0),
            "bad_max_dots_per_proposal",
            {"max_dots_per_proposal": 0},
        ),
        (
            RoundRules(Method.approval, (1,), max_approvals=0),
            "bad_max_approvals",
            {"max_approvals": 0},
        ),
        (RoundRules(Method.ranked, (1,), max_ranks=-1), "bad_max_ranks", {"max_ranks": -1}),
        (RoundRules(Method.budget, (1,), costs={1: 5}), "missing_budget", {}),
        (RoundRules(Method.budget, (1,), budget=0, costs={1: 5}), "bad_budget", {"budget": 0}),
        (
            RoundRules(Method.budget, (1, 2), budget=9, costs={1: 5}),
            "missing_cost",
            {"proposal_id": 2},
        ),
        (
            RoundRules(Method.budget, (1,), budget=9, costs={1: 0}),
            "bad_cost",
            {"proposal_id": 1, "cost": 0},
        ),
        (
            RoundRules(Method.budget, (1,), budget=9, costs={1: 5, 7: 5}),
            "cost_for_unknown_proposal",
            {"proposal_id": 7},
        ),
        (
            RoundRules(Method.budget, (1, 2), budget=4, costs={1: 5, 2: 6}),
            "budget_below_cheapest",
            {"budget": 4, "cheapest": 5},
        ),
    ],
)
def test_rules_errors(rules: RoundRules, code: str, params: dict[str, int]) -> None:
    with pytest.raises(RulesError) as caught:
        rules.validate()
    assert caught.value.code == code
    assert caught.value.params == params
    assert str(caught.value)  # an English message for logs


def test_valid_rules_pass() -> None:
    for rules in (DOTS, APPROVAL, RANKED, BUDGET, SINGLE):
        rules.validate()
    RoundRules(Method.approval, (1, 2)).validate()  # any number of approvals
    RoundRules(Method.dot, (1, 2), dots_per_voter=3).validate()  # no per-proposal limit


# --- ballots -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "values", "code", "params"),
    [
        (SINGLE, {}, "empty", {}),
        (DOTS, {1: 0}, "empty", {}),
        (SINGLE, {9: 1}, "unknown_proposal", {"proposal_id": 9}),
        (DOTS, {1: 2, 2: -1}, "not_positive", {"proposal_id": 2, "value": -1}),
        (DOTS, {1: 3, 2: 3}, "too_many_dots", {"given": 6, "max": 5}),
        (DOTS, {1: 4}, "too_many_dots_on_one", {"proposal_id": 1, "given": 4, "max": 3}),
        (APPROVAL, {1: 1, 2: 1, 3: 1}, "too_many_approvals", {"given": 3, "max": 2}),
        (APPROVAL, {1: 2}, "bad_value", {"proposal_id": 1, "value": 2}),
        (BUDGET, {1: 3}, "bad_value", {"proposal_id": 1, "value": 3}),
        (SINGLE, {2: 5}, "bad_value", {"proposal_id": 2, "value": 5}),
        (RANKED, {1: 1, 2: 1}, "duplicate_rank", {"rank": 1}),
        (RANKED, {1: 1, 2: 3}, "gapped_ranks", {"count": 2, "highest": 3}),
        (RANKED, {1: 2}, "gapped_ranks", {"count": 1, "highest": 2}),
        (RANKED, {1: 1, 2: 2, 3: 3, 4: 4}, "too_many_ranks", {"given": 4, "max": 3}),
        (BUDGET, {1: 1, 2: 1}, "over_budget", {"total": 110, "budget": 100}),
        (SINGLE, {1: 1, 2: 1}, "one_choice", {"given": 2}),
    ],
)
def test_ballot_errors(
    rules: RoundRules, values: dict[int, int], code: str, params: dict[str, int]
) -> None:
    with pytest.raises(BallotError) as caught:
        validate_ballot(rules, values)
    assert caught.value.code == code
    assert caught.value.params == params
    assert str(caught.value)


def test_every_ballot_error_has_a_message() -> None:
    for code, template in BallotError.messages.items():
        assert template, code


def test_valid_ballots_are_normalized() -> None:
    assert validate_ballot(DOTS, {1: 2, 2: 0, 3: 1}) == {1: 2, 3: 1}  # zero = not chosen
    assert validate_ballot(DOTS, {2: 1}) == {2: 1}  # fewer dots than allowed is fine
    assert validate_ballot(RANKED, {4: 1, 2: 2}) == {4: 1, 2: 2}  # truncated ranking
    assert validate_ballot(BUDGET, {1: 1, 3: 1}) == {1: 1, 3: 1}  # exactly the budget
    assert validate_ballot(APPROVAL, {1: 1, 4: 1}) == {1: 1, 4: 1}


def test_tally_names_the_bad_ballot() -> None:
    ballots = [*_ballots({1: 1}), Ballot("bad-one", "resident", {1: 1, 2: 1})]
    with pytest.raises(BallotError) as caught:
        tally(SINGLE, ballots)
    assert caught.value.code == "one_choice"
    assert caught.value.ballot_id == "bad-one"


def test_tally_refuses_invalid_rules() -> None:
    with pytest.raises(RulesError):
        tally(RoundRules(Method.dot, (1,)), [])


# --- scores: dots, approval, plurality -------------------------------------------------


def test_dots_sum_and_ties_share_a_rank_by_id() -> None:
    result = tally(DOTS, _ballots({1: 3, 2: 2}, {3: 3}, {2: 1, 3: 1}, {1: 1}))["dots"]
    assert _rows(result.ranking) == [(1, 1, 4), (1, 3, 4), (3, 2, 3)]
    assert result.winners == (1, 3)


def test_approval_counts_and_competition_ranks() -> None:
    ballots = _ballots({1: 1, 2: 1}, {2: 1, 3: 1}, {3: 1}, {2: 1})
    result = tally(APPROVAL, ballots)["approval"]
    assert _rows(result.ranking) == [(1, 2, 3), (2, 3, 2), (3, 1, 1), (4, 4, 0)]
    assert result.winners == (2,)


def test_plurality() -> None:
    result = tally(SINGLE, _ballots({3: 1}, {3: 1}, {1: 1}))["plurality"]
    assert _rows(result.ranking) == [(1, 3, 2), (2, 1, 1), (3, 2, 0)]
    assert result.winners == (3,)


def test_one_voter() -> None:
    result = tally(SINGLE, _ballots({2: 1}))["plurality"]
    assert result.winners == (2,)
    assert _rows(result.ranking) == [(1, 2, 1), (2, 1, 0), (2, 3, 0)]


@pytest.mark.parametrize("rules", [DOTS, APPROVAL, RANKED, BUDGET, SINGLE])
def test_nobody_voted(rules: RoundRules) -> None:
    results = tally(rules, [])
    assert list(results) == list(RULES[rules.method])
    for result in results.values():
        assert result.winners == ()
        assert [i.proposal_id for i in result.ranking] == sorted(rules.proposal_ids)
        assert {i.score for i in result.ranking} == {0}
        assert {i.rank for i in result.ranking} == {1}


def test_ranking_is_by_id_not_display_order() -> None:
    rules = RoundRules(Method.single, (30, 10, 20))
    result = tally(rules, _ballots({20: 1}))["plurality"]
    assert [i.proposal_id for i in result.ranking] == [20, 10, 30]


def test_tie_break_rule_is_stated() -> None:
    assert "share a rank" in TIE_BREAK_RULE
    assert "lowest proposal number" in TIE_BREAK_RULE


# --- ranked: Borda and Schulze ---------------------------------------------------------

A, B, C, D, E = 1, 2, 3, 4, 5
FIVE = RoundRules(Method.ranked, (A, B, C, D, E))


def _wikipedia_schulze() -> list[Ballot]:
    """The 45-voter example of the Wikipedia article "Schulze method"."""
    letters = {"A": A, "B": B, "C": C, "D": D, "E": E}
    profile = [
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ]
    orders = [[letters[c] for c in order] for count, order in profile for _ in range(count)]
    return _ranked(*orders)


def test_schulze_wikipedia_example() -> None:
    result = tally(FIVE, _wikipedia_schulze())["schulze"]
    # strongest paths give the order E > A > C > B > D
    assert _rows(result.ranking) == [(1, E, 4), (2, A, 3), (3, C, 2), (4, B, 1), (5, D, 0)]
    assert result.winners == (E,)


def test_borda_on_the_wikipedia_profile() -> None:
    result = tally(FIVE, _wikipedia_schulze())["borda"]
    # 4 points for a first place ... 0 for a last place; E: 5*1 + 5*2 + 8*3 + 3*1 + 7*2
    # + 2*0 + 7*2 + 8*4 = 102
    assert _rows(result.ranking) == [(1, E, 102), (2, A, 98), (3, B, 92), (4, C, 89), (5, D, 69)]
    assert result.winners == (E,)


def test_condorcet_cycle_has_no_strongest_winner_over_the_others() -> None:
    rules = RoundRules(Method.ranked, (1, 2, 3))
    results = tally(rules, _ranked([1, 2, 3], [2, 3, 1], [3, 1, 2]))
    assert _rows(results["schulze"].ranking) == [(1, 1, 0), (1, 2, 0), (1, 3, 0)]
    assert results["schulze"].winners == (1, 2, 3)
    assert _rows(results["borda"].ranking) == [(1, 1, 3), (1, 2, 3), (1, 3, 3)]


def test_condorcet_winner_wins_schulze() -> None:
    rules = RoundRules(Method.ranked, (1, 2, 3))
    # 2 beats 1 (2:1) and 3 (2:1); 1 beats 3 (2:1)
    results = tally(rules, _ranked([1, 2, 3], [2, 1, 3], [2, 3, 1]))
    assert _rows(results["schulze"].ranking) == [(1, 2, 2), (2, 1, 1), (3, 3, 0)]
    assert results["schulze"].winners == (2,)


def test_borda_with_truncated_ballots() -> None:
    # 4 proposals on the ballot: ranks are worth 3, 2, 1; unranked proposals get 0
    results = tally(RANKED, _ranked([3], [1, 2], [2, 3, 4]))
    assert _rows(results["borda"].ranking) == [(1, 2, 5), (1, 3, 5), (3, 1, 3), (4, 4, 1)]
    assert results["borda"].winners == (2, 3)


def test_schulze_truncated_ballots_rank_above_unranked_only() -> None:
    # [3] puts 3 over 1, 2, 4; [1, 2] puts 1 > 2 > 3, 4; [2, 3, 4]: 2 > 3 > 4 > 1.
    # d: 2 over 3 (2:1), 2 over 4 (2:0), 2 vs 1 (1:1), 3 over 4 (2:0), 3 vs 1 (2:1), 1 vs 4 (1:1)
    result = tally(RANKED, _ranked([3], [1, 2], [2, 3, 4]))["schulze"]
    # links 2->3 (2), 2->4 (2), 3->4 (2), 3->1 (2): 2 beats 3, 4, 1 through 3; 3 beats 4, 1
    assert _rows(result.ranking) == [(1, 2, 3), (2, 3, 2), (3, 1, 0), (3, 4, 0)]
    assert result.winners == (2,)


def test_schulze_winners_are_the_unbeaten_even_with_fewer_wins() -> None:
    # 3 > 2 by one ballot; 1 is ranked alone by another and ties 3 and 2 pairwise
    rules = RoundRules(Method.ranked, (1, 2, 3))
    result = tally(rules, _ranked([3, 2], [1]))["schulze"]
    assert _rows(result.ranking) == [(1, 3, 1), (2, 1, 0), (2, 2, 0)]
    assert result.winners == (3, 1)  # nobody beats 1 or 3; listed in ranking order


def test_ranked_one_voter() -> None:
    results = tally(RANKED, _ranked([4, 1]))
    assert results["borda"].winners == (4,)
    assert results["schulze"].winners == (4,)
    assert _rows(results["schulze"].ranking) == [(1, 4, 3), (2, 1, 2), (3, 2, 0), (3, 3, 0)]


# --- budget: greedy and equal shares ---------------------------------------------------


def test_greedy_skips_what_no_longer_fits_and_takes_a_cheaper_one() -> None:
    # approvals: 1 (60) x3, 2 (50) x2, 3 (40) x1; budget 100
    ballots = _ballots({1: 1}, {1: 1, 3: 1}, {1: 1}, {2: 1}, {2: 1})
    result = tally(BUDGET, ballots)["greedy"]
    assert result.winners == (1, 3)  # 2 does not fit after 1; 3 still does
    assert _rows(result.ranking) == [(1, 1, 3), (2, 3, 1), (3, 2, 2)]


def test_greedy_never_funds_a_proposal_nobody_chose() -> None:
    assert greedy_selection({1: 2, 2: 0}, {1: 10, 2: 10}, 100) == [1]


def test_greedy_ties_go_to_the_lower_id() -> None:
    assert greedy_selection({5: 1, 3: 1, 4: 1}, {3: 10, 4: 10, 5: 10}, 20) == [3, 4]


def test_equal_shares_differs_from_greedy() -> None:
    # 6 voters want 1, 2, 3; 4 voters want 4; all cost 10, budget 30.
    # Greedy: 1, 2, 3 (6 approvals each). Equal shares: the 4 voters own 40% of the budget.
    rules = RoundRules(Method.budget, (1, 2, 3, 4), budget=30, costs={1: 10, 2: 10, 3: 10, 4: 10})
    ballots = _ballots(*[{1: 1, 2: 1, 3: 1}] * 6, *[{4: 1}] * 4)
    results = tally(rules, ballots)
    assert results["greedy"].winners == (1, 2, 3)
    # share 3 each: takes 1 (rho 1/6), then 4 (1/4); 2 and 3 cannot be paid (8 < 10).
    # add1, share 4: 1, then 2 (the 6 still hold 14), then 4: costs 30, exhaustive.
    assert results["equal_shares"].winners == (1, 2, 4)
    assert _rows(results["equal_shares"].ranking) == [(1, 1, 6), (2, 2, 6), (3, 4, 4), (4, 3, 6)]


def test_equal_shares_add1_stops_before_overspending_then_fills_greedily() -> None:
    # Voter a wants 1 (6); voter b wants 2 (6) and 3 (4); budget 10, share 5 each.
    # Share 5: only 3 is affordable (b pays 4). Share 6: 1, 2 and 3 tie at rho 1, taking 1
    # then 2 costs 12 > 10, so add1 keeps [3]; the greedy fill then adds 1 (6 left).
    rules = RoundRules(Method.budget, (1, 2, 3), budget=10, costs={1: 6, 2: 6, 3: 4})
    results = tally(rules, _ballots({1: 1}, {2: 1, 3: 1}))
    assert results["equal_shares"].winners == (3, 1)
    assert results["greedy"].winners == (1, 3)


def test_equal_shares_one_voter_and_nobody() -> None:
    costs = {1: 30, 2: 50, 3: 40}
    # alone, a voter pays all of every cost: rho is 1 for both, so the lower id goes first
    assert equal_shares_selection([{2: 1, 3: 1}], costs, 100) == [2, 3]
    assert equal_shares_selection([], costs, 100) == []


def test_equal_shares_cost_utilities_prefer_the_cheaper_rho() -> None:
    # cost utilities: rho = payment / cost; 2 voters on 1 (cost 8) pay 4 each = 0.5 per baht,
    # 1 voter on 2 (cost 2) pays 2 = 1 per baht, so 1 goes first although both fit
    assert equal_shares_selection([{1: 1}, {1: 1, 2: 1}], {1: 8, 2: 2}, 10) == [1, 2]


def test_equal_shares_skipping_matches_trying_every_share() -> None:
    costs = {1: 7_000, 2: 4_500, 3: 12_000, 4: 3_000, 5: 9_000}
    ballots = [
        {1: 1, 2: 1},
        {2: 1, 4: 1},
        {3: 1},
        {3: 1, 5: 1},
        {1: 1, 5: 1},
        {4: 1},
        {2: 1, 3: 1, 4: 1},
    ]

    class Counted(_EqualShares):
        runs = 0

        def run(self, share: float) -> tuple[list[int], float]:
            Counted.runs += 1
            return super().run(share)

    mes = Counted(ballots, costs)
    every = mes.complete(25_000, skip=False)
    tried = Counted.runs
    Counted.runs = 0
    assert mes.complete(25_000) == every == [2, 4, 5]
    assert Counted.runs * 20 < tried  # shares where nothing can change are not tried


def test_payment_without_sorting_matches_the_reference_walk() -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    for _ in range(200):
        size = int(rng.integers(1, 12))
        weights = rng.integers(1, 4, size).astype(float)
        a = rng.integers(0, 20, size).astype(float)
        b = rng.random(size)
        share = float(rng.integers(0, 5))
        budgets = a + b * share
        cost = float(rng.uniform(0.1, 1.0) * (weights @ budgets))
        fast = _payment(weights, cost, a, b, share)
        walk = _payment_sorted(weights, cost, a, b, share)
        assert fast[0] + fast[1] * share == pytest.approx(walk[0] + walk[1] * share)


# --- by group, consensus, turnout ------------------------------------------------------


def _mixed() -> list[Ballot]:
    return [
        Ballot("r1", "resident", {1: 1, 2: 1}),
        Ballot("r2", "resident", {1: 1}),
        Ballot("r3", "resident", {2: 1}),
        Ballot("r4", "resident", {1: 1, 3: 1}),
        Ballot("b1", "business", {2: 1, 3: 1}),
        Ballot("b2", "business", {1: 1, 2: 1}),
    ]


def test_tally_by_group_only_counts_groups_that_voted() -> None:
    results = tally_by_group(APPROVAL, _mixed())
    assert list(results) == ["business", "resident"]
    assert results["business"]["approval"].winners == (2,)
    assert results["resident"]["approval"].winners == (1,)


def test_consensus_ranks_by_the_weakest_group() -> None:
    groups = ["resident", "business", "academia"]
    support = consensus(APPROVAL, _mixed(), groups)
    assert [s.proposal_id for s in support] == [1, 2, 3, 4]
    assert support[0].min_share == 0.5  # 1: residents 3/4, business 1/2
    assert support[1] == Support(
        2,
        {"resident": 0.5, "business": 1.0, "academia": 0.0},
        0.5,  # academia did not vote, so it does not pull the minimum down
        {"resident": 4, "business": 2, "academia": 0},
    )
    assert support[2].min_share == 0.25  # 3: residents 1/4, business 1/2
    assert support[3].min_share == 0.0


def test_consensus_counts_any_rank_as_support_and_skips_unlisted_groups() -> None:
    ballots = [*_ranked([4, 1], group="resident"), *_ranked([1], group="business")]
    support = consensus(RANKED, ballots, ["resident"])
    assert [(s.proposal_id, s.min_share) for s in support] == [
        (1, 1.0),
        (4, 1.0),
        (2, 0.0),
        (3, 0.0),
    ]
    assert support[0].voters_by_group == {"resident": 1}


def test_consensus_with_no_ballots() -> None:
    support = consensus(SINGLE, [], ["resident"])
    assert [(s.proposal_id, s.min_share) for s in support] == [(1, 0.0), (2, 0.0), (3, 0.0)]


def test_turnout() -> None:
    assert turnout(_mixed()) == {"business": 2, "resident": 4, "total": 6}
    assert turnout([]) == {"total": 0}


def test_a_budget_ballot_may_cost_more_than_the_budget_unless_capped() -> None:
    uncapped = RoundRules(Method.budget, (1, 2, 3), budget=100, costs={1: 60, 2: 50, 3: 40})
    assert validate_ballot(uncapped, {1: 1, 2: 1, 3: 1}) == {1: 1, 2: 1, 3: 1}
    capped = RoundRules(
        Method.budget, (1, 2, 3), budget=100, costs={1: 60, 2: 50, 3: 40}, max_sum_cost=120
    )
    assert validate_ballot(capped, {1: 1, 2: 1}) == {1: 1, 2: 1}  # 110: above the budget
    with pytest.raises(BallotError) as caught:
        validate_ballot(capped, {1: 1, 2: 1, 3: 1})
    assert (caught.value.code, caught.value.params) == (
        "over_budget",
        {"total": 150, "budget": 120},
    )


def test_too_few_approvals() -> None:
    rules = RoundRules(Method.budget, (1, 2), budget=9, costs={1: 5, 2: 5}, min_approvals=2)
    with pytest.raises(BallotError) as caught:
        validate_ballot(rules, {1: 1})
    assert (caught.value.code, caught.value.params) == ("too_few_approvals", {"given": 1, "min": 2})


def test_text_ids_tie_in_natural_order() -> None:
    """Numbers (and digit texts) first by value, then other texts by code point."""
    ids = ("P2", "P10", 15, "007", "โครงการ")
    assert sorted(ids, key=proposal_order) == ["007", 15, "P10", "P2", "โครงการ"]
    rules = RoundRules(Method.approval, ids)
    ballots = [Ballot("a", "g", dict.fromkeys(ids, 1))]
    result = tally(rules, ballots)["approval"]
    assert [i.proposal_id for i in result.ranking] == ["007", 15, "P10", "P2", "โครงการ"]
    assert {i.rank for i in result.ranking} == {1}
    budget = RoundRules(Method.budget, ("B", "A", 3), budget=10, costs={"B": 6, "A": 6, 3: 6})
    chosen = [Ballot("a", "g", {"B": 1, "A": 1, 3: 1})]
    assert tally(budget, chosen)["greedy"].winners == (3,)
    # without 3, "A" and "B" tie on approvals and cost: "A" comes first
    two = [Ballot("a", "g", {"B": 1, "A": 1})]
    assert tally(budget, two)["greedy"].winners == ("A",)
