"""Counting a vote on proposals: dots, approval, ranked, participatory budget, single choice.

Pure functions on plain data, so a vote can be recounted by anyone from the exported files
(see app.domain.ballot_files) and the rules can be tested against independent libraries.
Every method is counted by each of its rules (RULES); every result lists every proposal on
the ballot, best first, with ties broken as TIE_BREAK_RULE says.
"""

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from app.domain.errors import CodedError


class Method(StrEnum):
    dot = "dot"
    approval = "approval"
    ranked = "ranked"
    budget = "budget"
    single = "single"


RULES: dict[Method, tuple[str, ...]] = {
    Method.dot: ("dots",),
    Method.approval: ("approval",),
    Method.ranked: ("borda", "schulze"),
    Method.budget: ("greedy", "equal_shares"),
    Method.single: ("plurality",),
}

TIE_BREAK_RULE = (
    "Proposals with equal scores share a rank (for example 1, 2, 2, 4) and are listed by "
    "proposal number, lowest first, that is, the proposal made earlier comes first. When a "
    "budget rule (greedy or equal shares) has to choose between equally good proposals, it "
    "takes the one with the lowest proposal number first. Proposal ids that are not numbers "
    "(such as P01 in files from elsewhere) come after the numbered ones, in Unicode order."
)

# A proposal id: our own proposals have positive whole numbers; files from other elections
# may use any text of 1 to MAX_ID_LENGTH characters ("P01", "15034-b").
ProposalId = int | str
MAX_ID_LENGTH = 64
K = TypeVar("K", bound=ProposalId)


def proposal_order(pid: ProposalId) -> tuple[int, int, str]:
    """The order in which ties are broken: the natural order of ids.

    Numbers (and texts of ASCII digits) by value, lowest first, the text form deciding
    between "7" and "007"; any other text after them, by Unicode code point. For our own
    numeric ids this is plain proposal number order. Example: 2, "007", 7, 15, "P01", "P1".
    """
    if isinstance(pid, int):
        return (0, pid, str(pid))
    if pid.isascii() and pid.isdigit():
        return (0, int(pid), pid)
    return (1, 0, pid)


# Relative tolerance under which two amounts of money per vote are equal in equal shares:
# the arithmetic is in floating point (as in equalshares.net's reference code), and rounding
# must not decide a tie that exact arithmetic would break by proposal number.
MES_TOLERANCE = 1e-9


class RulesError(CodedError):
    """The round's rules cannot be voted on (raised by RoundRules.validate)."""

    messages: ClassVar[Mapping[str, str]] = {
        "empty_ballot": "the ballot has no proposals",
        "bad_proposal_id": "proposal ids must be positive whole numbers or texts of 1 to 64 characters ({proposal_id})",
        "duplicate_proposal": "proposal {proposal_id} is on the ballot twice",
        "missing_dots_per_voter": "a dot vote needs a number of dots per voter",
        "bad_dots_per_voter": "dots per voter must be at least 1 ({dots_per_voter})",
        "bad_max_dots_per_proposal": "the most dots on one proposal must be at least 1 ({max_dots_per_proposal})",
        "bad_max_approvals": "the most approvals must be at least 1 ({max_approvals})",
        "bad_min_approvals": "the fewest approvals must be at least 0 ({min_approvals})",
        "min_above_max_approvals": "the fewest approvals ({min_approvals}) is more than the most ({max_approvals})",
        "bad_max_sum_cost": "the most one ballot may cost must be at least 1 ({max_sum_cost})",
        "bad_max_ranks": "the most ranks must be at least 1 ({max_ranks})",
        "missing_budget": "a budget vote needs a budget",
        "bad_budget": "the budget must be at least 1 ({budget})",
        "missing_cost": "proposal {proposal_id} has no cost",
        "bad_cost": "proposal {proposal_id} must cost at least 1 ({cost})",
        "cost_for_unknown_proposal": "a cost is given for proposal {proposal_id}, which is not on the ballot",
        "budget_below_cheapest": "the budget ({budget}) is less than the cheapest proposal ({cheapest})",
    }


class BallotError(CodedError):
    """One ballot breaks the round's rules (raised by validate_ballot and tally)."""

    messages: ClassVar[Mapping[str, str]] = {
        "empty": "the ballot is empty",
        "unknown_proposal": "proposal {proposal_id} is not on this ballot",
        "not_positive": "the value for proposal {proposal_id} must be positive ({value})",
        "too_many_dots": "{given} dots given, at most {max} allowed",
        "too_many_dots_on_one": "{given} dots on proposal {proposal_id}, at most {max} allowed",
        "too_many_approvals": "{given} proposals approved, at most {max} allowed",
        "too_few_approvals": "{given} proposals approved, at least {min} needed",
        "bad_value": "the value for proposal {proposal_id} must be 1 ({value})",
        "duplicate_rank": "rank {rank} is given twice",
        "gapped_ranks": "ranks must be 1 to {count} without gaps (highest given: {highest})",
        "too_many_ranks": "{given} proposals ranked, at most {max} allowed",
        "over_budget": "the selection costs {total}, more than the {budget} one ballot may cost",
        "one_choice": "choose exactly one proposal ({given} chosen)",
    }

    ballot_id: str | None = None


