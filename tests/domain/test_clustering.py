import random
import socket
import warnings

import pytest

from app.domain import clustering
from app.domain.clustering import (
    OTHER_KEY,
    Clustering,
    ClusteringError,
    Comment,
    Options,
    theme_of,
)
from app.domain.thai_nlp import Segmentation
from app.services.themes import cluster
from tests.thai_comments import DOGS, FLOOD, GARBAGE, LIGHT, TOPICS  # noqa: F401

OFF_TOPIC = "อยากให้จัดคอนเสิร์ตดนตรีไทยเดิมประจำปีที่วัดกลาง"
GROUPS = ("resident", "business", "youth")


def topic_comments() -> list[Comment]:
    return [
        Comment(id=f"{topic}-{i}", text=text, group=GROUPS[i % 3])
        for topic, texts in TOPICS.items()
        for i, text in enumerate(texts)
    ]


def themes_by_content(result: Clustering) -> set[tuple[str, frozenset[str]]]:
    return {(t.label, frozenset(t.comment_ids)) for t in result.themes} | {
        (result.other.label, frozenset(result.other.comment_ids))
    }


@pytest.fixture(scope="module")
def topics() -> Clustering:
    return cluster([*topic_comments(), Comment(id="off", text=OFF_TOPIC)])


def test_finds_the_four_topics(topics: Clustering) -> None:
    assert topics.k == 4
    assert topics.params["auto_k"]
    found = {frozenset(id.split("-")[0] for id in t.comment_ids) for t in topics.themes}
    assert found == {frozenset({topic}) for topic in TOPICS}
    assert all(t.size == 10 for t in topics.themes)


def test_an_off_topic_comment_goes_to_other(topics: Clustering) -> None:
    assert topics.other.key == OTHER_KEY
    assert topics.other.comment_ids == ("off",)
    assert topics.other.representative_ids == ()


def test_a_comment_sharing_one_word_with_a_theme_goes_to_other_by_the_relative_rule() -> None:
    """The footpath comment shares only "ตลาด" (market) with a theme: its word similarity to
    that theme is above 0, so the absolute rule keeps it, but below a third of the theme's
    median, so the relative rule sends it to "other"."""
    comments = [
        *(c for c in topic_comments() if not c.id.startswith("dogs")),
        Comment(id="footpath", text="ขอทางเท้ากว้างขึ้นหน้าตลาด"),
    ]
    assert cluster(comments).other.comment_ids == ("footpath",)
    absolute_rule_only = cluster(comments, options=Options(misfit_ratio=0.0))
    assert absolute_rule_only.other.comment_ids == ()
    assert [t.size for t in absolute_rule_only.themes] == [11, 10, 10]


def test_labels_keywords_and_representatives(topics: Clustering) -> None:
    by_topic = {t.comment_ids[0].split("-")[0]: t for t in topics.themes}
    assert "น้ำท่วม" in by_topic["flood"].keywords
    assert "ขยะ" in by_topic["garbage"].label
    for theme in topics.themes:
        assert theme.label
        assert theme.label == " / ".join(theme.keywords[:3])
        assert 3 <= len(theme.keywords) <= 8
        assert len(set(theme.keywords)) == len(theme.keywords)
        assert len(theme.representative_ids) == 3
        assert set(theme.representative_ids) <= set(theme.comment_ids)


def test_themes_are_numbered_by_size_and_keep_the_input_order(topics: Clustering) -> None:
    assert [t.key for t in topics.themes] == list(range(topics.k))
    sizes = [t.size for t in topics.themes]
    assert sizes == sorted(sizes, reverse=True)
    order = {c.id: i for i, c in enumerate(topic_comments())}
    for theme in topics.themes:
        assert list(theme.comment_ids) == sorted(theme.comment_ids, key=order.__getitem__)


def test_share_by_group(topics: Clustering) -> None:
    for theme in topics.themes:
        assert list(theme.share_by_group) == sorted(theme.share_by_group)
        assert sum(theme.share_by_group.values()) == pytest.approx(1.0)
        assert theme.share_by_group["resident"] == pytest.approx(0.4)  # ids 0, 3, 6, 9 of 10
    assert topics.other.share_by_group == {}  # the off-topic comment has no group


def test_same_input_same_result() -> None:
    comments = [*topic_comments(), Comment(id="off", text=OFF_TOPIC)]
    assert cluster(comments) == cluster(comments)


def test_shuffled_input_gives_the_same_themes(topics: Clustering) -> None:
    comments = [*topic_comments(), Comment(id="off", text=OFF_TOPIC)]
    random.Random(7).shuffle(comments)
    shuffled = cluster(comments)
    assert themes_by_content(shuffled) == themes_by_content(topics)
    assert [t.keywords for t in shuffled.themes] == [t.keywords for t in topics.themes]


def test_a_fixed_number_of_themes_splits_a_theme() -> None:
    both = [c for c in topic_comments() if c.id.split("-")[0] in {"garbage", "light"}]
    result = cluster(both, n_themes=2)
    assert result.k == 2
    assert not result.params["auto_k"]
    assert {frozenset(i.split("-")[0] for i in t.comment_ids) for t in result.themes} == {
        frozenset({"garbage"}),
        frozenset({"light"}),
    }


def test_bounds_on_the_number_of_themes() -> None:
    result = cluster(topic_comments(), max_themes=3)
    assert result.k <= 3
    assert result.params["k_range"] == [2, 3]


