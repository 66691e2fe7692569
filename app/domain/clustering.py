"""Group short Thai comments into themes (ประเด็น) a facilitator can show and then polish.

Pipeline: the caller turns each comment into words (app.domain.thai_nlp) -> TF-IDF over
words, word bigrams and character 2-4-grams -> truncated SVD to 50 dimensions -> Ward
clustering of (a sample of) the comments, which gives a partition for every number of themes
at once, so the number is chosen by silhouette at almost no cost -> k-means on all comments
started from the Ward centres -> comments that share little vocabulary with their theme, and
themes too small to matter, go to an "other" group instead of being forced in.

The same comments give the same themes whatever their order: the work is done in a canonical
order (by text, then id) with fixed seeds. Pure: no web or database code here, and no word
segmentation either: comments arrive with their tokens.
"""

import itertools
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import cut_tree, ward
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize as l2_normalize
from threadpoolctl import threadpool_limits

OTHER_KEY = -1
OTHER_LABEL = "อื่น ๆ"


@dataclass(frozen=True)
class Comment:
    id: str
    text: str  # gives the canonical order
    group: str | None = None  # stakeholder group, None when unknown
    tokens: tuple[str, ...] = ()  # its content words; a comment without any joins "other"


@dataclass(frozen=True)
class ThemeSummary:
    key: int  # 0..k-1 in display order; the "other" group is OTHER_KEY
    label: str  # suggested from the key terms; the facilitator renames it
    keywords: tuple[str, ...]
    comment_ids: tuple[str, ...]  # in the order the comments were given
    representative_ids: tuple[str, ...]  # up to 3, most central first
    share_by_group: dict[str, float]  # share of the theme's comments per stakeholder group

    @property
    def size(self) -> int:
        return len(self.comment_ids)


@dataclass(frozen=True)
class Clustering:
    themes: tuple[ThemeSummary, ...]
    other: ThemeSummary
    k: int  # number of themes, "other" not counted
    params: dict[str, Any]  # how the result was reached (JSON-friendly), for display and logs