@dataclass(frozen=True)
class RoundRules(Generic[K]):
    """A round's rules; K is int for our own rounds, ProposalId for files from elsewhere."""

    method: Method
    proposal_ids: tuple[K, ...]  # the ballot, in display order
    dots_per_voter: int | None = None  # dot
    max_dots_per_proposal: int | None = None  # dot (None = up to dots_per_voter)
    max_approvals: int | None = None  # approval, budget (None = any number; Pabulib max_length)
    max_ranks: int | None = None  # ranked (None = all)
    budget: int | None = None  # budget
    costs: Mapping[K, int] = field(default_factory=dict)  # budget: id -> cost
    # budget: the most one ballot may cost (Pabulib's max_sum_cost); None = not capped.
    # Our own rounds set it to the budget.
    max_sum_cost: int | None = None
    min_approvals: int | None = None  # approval, budget (None = 1; Pabulib min_length)

    def __post_init__(self) -> None:
        # accept plain strings and lists from callers and files; compare with `is` safely
        object.__setattr__(self, "method", Method(self.method))
        object.__setattr__(self, "proposal_ids", tuple(self.proposal_ids))

    @property
    def rule_names(self) -> tuple[str, ...]:
        return RULES[self.method]

    @cached_property
    def _on_ballot(self) -> frozenset[K]:
        return frozenset(self.proposal_ids)

    def validate(self) -> None:
        """Refuse rules that no ballot could satisfy or that the count cannot handle."""
        if not self.proposal_ids:
            raise RulesError("empty_ballot")
        seen: set[K] = set()
        for pid in self.proposal_ids:
            if not _good_id(pid):
                raise RulesError("bad_proposal_id", {"proposal_id": pid if _is_int(pid) else 0})
            if pid in seen:
                raise RulesError("duplicate_proposal", {"proposal_id": pid})
            seen.add(pid)
        method = self.method
        if method is Method.dot:
            if self.dots_per_voter is None:
                raise RulesError("missing_dots_per_voter")
            _at_least_one("dots_per_voter", self.dots_per_voter)
            _at_least_one("max_dots_per_proposal", self.max_dots_per_proposal)
        if method in (Method.approval, Method.budget):
            self._validate_approval_counts()
        if method is Method.ranked:
            _at_least_one("max_ranks", self.max_ranks)
        elif method is Method.budget:
            if self.budget is None:
                raise RulesError("missing_budget")
            _at_least_one("budget", self.budget)
            _at_least_one("max_sum_cost", self.max_sum_cost)
            for pid in self.proposal_ids:
                if pid not in self.costs:
                    raise RulesError("missing_cost", {"proposal_id": pid})
                cost = self.costs[pid]
                if not _is_int(cost) or cost < 1:
                    raise RulesError(
                        "bad_cost", {"proposal_id": pid, "cost": cost if _is_int(cost) else 0}
                    )
            for pid in sorted(set(self.costs) - seen, key=proposal_order):
                raise RulesError("cost_for_unknown_proposal", {"proposal_id": pid})
            cheapest = min(self.costs[pid] for pid in self.proposal_ids)
            if self.budget < cheapest:
                raise RulesError(
                    "budget_below_cheapest", {"budget": self.budget, "cheapest": cheapest}
                )

    def _validate_approval_counts(self) -> None:
        _at_least_one("max_approvals", self.max_approvals)
        least = self.min_approvals
        if least is None:
            return
        if not _is_int(least) or least < 0:
            raise RulesError("bad_min_approvals", {"min_approvals": least if _is_int(least) else 0})
        if self.max_approvals is not None and least > self.max_approvals:
            raise RulesError(
                "min_above_max_approvals",
                {"min_approvals": least, "max_approvals": self.max_approvals},
            )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _good_id(pid: object) -> bool:
    if isinstance(pid, str):
        return 0 < len(pid) <= MAX_ID_LENGTH and bool(pid.strip())
    return _is_int(pid) and pid > 0  # type: ignore[operator]


def _at_least_one(name: str, value: int | None) -> None:
    if value is not None and (not _is_int(value) or value < 1):
        raise RulesError(f"bad_{name}", {name: value if _is_int(value) else 0})


@dataclass(frozen=True)
class Ballot:
    ballot_id: str  # anonymous id
    stakeholder_group: str
    # proposal_id -> dots given; 1 for an approval, selection or choice; rank (1 = first)
    values: Mapping[ProposalId, int]


