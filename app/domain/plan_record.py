"""The plan record's pure rules: the fields of an item that make up a version, the readable
difference between two versions, what an item edit changed, budgets typed by people, and the
provenance chain from an item back to the people who asked for it.

A version's content is plain JSON (`snapshot`): {"vision": str, "issues": [{"dimension",
"title", "goals": [str]}], "items": [{"id", FIELD: value ..., "proposals": [id]}]}.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from app.domain.text import arabic_digits

# The fields of an item that belong to the plan's text, in the order a person reads them.
# Monitoring fields (status, progress) are not part of a version: they change after adoption.
ITEM_FIELDS = (
    "priority",
    "title",
    "description",
    "place",
    "dimension",
    "goal",
    "agency",
    "budget_planned",
    "funding_source",
    "fiscal_year_start",
    "fiscal_year_end",
)
# The fields a planner edits on the item form (priority has its own ordering form; goal
# and agency are chosen by id, so they are compared by their ids before naming).
EDITABLE_FIELDS = (
    "title",
    "description",
    "place",
    "dimension",
    "goal_id",
    "agency_id",
    "budget_planned",
    "funding_source",
    "fiscal_year_start",
    "fiscal_year_end",
)
# The fields of the monitoring form: some of the plan's text, and the progress status.
# Progress fields change after adoption too (that is what monitoring is); the others only
# in a draft, like every field of the plan's text.
PROGRESS_FIELDS = ("status",)
MONITORING_FIELDS = (
    "dimension",
    "agency_id",
    "budget_planned",
    "fiscal_year_start",
    "fiscal_year_end",
    *PROGRESS_FIELDS,
)

_MULTIPLIERS = {"ล้าน": 1_000_000, "แสน": 100_000, "หมื่น": 10_000, "พัน": 1_000, "m": 1_000_000}


class BudgetUnreadable(ValueError):
    """A budget that is not a whole number of baht within bounds."""


def parse_budget(raw: str, *, high: int = 10**12) -> int | None:
    """Baht typed by a person, as a whole number; None for an empty field.

    Accepts "1,500,000", "1500000.00", Thai digits, a trailing "บาท" or "baht", and
    "12 ล้าน" / "1.5 ล้าน" / "3 แสน" / "2.5m". Raises BudgetUnreadable for anything else, for
    satang (a fraction of a baht left after the multiplier), for negatives and above `high`.
    Example: parse_budget("๑.๕ ล้านบาท") == 1_500_000.
    """
    text = arabic_digits(raw.strip()).lower().replace(",", "").replace(" ", "")
    text = re.sub(r"(บาท|baht|thb|฿)$", "", text)
    if not text:
        return None
    multiplier = 1
    for word, factor in _MULTIPLIERS.items():
        if text.endswith(word):
            multiplier, text = factor, text[: -len(word)]
            break
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise BudgetUnreadable(raw)
    whole, _dot, fraction = text.partition(".")
    if len(whole) > 15:
        raise BudgetUnreadable(raw)
    # Exact decimal arithmetic: 1.1 ล้าน is 1,100,000, not 1,100,000.0000000002.
    scale = 10 ** len(fraction)
    total = int(whole + fraction) * multiplier
    if total % scale:
        raise BudgetUnreadable(raw)
    value = total // scale
    if value > high:
        raise BudgetUnreadable(raw)
    return value


def item_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Sequence[str] = EDITABLE_FIELDS
) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value differs; "" and None count as equal.

    Example: item_changes({"title": "a", "place": None}, {"title": "b", "place": ""})
    == {"title": ["a", "b"]}.
    """

    def norm(value: Any) -> Any:
        return None if value == "" else value

    return {
        name: [before.get(name), after.get(name)]
        for name in fields
        if norm(before.get(name)) != norm(after.get(name))
    }


# --- the difference between two versions -------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ItemDiff:
    item_id: int
    title: str
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class VersionDiff:
    added: tuple[ItemDiff, ...] = ()
    removed: tuple[ItemDiff, ...] = ()
    changed: tuple[ItemDiff, ...] = ()
    vision: tuple[str, str] | None = None  # (old, new) when it changed
    issues_added: tuple[str, ...] = ()
    issues_removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.vision
            or self.issues_added
            or self.issues_removed
        )


