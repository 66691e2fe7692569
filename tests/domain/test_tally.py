from app.domain.tally import CastVote, rank_proposals


def _summary(ranked):  # type: ignore[no-untyped-def]
    return [(r.rank, r.proposal_id, r.votes) for r in ranked]


def test_rank_orders_by_votes_then_oldest_proposal() -> None:
    votes = [
        CastVote(3, "resident"),
        CastVote(3, "business"),
        CastVote(1, "resident"),
        CastVote(2, "academia"),
    ]
    assert _summary(rank_proposals([1, 2, 3], votes)) == [(1, 3, 2), (2, 1, 1), (2, 2, 1)]


def test_rank_uses_competition_ranking_for_ties() -> None:
    votes = [CastVote(1, "resident"), CastVote(2, "resident")]
    assert [r.rank for r in rank_proposals([1, 2, 3], votes)] == [1, 1, 3]


def test_rank_counts_per_group() -> None:
    votes = [CastVote(1, "resident"), CastVote(1, "resident"), CastVote(1, "business")]
    assert rank_proposals([1], votes)[0].by_group == {"business": 1, "resident": 2}


def test_rank_ignores_votes_for_proposals_off_the_ballot() -> None:
    assert _summary(rank_proposals([1], [CastVote(9, "resident")])) == [(1, 1, 0)]


def test_rank_of_empty_ballot_is_empty() -> None:
    assert rank_proposals([], []) == []


def test_rank_ignores_duplicate_ids_on_ballot() -> None:
    assert _summary(rank_proposals([2, 2, 1], [])) == [(1, 1, 0), (1, 2, 0)]
