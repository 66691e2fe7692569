"""Counting simple votes (one vote per voter per proposal) into a ranking."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CastVote:
    proposal_id: int
    stakeholder_group: str


@dataclass(frozen=True)
class RankedProposal:
    rank: int
    proposal_id: int
    votes: int
    by_group: dict[str, int] = field(default_factory=dict)


def rank_proposals(proposal_ids: Iterable[int], votes: Iterable[CastVote]) -> list[RankedProposal]:
    """Rank every proposal on the ballot by its number of votes, most first.

    Tie-break: equal counts share a rank (1, 2, 2, 4), and are listed by proposal id,
    oldest first, so the order is deterministic. Votes for proposals not on the ballot
    are ignored.

    >>> [(r.rank, r.proposal_id, r.votes) for r in rank_proposals(
    ...     [1, 2, 3], [CastVote(2, "resident"), CastVote(3, "business")])]
    [(1, 2, 1), (1, 3, 1), (3, 1, 0)]
    """
    ids = list(dict.fromkeys(proposal_ids))
    on_ballot = set(ids)
    totals: Counter[int] = Counter()
    groups: dict[int, Counter[str]] = {pid: Counter() for pid in ids}
    for vote in votes:
        if vote.proposal_id in on_ballot:
            totals[vote.proposal_id] += 1
            groups[vote.proposal_id][vote.stakeholder_group] += 1
    ordered = sorted(ids, key=lambda pid: (-totals[pid], pid))
    ranked: list[RankedProposal] = []
    for position, pid in enumerate(ordered, start=1):
        rank = ranked[-1].rank if ranked and ranked[-1].votes == totals[pid] else position
        ranked.append(RankedProposal(rank, pid, totals[pid], dict(sorted(groups[pid].items()))))
    return ranked
