"""The after-session participation report, from plain rows."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IdeaRow:
    stakeholder_group: str
    channel: str  # "phone" or "paper"
    is_comment: bool
    participant_id: int | None
    table_number: int | None


@dataclass(frozen=True)
class GroupLine:
    stakeholder_group: str
    participants: int = 0
    active_participants: int = 0  # posted at least one idea or comment
    phone_ideas: int = 0
    paper_ideas: int = 0
    comments: int = 0
    reactions: int = 0


@dataclass(frozen=True)
class TableLine:
    table_number: int | None  # None: paper notes without a table number
    stakeholder_group: str
    paper_ideas: int


@dataclass(frozen=True)
class Attendance:
    groups: list[GroupLine]
    total: GroupLine
    tables: list[TableLine] = field(default_factory=list)


def attendance(
    groups: Sequence[str],
    participants: Iterable[tuple[int, str]],
    ideas: Iterable[IdeaRow],
    reactions: Iterable[str],
) -> Attendance:
    """Count people and contributions per stakeholder group, and paper notes per table.

    `participants` are (participant id, group); `reactions` give the reacting participant's
    group. Every group in `groups` gets a line, zeros included, in that order; tables are
    sorted by number with notes lacking a number last.
    """
    people = Counter(group for _pid, group in participants)
    idea_rows = list(ideas)
    active: dict[str, set[int]] = {g: set() for g in groups}
    phone: Counter[str] = Counter()
    paper: Counter[str] = Counter()
    comments: Counter[str] = Counter()
    tables: Counter[tuple[int | None, str]] = Counter()
    for row in idea_rows:
        if row.participant_id is not None:
            active.setdefault(row.stakeholder_group, set()).add(row.participant_id)
        if row.is_comment:
            comments[row.stakeholder_group] += 1
        elif row.channel == "paper":
            paper[row.stakeholder_group] += 1
            tables[(row.table_number, row.stakeholder_group)] += 1
        else:
            phone[row.stakeholder_group] += 1
    reacted = Counter(reactions)
    lines = [
        GroupLine(g, people[g], len(active.get(g, ())), phone[g], paper[g], comments[g], reacted[g])
        for g in groups
    ]
    total = GroupLine(
        "total",
        sum(x.participants for x in lines),
        sum(x.active_participants for x in lines),
        sum(x.phone_ideas for x in lines),
        sum(x.paper_ideas for x in lines),
        sum(x.comments for x in lines),
        sum(x.reactions for x in lines),
    )
    table_lines = [
        TableLine(number, group, count)
        for (number, group), count in sorted(
            tables.items(),
            key=lambda kv: (
                kv[0][0] is None,
                kv[0][0] or 0,
                groups.index(kv[0][1]) if kv[0][1] in groups else 99,
            ),
        )
    ]
    return Attendance(lines, total, table_lines)
