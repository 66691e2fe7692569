from collections.abc import Sequence
from typing import Any

import pytest

from app.domain.plan_record import (
    BudgetUnreadable,
    Contribution,
    FieldChange,
    ItemDiff,
    ProvenanceInput,
    SourceRow,
    ThemeRow,
    assemble_chains,
    chain_lines,
    diff_versions,
    item_changes,
    item_meta,
    items_missing_agency,
    parse_budget,
)


def _item(item_id: int, priority: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "priority": priority,
        "title": f"item {item_id}",
        "proposals": [],
        **fields,
    }


# --- budgets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", None),
        ("  ", None),
        ("1,500,000", 1_500_000),
        ("1500000.00", 1_500_000),
        ("๑,๒๐๐ บาท", 1_200),
        ("12 ล้าน", 12_000_000),
        ("1.5 ล้านบาท", 1_500_000),
        ("1.1 ล้าน", 1_100_000),
        ("3 แสน", 300_000),
        ("2.5m", 2_500_000),
        ("0", 0),
    ],
)
def test_parse_budget_reads_what_planners_type(raw: str, expected: int | None) -> None:
    assert parse_budget(raw) == expected


@pytest.mark.parametrize(
    "raw", ["abc", "-5", "1.5", "12 ล้าน 5", "1e6", "1,5,0.0.0", "9" * 20, "10.0000001 ล้าน"]
)
def test_parse_budget_refuses_what_is_not_whole_baht(raw: str) -> None:
    with pytest.raises(BudgetUnreadable):
        parse_budget(raw)


def test_parse_budget_has_an_upper_bound() -> None:
    with pytest.raises(BudgetUnreadable):
        parse_budget("2000", high=1000)


# --- item edits ----------------------------------------------------------------------------------


def test_item_changes_lists_changed_fields_only() -> None:
    before = {"title": "a", "place": None, "budget_planned": 1}
    after = {"title": "b", "place": "", "budget_planned": 1}
    assert item_changes(before, after, ("title", "place", "budget_planned")) == {
        "title": ["a", "b"]
    }


# --- version diff --------------------------------------------------------------------------------


def test_diff_of_identical_versions_is_empty() -> None:
    snapshot = {"vision": "v", "items": [_item(1, 1)]}
    assert diff_versions(snapshot, snapshot).empty


def test_diff_lists_added_removed_and_changed_items_in_priority_order() -> None:
    old = {
        "vision": "เมืองน่าอยู่",
        "items": [_item(1, 1), _item(2, 2, budget_planned=1000), _item(3, 3)],
    }
    new = {
        "vision": "เมืองน่าอยู่ ยั่งยืน",
        "items": [
            _item(2, 1, budget_planned=2000, proposals=[9]),
            _item(5, 3, title="ใหม่ ข"),
            _item(4, 2, title="ใหม่ ก"),
            _item(3, 4),
        ],
        "issues": [{"dimension": "mobility", "title": "การเดินทาง"}],
    }
    result = diff_versions(old, new)
    assert result.added == (ItemDiff(4, "ใหม่ ก"), ItemDiff(5, "ใหม่ ข"))
    assert result.removed == (ItemDiff(1, "item 1"),)
    assert result.changed == (
        ItemDiff(
            2,
            "item 2",
            (
                FieldChange("priority", 2, 1),
                FieldChange("budget_planned", 1000, 2000),
                FieldChange("proposals", [], [9]),
            ),
        ),
        ItemDiff(3, "item 3", (FieldChange("priority", 3, 4),)),
    )
    assert result.vision == ("เมืองน่าอยู่", "เมืองน่าอยู่ ยั่งยืน")
    assert result.issues_added == ("การเดินทาง",)
    assert not result.empty


def test_items_missing_agency_in_priority_order() -> None:
    snapshot = {"items": [_item(2, 2), _item(1, 1, agency="กองช่าง"), _item(3, 3, agency="")]}
    assert items_missing_agency(snapshot) == ["item 2", "item 3"]


# --- provenance ----------------------------------------------------------------------------------


def _contributions() -> dict[int, Contribution]:
    rows = [
        Contribution(10, "idea", "ทางเท้าแคบ", None, 100, "resident"),
        Contribution(11, "comment", "เห็นด้วย", 10, 101, "business"),
        Contribution(12, "note", "โน้ตจากโต๊ะ 3", None, None, "civil_society"),
        Contribution(13, "idea", "น้ำท่วมซอย 5", None, 100, "resident"),
    ]
    return {c.id: c for c in rows}


def test_chain_of_an_idea_proposal_counts_writers_commenters_and_supporters() -> None:
    data = ProvenanceInput(
        sources=[SourceRow(1, 7, "ทางเท้า", "อันดับ 1 ทุกกลุ่ม", 3, "ควรทำอะไรก่อน", "ab12", 12, 1, 10)],
        contributions=_contributions(),
        themes={50: ThemeRow(50, "การเดินทาง", (10, 12))},
        supporters={10: [(102, "academia"), (101, "business")]},
    )
    chain = assemble_chains(data, [1, 2])[1]
    (step,) = chain.steps
    assert (step.proposal.id, step.round and step.round.id, step.digest) == (7, 3, "ab12")
    assert [(c.kind, c.id) for c in step.contributions] == [("idea", 10), ("comment", 11)]
    assert [t.label for t in step.themes] == ["การเดินทาง"]
    assert chain.people == 3  # 100 wrote, 101 commented and +1'd, 102 +1'd
    assert chain.groups == ("academia", "business", "resident")


