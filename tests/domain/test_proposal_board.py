from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain import board_search
from app.domain import proposal_board as rules
from app.domain.thai_nlp import search_words


def test_plan_merge_counts_a_supporter_of_both_once() -> None:
    duplicate = [rules.Support(1, 10), rules.Support(2, 11), rules.Support(3, 12)]
    survivor = [rules.Support(7, 11)]
    plan = rules.plan_merge(duplicate, survivor)
    assert plan == rules.MergePlan(move=(1, 3), drop=(2,))


def test_plan_merge_without_supports_moves_nothing() -> None:
    assert rules.plan_merge([], [rules.Support(1, 1)]) == rules.MergePlan((), ())


@pytest.mark.parametrize(
    ("duplicate", "survivor", "same_city", "dup_status", "sur_status", "problem"),
    [
        (1, 1, True, "open", "open", "self"),
        (1, 2, False, "open", "open", "other_city"),
        (1, 2, True, "merged", "open", "duplicate_closed"),
        (1, 2, True, "open", "withdrawn", "survivor_closed"),
        (1, 2, True, "shortlisted", "open", None),
    ],
)
def test_merge_problem(
    duplicate: int,
    survivor: int,
    same_city: bool,
    dup_status: str,
    sur_status: str,
    problem: str | None,
) -> None:
    assert (
        rules.merge_problem(
            duplicate_id=duplicate,
            survivor_id=survivor,
            same_city=same_city,
            duplicate_status=dup_status,
            survivor_status=sur_status,
        )
        == problem
    )


def test_supporters_by_group_lists_every_group() -> None:
    counts = rules.supporters_by_group(
        ["resident", "business", "resident"], ["resident", "business", "academia"]
    )
    assert counts == {"resident": 2, "business": 1, "academia": 0}


def test_comment_edit_window_is_fifteen_minutes() -> None:
    posted = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert rules.can_edit_comment(posted, posted + timedelta(minutes=15))
    assert not rules.can_edit_comment(posted, posted + timedelta(minutes=15, seconds=1))


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("ถนนหน้าตลาดพังมาก", False),
        ("ห่างจากตลาดมาก", False),
        ("ไอ้ควายทำถนนพัง", True),
        ("this is shit", True),
        ("Shitake mushrooms at the market", False),
    ],
)
def test_abusive_word_screen(text: str, held: bool) -> None:
    assert rules.needs_review(text) is held


def test_random_order_is_stable_per_visitor_and_day() -> None:
    today = date(2026, 12, 1)
    assert rules.random_seed("a", today) == rules.random_seed("a", today)
    orders = {
        tuple(
            sorted(range(1, 30), key=lambda i: rules.random_order_key(i, rules.random_seed(v, d)))
        )
        for v in ("a", "b")
        for d in (today, today + timedelta(days=1))
    }
    assert len(orders) == 4


def test_search_words_segment_thai_and_unify_digits() -> None:
    assert "น้ำท่วม" in search_words("ปัญหาน้ำท่วมขังถนนหน้าตลาด")
    assert search_words("ซอย ๕") == search_words("ซอย 5")
    assert search_words("ไฟดับ Soi 5") == ["ไฟ", "ดับ", "soi", "5"]


def test_query_strings_quote_words_as_prefixes() -> None:
    assert board_search.fts5_query(['a"b']) == '"a""b"*'
    assert board_search.tsquery(["it's"]) == "'it''s':*"


def test_snippet_marks_matches_ignoring_digit_script() -> None:
    parts = board_search.snippet("ซอย ๕ น้ำท่วม", ["5", "น้ำท่วม"])
    assert [p for p, hit in parts if hit] == ["๕", "น้ำท่วม"]


def test_snippet_cuts_long_text_around_the_match() -> None:
    text = "ก" * 300 + "น้ำท่วม" + "ข" * 300
    parts = board_search.snippet(text, ["น้ำท่วม"], width=60)
    assert parts[0] == ("…", False)
    assert parts[-1] == ("…", False)
    assert ("น้ำท่วม", True) in parts


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        ("", "", None),
        ("  ", "\t", None),
        ("16.4419", "102.836", (16.4419, 102.836)),
        ("๑๖.๔๔๑๙", "๑๐๒.๘๓๖", (16.4419, 102.836)),
        ("16.12345678", "102.98765449", (16.123457, 102.987654)),  # 6 decimals
        ("5.6", "97.3", (5.6, 97.3)),  # the corners count
        ("20.5", "105.7", (20.5, 105.7)),
        ("+13", "100", (13.0, 100.0)),
    ],
)
def test_map_point_reads_decimal_degrees(
    latitude: str, longitude: str, expected: tuple[float, float] | None
) -> None:
    assert rules.map_point(latitude, longitude) == expected


@pytest.mark.parametrize(
    ("latitude", "longitude", "code"),
    [
        ("16.4", "", "pair"),
        ("", "102.8", "pair"),
        ("16,4", "102.8", "number"),
        ("nan", "102.8", "number"),
        ("1e1", "102.8", "number"),
        ("16.4", "inf", "number"),
        ("16.4°", "102.8", "number"),
        ("9" * 400, "102.8", "number"),
        ("35.68", "139.69", "outside"),  # Tokyo
        ("102.8", "16.4", "outside"),  # swapped
        ("-16.4", "102.8", "outside"),
        ("5.59", "100", "outside"),
        ("13", "105.71", "outside"),
    ],
)
def test_map_point_refuses_what_is_not_a_point_in_thailand(
    latitude: str, longitude: str, code: str
) -> None:
    with pytest.raises(rules.MapPointError) as refused:
        rules.map_point(latitude, longitude)
    assert refused.value.code == code