def diff_versions(old: Mapping[str, Any], new: Mapping[str, Any]) -> VersionDiff:
    """What changed from version `old` to version `new` (two snapshots).

    Items are matched by id (an item keeps its id from version to version). Added and
    removed items are listed in the priority order of the version they are in, changed items
    in the new version's order; each change lists the fields in ITEM_FIELDS order, then a
    change of the proposals behind it as the field "proposals". Strategic issues are matched
    by (dimension, title). Example: an item whose budget went from 1,000 to 2,000 gives
    changed=(ItemDiff(id, title, (FieldChange("budget_planned", 1000, 2000),)),).
    """
    old_items = {int(i["id"]): i for i in old.get("items", [])}
    new_items = {int(i["id"]): i for i in new.get("items", [])}

    def ordered(items: Mapping[int, Mapping[str, Any]], ids: Iterable[int]) -> list[int]:
        return sorted(ids, key=lambda i: (items[i].get("priority") or 0, i))

    added = tuple(
        ItemDiff(i, str(new_items[i].get("title", "")))
        for i in ordered(new_items, new_items.keys() - old_items.keys())
    )
    removed = tuple(
        ItemDiff(i, str(old_items[i].get("title", "")))
        for i in ordered(old_items, old_items.keys() - new_items.keys())
    )
    changed: list[ItemDiff] = []
    for i in ordered(new_items, new_items.keys() & old_items.keys()):
        before, after = old_items[i], new_items[i]
        changes = [
            FieldChange(name, before.get(name), after.get(name))
            for name in ITEM_FIELDS
            if before.get(name) != after.get(name)
        ]
        if sorted(before.get("proposals", [])) != sorted(after.get("proposals", [])):
            changes.append(
                FieldChange("proposals", before.get("proposals", []), after.get("proposals", []))
            )
        if changes:
            changed.append(ItemDiff(i, str(after.get("title", "")), tuple(changes)))

    def issue_keys(snapshot: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [
            (str(s.get("dimension", "")), str(s.get("title", "")))
            for s in snapshot.get("issues", [])
        ]

    old_issues, new_issues = issue_keys(old), issue_keys(new)
    old_vision, new_vision = str(old.get("vision", "")), str(new.get("vision", ""))
    return VersionDiff(
        added=added,
        removed=removed,
        changed=tuple(changed),
        vision=(old_vision, new_vision) if old_vision != new_vision else None,
        issues_added=tuple(t for d, t in new_issues if (d, t) not in old_issues),
        issues_removed=tuple(t for d, t in old_issues if (d, t) not in new_issues),
    )


def items_missing_agency(snapshot: Mapping[str, Any]) -> list[str]:
    """Titles of the items with no responsible agency, in priority order: a version cannot
    go to public consultation while any item has nobody to carry it out."""
    items = sorted(snapshot.get("items", []), key=lambda i: (i.get("priority") or 0, i["id"]))
    return [str(i.get("title", "")) for i in items if not i.get("agency")]


# --- provenance ---------------------------------------------------------------------------------


class Link(NamedTuple):
    """One step of a chain: what it is, its id, a label, and where a person can see it."""

    kind: str  # round, proposal, idea, note, comment, theme
    id: int
    label: str
    url: str | None = None


class SourceStep(NamedTuple):
    """A proposal behind an item with its round, its contributions and their themes."""

    proposal: Link
    rationale: str
    round: Link | None
    digest: str | None
    support: float | None
    rank: int | None
    contributions: tuple[Link, ...]
    themes: tuple[Link, ...]
    rule: str | None = None  # the counting rule behind `support`


class Chain(NamedTuple):
    item_id: int
    steps: tuple[SourceStep, ...]
    people: int  # distinct participants who wrote, supported or commented
    groups: tuple[str, ...]  # their stakeholder groups, sorted


class SourceRow(NamedTuple):
    item_id: int
    proposal_id: int
    proposal_title: str
    rationale: str = ""
    round_id: int | None = None
    round_question: str = ""
    digest: str | None = None
    support: float | None = None
    rank: int | None = None
    source_idea_id: int | None = None
    source_theme_id: int | None = None
    rule: str | None = None


class Contribution(NamedTuple):
    """An idea, paper note or comment, with who wrote it (participant id) and their group."""

    id: int
    kind: str  # idea, note, comment
    text: str
    parent_id: int | None  # a comment's idea
    participant_id: int | None
    group: str | None


class ThemeRow(NamedTuple):
    id: int
    label: str
    member_ids: tuple[int, ...]  # ideas and comments in it


@dataclass(frozen=True)
class ProvenanceInput:
    sources: Sequence[SourceRow]
    contributions: Mapping[int, Contribution]  # by id
    themes: Mapping[int, ThemeRow]
    supporters: Mapping[int, Sequence[tuple[int, str]]] = field(default_factory=dict)
    # idea id -> (participant id, group) of those who +1'd it


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def assemble_chains(data: ProvenanceInput, item_ids: Sequence[int]) -> dict[int, Chain]:
    """The provenance chain of each item: its proposals (in the order they were agreed), each
    with its vote round and digest, the contributions behind it and their themes, and the
    count of distinct people and groups behind the item.

    A proposal made from an idea has that idea and the comments on it; a proposal made from
    a theme has every member of that theme (ideas, paper notes, comments). Themes of a step
    are the source theme and every theme that holds one of its contributions, by id.
    People: distinct participant ids of the contributions' writers and of the +1s on its
    ideas; a contribution without a participant (a typed-in paper note) counts its group
    only. Example: one proposal from an idea by a resident with one business comment gives
    people=2, groups=("business", "resident").
    """
    by_item: dict[int, list[SourceRow]] = {i: [] for i in item_ids}
    for row in data.sources:
        by_item.setdefault(row.item_id, []).append(row)
    comments_of: dict[int, list[Contribution]] = {}
    for c in data.contributions.values():
        if c.parent_id is not None:
            comments_of.setdefault(c.parent_id, []).append(c)
    themes_of: dict[int, set[int]] = {}
    for theme in data.themes.values():
        for member in theme.member_ids:
            themes_of.setdefault(member, set()).add(theme.id)

    chains: dict[int, Chain] = {}
    for item_id, rows in by_item.items():
        steps: list[SourceStep] = []
        people: set[int] = set()
        groups: set[str] = set()
        for row in rows:
            members: list[Contribution] = []
            if row.source_idea_id is not None and row.source_idea_id in data.contributions:
                idea = data.contributions[row.source_idea_id]
                members = [idea, *sorted(comments_of.get(idea.id, []), key=lambda c: c.id)]
            theme_ids: set[int] = set()
            if row.source_theme_id is not None and row.source_theme_id in data.themes:
                theme_ids.add(row.source_theme_id)
                seen = {m.id for m in members}
                for member in data.themes[row.source_theme_id].member_ids:
                    if member in data.contributions and member not in seen:
                        members.append(data.contributions[member])
                        seen.add(member)
            for m in members:
                theme_ids |= themes_of.get(m.id, set())
                if m.participant_id is not None:
                    people.add(m.participant_id)
                if m.group:
                    groups.add(m.group)
                for participant, group in data.supporters.get(m.id, ()):
                    people.add(participant)
                    groups.add(group)
            steps.append(
                SourceStep(
                    proposal=Link("proposal", row.proposal_id, row.proposal_title),
                    rationale=row.rationale,
                    round=Link("round", row.round_id, row.round_question)
                    if row.round_id is not None
                    else None,
                    digest=row.digest,
                    support=row.support,
                    rank=row.rank,
                    rule=row.rule,
                    contributions=tuple(Link(m.kind, m.id, _short(m.text)) for m in members),
                    themes=tuple(Link("theme", t, data.themes[t].label) for t in sorted(theme_ids)),
                )
            )
        chains[item_id] = Chain(item_id, tuple(steps), len(people), tuple(sorted(groups)))
    return chains


# --- a chain as a page shows it ------------------------------------------------------------------


class ChainWording(Protocol):
    """The words a page puts into chains, translated once for it (app.labels.ChainWords)."""

    @property
    def kinds(self) -> Mapping[str, str]: ...  # contribution kind -> its word

    def counts(self, people: int, groups: Sequence[str]) -> str: ...
    def rank(self, rank: int) -> str: ...
    def support(self, score: float, rule: str) -> str: ...


class StepLine(NamedTuple):
    """One step of a chain as plain values for a template: no lookups or calls per row."""

    proposal: str  # the proposal's title
    detail: str  # " · rank 3 · 12 approvals", or ""
    rationale: str
    round_id: int | None
    round_label: str  # the round's question, or "#id" without one
    digest: str  # its first 16 characters, or ""
    contributions: tuple[tuple[str, str], ...]  # (kind's word, shortened text)
    themes: tuple[Link, ...]  # for pages that link them
    theme_names: str  # "a, b": for pages that do not


class ChainLines(NamedTuple):
    item_id: int
    summary: str  # who is behind it: "3 people · 2 groups (…)"
    steps: tuple[StepLine, ...]


def chain_lines(chains: Mapping[int, Chain], words: ChainWording) -> dict[int, ChainLines]:
    """What a page shows of each chain that has steps, its words filled in once per page
    (items behind the same people and groups share their summary): a plan page renders
    hundreds of chains, and a template's attribute lookups, calls and loops per row cost more
    than building these values (bench/plan_record.py). Chains without steps are left out
    (the page says no vote is behind the item).

    Example: a step of rank 2 with 12.0 approvals gives detail " · rank 2 · 12 approvals"
    (with English words)."""
    summaries: dict[tuple[int, tuple[str, ...]], str] = {}
    lines = {}
    for item_id, chain in chains.items():
        if not chain.steps:
            continue
        key = (chain.people, chain.groups)
        if key not in summaries:
            summaries[key] = words.counts(chain.people, chain.groups)
        steps = []
        for step in chain.steps:
            detail = " · " + words.rank(step.rank) if step.rank else ""
            if step.rule and step.support is not None:
                detail += " · " + words.support(step.support, step.rule)
            where = step.round
            steps.append(
                StepLine(
                    step.proposal.label,
                    detail,
                    step.rationale,
                    where.id if where else None,
                    (where.label or f"#{where.id}") if where else "",
                    step.digest[:16] if step.digest else "",
                    tuple((words.kinds[c.kind], c.label) for c in step.contributions),
                    step.themes,
                    ", ".join(t.label for t in step.themes),
                )
            )
        lines[item_id] = ChainLines(item_id, summaries[key], tuple(steps))
    return lines


class ItemWording(Protocol):
    """The words of the line under each plan item, translated once (app.labels.ItemWords)."""

    @property
    def baht(self) -> str: ...
    @property
    def fiscal_years(self) -> str: ...

    def number(self, value: int | float) -> str: ...


def item_meta(
    agency: str,
    place: str | None,
    budget: int | float | None,
    funding: str | None,
    first_year: int | None,
    last_year: int | None,
    words: ItemWording,
) -> str:
    """The line under an item's title, its parts that are set joined by " · ": agency,
    place, budget, funding source and fiscal years (a span when the last differs). Built once
    per item in Python: a page of 500 items spent more on the template's lookups and tests.

    Example (English words): item_meta("Public works", None, 1500000, None, 2569, 2570, w)
    == "Public works · 1,500,000 baht · Fiscal years 2569\u20132570" (an en dash)."""
    parts = [agency]
    if place:
        parts.append(place)
    if budget is not None:
        parts.append(f"{words.number(budget)} {words.baht}")
    if funding:
        parts.append(funding)
    if first_year:
        span = f"–{last_year}" if last_year and last_year != first_year else ""
        parts.append(f"{words.fiscal_years} {first_year}{span}")
    return " · ".join(parts)
