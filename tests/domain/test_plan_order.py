import pytest

from app.domain.plan_order import dense_priorities, reorder


def test_dense_priorities_closes_gaps_and_breaks_ties_by_id() -> None:
    assert dense_priorities([(7, 101), (3, 109), (5, 101)]) == {5: 1, 7: 2, 3: 3}


def test_dense_priorities_of_nothing_is_empty() -> None:
    assert dense_priorities([]) == {}


@pytest.mark.parametrize(
    ("order", "requested", "expected"),
    [
        ([1, 2, 3, 4], {4: 1}, [4, 1, 2, 3]),
        ([1, 2, 3, 4], {1: 4}, [2, 3, 4, 1]),
        ([1, 2, 3, 4], {1: 2, 2: 1}, [2, 1, 3, 4]),
        ([1, 2, 3], {3: 99}, [1, 2, 3]),
        ([1, 2, 3], {2: 0}, [2, 1, 3]),
        ([1, 2, 3], {9: 1}, [1, 2, 3]),
        ([1, 2, 3], {}, [1, 2, 3]),
    ],
)
def test_reorder_places_moved_items_and_keeps_the_rest(
    order: list[int], requested: dict[int, int], expected: list[int]
) -> None:
    result = reorder(order, requested)
    assert result == expected
    assert sorted(result) == sorted(order)  # nothing lost, nothing repeated