def test_chain_of_a_theme_proposal_holds_every_member_and_counts_paper_notes_by_group() -> None:
    data = ProvenanceInput(
        sources=[SourceRow(1, 8, "ทางเท้า", source_theme_id=50)],
        contributions=_contributions(),
        themes={50: ThemeRow(50, "การเดินทาง", (10, 12))},
    )
    chain = assemble_chains(data, [1])[1]
    assert [c.id for c in chain.steps[0].contributions] == [10, 12]
    assert chain.people == 1  # the paper note has no participant
    assert chain.groups == ("civil_society", "resident")


def test_item_without_sources_has_an_empty_chain() -> None:
    chain = assemble_chains(ProvenanceInput([], {}, {}), [4])[4]
    assert (chain.steps, chain.people, chain.groups) == ((), 0, ())


def test_item_with_two_proposals_keeps_their_order_and_counts_people_once() -> None:
    data = ProvenanceInput(
        sources=[
            SourceRow(1, 8, "ข", source_idea_id=13),
            SourceRow(1, 7, "ก", source_idea_id=10),
        ],
        contributions=_contributions(),
        themes={},
    )
    chain = assemble_chains(data, [1])[1]
    assert [s.proposal.id for s in chain.steps] == [8, 7]
    assert chain.people == 2


class _Words:
    """English words with the shapes app.labels.ChainWords gives, counting its calls."""

    def __init__(self) -> None:
        self.kinds = {"idea": "Idea", "note": "Paper note", "comment": "Comment"}
        self.summaries = 0

    def counts(self, people: int, groups: Sequence[str]) -> str:
        self.summaries += 1
        return f"{people} people · {len(groups)} groups ({', '.join(groups)})"

    def rank(self, rank: int) -> str:
        return f"rank {rank}"

    def support(self, score: float, rule: str) -> str:
        return f"{round(score):,} {rule}"


def test_chain_lines_fill_in_each_steps_words_once() -> None:
    data = ProvenanceInput(
        sources=[
            SourceRow(1, 7, "ทางเท้า", "ทุกกลุ่ม", 3, "", "ab12" * 16, 1234.4, 2, 10, rule="approvals"),
            SourceRow(2, 8, "ลอกท่อ", "", 3, "ควรทำอะไรก่อน", None, None, None, 13),
        ],
        contributions=_contributions(),
        themes={50: ThemeRow(50, "การเดินทาง", (10,)), 51: ThemeRow(51, "ทางเดิน", (11,))},
    )
    words = _Words()
    lines = chain_lines(assemble_chains(data, [1, 2, 3]), words)
    assert sorted(lines) == [1, 2]  # item 3 has no vote behind it: the page says so
    (first,) = lines[1].steps
    assert first.proposal == "ทางเท้า"
    assert first.detail == " · rank 2 · 1,234 approvals"
    assert (first.round_id, first.round_label) == (3, "#3")  # a round without a question
    assert first.digest == ("ab12" * 16)[:16]
    assert first.contributions == (("Idea", "ทางเท้าแคบ"), ("Comment", "เห็นด้วย"))
    assert [t.id for t in first.themes] == [50, 51]
    assert first.theme_names == "การเดินทาง, ทางเดิน"
    (second,) = lines[2].steps
    assert (second.detail, second.round_label, second.digest) == ("", "ควรทำอะไรก่อน", "")
    assert lines[1].summary == "2 people · 2 groups (business, resident)"
    assert lines[2].summary == "1 people · 1 groups (resident)"
    assert words.summaries == 2


def test_chain_lines_share_the_summary_of_items_behind_the_same_people() -> None:
    data = ProvenanceInput(
        sources=[SourceRow(i, 7, "ทางเท้า", source_idea_id=13) for i in (1, 2, 3)],
        contributions=_contributions(),
        themes={},
    )
    words = _Words()
    lines = chain_lines(assemble_chains(data, [1, 2, 3]), words)
    assert {line.summary for line in lines.values()} == {"1 people · 1 groups (resident)"}
    assert words.summaries == 1


class _ItemWords:
    baht = "baht"
    fiscal_years = "Fiscal years"

    def number(self, value: float) -> str:
        return f"{value:,}"


def test_item_meta_joins_the_parts_that_are_set() -> None:
    words = _ItemWords()
    full = item_meta("กองช่าง", "ริมบึง", 1_500_000, "เงินอุดหนุน", 2569, 2570, words)
    assert full == "กองช่าง · ริมบึง · 1,500,000 baht · เงินอุดหนุน · Fiscal years 2569\u20132570"
    assert item_meta("–", None, None, "", None, None, words) == "–"
    assert item_meta("กองช่าง", "", 0, None, 2569, 2569, words) == (
        "กองช่าง · 0 baht · Fiscal years 2569"  # a zero budget is a budget; one year, no span
    )
    assert item_meta("กองช่าง", None, None, None, 2569, None, words) == "กองช่าง · Fiscal years 2569"