def validate_ballot(rules: RoundRules[Any], values: Mapping[K, int]) -> dict[K, int]:
    """Return the ballot's positive values, by proposal id, or raise BallotError.

    Zero values mean "not chosen" and are dropped. A dot ballot may use fewer dots than
    allowed; a ranked ballot may rank fewer proposals than allowed, but its ranks must be
    exactly 1..n.
    """
    chosen = {pid: value for pid, value in values.items() if value != 0}
    if not chosen:
        raise BallotError("empty")
    if not chosen.keys() <= rules._on_ballot:
        unknown = min((pid for pid in chosen if pid not in rules._on_ballot), key=proposal_order)
        raise BallotError("unknown_proposal", {"proposal_id": unknown})
    if min(chosen.values()) < 0:
        pid = min((pid for pid, value in chosen.items() if value < 0), key=proposal_order)
        raise BallotError("not_positive", {"proposal_id": pid, "value": chosen[pid]})
    method = rules.method
    if method is Method.ranked:
        _check_ranks(rules, chosen)
    elif method is Method.dot:
        _check_dots(rules, chosen)
    else:
        for pid in sorted(chosen, key=proposal_order):
            if chosen[pid] != 1:
                raise BallotError("bad_value", {"proposal_id": pid, "value": chosen[pid]})
        if method in (Method.approval, Method.budget):
            if rules.max_approvals is not None and len(chosen) > rules.max_approvals:
                raise BallotError(
                    "too_many_approvals", {"given": len(chosen), "max": rules.max_approvals}
                )
            if rules.min_approvals is not None and len(chosen) < rules.min_approvals:
                raise BallotError(
                    "too_few_approvals", {"given": len(chosen), "min": rules.min_approvals}
                )
        if method is Method.budget:
            if rules.max_sum_cost is not None:
                total = sum(rules.costs[pid] for pid in chosen)
                if total > rules.max_sum_cost:
                    raise BallotError("over_budget", {"total": total, "budget": rules.max_sum_cost})
        elif method is not Method.approval and len(chosen) != 1:
            raise BallotError("one_choice", {"given": len(chosen)})
    return chosen


def _check_ranks(rules: RoundRules[Any], chosen: Mapping[K, int]) -> None:
    ranks = sorted(chosen.values())
    for a, b in itertools.pairwise(ranks):
        if a == b:
            raise BallotError("duplicate_rank", {"rank": a})
    if ranks[-1] != len(ranks):
        raise BallotError("gapped_ranks", {"count": len(ranks), "highest": ranks[-1]})
    if rules.max_ranks is not None and len(ranks) > rules.max_ranks:
        raise BallotError("too_many_ranks", {"given": len(ranks), "max": rules.max_ranks})


def _check_dots(rules: RoundRules[Any], chosen: Mapping[K, int]) -> None:
    total = sum(chosen.values())
    limit = rules.max_dots_per_proposal
    if limit is not None:
        for pid in sorted(chosen, key=proposal_order):
            if chosen[pid] > limit:
                raise BallotError(
                    "too_many_dots_on_one", {"proposal_id": pid, "given": chosen[pid], "max": limit}
                )
    if rules.dots_per_voter is not None and total > rules.dots_per_voter:
        raise BallotError("too_many_dots", {"given": total, "max": rules.dots_per_voter})


@dataclass(frozen=True)
class RankedItem:
    proposal_id: ProposalId
    score: int | float
    rank: int


@dataclass(frozen=True)
class RuleResult:
    rule: str
    ranking: tuple[RankedItem, ...]  # every proposal on the ballot, best first
    # in ranking order; empty when nobody voted. Budget rules: the funded proposals.
    # Schulze: the unbeaten proposals, which can include one ranked below the top score.
    winners: tuple[ProposalId, ...]


def tally(rules: RoundRules, ballots: Iterable[Ballot]) -> dict[str, RuleResult]:
    """Count the ballots by every rule of the round's method, in RULES order.

    Every ballot is validated first (BallotError, with .ballot_id set, on the first bad
    one), so a count never silently skips a ballot. Ids may be numbers or texts: the count
    runs on their positions in proposal_order (1, 2, ...), so ties go the same way for both.
    """
    rules.validate()
    ids = tuple(sorted(rules.proposal_ids, key=proposal_order))
    number = {pid: k for k, pid in enumerate(ids, start=1)}
    chosen = [
        {number[pid]: value for pid, value in _validated(rules, ballot).items()}
        for ballot in ballots
    ]
    costs = {number[pid]: cost for pid, cost in rules.costs.items()}
    results = _tally_numbered(rules.method, len(ids), chosen, costs, rules.budget or 0)

    def named(result: RuleResult) -> RuleResult:
        return RuleResult(
            result.rule,
            tuple(RankedItem(ids[i.proposal_id - 1], i.score, i.rank) for i in result.ranking),  # type: ignore[operator]
            tuple(ids[w - 1] for w in result.winners),  # type: ignore[operator]
        )

    return {rule: named(result) for rule, result in results.items()}


