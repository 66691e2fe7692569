"""Random profiles, cross-checked against independent implementations: pref_voting (Borda,
Schulze, approval) and pabutools (greedy, Method of Equal Shares with cost utilities)."""

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pref_voting.grade_methods import approval as pv_approval
from pref_voting.grade_profiles import GradeProfile
from pref_voting.margin_based_methods import beat_path, beat_path_defeat
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.scoring_methods import domination_borda_scores

from app.domain.voting import (
    RULES,
    Ballot,
    BallotError,
    Method,
    ProposalId,
    RoundRules,
    _EqualShares,
    consensus,
    proposal_order,
    tally,
    tally_by_group,
    validate_ballot,
)

# Deterministic (the same examples on every run, no example database written to the repo)
# and small enough that the whole module runs in a few seconds.
CHECK = settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
GROUPS = ("resident", "public_agency", "business", "civil_society", "academia")


@st.composite
def proposal_ids(draw: st.DrawFn, most: int = 6, text: bool = False) -> tuple[ProposalId, ...]:
    """Distinct ids with gaps, in a shuffled display order (ties go by id, not display).

    With text, ids as files from elsewhere have them: numbers, texts, or both mixed."""
    ids = draw(st.lists(st.integers(1, 60), min_size=1, max_size=most, unique=True))
    if not text:
        return tuple(ids)
    style = draw(st.sampled_from(["number", "text", "mixed"]))
    return tuple(_label(pid, style) for pid in ids)


def _label(pid: int, style: str) -> ProposalId:
    """Texts whose order is not the numbers' order ("โครงการ 10" < "โครงการ 9") and
    digit strings ("00015") that natural order puts among the numbers."""
    if style == "number" or (style == "mixed" and pid % 2):
        return pid
    return (f"P{pid:02d}", f"โครงการ {pid}", f"{pid:05d}")[pid % 3]


@st.composite
def ranked_profiles(
    draw: st.DrawFn, least_voters: int = 1, text: bool = False
) -> tuple[RoundRules, list[Ballot]]:
    ids = draw(proposal_ids(text=text))
    count = draw(st.integers(least_voters, 30))
    ballots = []
    for i in range(count):
        order = draw(st.permutations(ids))
        length = draw(st.integers(1, len(ids)))
        values = {pid: rank for rank, pid in enumerate(order[:length], start=1)}
        ballots.append(Ballot(f"b{i}", draw(st.sampled_from(GROUPS)), values))
    return RoundRules(Method.ranked, ids), ballots


@st.composite
def approval_profiles(
    draw: st.DrawFn, least_voters: int = 1, text: bool = False
) -> tuple[RoundRules, list[Ballot]]:
    ids = draw(proposal_ids(text=text))
    count = draw(st.integers(least_voters, 30))
    ballots = []
    for i in range(count):
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        ballots.append(Ballot(f"b{i}", draw(st.sampled_from(GROUPS)), dict.fromkeys(chosen, 1)))
    return RoundRules(Method.approval, ids), ballots


@st.composite
def budget_profiles(
    draw: st.DrawFn,
    scale: int | None = None,
    divisible: bool = False,
    most_voters: int = 12,
    capped: bool | None = True,
    text: bool = False,
) -> tuple[RoundRules, list[Ballot]]:
    """Costs and budget in small whole numbers (times a scale), ballots that fit the budget
    (capped: max_sum_cost is the budget) or that may cost more (not capped, as in many real
    participatory budgets; None: either)."""
    if capped is None:
        capped = draw(st.booleans())
    ids = draw(proposal_ids(most=7, text=text))
    unit = scale if scale is not None else draw(st.sampled_from([1, 1, 10, 100]))
    costs = {pid: draw(st.integers(1, 20)) * unit for pid in ids}
    count = draw(st.integers(1, most_voters))
    cheapest, total = min(costs.values()), sum(costs.values())
    if divisible:  # budget / voters whole, as pabutools' add1 starts from the exact share
        budget = count * draw(st.integers(math.ceil(cheapest / count), total // count + 2))
    else:
        budget = draw(st.integers(cheapest, total + unit))
    ballots = []
    for i in range(count):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True))
        while capped and sum(costs[pid] for pid in chosen) > budget:
            chosen.pop()
        chosen = chosen or [min(ids, key=lambda pid: (costs[pid], proposal_order(pid)))]
        ballots.append(Ballot(f"b{i}", draw(st.sampled_from(GROUPS)), dict.fromkeys(chosen, 1)))
    cap = budget if capped else None
    return RoundRules(Method.budget, ids, budget=budget, costs=costs, max_sum_cost=cap), ballots


