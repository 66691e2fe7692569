"""Ordering a plan's items: priorities 1, 2, 3 ... without gaps or repeats."""

from collections.abc import Sequence


def dense_priorities(items: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Number items 1..N in the order of their current priority, ties by item id.

    Takes (item id, priority) pairs whatever their numbers (101, 102, 109, or repeats) and
    returns {item id: new priority}. Example: [(7, 101), (3, 109), (5, 101)] gives
    {5: 1, 7: 2, 3: 3}.
    """
    ordered = sorted(items, key=lambda pair: (pair[1], pair[0]))
    return {item_id: position for position, (item_id, _p) in enumerate(ordered, start=1)}


def reorder(order: Sequence[int], requested: dict[int, int]) -> list[int]:
    """Apply a planner's requested positions to the current order; returns item ids in order.

    `order` is the current order (item ids, first = priority 1); `requested` maps some item
    ids to the position the planner typed (1-based; out of range is clamped). Moved items are
    placed at their positions in the order of their requested position, ties by their
    current place; the others keep their relative order and fill the remaining slots.
    Example: reorder([1, 2, 3, 4], {4: 1}) == [4, 1, 2, 3].
    Unknown ids in `requested` are ignored.
    """
    current = {item_id: index for index, item_id in enumerate(order)}
    size = len(order)
    moved = sorted(
        ((min(max(pos, 1), size), current[i]) for i, pos in requested.items() if i in current),
    )
    moved_ids = {order[index] for _pos, index in moved}
    rest = [i for i in order if i not in moved_ids]
    result: list[int] = []
    pending = list(moved)
    for slot in range(1, size + 1):
        if pending and pending[0][0] <= slot:
            result.append(order[pending.pop(0)[1]])
        elif rest:
            result.append(rest.pop(0))
        else:
            result.append(order[pending.pop(0)[1]])
    return result