class ClusteringError(ValueError):
    """Why comments were not grouped, with a stable code for messages in any language:
    "too_few_comments" (params count, needed), "nothing_to_cluster" (count),
    "bad_theme_count" (themes)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Options:
    """Knobs of the pipeline. The defaults are the variant that scored best on real comments
    (bench/themes_quality.py); the others exist so the benchmark can compare them."""

    word_bigrams: bool = True
    char_ngrams: tuple[int, int] | None = (2, 4)  # None: words only
    max_df: float = 0.5  # terms in more than half the comments say nothing about a theme
    svd_dims: int = 50  # 0: cluster the sparse TF-IDF rows directly (small sets only)
    svd_iterations: int = 5  # power iterations of the randomized SVD
    # The number of themes is the smallest k whose silhouette reaches this share of the best
    # one in range: silhouette keeps creeping up with k on short texts, so its maximum alone
    # would always pick the largest k allowed.
    k_rule: float = 0.8
    scan_sample: int = 1500  # comments the k scan looks at (Ward is quadratic)
    comments_per_theme: int = 5  # automatic k stays at or below comments / this
    # k-means++ runs tried besides the Ward start on small sets (<= scan_sample comments), where
    # a poor start matters most and costs least; the tightest result wins.
    extra_starts: int = 2
    min_theme_size: int = 3  # smaller themes are dissolved into "other"
    # A comment goes to "other" rather than being forced in when its words are less than this
    # share as close to its theme's word centroid as the theme's median comment (relative, so
    # that big themes, whose centroids are spread over more words, lose no more than small ones).
    misfit_ratio: float = 1 / 3
    keywords: int = 8
    label_terms: int = 3


DEFAULT_OPTIONS = Options()


@dataclass
class _Prepared:
    """Comments in canonical order with their tokens; `usable` index into that order."""

    order: list[int]  # canonical position -> index in the caller's sequence
    tokens: list[list[str]]
    usable: list[int] = field(default_factory=list)


def cluster_comments(
    comments: Sequence[Comment],
    *,
    n_themes: int | None = None,
    min_themes: int = 2,
    max_themes: int = 30,
    progress: Callable[[float], None] | None = None,
    seed: int = 0,
    options: Options = DEFAULT_OPTIONS,
) -> Clustering:
    """Group comments into themes; n_themes fixes their number, otherwise it is chosen within
    [min_themes, max_themes] (and at most one theme per options.comments_per_theme comments).

    Progress is reported from 0.6 to 1: the fractions before are the caller's, for the words.
    Raises ClusteringError when there is too little to group, instead of inventing themes.
    """
    report = progress or (lambda _fraction: None)
    if n_themes is not None and n_themes < 1:
        raise ClusteringError("bad_theme_count", f"cannot make {n_themes} themes", themes=n_themes)
    prepared = _prepare(comments)
    count = len(prepared.usable)
    if count == 0:
        raise ClusteringError(
            "nothing_to_cluster",
            f"none of the {len(comments)} comments has words to group by"
            " (they are empty, emoji, numbers or polite words only)",
            count=len(comments),
        )
    wanted = n_themes if n_themes is not None else max(2, min_themes)
    needed = max(2, wanted) * options.min_theme_size
    if count < needed:
        raise ClusteringError(
            "too_few_comments",
            f"only {count} comments have words to group by; at least {needed} are needed"
            f" for {max(2, wanted)} themes",
            count=count,
            needed=needed,
        )

    params: dict[str, Any] = {"comments": len(comments), "usable": count, "seed": seed}
    # One thread per library: under load two-thread BLAS was 4x slower here, and the web app
    # keeps the other core. It also makes the result independent of the machine's core count.
    with threadpool_limits(limits=1):
        labels, similarity, words, terms = _group(
            [prepared.tokens[i] for i in prepared.usable],
            n_themes=n_themes,
            bounds=(max(2, min_themes), max_themes),
            seed=seed,
            options=options,
            params=params,
            report=report,
        )
    themes, other = _summarize(comments, prepared, labels, similarity, words, terms, options)
    params.update(k=len(themes), other=other.size)
    report(1.0)
    return Clustering(themes=themes, other=other, k=len(themes), params=params)


def _group(
    docs: list[list[str]],
    *,
    n_themes: int | None,
    bounds: tuple[int, int],
    seed: int,
    options: Options,
    params: dict[str, Any],
    report: Callable[[float], None],
) -> tuple[np.ndarray, np.ndarray, sparse.csr_matrix, list[str]]:
    """Theme label per comment (OTHER_KEY for misfits), its centrality, and the word TF-IDF
    with its terms for the summaries. Records how k was chosen in params."""
    words, terms, embedded = _vectorize(docs, options, seed)
    report(0.6)
    kept = np.flatnonzero(np.asarray(abs(embedded).sum(axis=1)).ravel() > 0)
    distinct = _distinct_rows(embedded[kept])
    scan = None
    if n_themes is not None:
        k = max(1, min(n_themes, distinct))
        params.update(auto_k=False, requested_themes=n_themes)
    else:
        low, high = bounds
        high = max(low, min(high, len(docs) // options.comments_per_theme, distinct))
        params.update(auto_k=True, k_range=[low, high])
        scan = _scan_k(embedded[kept], low, high, options, seed)
        k = scan.k
        params["silhouette"] = {str(kk): round(s, 4) for kk, s in scan.scores.items()}
    report(0.8)
    labels = np.full(len(docs), OTHER_KEY)
    similarity = np.zeros(len(docs))
    if len(kept):
        fitted, centres = _kmeans(embedded[kept], k, scan, seed, options)
        labels[kept] = fitted
        similarity[kept] = _cosine_to_centre(embedded[kept], centres, fitted)
    labels[_misfits(_word_similarity(words, labels), labels, options.misfit_ratio)] = OTHER_KEY
    for cluster, size in Counter(labels[labels != OTHER_KEY].tolist()).items():
        if size < options.min_theme_size:
            labels[labels == cluster] = OTHER_KEY
    return labels, similarity, words, terms


def _prepare(comments: Sequence[Comment]) -> _Prepared:
    """Tokens of every comment, in an order that does not depend on the caller's order."""
    order = sorted(range(len(comments)), key=lambda i: (comments[i].text, comments[i].id))
    tokens = [list(comments[order[p]].tokens) for p in range(len(order))]
    usable = [i for i, t in enumerate(tokens) if t]
    return _Prepared(order=order, tokens=tokens, usable=usable)


