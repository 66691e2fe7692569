"""Ordering a workshop's agenda: pure operations on the list of phase ids, in order."""

from collections.abc import Sequence


def move(order: Sequence[int], phase_id: int, offset: int) -> list[int]:
    """Move one phase up (offset -1) or down (+1); at either end it stays.

    >>> move([1, 2, 3], 3, -1)
    [1, 3, 2]
    >>> move([1, 2, 3], 1, -1)
    [1, 2, 3]
    """
    ids = list(order)
    index = ids.index(phase_id)
    target = index + offset
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return ids


def step(order: Sequence[int], current: int | None, offset: int) -> int | None:
    """The phase `offset` places from the current one, clamped to the agenda.

    With no current phase, stepping forward starts the first phase.

    >>> step([1, 2, 3], 2, 1), step([1, 2, 3], 3, 1), step([1, 2, 3], None, 1)
    (3, 3, 1)
    """
    if not order:
        return None
    if current is None or current not in order:
        return order[0] if offset > 0 else None
    index = min(max(list(order).index(current) + offset, 0), len(order) - 1)
    return order[index]
