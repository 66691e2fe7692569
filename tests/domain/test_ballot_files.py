"""Exported ballots and round rules: round trips, recount, digest, and clear errors."""

import datetime as dt
import hashlib
import json

import pytest

from app.domain.ballot_files import (
    BallotFileError,
    ballots_csv,
    ballots_digest,
    canonical_form,
    digest_of_files,
    parse_ballots_csv,
    parse_round_json,
    recount,
    round_json,
)
from app.domain.voting import (
    TIE_BREAK_RULE,
    Ballot,
    Method,
    RoundRules,
    RulesError,
    tally,
)

TITLES = {
    1: "ซ่อมทางเท้า ซอย 5",
    2: 'ไฟส่องสว่าง "หน้าตลาด"',
    3: "ลอกคลอง, ป้องกันน้ำท่วม",
    4: "=สวนสาธารณะ",
}

ROUNDS = {
    Method.dot: RoundRules(Method.dot, (3, 1, 2), dots_per_voter=5, max_dots_per_proposal=3),
    Method.approval: RoundRules(Method.approval, (1, 2, 3, 4), max_approvals=2),
    Method.ranked: RoundRules(Method.ranked, (4, 3, 2, 1), max_ranks=3),
    Method.budget: RoundRules(
        Method.budget, (1, 2, 3), budget=100, costs={1: 60, 2: 50, 3: 40}, max_sum_cost=100
    ),
    Method.single: RoundRules(Method.single, (1, 2)),
}
BALLOTS = {
    Method.dot: [
        Ballot("k7", "resident", {1: 3, 2: 2}),
        Ballot("a1", "business", {3: 1}),
        Ballot("c3", "resident", {2: 3, 3: 2}),
    ],
    Method.approval: [
        Ballot("x", "academia", {1: 1, 4: 1}),
        Ballot("y", "resident", {4: 1}),
        Ballot("z", "civil_society", {2: 1, 3: 1}),
    ],
    Method.ranked: [
        Ballot("r2", "resident", {4: 1, 1: 2}),
        Ballot("r1", "public_agency", {2: 1, 3: 2, 4: 3}),
        Ballot("r3", "resident", {3: 1}),
    ],
    Method.budget: [
        Ballot("p1", "resident", {1: 1, 3: 1}),
        Ballot("p2", "resident", {2: 1}),
        Ballot("p3", "business", {1: 1}),
    ],
    Method.single: [Ballot("s1", "resident", {2: 1}), Ballot("s2", "business", {2: 1})],
}


# --- ballots CSV ---------------------------------------------------------------------


def test_csv_layout_is_stable() -> None:
    text = ballots_csv(BALLOTS[Method.ranked])
    assert text == (
        "ballot_id,stakeholder_group,proposal_id,value\r\n"
        "r1,public_agency,2,1\r\n"
        "r1,public_agency,3,2\r\n"
        "r1,public_agency,4,3\r\n"
        "r2,resident,1,2\r\n"
        "r2,resident,4,1\r\n"
        "r3,resident,3,1\r\n"
    )


def test_csv_leaves_out_zero_values() -> None:
    text = ballots_csv([Ballot("a", "resident", {1: 2, 2: 0})])
    assert text.splitlines()[1:] == ["a,resident,1,2"]