def _with_bigrams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _weigh(counts: sparse.csr_matrix, max_df: float) -> tuple[sparse.csr_matrix, np.ndarray]:
    """TF-IDF of the terms seen in at least two comments and at most max_df of them (a small
    set where that leaves nothing keeps the terms seen once); returns the kept column indices."""
    count = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    not_everywhere = frequency <= max_df * count
    kept = np.flatnonzero((frequency >= 2) & not_everywhere)
    if not len(kept):
        kept = np.flatnonzero((frequency >= 1) & not_everywhere)
    if not len(kept):
        kept = np.flatnonzero(frequency >= 1)
    weights = TfidfTransformer(sublinear_tf=True).fit_transform(counts[:, kept].astype(np.float32))
    return weights.tocsr(), kept


def _char_counts(docs: list[list[str]], low: int, high: int) -> sparse.csr_matrix:
    """Character n-gram counts per comment, computed once per distinct word: char_wb n-grams
    never cross a word boundary, so a comment's counts are the sum of its words' counts."""
    vocabulary: dict[str, int] = {}
    columns = [vocabulary.setdefault(w, len(vocabulary)) for d in docs for w in d]
    pointers = np.cumsum([0, *(len(d) for d in docs)])
    per_comment = sparse.csr_matrix(
        (np.ones(len(columns), dtype=np.float32), columns, pointers),
        shape=(len(docs), len(vocabulary)),
    )
    per_comment.sum_duplicates()
    grams = CountVectorizer(
        analyzer="char_wb", ngram_range=(low, high), lowercase=False, dtype=np.float32
    ).fit_transform(list(vocabulary))
    return (per_comment @ grams).tocsr()


def _vectorize(
    docs: list[list[str]], options: Options, seed: int
) -> tuple[sparse.csr_matrix, list[str], Any]:
    """(word TF-IDF, its terms, the rows the clustering works on)."""
    max_df = options.max_df if len(docs) >= 10 else 1.0
    counter = CountVectorizer(
        analyzer=_with_bigrams if options.word_bigrams else _identity, dtype=np.float32
    )
    words, kept = _weigh(counter.fit_transform(docs).tocsr(), max_df)
    terms = counter.get_feature_names_out()[kept].tolist()
    features = words
    if options.char_ngrams is not None:
        chars, _ = _weigh(_char_counts(docs, *options.char_ngrams), max_df)
        features = l2_normalize(sparse.hstack([words, chars]).tocsr())
    dims = min(options.svd_dims, features.shape[1] - 1, len(docs) - 1)
    if options.svd_dims and dims >= 2:
        svd = TruncatedSVD(
            dims, algorithm="randomized", n_iter=options.svd_iterations, random_state=seed
        )
        with np.errstate(divide="ignore", invalid="ignore"):  # its variance ratio, unused,
            reduced = svd.fit_transform(features)  # divides by 0 when all comments are alike
        return words, terms, l2_normalize(reduced)
    return words, terms, features


def _distinct_rows(rows: Any) -> int:
    """How many different points there are: k-means cannot make more clusters than that."""
    if rows.shape[0] == 0:
        return 0
    dense = rows.toarray() if sparse.issparse(rows) else rows
    return int(np.unique(np.round(dense, 6), axis=0).shape[0])


@dataclass(frozen=True)
class _Scan:
    k: int
    scores: dict[int, float]
    sample: np.ndarray  # indices of the rows scanned
    partition: np.ndarray  # Ward labels of the sample for the chosen k


def _sample(count: int, size: int, seed: int) -> np.ndarray:
    if count <= size:
        return np.arange(count)
    return np.sort(np.random.RandomState(seed).permutation(count)[:size])


