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
    assert document.consensus[0] == GroupSupport(7, {"resident": 1.0, "business": 0.5}, 0.5)
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