# --- ranked, against pref_voting ---------------------------------------------------------


def _pref_voting_profile(rules: RoundRules, ballots: Sequence[Ballot]) -> ProfileWithTies:
    """Truncated ballots as pref_voting models them with extended strict preference: a
    ranked candidate is above every unranked one, and two unranked ones are tied.
    Candidates are repr(id): pref_voting sorts them, and cannot sort numbers with texts."""
    profile = ProfileWithTies(
        [{repr(pid): rank for pid, rank in ballot.values.items()} for ballot in ballots],
        candidates=[repr(pid) for pid in rules.proposal_ids],
    )
    profile.use_extended_strict_preference()
    return profile


@settings(CHECK, max_examples=200)
@given(ranked_profiles(text=True))
def test_borda_matches_pref_voting(profile: tuple[RoundRules, list[Ballot]]) -> None:
    rules, ballots = profile
    ours = {repr(i.proposal_id): i.score for i in tally(rules, ballots)["borda"].ranking}
    # "domination" Borda: points = number of candidates ranked strictly below, i.e. m - rank
    # for a ranked proposal and 0 for an unranked one
    theirs = domination_borda_scores(_pref_voting_profile(rules, ballots))
    assert ours == {pid: int(score) for pid, score in theirs.items()}


@settings(CHECK, max_examples=200)
@given(ranked_profiles(text=True))
def test_schulze_matches_pref_voting(profile: tuple[RoundRules, list[Ballot]]) -> None:
    rules, ballots = profile
    result = tally(rules, ballots)["schulze"]
    prepared = _pref_voting_profile(rules, ballots)
    # winning votes: a link's strength is the number who prefer, as in Schulze's paper
    winners = beat_path(prepared, strength_function=prepared.support)
    assert sorted(map(repr, result.winners)) == sorted(winners)
    defeats = beat_path_defeat(prepared, strength_function=prepared.support)
    beaten = Counter(winner for winner, _ in defeats.edges)
    assert {repr(i.proposal_id): i.score for i in result.ranking} == {
        repr(pid): beaten[repr(pid)] for pid in rules.proposal_ids
    }


@CHECK
@given(approval_profiles(text=True))
def test_approval_matches_pref_voting(profile: tuple[RoundRules, list[Ballot]]) -> None:
    rules, ballots = profile
    result = tally(rules, ballots)["approval"]
    grades = GradeProfile(
        [{repr(pid): v for pid, v in ballot.values.items()} for ballot in ballots],
        [0, 1],
        candidates=[repr(pid) for pid in rules.proposal_ids],
    )
    assert sorted(map(repr, result.winners)) == sorted(pv_approval(grades))
    scores = grades.approval_scores()
    assert {repr(i.proposal_id): i.score for i in result.ranking} == {
        repr(pid): int(scores[repr(pid)] or 0) for pid in rules.proposal_ids
    }


# --- budget, against pabutools -----------------------------------------------------------