def _scan_k(rows: Any, low: int, high: int, options: Options, seed: int) -> _Scan:
    """Choose k: one Ward tree on a sample gives a partition for every k; their silhouettes
    (cosine) rank them. Cost: one O(m^2) tree and matrix for m <= options.scan_sample."""
    sample = _sample(rows.shape[0], options.scan_sample, seed)
    points = rows[sample]
    dense = points.toarray() if sparse.issparse(points) else np.asarray(points)
    high = min(high, len(sample) - 1)
    if high < max(2, low):
        k = max(1, min(low, len(sample)))
        labels = np.zeros(len(sample), dtype=int)
        if k > 1:
            labels = cut_tree(ward(dense), n_clusters=[k])[:, 0]
        return _Scan(k=k, scores={}, sample=sample, partition=labels)
    ks = list(range(max(2, low), high + 1))
    cuts = cut_tree(ward(dense), n_clusters=ks)
    distances = np.clip(1.0 - dense @ dense.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    scores: dict[int, float] = {}
    for column, k in enumerate(ks):
        labels = cuts[:, column]
        found = len(np.unique(labels))
        if 2 <= found <= len(sample) - 1:
            scores[k] = float(silhouette_score(distances, labels, metric="precomputed"))
    if not scores:
        return _Scan(k=ks[0], scores={}, sample=sample, partition=cuts[:, 0])
    best = max(scores.values())
    threshold = best * options.k_rule if best > 0 else best
    chosen = min(k for k, s in scores.items() if s >= threshold)
    return _Scan(k=chosen, scores=scores, sample=sample, partition=cuts[:, ks.index(chosen)])


def _kmeans(
    rows: Any, k: int, scan: _Scan | None, seed: int, options: Options
) -> tuple[np.ndarray, np.ndarray]:
    """k-means on all rows from the Ward centres of the scan (or of a fresh Ward tree when k
    was given) and from options.extra_starts k-means++ seeds; the tightest result wins, so a
    poor start on a small set does not decide the themes."""
    dense = rows.toarray() if sparse.issparse(rows) else np.asarray(rows)
    if k == 1:
        return np.zeros(len(dense), dtype=int), dense.mean(axis=0, keepdims=True)
    if scan is None or scan.k != k:
        sample = _sample(len(dense), options.scan_sample, seed)
        partition = cut_tree(ward(dense[sample]), n_clusters=[k])[:, 0]
    else:
        sample, partition = scan.sample, scan.partition
    centres = np.vstack([dense[sample][partition == c].mean(axis=0) for c in range(k)])
    restarts = options.extra_starts if len(dense) <= options.scan_sample else 0
    starts: list[np.ndarray | str] = [centres, *(["k-means++"] * restarts)]
    models = [
        KMeans(n_clusters=k, init=init, n_init=1, random_state=seed + i, max_iter=100)
        for i, init in enumerate(starts)
    ]
    with warnings.catch_warnings():
        # Duplicate comments can leave fewer distinct points than centres; k-means copes.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in models:
            model.fit(dense)
    best = min(models, key=lambda m: round(float(m.inertia_), 9))  # first of equals
    return best.labels_, best.cluster_centers_


def _cosine_to_centre(rows: Any, centres: np.ndarray, labels: np.ndarray) -> np.ndarray:
    dense = rows.toarray() if sparse.issparse(rows) else np.asarray(rows)
    unit = l2_normalize(centres)
    return np.einsum("ij,ij->i", l2_normalize(dense), unit[labels])


def _word_similarity(words: sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Cosine between each comment's word TF-IDF row and its theme's mean row (0 for "other").

    Measured on words, not on the SVD/character space, where every Thai text looks a bit like
    every other, so that "shares no key words with its theme" reads as a number near 0."""
    found = np.zeros(words.shape[0])
    for cluster in np.unique(labels[labels != OTHER_KEY]):
        rows = np.flatnonzero(labels == cluster)
        centre = np.asarray(words[rows].mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centre))
        if norm > 0:
            found[rows] = words[rows] @ (centre / norm)
    return found


def _misfits(similarity: np.ndarray, labels: np.ndarray, ratio: float) -> np.ndarray:
    """Comments that share (almost) no vocabulary with the rest of their theme."""
    found = similarity <= 0
    for cluster in np.unique(labels[labels != OTHER_KEY]):
        rows = labels == cluster
        found[rows] |= similarity[rows] < ratio * float(np.median(similarity[rows]))
    return found


def _summarize(
    comments: Sequence[Comment],
    prepared: _Prepared,
    labels: np.ndarray,
    similarity: np.ndarray,
    words: sparse.csr_matrix,
    terms: list[str],
    options: Options,
) -> tuple[tuple[ThemeSummary, ...], ThemeSummary]:
    """Themes in display order (size, then first comment in canonical order) with their terms,
    central comments and group shares; comments without usable words join "other".

    `labels`, `similarity` and `words` rows follow prepared.usable.
    """
    members: dict[int, list[int]] = {}  # label -> rows (positions in prepared.usable)
    for row, label in enumerate(labels.tolist()):
        members.setdefault(label, []).append(row)
    usable = prepared.usable
    clusters = sorted(
        (c for c in members if c != OTHER_KEY),
        key=lambda c: (-len(members[c]), usable[members[c][0]]),
    )
    present = (words > 0).astype(np.float32).tocsr()
    document_frequency = np.asarray(present.sum(axis=0)).ravel()
    clustered = sum(len(members[c]) for c in clusters)
    average = clustered / max(1, len(clusters))

    def keywords(rows: list[int]) -> tuple[str, ...]:
        if not rows or not terms:
            return ()
        in_theme = np.asarray(present[rows].sum(axis=0)).ravel()
        # c-TF-IDF: frequent in the theme, rare in the whole set.
        score = in_theme * np.log1p(average / np.maximum(document_frequency, 1))
        floor = 2 if len(rows) >= 6 else 1
        ranked = sorted(np.flatnonzero(in_theme >= floor), key=lambda i: (-score[i], terms[i]))
        counts = {terms[i]: int(in_theme[i]) for i in ranked}
        return _distinct_terms(
            _promote_phrases([terms[i] for i in ranked], counts), options.keywords
        )

    def summary(key: int, rows: list[int], extra: list[int]) -> ThemeSummary:
        """`rows` usable rows, `extra` canonical positions of comments with no usable words."""
        originals = sorted(
            [prepared.order[usable[r]] for r in rows] + [prepared.order[p] for p in extra]
        )
        central = sorted(rows, key=lambda r: (-similarity[r], usable[r]))
        found = keywords(rows)
        return ThemeSummary(
            key=key,
            label=_label(found, options.label_terms) if key != OTHER_KEY else OTHER_LABEL,
            keywords=found,
            comment_ids=tuple(comments[i].id for i in originals),
            representative_ids=tuple(comments[prepared.order[usable[r]]].id for r in central[:3])
            if key != OTHER_KEY
            else (),
            share_by_group=_shares([comments[i].group for i in originals]),
        )

    themes = tuple(summary(key, members[c], []) for key, c in enumerate(clusters))
    unusable = sorted(set(range(len(prepared.tokens))) - set(usable))
    other = summary(OTHER_KEY, members.get(OTHER_KEY, []), unusable)
    return themes, other


def _display(term: str) -> str:
    """A bigram is shown as Thai writes it, without a space, unless a side is not Thai."""
    parts = term.split(" ")
    if len(parts) == 2 and all(_is_thai(p) for p in parts):
        return "".join(parts)
    return term


def _is_thai(word: str) -> bool:
    return any("\u0e01" <= ch <= "\u0e4e" for ch in word)


def _promote_phrases(ranked: list[str], counts: dict[str, int], window: int = 20) -> list[str]:
    """Show a two-word phrase where its rarer word ranks, when both words rank high and the
    rarer one mostly occurs in that phrase: "ดับ", "ไฟ" -> "ไฟดับ", which reads as the theme."""
    result = list(ranked)
    top = set(ranked[:window])
    for phrase in ranked[:window]:
        parts = phrase.split(" ")
        if len(parts) != 2 or not set(parts) <= top:
            continue
        rarer = min(parts, key=lambda p: (counts[p], p))
        if 2 * counts[phrase] >= counts[rarer] and rarer in result and phrase in result:
            result.remove(phrase)
            result[result.index(rarer)] = phrase
    return result


def _distinct_terms(ranked: list[str], limit: int) -> tuple[str, ...]:
    """Top terms without repeats: a word already shown inside a higher phrase or word is
    skipped ("ผัก" after "ผักตบชวา"), and so is a phrase whose words are both shown."""
    chosen: list[str] = []
    seen_words: set[str] = set()
    for term in ranked:
        parts = set(term.split(" "))
        shown = _display(term)
        if parts <= seen_words or any(shown in c for c in chosen):
            continue
        chosen.append(shown)
        seen_words |= parts
        if len(chosen) == limit:
            break
    return tuple(chosen)


def _label(keywords: tuple[str, ...], terms: int) -> str:
    return " / ".join(keywords[:terms]) if keywords else OTHER_LABEL


def _shares(groups: list[str | None]) -> dict[str, float]:
    """Share of all the theme's comments per known group (comments without one are not
    attributed, so the shares may add up to less than 1)."""
    if not groups:
        return {}
    counts = Counter(g for g in groups if g is not None)
    return {g: counts[g] / len(groups) for g in sorted(counts)}


def theme_of(clustering: Clustering) -> dict[str, int]:
    """Comment id -> theme key (OTHER_KEY for "other"), e.g. to write one row per comment."""
    found = {cid: OTHER_KEY for cid in clustering.other.comment_ids}
    for theme in clustering.themes:
        found.update(dict.fromkeys(theme.comment_ids, theme.key))
    return found