def test_unusable_comments_join_other_and_keep_their_place() -> None:
    junk = [
        Comment(id="empty", text=""),
        Comment(id="emoji", text="😀😀👍"),
        Comment(id="digits", text="๕๕๕๕ 555"),
        Comment(id="polite", text="ครับ ขอบคุณค่ะ"),
    ]
    result = cluster([*junk, *topic_comments()])
    assert {"empty", "emoji", "digits", "polite"} <= set(result.other.comment_ids)
    assert result.params["usable"] == 40
    assert sum(t.size for t in result.themes) + result.other.size == 44


def test_mixed_english_and_long_comments_are_grouped() -> None:
    long_flood = ("น้ำท่วมถนนหน้าบ้านทุกครั้งที่ฝนตก ท่อระบายน้ำอุดตัน " * 100)[:5000]
    extra = [
        Comment(id="long", text=long_flood),
        Comment(id="mixed", text="ไฟถนน LED ดับทั้งซอย street light broken"),
        Comment(id="english", text="garbage bins overflowing near the market"),
    ]
    result = cluster([*topic_comments(), *extra])
    assigned = theme_of(result)
    assert set(assigned) == {c.id for c in [*topic_comments(), *extra]}
    assert assigned["long"] == assigned["flood-0"]
    assert assigned["mixed"] == assigned["light-0"]


def test_too_few_comments_is_a_clear_error() -> None:
    with pytest.raises(ClusteringError) as caught:
        cluster(topic_comments()[:5])
    assert caught.value.code == "too_few_comments"
    assert caught.value.params == {"count": 5, "needed": 6}


def test_too_few_comments_for_the_themes_asked() -> None:
    with pytest.raises(ClusteringError) as caught:
        cluster(topic_comments()[:10], n_themes=4)
    assert caught.value.code == "too_few_comments"
    assert caught.value.params["needed"] == 12


def test_nothing_to_cluster() -> None:
    junk = [Comment(id=str(i), text=t) for i, t in enumerate(["", "😀", "123", "ครับ"] * 5)]
    with pytest.raises(ClusteringError) as caught:
        cluster(junk)
    assert caught.value.code == "nothing_to_cluster"
    with pytest.raises(ClusteringError):
        cluster([])


def test_a_theme_count_below_one_is_refused() -> None:
    with pytest.raises(ClusteringError) as caught:
        cluster(topic_comments(), n_themes=0)
    assert caught.value.code == "bad_theme_count"


def test_duplicates_give_no_warning() -> None:
    same = [Comment(id=str(i), text=FLOOD[i % 2]) for i in range(12)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cluster(same, n_themes=3)
    assert result.k <= 2
    assert sum(t.size for t in result.themes) + result.other.size == 12


def test_identical_comments_make_one_theme() -> None:
    same = [Comment(id=str(i), text="ขยะล้นถังหน้าตลาด") for i in range(8)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cluster(same)
    assert result.k == 1
    assert result.themes[0].size == 8


def test_custom_words_reach_the_keywords() -> None:
    place = "โนนสะอาดพัฒนา"
    texts = ["ถนนเข้า{}ชำรุด", "ทางเข้า{}เป็นหลุม", "ซ่อมถนน{}ด้วย", "ถนนไป{}พังหมด"]
    comments = [
        *topic_comments(),
        *(Comment(id=f"p{i}", text=t.format(place)) for i, t in enumerate(texts * 2)),
    ]
    without = cluster(comments)
    with_words = cluster(comments, custom_words=[place])
    assert not any(place in k for t in without.themes for k in t.keywords)
    assert any(place in k for t in with_words.themes for k in t.keywords)
    assert with_words.params["custom_words"] == 1


def test_progress_is_reported_from_0_to_1() -> None:
    seen: list[float] = []
    cluster(topic_comments(), progress=seen.append)
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert 0.5 in seen  # the words are ready
    assert len(seen) >= 5  # start, segmenting, vectorizing, choosing k, done


def test_clustering_works_on_the_tokens_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """The domain never segments: the same texts with other tokens make other themes."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("app.domain.clustering must not segment text")

    monkeypatch.setattr("app.domain.thai_nlp.segment", refuse)
    comments = [
        Comment(id=f"{word}-{i}", text="ข้อความเดียวกัน", tokens=(word, f"{word}{i % 2}"))
        for word in ("ขยะ", "ไฟ", "น้ำ")
        for i in range(4)
    ]
    result = clustering.cluster_comments(comments, n_themes=3)
    found = {frozenset(id.split("-")[0] for id in t.comment_ids) for t in result.themes}
    assert found == {frozenset({"ขยะ"}), frozenset({"ไฟ"}), frozenset({"น้ำ"})}


@pytest.mark.parametrize(
    ("how", "options"),
    [
        (Segmentation(engine="newmm"), Options()),
        (Segmentation(), Options(svd_dims=0)),
        (Segmentation(project_stopwords=False), Options()),
    ],
)
def test_pipeline_variants_still_find_the_topics(how: Segmentation, options: Options) -> None:
    result = cluster(topic_comments(), how=how, options=options)
    found = {frozenset(id.split("-")[0] for id in t.comment_ids) for t in result.themes}
    assert found == {frozenset({topic}) for topic in TOPICS}


def test_clustering_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = cluster(topic_comments(), custom_words=["หนองแวง"], seed=3)
    assert result.k == 4