def _pabutools(
    rules: RoundRules, ballots: Sequence[Ballot]
) -> tuple[Instance, ApprovalProfile, dict[ProposalId, Project]]:
    # pabutools breaks ties by name: naming each project by its zero-padded place in
    # proposal_order makes that our "lowest id first"
    ordered = sorted(rules.proposal_ids, key=proposal_order)
    projects = {pid: Project(f"{k:05d}", rules.costs[pid]) for k, pid in enumerate(ordered)}
    instance = Instance(projects.values(), budget_limit=rules.budget)
    profile = ApprovalProfile(
        [ApprovalBallot([projects[pid] for pid in ballot.values]) for ballot in ballots]
    )
    return instance, profile, projects


def _supported(
    outcome: Sequence[Project], ballots: Sequence[Ballot], rules: RoundRules
) -> list[ProposalId]:
    """pabutools' selection without proposals nobody chose, which our rules never fund."""
    chosen = {pid for ballot in ballots for pid in ballot.values}
    ordered = sorted(rules.proposal_ids, key=proposal_order)
    return [pid for pid in (ordered[int(p.name)] for p in outcome) if pid in chosen]


@CHECK
@given(budget_profiles(capped=None, text=True))
def test_greedy_matches_pabutools(profile: tuple[RoundRules, list[Ballot]]) -> None:
    rules, ballots = profile
    instance, prepared, _ = _pabutools(rules, ballots)
    # with cost satisfaction, "satisfaction per cost" is the number of approvals
    outcome = greedy_utilitarian_welfare(instance, prepared, sat_class=Cost_Sat)
    assert list(tally(rules, ballots)["greedy"].winners) == _supported(outcome, ballots, rules)


@CHECK
@given(budget_profiles(capped=None))
def test_equal_shares_fixed_budget_matches_pabutools(
    profile: tuple[RoundRules, list[Ballot]],
) -> None:
    rules, ballots = profile
    assert rules.budget is not None
    instance, prepared, _ = _pabutools(rules, ballots)
    outcome = method_of_equal_shares(instance, prepared, sat_class=Cost_Sat)
    ours, _ = _EqualShares([b.values for b in ballots], rules.costs).run(
        rules.budget / len(ballots)
    )
    ordered = sorted(rules.proposal_ids, key=proposal_order)
    assert ours == [ordered[int(p.name)] for p in outcome]