@pytest.mark.parametrize(
    ("ballots", "message"),
    [
        ([Ballot("a", "resident", {1: 1}), Ballot("a", "business", {2: 1})], "used twice"),
        ([Ballot("a", "resident", {1: 0})], "no positive value"),
        ([Ballot("", "resident", {1: 1})], "needs a ballot_id"),
        ([Ballot("a", " ", {1: 1})], "stakeholder_group"),
    ],
)
def test_csv_refuses_what_it_cannot_carry(ballots: list[Ballot], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ballots_csv(ballots)


@pytest.mark.parametrize("method", list(Method))
def test_csv_round_trip_gives_the_same_count(method: Method) -> None:
    rules, ballots = ROUNDS[method], BALLOTS[method]
    parsed = parse_ballots_csv(ballots_csv(ballots), rules)
    assert sorted(parsed, key=lambda b: b.ballot_id) == sorted(ballots, key=lambda b: b.ballot_id)
    assert tally(rules, parsed) == tally(rules, ballots)


def test_csv_parser_accepts_bom_and_either_line_end() -> None:
    text = ballots_csv(BALLOTS[Method.dot])
    expected = parse_ballots_csv(text)
    assert parse_ballots_csv("\ufeff" + text) == expected
    assert parse_ballots_csv(text.replace("\r\n", "\n")) == expected
    assert parse_ballots_csv(text + "\r\n\r\n") == expected  # blank lines at the end
    # what a spreadsheet saves: BOM, UTF-8 bytes decoded by the caller
    assert parse_ballots_csv(("\ufeff" + text).encode("utf-8").decode("utf-8")) == expected


def test_csv_parser_keeps_first_appearance_order() -> None:
    text = "ballot_id,stakeholder_group,proposal_id,value\nz,resident,1,1\na,resident,2,1\nz,resident,2,1\n"
    ballots = parse_ballots_csv(text)
    assert [b.ballot_id for b in ballots] == ["z", "a"]
    assert ballots[0].values == {1: 1, 2: 1}


def test_csv_with_only_the_header_has_no_ballots() -> None:
    assert parse_ballots_csv("ballot_id,stakeholder_group,proposal_id,value\r\n") == []


HEADER = "ballot_id,stakeholder_group,proposal_id,value\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "the file is empty"),
        ("ballot_id,stakeholder_group,value\n", 1, "missing proposal_id"),
        ("ballot_id,group,proposal_id,value\n", 1, "missing stakeholder_group"),
        ("value,proposal_id,stakeholder_group,ballot_id\n", 1, "found value,proposal_id"),
        (HEADER + "a,resident,1\n", 2, "expected 4 columns"),
        (HEADER + "a,resident,1,1\na,resident, ,1\n", 3, "proposal_id must be 1 to 64 characters"),
        (HEADER + "a,resident," + "P" * 65 + ",1\n", 2, "proposal_id must be 1 to 64 characters"),
        (HEADER + "a,resident,1,1.5\n", 2, "value must be a whole number, found '1.5'"),
        (HEADER + "a,resident,1,๓\n", 2, "value must be a whole number"),  # Thai digit
        (HEADER + "a,resident,1,1_0\n", 2, "value must be a whole number"),
        (HEADER + "a,resident,1,0\n", 2, "value must be a positive whole number"),
        (HEADER + "a,resident,1,-2\n", 2, "value must be a positive whole number"),
        (HEADER + ",resident,1,1\n", 2, "ballot_id is empty"),
        (HEADER + "a,,1,1\n", 2, "stakeholder_group is empty"),
        (HEADER + "a,resident,1,1\na,business,2,1\n", 3, "in group 'resident' on line 2"),
        (HEADER + "a,resident,1,1\na,resident,1,2\n", 3, "proposal 1 twice"),
        (HEADER + 'a,resident,1,"1\n', 2, "not valid CSV"),
        (HEADER + 'a,resident,1,"1"x\n', 2, "not valid CSV"),
    ],
)
def test_csv_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(BallotFileError, match=message) as caught:
        parse_ballots_csv(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")


def test_csv_errors_against_the_rules() -> None:
    rules = ROUNDS[Method.ranked]
    with pytest.raises(BallotFileError, match="proposal 9 is not on this round's ballot") as caught:
        parse_ballots_csv(HEADER + "a,resident,1,1\na,resident,9,2\n", rules)
    assert caught.value.line == 3
    gapped = HEADER + "a,resident,4,1\nb,resident,1,1\nb,resident,2,3\n"
    with pytest.raises(
        BallotFileError, match=r"line 3: ballot 'b': ranks must be 1 to 2"
    ) as caught:
        parse_ballots_csv(gapped, rules)
    assert caught.value.__cause__.code == "gapped_ranks"  # type: ignore[union-attr]
    too_many = HEADER + "".join(
        f"c,resident,{pid},{rank}\n" for rank, pid in enumerate([1, 2, 3, 4], 1)
    )
    with pytest.raises(BallotFileError, match="line 2: ballot 'c': 4 proposals ranked"):
        parse_ballots_csv(too_many, rules)
    with pytest.raises(BallotFileError, match="costs 110, more than the 100 one ballot may cost"):
        parse_ballots_csv(HEADER + "d,resident,1,1\nd,resident,2,1\n", ROUNDS[Method.budget])


# --- round JSON ------------------------------------------------------------------------


def test_round_json_content() -> None:
    rules = ROUNDS[Method.budget]
    text = round_json(
        rules, TITLES, {"round_id": 12, "closed_at": dt.datetime(2026, 11, 27, 18, 0)}
    )
    data = json.loads(text)
    assert data["method"] == "budget"
    assert data["rules"] == ["greedy", "equal_shares"]
    assert data["budget"] == 100
    assert data["proposals"] == [
        {"id": 1, "title": TITLES[1], "cost": 60},
        {"id": 2, "title": TITLES[2], "cost": 50},
        {"id": 3, "title": TITLES[3], "cost": 40},
    ]
    for key in ("dots_per_voter", "max_dots_per_proposal", "max_approvals", "max_ranks"):
        assert data[key] is None
    assert data["max_sum_cost"] == 100  # our own budget rounds cap a ballot at the budget
    assert data["format"] == 2
    assert data["tie_break"] == TIE_BREAK_RULE
    assert data["round_id"] == 12
    assert data["closed_at"] == "2026-11-27T18:00:00"
    assert "ซ่อมทางเท้า" in text  # not \u-escaped
    assert list(data) == sorted(data)
    assert text.startswith('{\n  "budget": 100,')


def test_round_json_limits_and_costs_only_where_the_method_uses_them() -> None:
    dots = json.loads(round_json(ROUNDS[Method.dot], TITLES))
    assert (dots["dots_per_voter"], dots["max_dots_per_proposal"]) == (5, 3)
    assert dots["budget"] is None
    assert [p["id"] for p in dots["proposals"]] == [3, 1, 2]  # ballot (display) order
    assert {p["cost"] for p in dots["proposals"]} == {None}
    ranked = RoundRules(Method.ranked, (1, 2), max_approvals=2, costs={1: 5, 2: 5})
    data = json.loads(round_json(ranked, {}))
    assert data["max_ranks"] is None
    assert data["max_approvals"] is None
    assert [p["title"] for p in data["proposals"]] == ["", ""]


def test_round_json_refuses_clashing_extra_keys_and_unknown_types() -> None:
    with pytest.raises(ValueError, match="would overwrite"):
        round_json(ROUNDS[Method.single], TITLES, {"method": "x"})
    with pytest.raises(TypeError, match="not JSON serializable"):
        round_json(ROUNDS[Method.single], TITLES, {"odd": object()})


@pytest.mark.parametrize("method", list(Method))
def test_round_json_round_trip(method: Method) -> None:
    rules = ROUNDS[method]
    assert parse_round_json(round_json(rules, TITLES, {"digest": "x"})) == rules
    assert parse_round_json("\ufeff" + round_json(rules, TITLES)) == rules


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("{", BallotFileError, "line 1: the round file is not valid JSON"),
        ("[]", BallotFileError, "must hold a JSON object"),
        ('{"method": "lottery", "proposals": []}', BallotFileError, "unknown method 'lottery'"),
        ('{"method": "single"}', BallotFileError, "'proposals' must be a list"),
        ('{"method": "single", "proposals": [{"id": ""}]}', BallotFileError, "proposal #1 needs"),
        ('{"method": "single", "proposals": [{"id": 1.5}]}', BallotFileError, "proposal #1 needs"),
        ('{"method": "single", "proposals": [{"id": true}]}', BallotFileError, "proposal #1 needs"),
        (
            '{"method": "budget", "budget": 9, "proposals": [{"id": 1, "cost": null}]}',
            BallotFileError,
            "proposal 1 needs a whole-number 'cost'",
        ),
        (
            '{"method": "dot", "dots_per_voter": "5", "proposals": [{"id": 1}]}',
            BallotFileError,
            "'dots_per_voter' must be a whole number or null",
        ),
        ('{"method": "dot", "proposals": [{"id": 1}]}', RulesError, "needs a number of dots"),
        ('{"method": "single", "proposals": []}', RulesError, "no proposals"),
        (
            '{"method": "budget", "budget": 3, "proposals": [{"id": 1, "cost": 5}]}',
            RulesError,
            "less than the cheapest",
        ),
    ],
)
def test_bad_round_files(text: str, error: type[ValueError], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_round_json(text)


# --- digest and recount ----------------------------------------------------------------


def test_digest_pins_the_documented_canonical_form() -> None:
    rules = RoundRules(Method.budget, (2, 1), budget=10, costs={1: 4, 2: 6}, max_sum_cost=10)
    ballots = [Ballot("b", "business", {2: 1}), Ballot("a", "resident", {1: 1, 2: 1})]
    expected = (
        '{"ballots":[["a","resident",[[1,1],[2,1]]],["b","business",[[2,1]]]],'
        '"format":"mueang-ruam-kit ballots 1",'
        '"rules":{"budget":10,"costs":[[1,4],[2,6]],"dots_per_voter":null,'
        '"max_approvals":null,"max_dots_per_proposal":null,"max_ranks":null,'
        '"method":"budget","proposal_ids":[1,2]}}'
    )
    assert canonical_form(rules, ballots) == expected.encode()
    assert ballots_digest(rules, ballots) == hashlib.sha256(expected.encode()).hexdigest()


def test_digest_of_text_ids_and_uncapped_ballots_pins_the_canonical_form() -> None:
    rules = RoundRules(
        Method.budget, ("P10", 7, "P02"), budget=10, costs={"P10": 4, 7: 6, "P02": 9}
    )
    ballots = [Ballot("a", "all", {"P10": 1, 7: 1, "P02": 1})]  # costs 19 > the budget
    expected = (
        '{"ballots":[["a","all",[[7,1],["P02",1],["P10",1]]]],'
        '"format":"mueang-ruam-kit ballots 1",'
        '"rules":{"budget":10,"costs":[[7,6],["P02",9],["P10",4]],"dots_per_voter":null,'
        '"max_approvals":null,"max_dots_per_proposal":null,"max_ranks":null,'
        '"max_sum_cost":null,"method":"budget","proposal_ids":[7,"P02","P10"]}}'
    )
    assert canonical_form(rules, ballots) == expected.encode()


def test_digest_is_independent_of_order_and_display() -> None:
    rules, ballots = ROUNDS[Method.ranked], BALLOTS[Method.ranked]
    digest = ballots_digest(rules, ballots)
    assert len(digest) == 64
    assert ballots_digest(rules, list(reversed(ballots))) == digest
    reordered = RoundRules(Method.ranked, (1, 2, 3, 4), max_ranks=3)
    assert ballots_digest(reordered, ballots) == digest
    zeros = [Ballot(b.ballot_id, b.stakeholder_group, {**b.values, 2: 0}) for b in ballots[:1]]
    assert ballots_digest(rules, zeros + ballots[1:]) == digest


def test_digest_changes_with_any_counted_detail() -> None:
    rules, ballots = ROUNDS[Method.ranked], BALLOTS[Method.ranked]
    digest = ballots_digest(rules, ballots)
    changed = [Ballot("r2", "resident", {4: 2, 1: 1}), *ballots[1:]]
    assert ballots_digest(rules, changed) != digest
    regrouped = [Ballot("r2", "business", {4: 1, 1: 2}), *ballots[1:]]
    assert ballots_digest(rules, regrouped) != digest
    assert ballots_digest(RoundRules(Method.ranked, (4, 3, 2, 1)), ballots) != digest
    assert ballots_digest(rules, ballots[1:]) != digest


@pytest.mark.parametrize("method", list(Method))
def test_digest_of_files_equals_the_digest_of_the_originals(method: Method) -> None:
    rules, ballots = ROUNDS[method], BALLOTS[method]
    csv_text = "\ufeff" + ballots_csv(ballots)
    json_text = round_json(rules, TITLES, {"digest": ballots_digest(rules, ballots)})
    assert digest_of_files(csv_text, json_text) == ballots_digest(rules, ballots)
    assert json.loads(json_text)["digest"] == digest_of_files(csv_text, json_text)


def test_recount_shape() -> None:
    rules, ballots = ROUNDS[Method.ranked], BALLOTS[Method.ranked]
    result = recount(ballots_csv(ballots), round_json(rules, TITLES))
    assert result == {
        "method": "ranked",
        "ballots": 3,
        "digest": ballots_digest(rules, ballots),
        "rules": {
            # Borda, 4 proposals: 3, 2, 1 points; 4: 3 + 1, 3: 2 + 3, 2: 3, 1: 2
            "borda": {
                "ranking": [
                    {"proposal_id": 3, "score": 5},
                    {"proposal_id": 4, "score": 4},
                    {"proposal_id": 2, "score": 3},
                    {"proposal_id": 1, "score": 2},
                ],
                "winners": [3],
            },
            # links 3->4, 3->1, 4->1 (2 votes each); 2 ties everyone pairwise, so nobody
            # beats 2 either: both 3 and 2 are Schulze winners
            "schulze": {
                "ranking": [
                    {"proposal_id": 3, "score": 2},
                    {"proposal_id": 4, "score": 1},
                    {"proposal_id": 1, "score": 0},
                    {"proposal_id": 2, "score": 0},
                ],
                "winners": [3, 2],
            },
        },
    }
    json.dumps(result)  # plain JSON all the way down


@pytest.mark.parametrize("method", list(Method))
def test_recount_agrees_with_tally(method: Method) -> None:
    rules, ballots = ROUNDS[method], BALLOTS[method]
    result = recount(ballots_csv(ballots), round_json(rules, TITLES))
    counted = tally(rules, ballots)
    assert result["method"] == method.value
    assert result["rules"] == {
        name: {
            "ranking": [{"proposal_id": i.proposal_id, "score": i.score} for i in r.ranking],
            "winners": list(r.winners),
        }
        for name, r in counted.items()
    }


def test_recount_refuses_ballots_that_break_the_rules() -> None:
    rules = ROUNDS[Method.single]
    with pytest.raises(BallotFileError, match="line 2: ballot 'x': choose exactly one"):
        recount(HEADER + "x,resident,1,1\nx,resident,2,1\n", round_json(rules, TITLES))


# --- ids and limits from other elections ----------------------------------------------


TEXT_IDS = RoundRules(
    Method.budget, ("P10", "P02", 15034), budget=100, costs={"P10": 60, "P02": 50, 15034: 70}
)


def test_text_ids_and_uncapped_ballots_round_trip_through_both_files() -> None:
    ballots = [
        Ballot("a", "resident", {"P10": 1, "P02": 1, 15034: 1}),  # costs 180, budget 100
        Ballot("b", "resident", {"P02": 1}),
    ]
    text = round_json(TEXT_IDS, {"P10": "ทางเท้า"})
    data = json.loads(text)
    assert [p["id"] for p in data["proposals"]] == ["P10", "P02", 15034]
    assert data["max_sum_cost"] is None
    rules = parse_round_json(text)
    assert rules == TEXT_IDS
    parsed = parse_ballots_csv(ballots_csv(ballots), rules)
    assert parsed == ballots
    result = recount(ballots_csv(ballots), text)
    # P02 and P10 are tied on the greedy list only by score; 15034 is a number: first
    assert result["rules"]["greedy"]["ranking"][0] == {"proposal_id": "P02", "score": 2}  # type: ignore[index]
    assert result["ballots"] == 2


def test_csv_ids_become_numbers_only_when_written_as_plain_numbers() -> None:
    rules = RoundRules(Method.approval, (15, "007", "P01"))
    text = HEADER + "a,g,15,1\na,g,007,1\nb,g, P01 ,1\n"
    ballots = parse_ballots_csv(text, rules)
    assert ballots[0].values == {15: 1, "007": 1}
    assert ballots[1].values == {"P01": 1}
    with pytest.raises(BallotFileError, match="proposal 7 is not on this round's ballot"):
        parse_ballots_csv(HEADER + "a,g,7,1\n", rules)  # 7 is not "007"


def test_round_json_ids_in_text_that_are_numbers_are_the_numbers() -> None:
    text = '{"method": "approval", "proposals": [{"id": "15"}, {"id": 16}, {"id": " P01 "}]}'
    assert parse_round_json(text).proposal_ids == (15, 16, "P01")


def test_round_json_takes_pabulib_limit_names() -> None:
    base = {"method": "budget", "budget": 100, "proposals": [{"id": "A", "cost": 10}]}
    rules = parse_round_json(json.dumps({**base, "min_length": 1, "max_length": 1}))
    assert (rules.min_approvals, rules.max_approvals, rules.max_sum_cost) == (1, 1, None)
    capped = parse_round_json(json.dumps({**base, "max_sum_cost": 50, "max_approvals": 1}))
    assert (capped.max_sum_cost, capped.max_approvals) == (50, 1)
    with pytest.raises(
        BallotFileError, match="'max_length' \\(2\\) and 'max_approvals' \\(1\\) differ"
    ):
        parse_round_json(json.dumps({**base, "max_length": 2, "max_approvals": 1}))
    with pytest.raises(RulesError, match="fewest approvals \\(3\\) is more than the most"):
        parse_round_json(json.dumps({**base, "min_length": 3, "max_length": 2}))
    with pytest.raises(RulesError, match="most one ballot may cost must be at least 1"):
        parse_round_json(json.dumps({**base, "max_sum_cost": 0}))


def test_min_and_max_approvals_are_checked_on_every_ballot() -> None:
    rules = RoundRules(Method.approval, (1, 2, 3), min_approvals=2, max_approvals=2)
    with pytest.raises(
        BallotFileError, match="line 2: ballot 'a': 1 proposals approved, at least 2"
    ):
        parse_ballots_csv(HEADER + "a,g,1,1\n", rules)
    assert len(parse_ballots_csv(HEADER + "a,g,1,1\na,g,3,1\n", rules)) == 1


def test_our_format_1_files_capped_budget_ballots_at_the_budget() -> None:
    """Files exported before max_sum_cost existed recount to the digest published then."""
    rules = ROUNDS[Method.budget]
    data = json.loads(round_json(rules, TITLES))
    del data["max_sum_cost"], data["min_approvals"]
    data["format"] = 1
    old = json.dumps(data)
    assert parse_round_json(old) == rules
    csv_text = ballots_csv(BALLOTS[Method.budget])
    assert digest_of_files(csv_text, old) == ballots_digest(rules, BALLOTS[Method.budget])
    del data["format"]  # a file that is not ours: absent means not capped
    assert parse_round_json(json.dumps(data)).max_sum_cost is None