def _tally_numbered(
    method: Method,
    count: int,
    chosen: list[dict[int, int]],
    costs: Mapping[int, int],
    budget: int,
) -> dict[str, RuleResult]:
    """tally on proposals numbered 1..count (validated ballots; costs and budget for budget
    rounds)."""
    ids = tuple(range(1, count + 1))
    if method is Method.ranked:
        return _tally_ranked(ids, chosen)
    if method is Method.budget:
        return _tally_budget(budget, costs, ids, chosen)
    rule = RULES[method][0]
    totals: Counter[int] = Counter()
    for values in chosen:
        totals.update(values)
    scores = {pid: totals[pid] for pid in ids}
    return {rule: _score_result(rule, scores, bool(chosen))}


def _validated(rules: RoundRules, ballot: Ballot) -> dict[ProposalId, int]:
    try:
        return validate_ballot(rules, ballot.values)
    except BallotError as error:
        error.ballot_id = ballot.ballot_id
        raise


def tally_by_group(
    rules: RoundRules, ballots: Iterable[Ballot]
) -> dict[str, dict[str, RuleResult]]:
    """The count within each stakeholder group that voted, groups in name order."""
    groups: dict[str, list[Ballot]] = {}
    for ballot in ballots:
        groups.setdefault(ballot.stakeholder_group, []).append(ballot)
    return {group: tally(rules, groups[group]) for group in sorted(groups)}


@dataclass(frozen=True)
class Support:
    proposal_id: ProposalId
    share_by_group: dict[str, float]  # supporters / voters, per group (0.0 where none voted)
    min_share: float  # the lowest share among groups that have voters
    voters_by_group: dict[str, int]


def consensus(rules: RoundRules, ballots: Iterable[Ballot], groups: Sequence[str]) -> list[Support]:
    """How widely each proposal is supported across the given stakeholder groups.

    A voter supports a proposal they gave any positive value: dots, an approval, a budget
    selection, a single choice, or any rank at all. The weakest group decides (min_share,
    over groups with at least one voter), so the top of the list is backed everywhere.
    Ballots from groups not listed are left out. Sorted by min_share, highest first, then
    by proposal_order.
    """
    rules.validate()
    wanted = list(dict.fromkeys(groups))
    voters: Counter[str] = Counter()
    supporters: dict[ProposalId, Counter[str]] = {pid: Counter() for pid in rules.proposal_ids}
    for ballot in ballots:
        if ballot.stakeholder_group not in wanted:
            continue
        values = _validated(rules, ballot)
        voters[ballot.stakeholder_group] += 1
        for pid in values:
            supporters[pid][ballot.stakeholder_group] += 1
    voted = [group for group in wanted if voters[group]]
    result = []
    for pid in rules.proposal_ids:
        shares = {g: supporters[pid][g] / voters[g] if voters[g] else 0.0 for g in wanted}
        lowest = min((shares[g] for g in voted), default=0.0)
        result.append(Support(pid, shares, lowest, {g: voters[g] for g in wanted}))
    result.sort(key=lambda s: (-s.min_share, proposal_order(s.proposal_id)))
    return result


def turnout(ballots: Iterable[Ballot]) -> dict[str, int]:
    """Ballots per stakeholder group (in name order), plus "total"."""
    counts = Counter(ballot.stakeholder_group for ballot in ballots)
    result = {group: counts[group] for group in sorted(counts)}
    result["total"] = sum(counts.values())
    return result


# --- the frozen result --------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSupport:
    """One row of the stored consensus table (Support without the voter counts)."""

    proposal_id: ProposalId
    share_by_group: Mapping[str, float]
    min_share: float


