"""The frozen result document: one reader and one writer for the JSON stored at close."""

import json

import pytest

from app.domain.voting import (
    Ballot,
    GroupSupport,
    Method,
    RankedItem,
    ResultDocument,
    RoundRules,
    RuleResult,
    budget_lines,
)

RULES_BY_METHOD = {
    Method.dot: RoundRules(Method.dot, (1, 2, 3), dots_per_voter=3),
    Method.approval: RoundRules(Method.approval, (1, 2, 3)),
    Method.ranked: RoundRules(Method.ranked, (1, 2, 3)),
    Method.budget: RoundRules(Method.budget, (1, 2, 3), budget=100, costs={1: 60, 2: 50, 3: 40}),
    Method.single: RoundRules(Method.single, (1, 2, 3)),
}
BALLOTS_BY_METHOD = {
    Method.dot: [{1: 2, 2: 1}, {3: 3}, {1: 1}],
    Method.approval: [{1: 1, 2: 1}, {2: 1}, {3: 1}],
    Method.ranked: [{1: 1, 2: 2}, {2: 1, 3: 2, 1: 3}, {3: 1}],
    Method.budget: [{1: 1, 3: 1}, {2: 1}, {2: 1, 3: 1}],
    Method.single: [{1: 1}, {2: 1}, {2: 1}],
}
GROUPS = ("resident", "business", "academia")

# As app.services.voting stored it before the document had a type: existing rows look so.
STORED = {
    "method": "dot",
    "rules": {
        "dots": {
            "ranking": [
                {"proposal_id": 7, "score": 3, "rank": 1},
                {"proposal_id": 5, "score": 1, "rank": 2},
                {"proposal_id": 9, "score": 1, "rank": 2},
            ],
            "winners": [7],
        }
    },
    "by_group": {
        "resident": {
            "dots": {
                "ranking": [
                    {"proposal_id": 7, "score": 3, "rank": 1},
                    {"proposal_id": 5, "score": 0, "rank": 2},
                    {"proposal_id": 9, "score": 0, "rank": 2},
                ],
                "winners": [7],
            }
        }
    },
    "turnout": {"business": 1, "resident": 1, "total": 2},
    "consensus": [
        {"proposal_id": 7, "share_by_group": {"resident": 1.0, "business": 0.5}, "min_share": 0.5},
        {"proposal_id": 5, "share_by_group": {"resident": 0.0, "business": 1.0}, "min_share": 0.0},
    ],
}


def _ballots(method: Method) -> list[Ballot]:
    return [
        Ballot(f"b{i}", GROUPS[i % len(GROUPS)], values)
        for i, values in enumerate(BALLOTS_BY_METHOD[method])
    ]


@pytest.mark.parametrize("method", list(Method))
def test_result_document_round_trips_through_stored_json(method: Method) -> None:
    document = ResultDocument.count(RULES_BY_METHOD[method], _ballots(method), GROUPS)
    stored = json.loads(json.dumps(document.to_json()))  # what the JSON column gives back
    assert ResultDocument.from_json(stored) == document
    assert ResultDocument.from_json(stored).to_json() == stored


def test_result_document_reads_a_row_stored_before_it_had_a_type() -> None:
    document = ResultDocument.from_json(STORED)
    assert document.method is Method.dot
    assert document.ranking("dots") == (
        RankedItem(7, 3, 1),
        RankedItem(5, 1, 2),
        RankedItem(9, 1, 2),
    )
    assert document.rules["dots"] == RuleResult("dots", document.ranking("dots"), (7,))
    assert document.by_group["resident"]["dots"].ranking[1] == RankedItem(5, 0, 2)
    assert document.turnout == {"business": 1, "resident": 1, "total": 2}
    assert document.consensus[0] == GroupSupport(
        7, {"resident": 1.0, "business": 0.5}, 0.5, {"resident": 1, "business": 1}
    )
    assert document.to_json() == STORED


def test_result_document_without_groups_or_consensus_reads_as_empty() -> None:
    document = ResultDocument.from_json({"method": "dot", "rules": STORED["rules"]})
    assert document.by_group == {}
    assert document.turnout == {}
    assert document.consensus == ()


def test_counted_document_keeps_rule_and_group_order() -> None:
    document = ResultDocument.count(RULES_BY_METHOD[Method.ranked], _ballots(Method.ranked), GROUPS)
    assert list(document.rules) == ["borda", "schulze"]
    assert list(document.by_group) == sorted(GROUPS)
    assert list(document.to_json()) == ["method", "rules", "by_group", "turnout", "consensus"]


def test_a_group_without_voters_has_no_share_and_is_not_the_weakest() -> None:
    rules = RULES_BY_METHOD[Method.approval]
    ballots = [Ballot("b1", "resident", {1: 1}), Ballot("b2", "business", {1: 1, 2: 1})]
    document = ResultDocument.count(rules, ballots, GROUPS)
    first = document.consensus[0]
    assert first.proposal_id == 1
    assert first.share("resident") == 1.0
    assert first.share("academia") is None  # no voters, not 0% support
    assert first.min_share == 1.0  # academia is left out of the weakest group
    assert document.groups_without_voters(GROUPS) == ["academia"]
    # The stored JSON is unchanged in shape, and reads back with the same "no voters".
    stored = json.loads(json.dumps(document.to_json()))
    assert stored["consensus"][0]["share_by_group"]["academia"] == 0.0
    assert ResultDocument.from_json(stored).consensus[0].share("academia") is None


def test_an_old_row_reads_groups_without_ballots_as_no_voters() -> None:
    old = {**STORED, "consensus": [{**STORED["consensus"][0], "share_by_group": {"resident": 1.0, "academia": 0.0}}]}  # fmt: skip
    support = ResultDocument.from_json(old).consensus[0]
    assert support.share("resident") == 1.0
    assert support.share("academia") is None
    assert ResultDocument.from_json(old).to_json() == old


def test_budget_lines_mark_funded_rows_with_a_running_total_and_the_remainder() -> None:
    rules = RULES_BY_METHOD[Method.budget]
    document = ResultDocument.count(rules, _ballots(Method.budget), GROUPS)
    for rule in ("greedy", "equal_shares"):
        lines, unspent = budget_lines(document.rules[rule], rules.costs, 100)
        funded = [line for line in lines if line.funded]
        assert [line.proposal_id for line in funded] == list(document.rules[rule].winners)
        totals = [line.running_total for line in funded]
        assert totals == [sum(f.cost for f in funded[: i + 1]) for i in range(len(funded))]
        assert unspent == 100 - sum(line.cost for line in funded)
        assert all(line.running_total is None for line in lines if not line.funded)
        assert [line.cost for line in lines] == [
            rules.costs[item.proposal_id] for item in document.ranking(rule)
        ]
    # greedy: approvals 3 (2 votes, 40), 2 (2 votes, 50) fit; 1 (60) does not: 10 left
    lines, unspent = budget_lines(document.rules["greedy"], rules.costs, 100)
    assert [(line.proposal_id, line.funded, line.running_total) for line in lines] == [
        (2, True, 50),
        (3, True, 90),
        (1, False, None),
    ]
    assert unspent == 10
