"""How long counting a vote takes, for every method, on random ballots.

Usage:
  .venv/bin/python bench/tally_speed.py [--ranked 100000] [--budget-ballots 10000] [--seed 1]

Prints the best of --repeat runs for: ranked (Borda + Schulze, 30 proposals, half of the
ballots truncated), approval, dot and single choice (30 proposals), and budget (greedy +
equal shares, 40 proposals, baht-sized costs), each including the validation of every
ballot; then the recount of the ranked vote from its exported files (CSV + JSON).
The target: 100,000 ranked ballots over 30 proposals in under 2 s.
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain import voting
from app.domain.ballot_files import ballots_csv, recount, round_json
from app.domain.voting import Ballot, Method, RoundRules, tally

GROUPS = ["resident", "public_agency", "business", "civil_society", "academia"]


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def ranked_ballots(rng: random.Random, count: int, ids: tuple[int, ...]) -> list[Ballot]:
    ballots = []
    for i in range(count):
        length = len(ids) if rng.random() < 0.5 else rng.randint(1, len(ids))
        order = rng.sample(ids, length)
        values = {pid: rank for rank, pid in enumerate(order, start=1)}
        ballots.append(Ballot(f"r{i:06d}", rng.choice(GROUPS), values))
    return ballots


def chosen_ballots(
    rng: random.Random, count: int, ids: tuple[int, ...], values: Callable[[], dict[int, int]]
) -> list[Ballot]:
    return [Ballot(f"b{i:06d}", rng.choice(GROUPS), values()) for i in range(count)]


def budget_round(
    rng: random.Random, count: int, proposals: int, budget: int
) -> tuple[RoundRules, list[Ballot]]:
    """Proposals of 100,000 to 1,500,000 baht with uneven popularity; each voter selects
    what they like until the budget is spent."""
    ids = tuple(range(1, proposals + 1))
    costs = {pid: rng.randint(100, 1500) * 1000 for pid in ids}
    liking = {pid: rng.random() for pid in ids}
    ballots = []
    for i in range(count):
        chosen: dict[int, int] = {}
        spent = 0
        for pid in rng.sample(ids, len(ids)):
            if rng.random() < liking[pid] / 2 and spent + costs[pid] <= budget:
                chosen[pid] = 1
                spent += costs[pid]
        if not chosen:
            chosen = {min(ids, key=lambda pid: costs[pid]): 1}
        ballots.append(Ballot(f"p{i:06d}", rng.choice(GROUPS), chosen))
    return RoundRules(Method.budget, ids, budget=budget, costs=costs), ballots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranked", type=int, default=100_000, help="ranked ballots")
    parser.add_argument("--others", type=int, default=100_000, help="approval/dot/single ballots")
    parser.add_argument("--budget-ballots", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    ids30 = tuple(range(1, 31))
    ranked_rules = RoundRules(Method.ranked, ids30)
    ranked = ranked_ballots(rng, args.ranked, ids30)
    seconds = best_of(args.repeat, lambda: tally(ranked_rules, ranked))
    verdict = "OK" if seconds < 2 else "TOO SLOW"
    print(
        f"ranked    {args.ranked:>7} ballots x 30 proposals, Borda + Schulze: {seconds:.3f} s  [{verdict}: target < 2 s]"
    )
    chosen = [voting.validate_ballot(ranked_rules, b.values) for b in ranked]
    start = time.perf_counter()
    for ballot in ranked:
        voting.validate_ballot(ranked_rules, ballot.values)
    validate = time.perf_counter() - start
    start = time.perf_counter()
    positions = voting._rank_matrix(ids30, chosen)
    matrix = time.perf_counter() - start
    start = time.perf_counter()
    pairwise = voting.pairwise_preferences(positions)
    pairs = time.perf_counter() - start
    start = time.perf_counter()
    voting.schulze_beats(pairwise)
    paths = time.perf_counter() - start
    print(
        f"          of which: validate {validate:.3f} s, rank matrix {matrix:.3f} s,"
        f" pairwise counts {pairs:.3f} s, strongest paths {paths * 1000:.1f} ms"
    )

    approval_rules = RoundRules(Method.approval, ids30)
    approvals = chosen_ballots(
        rng, args.others, ids30, lambda: dict.fromkeys(rng.sample(ids30, rng.randint(1, 8)), 1)
    )
    seconds = best_of(args.repeat, lambda: tally(approval_rules, approvals))
    print(f"approval  {args.others:>7} ballots x 30 proposals: {seconds:.3f} s")

    dot_rules = RoundRules(Method.dot, ids30, dots_per_voter=10, max_dots_per_proposal=3)

    def dots() -> dict[int, int]:
        given: dict[int, int] = {}
        for _ in range(rng.randint(1, 10)):
            pid = rng.choice(ids30)
            if given.get(pid, 0) < 3:
                given[pid] = given.get(pid, 0) + 1
        return given

    dotted = chosen_ballots(rng, args.others, ids30, dots)
    seconds = best_of(args.repeat, lambda: tally(dot_rules, dotted))
    print(
        f"dot       {args.others:>7} ballots x 30 proposals (10 dots, 3 per proposal): {seconds:.3f} s"
    )

    single_rules = RoundRules(Method.single, ids30)
    singles = chosen_ballots(rng, args.others, ids30, lambda: {rng.choice(ids30): 1})
    seconds = best_of(args.repeat, lambda: tally(single_rules, singles))
    print(f"single    {args.others:>7} ballots x 30 proposals: {seconds:.3f} s")

    for count, proposals, budget in [
        (args.budget_ballots, 40, 20_000_000),
        (2_000, 25, 5_000_000),
        (300, 20, 10_000_000),
    ]:
        rules, ballots = budget_round(rng, count, proposals, budget)
        runs = 0
        run = voting._EqualShares.run

        def counted(
            self: voting._EqualShares,
            share: float,
            run: Callable[..., tuple[list[int], float]] = run,
        ) -> tuple[list[int], float]:
            nonlocal runs
            runs += 1
            return run(self, share)

        voting._EqualShares.run = counted  # type: ignore[method-assign]
        try:
            seconds = best_of(args.repeat, lambda: tally(rules, ballots))  # noqa: B023
        finally:
            voting._EqualShares.run = run  # type: ignore[method-assign]
        results = tally(rules, ballots)
        share = budget // count
        spent = {
            name: sum(rules.costs[pid] for pid in r.winners) * 100 // budget
            for name, r in results.items()
        }
        print(
            f"budget    {count:>7} ballots x {proposals} proposals, {budget:,} baht"
            f" ({share:,} per voter), greedy + equal shares: {seconds:.3f} s"
            f"  [MES runs per count: {runs // args.repeat}; budget spent: greedy"
            f" {spent['greedy']}%, equal shares {spent['equal_shares']}%]"
        )

    csv_text = ballots_csv(ranked)
    json_text = round_json(ranked_rules, {})
    seconds = best_of(1, lambda: recount(csv_text, json_text))
    rows = csv_text.count("\n") - 1
    print(
        f"recount   {args.ranked:>7} ranked ballots from files ({rows:,} CSV rows): {seconds:.3f} s"
    )


if __name__ == "__main__":
    main()