@dataclass(frozen=True)
class ResultDocument:
    """A round's whole result: what is frozen in the database when a round closes, and what
    the results pages show. Its JSON form (to_json, read back by from_json) is a contract
    with every round already stored, so its keys never change:

        {"method": "dot",
         "rules": {"dots": {"ranking": [{"proposal_id": 1, "score": 3, "rank": 1}, ...],
                            "winners": [1]}},
         "by_group": {"resident": {"dots": {...the same shape...}}},
         "turnout": {"resident": 2, "total": 2},
         "consensus": [{"proposal_id": 1, "share_by_group": {"resident": 1.0},
                        "min_share": 1.0}, ...]}

    Rules and groups keep their stored order (RULES order; groups by name).
    """

    method: Method
    rules: Mapping[str, RuleResult]
    by_group: Mapping[str, Mapping[str, RuleResult]] = field(default_factory=dict)
    turnout: Mapping[str, int] = field(default_factory=dict)
    consensus: tuple[GroupSupport, ...] = ()

    @classmethod
    def count(
        cls, rules: RoundRules, ballots: Sequence[Ballot], groups: Sequence[str]
    ) -> "ResultDocument":
        """Count the ballots by every rule, overall and per group, with turnout and consensus."""
        return cls(
            method=rules.method,
            rules=tally(rules, ballots),
            by_group=tally_by_group(rules, ballots),
            turnout=turnout(ballots),
            consensus=tuple(
                GroupSupport(s.proposal_id, s.share_by_group, s.min_share)
                for s in consensus(rules, ballots, groups)
            ),
        )

    def ranking(self, rule: str) -> tuple[RankedItem, ...]:
        return self.rules[rule].ranking

    def to_json(self) -> dict[str, Any]:
        return {
            "method": str(self.method),
            "rules": _rules_json(self.rules),
            "by_group": {group: _rules_json(by_rule) for group, by_rule in self.by_group.items()},
            "turnout": dict(self.turnout),
            "consensus": [
                {
                    "proposal_id": s.proposal_id,
                    "share_by_group": dict(s.share_by_group),
                    "min_share": s.min_share,
                }
                for s in self.consensus
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ResultDocument":
        """Read a stored document; by_group, turnout and consensus may be missing (empty)."""
        return cls(
            method=Method(data["method"]),
            rules=_rules_from_json(data["rules"]),
            by_group={
                str(group): _rules_from_json(by_rule)
                for group, by_rule in data.get("by_group", {}).items()
            },
            turnout={str(k): int(v) for k, v in data.get("turnout", {}).items()},
            consensus=tuple(
                GroupSupport(
                    proposal_id=int(row["proposal_id"]),
                    share_by_group={str(g): float(v) for g, v in row["share_by_group"].items()},
                    min_share=float(row["min_share"]),
                )
                for row in data.get("consensus", [])
            ),
        )


def _rules_json(by_rule: Mapping[str, RuleResult]) -> dict[str, Any]:
    return {
        name: {
            "ranking": [
                {"proposal_id": item.proposal_id, "score": item.score, "rank": item.rank}
                for item in result.ranking
            ],
            "winners": list(result.winners),
        }
        for name, result in by_rule.items()
    }


def _rules_from_json(data: Mapping[str, Any]) -> dict[str, RuleResult]:
    return {
        str(name): RuleResult(
            rule=str(name),
            ranking=tuple(
                RankedItem(int(row["proposal_id"]), row["score"], int(row["rank"]))
                for row in doc["ranking"]
            ),
            winners=tuple(int(pid) for pid in doc["winners"]),
        )
        for name, doc in data.items()
    }


# --- rankings ----------------------------------------------------------------------------


def _score_result(rule: str, scores: Mapping[int, int], anyone_voted: bool) -> RuleResult:
    """Rank by score, highest first; equal scores share a rank and go by id."""
    ranking = _competition_ranking(sorted(scores), scores)
    top = ranking[0].score if ranking else 0
    winners = tuple(i.proposal_id for i in ranking if i.score == top) if anyone_voted else ()
    return RuleResult(rule, ranking, winners)


def _competition_ranking(
    ids: Sequence[int], scores: Mapping[int, int], first_rank: int = 1
) -> tuple[RankedItem, ...]:
    ordered = sorted(ids, key=lambda pid: (-scores[pid], pid))
    items: list[RankedItem] = []
    for position, pid in enumerate(ordered, start=first_rank):
        same = items and items[-1].score == scores[pid]
        items.append(RankedItem(pid, scores[pid], items[-1].rank if same else position))
    return tuple(items)


# --- ranked: Borda and Schulze ---------------------------------------------------------


def _tally_ranked(ids: tuple[int, ...], chosen: list[dict[int, int]]) -> dict[str, RuleResult]:
    positions = _rank_matrix(ids, chosen)
    m = len(ids)
    ranked = positions <= m
    borda = np.where(ranked, m - positions, 0).sum(axis=0, dtype=np.int64)
    borda_scores = {pid: int(borda[j]) for j, pid in enumerate(ids)}
    results = {"borda": _score_result("borda", borda_scores, bool(chosen))}
    results["schulze"] = _schulze(ids, pairwise_preferences(positions), bool(chosen))
    return results


def _rank_matrix(ids: tuple[int, ...], chosen: list[dict[int, int]]) -> npt.NDArray[np.int16]:
    """One row per ballot: each proposal's rank, or len(ids) + 1 when unranked."""
    m = len(ids)
    index = {pid: j for j, pid in enumerate(ids)}
    dtype = np.int16 if m < 32000 else np.int32
    positions = np.full((len(chosen), m), m + 1, dtype=dtype)
    cols: list[int] = []
    ranks: list[int] = []
    lengths: list[int] = []
    for values in chosen:
        cols.extend(map(index.__getitem__, values))
        ranks.extend(values.values())
        lengths.append(len(values))
    rows = np.repeat(np.arange(len(chosen)), lengths)
    positions[rows, np.asarray(cols, dtype=np.intp)] = np.asarray(ranks, dtype=dtype)
    return positions


def pairwise_preferences(positions: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """d[a, b] = number of ballots that rank a above b (a ranked proposal is above every
    unranked one; two unranked proposals are not compared)."""
    n, m = positions.shape
    d = np.zeros((m, m), dtype=np.int64)
    chunk = max(1, 2_000_000 // max(1, m * m))
    for start in range(0, n, chunk):
        block = positions[start : start + chunk]
        d += (block[:, :, None] < block[:, None, :]).sum(axis=0, dtype=np.int64)
    return d


def schulze_beats(d: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """beats[a, b]: a's strongest path to b is stronger than b's to a (winning votes: a
    link a->b has strength d[a, b] when d[a, b] > d[b, a])."""
    p = np.where(d > d.T, d, 0)
    np.fill_diagonal(p, 0)
    for k in range(p.shape[0]):
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
    np.fill_diagonal(p, 0)
    return p > p.T


def _schulze(ids: tuple[int, ...], d: npt.NDArray[np.int64], anyone_voted: bool) -> RuleResult:
    """Score = how many proposals it beats; winners = the proposals nobody beats (the
    Schulze winners), which can include a proposal that beats fewer others than the top one
    when strongest paths tie."""
    beats = schulze_beats(d)
    wins = beats.sum(axis=1)
    scores = {pid: int(wins[j]) for j, pid in enumerate(ids)}
    ranking = _competition_ranking(ids, scores)
    unbeaten = {pid for j, pid in enumerate(ids) if not beats[:, j].any()}
    winners = tuple(i.proposal_id for i in ranking if i.proposal_id in unbeaten)
    return RuleResult("schulze", ranking, winners if anyone_voted else ())


# --- budget: greedy and the Method of Equal Shares ------------------------------------


def _tally_budget(
    budget: int, costs: Mapping[int, int], ids: tuple[int, ...], chosen: list[dict[int, int]]
) -> dict[str, RuleResult]:
    approvals: Counter[int] = Counter()
    for values in chosen:
        approvals.update(values.keys())
    scores = {pid: approvals[pid] for pid in ids}
    greedy = greedy_selection(scores, costs, budget)
    mes = equal_shares_selection(chosen, costs, budget)
    return {
        "greedy": _selection_result("greedy", ids, scores, greedy),
        "equal_shares": _selection_result("equal_shares", ids, scores, mes),
    }


def _selection_result(
    rule: str, ids: Sequence[int], scores: Mapping[int, int], selected: Sequence[int]
) -> RuleResult:
    """Selected proposals first, in the order the rule took them (ranks 1..k), then the rest
    by approvals; the score is always the number of approvals."""
    taken = set(selected)
    head = tuple(RankedItem(pid, scores[pid], k) for k, pid in enumerate(selected, start=1))
    rest = _competition_ranking([pid for pid in ids if pid not in taken], scores, len(head) + 1)
    return RuleResult(rule, head + rest, tuple(selected))


def greedy_selection(
    approvals: Mapping[int, int],
    costs: Mapping[int, int],
    budget: int,
    already: Sequence[int] = (),
) -> list[int]:
    """Go down the list by approvals (ties: lower id first), taking every proposal that
    still fits and skipping those that do not. A proposal nobody selected is never taken."""
    selected = list(already)
    left = budget - sum(costs[pid] for pid in selected)
    for pid in sorted(approvals, key=lambda pid: (-approvals[pid], pid)):
        if approvals[pid] > 0 and pid not in selected and costs[pid] <= left:
            selected.append(pid)
            left -= costs[pid]
    return selected


def equal_shares_selection(
    ballots: Sequence[Mapping[int, int]], costs: Mapping[int, int], budget: int
) -> list[int]:
    """The Method of Equal Shares with cost utilities, "add1" completion, then greedy fill.

    As in equalshares.net's reference implementation: run MES with each voter's share
    budget/n; while the outcome is not exhaustive, run it again with every voter's share
    raised to floor(budget/n) + 1, + 2, ... currency units, keeping each outcome that still
    fits the budget and stopping at the first that does not (or at the first exhaustive
    one); then fill what is left greedily by approvals. Differences from the reference:
    ties go to the lower proposal id, and "exhaustive" and the fill only consider proposals
    that at least one ballot selected (so nobody's unvoted proposal is funded, and the loop
    always ends). Shares at which the outcome provably cannot change are skipped (see
    _EqualShares.run), which gives the same result as trying every one.
    """
    selected = _EqualShares(ballots, costs).complete(budget)
    approvals: Counter[int] = Counter()
    for values in ballots:
        approvals.update(values.keys())
    return greedy_selection(approvals, costs, budget, selected)


class _EqualShares:
    """MES on approval ballots with cost utilities, over groups of identical ballots.

    Voters with the same ballot always hold the same budget, so they are counted once with a
    weight. Budgets are kept as affine functions alpha + beta * share of the per-voter share,
    so that one run also tells up to which share its outcome stays the same.
    """

    def __init__(self, ballots: Sequence[Mapping[int, int]], costs: Mapping[int, int]) -> None:
        groups = Counter(tuple(sorted(values)) for values in ballots)
        keys = list(groups)
        self.voters = len(ballots)
        self.weights = np.array([groups[k] for k in keys], dtype=np.float64)
        supporters: dict[int, list[int]] = {}
        for g, key in enumerate(keys):
            for pid in key:
                supporters.setdefault(pid, []).append(g)
        # proposals nobody selected can never be funded by MES
        self.pids = sorted(supporters)
        self.costs = {pid: float(costs[pid]) for pid in self.pids}
        self.int_costs = {pid: costs[pid] for pid in self.pids}
        self.members = {pid: np.array(supporters[pid], dtype=np.intp) for pid in self.pids}
        self.member_weights = {pid: self.weights[self.members[pid]] for pid in self.pids}
        self.support = {pid: float(self.member_weights[pid].sum()) for pid in self.pids}

    def complete(self, budget: int, *, skip: bool = True) -> list[int]:
        """The add1 loop; with skip=False every integer share is tried (for tests)."""
        n = self.voters
        if n == 0 or not self.pids:
            return []
        share = budget / n
        selected, stable_until = self.run(share)
        next_share = budget // n + 1
        while not self._exhaustive(selected, budget):
            if skip:
                if math.isinf(stable_until):
                    break  # cannot happen for a non-exhaustive outcome; never loop forever
                # a share just below the bound is tried rather than skipped: the bound is
                # a root of float affine functions and can be off when they are nearly parallel
                margin = 1e-6 * max(1.0, stable_until)
                next_share = max(next_share, math.ceil(stable_until - margin))
            candidate, stable_until = self.run(float(next_share))
            if sum(self.int_costs[pid] for pid in candidate) > budget:
                break
            selected = candidate
            next_share += 1
        return selected

    def _exhaustive(self, selected: Sequence[int], budget: int) -> bool:
        left = budget - sum(self.int_costs[pid] for pid in selected)
        taken = set(selected)
        return all(self.int_costs[pid] > left for pid in self.pids if pid not in taken)

    def run(self, share: float) -> tuple[list[int], float]:
        """MES at this per-voter share: the proposals in the order taken, and a share up to
        which (exclusive) the same proposals would be taken in the same order.

        Each round takes the affordable proposal whose supporters pay the least per unit of
        utility (rho = payment / cost, cost utilities), lowest id among equals; supporters pay
        equally, except those who cannot, who give all they have left.

        The stable range: budgets are affine in the share as long as every chosen
        proposal splits its supporters into the same "give all" and "pay equally" sets, so
        its rho is affine there too. Any other proposal's payment is a convex function of
        the share (the least p with sum(min(budget, p)) >= cost), so the affine piece found
        at this share is a lower bound everywhere, and so is the piece found in an earlier
        round. The outcome stays the same while the chosen proposals keep their splits,
        every lower-id rival stays clearly dearer (by 2x MES_TOLERANCE), no higher-id rival
        becomes clearly cheaper, and every proposal dropped as unaffordable stays so.
        """
        tol = MES_TOLERANCE
        size = len(self.weights)
        alpha = np.zeros(size)
        beta = np.ones(size)
        bound = _Bound(share)
        # remaining proposal -> lower bound on its rho, affine (a, b) in the share
        previous: dict[int, tuple[float, float]] = {
            pid: (1.0 / self.support[pid], 0.0) for pid in self.pids
        }
        taken: list[int] = []
        while previous:
            order = sorted(previous, key=lambda pid: (_at(previous[pid], share), pid))
            best = math.inf
            computed: dict[int, float] = {}
            splits: dict[int, npt.NDArray[np.bool_]] = {}
            for pid in order:
                if _at(previous[pid], share) > best * (1 + tol):
                    break  # rho only grows as budgets shrink: neither this one nor the rest
                weights = self.member_weights[pid]
                cost = self.costs[pid]
                a, b = alpha[self.members[pid]], beta[self.members[pid]]
                money_a, money_b = float(weights @ a), float(weights @ b)
                if money_a + money_b * share < cost * (1 - tol):
                    # unaffordable now and for good; must stay so with a margin
                    bound.keep_negative(money_a - cost * (1 - 2 * tol), money_b)
                    del previous[pid]
                    continue
                pay_a, pay_b, splits[pid] = _payment(weights, cost, a, b, share)
                previous[pid] = (pay_a / cost, pay_b / cost)
                computed[pid] = _at(previous[pid], share)
                best = min(best, computed[pid])
            if not computed:
                break
            pick = min(pid for pid, rho in computed.items() if rho <= best * (1 + tol))
            payers = self.members[pick]
            cost = self.costs[pick]
            a, b = alpha[payers], beta[payers]
            pa, pb = previous[pick]
            pay_a, pay_b, poor = pa * cost, pb * cost, splits[pick]
            # the split must hold: those who give all have at most p, the others at least p
            bound.keep_negative_all(a[poor] - pay_a, b[poor] - pay_b)
            bound.keep_positive_all(a[~poor] - pay_a, b[~poor] - pay_b)
            for pid, (ra, rb) in previous.items():
                if pid == pick:
                    continue
                if pid < pick:  # must not come within the tolerance of the pick
                    bound.keep_positive(ra - (1 + 2 * tol) * pa, rb - (1 + 2 * tol) * pb)
                else:  # must not become clearly cheaper than the pick
                    bound.keep_positive(ra - (1 - 0.5 * tol) * pa, rb - (1 - 0.5 * tol) * pb)
            # charge: those who give all are left with 0, the others pay p each
            alpha[payers] -= pay_a
            beta[payers] -= pay_b
            alpha[payers[poor]] = 0.0
            beta[payers[poor]] = 0.0
            taken.append(pick)
            del previous[pick]
        return taken, bound.limit


def _payment(
    weights: npt.NDArray[np.float64],
    cost: float,
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    share: float,
) -> tuple[float, float, npt.NDArray[np.bool_]]:
    """The equal payment p = pay_a + pay_b * share asked of each supporter who can afford
    it, with supporters' budgets a + b * share, and which supporters give all they have
    (exactly those with less than p).

    Found by raising p from cost / supporters: whoever has less than p must give all, which
    raises p for the rest, until nobody new falls short; no sorting needed.
    """
    budgets = a + b * share
    held = weights * budgets
    total = float(weights.sum())
    p = cost / total
    poor = budgets < p
    count = -1
    while (new_count := int(poor.sum())) != count:
        count = new_count
        payers_left = total - float(weights @ poor)
        if payers_left <= 0:  # only by rounding, when the money barely covers the cost
            return _payment_sorted(weights, cost, a, b, share)
        p = (cost - float(held @ poor)) / payers_left
        poor = budgets < p
    payers_left = total - float(weights @ poor)
    pay_a = (cost - float(weights[poor] @ a[poor])) / payers_left
    pay_b = -float(weights[poor] @ b[poor]) / payers_left
    return pay_a, pay_b, poor


def _payment_sorted(
    weights: npt.NDArray[np.float64],
    cost: float,
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    share: float,
) -> tuple[float, float, npt.NDArray[np.bool_]]:
    """_payment by going through the supporters from the poorest, as the reference code
    does; when rounding leaves nobody able to pay, the richest pays what is left."""
    budgets = a + b * share
    order = np.argsort(budgets, kind="stable")
    sorted_budgets = budgets[order]
    sorted_weights = weights[order]
    spent = sorted_budgets * sorted_weights
    paid_before = np.cumsum(spent) - spent
    payers = sorted_weights[::-1].cumsum()[::-1]
    asked = (cost - paid_before) / payers
    fits = asked <= sorted_budgets
    k = int(np.argmax(fits)) if fits.any() else len(order) - 1
    poor = np.zeros(len(budgets), dtype=np.bool_)
    poor[order[:k]] = True
    payers_left = float(weights[~poor].sum())
    pay_a = (cost - float(weights[poor] @ a[poor])) / payers_left
    pay_b = -float(weights[poor] @ b[poor]) / payers_left
    return pay_a, pay_b, poor


def _at(affine: tuple[float, float], share: float) -> float:
    return affine[0] + affine[1] * share


class _Bound:
    """The smallest share above `share` at which an affine condition u + v * share that
    holds now could stop holding."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.limit = math.inf

    def keep_positive(self, u: float, v: float) -> None:
        if u + v * self.share < 0:
            self.limit = self.share
        elif v < 0:
            self.limit = min(self.limit, max(self.share, -u / v))

    def keep_negative(self, u: float, v: float) -> None:
        self.keep_positive(-u, -v)

    def keep_positive_all(self, u: npt.NDArray[np.float64], v: npt.NDArray[np.float64]) -> None:
        if not len(u):
            return
        now = u + v * self.share
        # rounding: a condition that holds exactly at the boundary may read as -1e-16
        slack = 1e-12 * (np.abs(u) + np.abs(v * self.share) + 1e-300)
        if (now < -slack).any():
            self.limit = self.share
            return
        falling = v < 0
        if falling.any():
            roots = -u[falling] / v[falling]
            self.limit = min(self.limit, max(self.share, float(roots.min())))

    def keep_negative_all(self, u: npt.NDArray[np.float64], v: npt.NDArray[np.float64]) -> None:
        self.keep_positive_all(-u, -v)