@CHECK
@given(budget_profiles(divisible=True, capped=None, text=True))
def test_equal_shares_with_add1_and_greedy_fill_matches_pabutools(
    profile: tuple[RoundRules, list[Ballot]],
) -> None:
    rules, ballots = profile
    instance, prepared, _ = _pabutools(rules, ballots)
    outcome = completion_by_rule_combination(
        instance,
        prepared,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    assert list(tally(rules, ballots)["equal_shares"].winners) == _supported(
        outcome, ballots, rules
    )


def _reference_add1(rules: RoundRules, ballots: Sequence[Ballot]) -> list[int]:
    """equalshares.net's add1 loop, with pabutools' exact MES at each total budget: start at
    the budget, then n * (floor(budget / n) + 1), + n, ... while the outcome fits."""
    assert rules.budget is not None
    budget, n = rules.budget, len(ballots)
    chosen = {pid for ballot in ballots for pid in ballot.values}

    def mes(total: int) -> list[int]:
        projects = {pid: Project(f"{pid:05d}", rules.costs[pid]) for pid in rules.proposal_ids}
        instance = Instance(projects.values(), budget_limit=total)
        profile = ApprovalProfile(
            [ApprovalBallot([projects[pid] for pid in b.values]) for b in ballots]
        )
        return [int(p.name) for p in method_of_equal_shares(instance, profile, sat_class=Cost_Sat)]

    selected = mes(budget)
    total = budget // n * n
    while True:
        left = budget - sum(rules.costs[pid] for pid in selected)
        if all(pid in selected or rules.costs[pid] > left for pid in chosen):
            return selected
        total += n
        candidate = mes(total)
        if sum(rules.costs[pid] for pid in candidate) > budget:
            return selected
        selected = candidate


@CHECK
@given(budget_profiles(scale=1))
def test_equal_shares_add1_matches_the_reference_loop(
    profile: tuple[RoundRules, list[Ballot]],
) -> None:
    rules, ballots = profile
    assert rules.budget is not None
    ours = _EqualShares([b.values for b in ballots], rules.costs).complete(rules.budget)
    assert ours == _reference_add1(rules, ballots)


@CHECK
@given(budget_profiles(scale=200, most_voters=8))
def test_equal_shares_skipping_shares_changes_nothing(
    profile: tuple[RoundRules, list[Ballot]],
) -> None:
    rules, ballots = profile
    assert rules.budget is not None
    mes = _EqualShares([b.values for b in ballots], rules.costs)
    assert mes.complete(rules.budget) == mes.complete(rules.budget, skip=False)


@settings(CHECK, max_examples=12)
@given(st.integers(0, 2**32 - 1))
def test_equal_shares_on_larger_profiles_matches_the_reference_loop(seed: int) -> None:
    """Dozens of voters with repeated ballots (weighted groups), costs in hundreds of baht."""
    rng = random.Random(seed)
    ids = tuple(rng.sample(range(1, 100), rng.randint(3, 8)))
    costs = {pid: rng.randint(1, 30) * 100 for pid in ids}
    voters = rng.randint(10, 40)
    budget = max(voters * rng.randint(1, sum(costs.values()) // voters + 1), min(costs.values()))
    popular = {pid: rng.random() for pid in ids}
    ballots = []
    for i in range(voters):
        chosen = [pid for pid in ids if rng.random() < popular[pid] / 2]
        while sum(costs[pid] for pid in chosen) > budget:
            chosen.pop()
        chosen = chosen or [min(ids, key=lambda pid: (costs[pid], pid))]
        ballots.append(Ballot(f"b{i}", "resident", dict.fromkeys(chosen, 1)))
    assert len({tuple(b.values) for b in ballots}) < voters  # some ballots are repeated
    rules = RoundRules(Method.budget, ids, budget=budget, costs=costs)
    ours = _EqualShares([b.values for b in ballots], costs).complete(budget)
    assert ours == _reference_add1(rules, ballots)


# --- properties of every method ----------------------------------------------------------


@st.composite
def any_profiles(draw: st.DrawFn) -> tuple[RoundRules, list[Ballot]]:
    method = draw(st.sampled_from(list(Method)))
    if method is Method.ranked:
        return draw(ranked_profiles(least_voters=0))
    if method is Method.approval:
        return draw(approval_profiles(least_voters=0))
    if method is Method.budget:
        return draw(budget_profiles())
    ids = draw(proposal_ids())
    ballots = []
    for i in range(draw(st.integers(0, 20))):
        if method is Method.single:
            values = {draw(st.sampled_from(ids)): 1}
        else:
            chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
            values = {pid: draw(st.integers(1, 3)) for pid in chosen}
        ballots.append(Ballot(f"b{i}", draw(st.sampled_from(GROUPS)), values))
    if method is Method.single:
        return RoundRules(method, ids), ballots
    return RoundRules(method, ids, dots_per_voter=9, max_dots_per_proposal=3), ballots


@CHECK
@given(any_profiles(), st.randoms(use_true_random=False))
def test_results_are_well_formed_and_independent_of_ballot_order(
    profile: tuple[RoundRules, list[Ballot]], shuffler: random.Random
) -> None:
    rules, ballots = profile
    results = tally(rules, ballots)
    assert list(results) == list(RULES[rules.method])
    for name, result in results.items():
        assert result.rule == name
        ids = [i.proposal_id for i in result.ranking]
        assert sorted(ids) == sorted(rules.proposal_ids)
        assert all(isinstance(i.score, int) for i in result.ranking)
        assert set(result.winners) <= set(ids)
        assert bool(result.winners) == bool(ballots)
        if rules.method is not Method.budget:
            for position, item in enumerate(result.ranking):
                higher = sum(1 for other in result.ranking if other.score > item.score)
                assert item.rank == higher + 1
                if position:
                    before = result.ranking[position - 1]
                    assert (before.score, -before.proposal_id) > (item.score, -item.proposal_id)
        else:
            assert sum(rules.costs[pid] for pid in result.winners) <= (rules.budget or 0)
            assert [i.proposal_id for i in result.ranking[: len(result.winners)]] == list(
                result.winners
            )
    shuffled = list(ballots)
    shuffler.shuffle(shuffled)
    assert tally(rules, shuffled) == results


@CHECK
@given(any_profiles())
def test_group_counts_add_up(profile: tuple[RoundRules, list[Ballot]]) -> None:
    rules, ballots = profile
    by_group = tally_by_group(rules, ballots)
    assert set(by_group) == {b.stakeholder_group for b in ballots}
    if (
        rules.method in (Method.dot, Method.approval, Method.single)
        or rules.rule_names[0] == "borda"
    ):
        rule = rules.rule_names[0]
        total = Counter({i.proposal_id: i.score for i in tally(rules, ballots)[rule].ranking})
        summed: Counter[int] = Counter()
        for results in by_group.values():
            summed.update({i.proposal_id: i.score for i in results[rule].ranking})
        assert +summed == +total
    support = consensus(rules, ballots, GROUPS)
    for item in support:
        voted = [g for g in GROUPS if item.voters_by_group[g]]
        assert all(0.0 <= share <= 1.0 for share in item.share_by_group.values())
        assert item.min_share == min((item.share_by_group[g] for g in voted), default=0.0)
    assert [s.min_share for s in support] == sorted((s.min_share for s in support), reverse=True)


def _plainly_valid(rules: RoundRules, values: Mapping[int, int]) -> bool:
    """The ballot rules restated as directly as possible, as an oracle for validate_ballot."""
    chosen = {pid: v for pid, v in values.items() if v != 0}
    if not chosen or any(pid not in rules.proposal_ids or v < 0 for pid, v in chosen.items()):
        return False
    if rules.method is Method.dot:
        return sum(chosen.values()) <= (rules.dots_per_voter or 0) and max(chosen.values()) <= (
            rules.max_dots_per_proposal or math.inf
        )
    if rules.method is Method.ranked:
        return sorted(chosen.values()) == list(range(1, len(chosen) + 1)) and len(chosen) <= (
            rules.max_ranks or math.inf
        )
    if set(chosen.values()) != {1}:
        return False
    if rules.method is Method.approval:
        return len(chosen) <= (rules.max_approvals or math.inf)
    if rules.method is Method.budget:
        return sum(rules.costs[pid] for pid in chosen) <= (rules.max_sum_cost or math.inf)
    return len(chosen) == 1


@CHECK
@given(
    st.sampled_from(
        [
            RoundRules(Method.dot, (1, 2, 3), dots_per_voter=4, max_dots_per_proposal=2),
            RoundRules(Method.dot, (1, 2, 3), dots_per_voter=3),
            RoundRules(Method.approval, (1, 2, 3), max_approvals=2),
            RoundRules(Method.approval, (1, 2, 3)),
            RoundRules(Method.ranked, (1, 2, 3), max_ranks=2),
            RoundRules(Method.ranked, (1, 2, 3)),
            RoundRules(Method.budget, (1, 2, 3), budget=10, costs={1: 4, 2: 6, 3: 7}),
            RoundRules(
                Method.budget, (1, 2, 3), budget=10, costs={1: 4, 2: 6, 3: 7}, max_sum_cost=10
            ),
            RoundRules(Method.single, (1, 2, 3)),
        ]
    ),
    st.dictionaries(st.integers(0, 4), st.integers(-1, 4), max_size=4),
)
def test_validate_ballot_agrees_with_the_plain_rules(
    rules: RoundRules, values: dict[int, int]
) -> None:
    try:
        normalized = validate_ballot(rules, values)
    except BallotError:
        assert not _plainly_valid(rules, values)
    else:
        assert _plainly_valid(rules, values)
        assert normalized == {pid: v for pid, v in values.items() if v != 0}
