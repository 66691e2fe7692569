"""How well the theme pipeline finds the topics people wrote about, variant by variant.

Usage: .venv/bin/python bench/themes_quality.py [--data ../shared/data/thai_comments_dev.csv]
    [--seeds 3] [--quick] [--keywords]

Clusters the labelled dev comments (2,006 Traffy Fondue requests, 17 complaint types; see
shared/data/README.md) and prints, per variant, NMI and adjusted Rand index against the labels,
purity, the number of themes, the share put in "other" (scored as one more cluster) and the
time, as the mean over --seeds seeds. The first row is the plain baseline the pipeline has to
beat: newmm words, PyThaiNLP stopwords, unigram TF-IDF, k-means with k = 17. --keywords also
prints the themes of the default pipeline. A figure, not a test; nothing is tuned on the labels.
"""

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

from app.domain import thai_nlp  # noqa: E402
from app.domain.clustering import (  # noqa: E402
    DEFAULT_OPTIONS,
    Clustering,
    Comment,
    Options,
    theme_of,
)
from app.domain.thai_nlp import Segmentation  # noqa: E402
from app.services.themes import cluster  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "thai_comments_dev.csv"
PLAIN = Options(word_bigrams=False, char_ngrams=None, svd_dims=0)
WORDS = Segmentation()
PLAIN_WORDS = Segmentation(project_stopwords=False)
# (name, words, options, fixed k or None for automatic); the default is marked with *.
VARIANTS: list[tuple[str, Segmentation, Options, int | None]] = [
    ("pipeline words only, k=17", PLAIN_WORDS, PLAIN, 17),
    ("+ project stopwords, k=17", WORDS, PLAIN, 17),
    ("+ SVD 50, k=17", WORDS, replace(PLAIN, svd_dims=50), 17),
    ("+ word bigrams, k=17", WORDS, replace(DEFAULT_OPTIONS, char_ngrams=None), 17),
    ("+ char 2-4-grams (default), k=17", WORDS, DEFAULT_OPTIONS, 17),
    ("default, char 3-5-grams, k=17", WORDS, replace(DEFAULT_OPTIONS, char_ngrams=(3, 5)), 17),
    ("default, SVD 100, k=17", WORDS, replace(DEFAULT_OPTIONS, svd_dims=100), 17),
    ("default, newmm engine, k=17", Segmentation(engine="newmm"), DEFAULT_OPTIONS, 17),
    ("default, mm engine, k=17", Segmentation(engine="mm"), DEFAULT_OPTIONS, 17),
    ("default, PyThaiNLP stopwords only, k=17", PLAIN_WORDS, DEFAULT_OPTIONS, 17),
    ("words only, auto k", WORDS, replace(DEFAULT_OPTIONS, char_ngrams=None), None),
    ("auto k, silhouette >= 0.75 best", WORDS, replace(DEFAULT_OPTIONS, k_rule=0.75), None),
    ("* default: auto k (silhouette >= 0.8 best)", WORDS, DEFAULT_OPTIONS, None),
    ("auto k, silhouette >= 0.85 best", WORDS, replace(DEFAULT_OPTIONS, k_rule=0.85), None),
    ("auto k, silhouette >= 0.9 best", WORDS, replace(DEFAULT_OPTIONS, k_rule=0.9), None),
    ("auto k, silhouette maximum", WORDS, replace(DEFAULT_OPTIONS, k_rule=1.0), None),
]
QUICK = {"pipeline words only, k=17", "+ char 2-4-grams (default), k=17"}


def load(path: Path) -> tuple[list[Comment], list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [Comment(id=r["id"], text=r["text"]) for r in rows], [r["label"] for r in rows]


def purity(labels: list[str], found: list[int]) -> float:
    best: dict[int, int] = {}
    for (theme, _), n in Counter(zip(found, labels, strict=True)).items():
        best[theme] = max(best.get(theme, 0), n)
    return sum(best.values()) / len(labels)


def plain_baseline(comments: list[Comment], seed: int) -> tuple[list[int], int, int]:
    """The reference to beat, outside the pipeline: newmm tokens minus PyThaiNLP stopwords,
    unigram TF-IDF, k-means k = 17 (10 k-means++ starts)."""
    tokens = [
        thai_nlp.tokenize_normalized(
            thai_nlp.normalize_for_nlp(c.text),
            engine="newmm",
            stopwords=thai_nlp.PYTHAINLP_STOPWORDS,
        )
        for c in comments
    ]
    matrix = TfidfVectorizer(analyzer=lambda t: t, min_df=2, sublinear_tf=True).fit_transform(
        tokens
    )
    found = KMeans(17, n_init=10, random_state=seed).fit_predict(matrix)
    return found.tolist(), 17, 0


def run_pipeline(
    comments: list[Comment], how: Segmentation, options: Options, k: int | None, seed: int
) -> tuple[list[int], int, int, Clustering]:
    result = cluster(comments, how=how, n_themes=k, seed=seed, options=options)
    themes = theme_of(result)
    return [themes[c.id] for c in comments], result.k, result.other.size, result


def measure(
    name: str,
    labels: list[str],
    seeds: int,
    one: Callable[[int], tuple[list[int], int, int]],
) -> None:
    scores = []
    for seed in range(seeds):
        start = time.perf_counter()
        found, k, other = one(seed)
        elapsed = time.perf_counter() - start
        scores.append(
            (
                normalized_mutual_info_score(labels, found),
                adjusted_rand_score(labels, found),
                purity(labels, found),
                k,
                other / len(labels),
                elapsed,
            )
        )
    nmi, ari, pur, k, other, seconds = np.mean(scores, axis=0)
    spread = statistics.pstdev(s[0] for s in scores)
    ks = sorted({int(s[3]) for s in scores})
    k_text = "/".join(map(str, ks)) if len(ks) > 1 else str(ks[0])
    print(
        f"{name:<44} {nmi:6.3f} ±{spread:5.3f} {ari:6.3f} {pur:6.3f} {k_text:>8}"
        f" {other:6.1%} {seconds:6.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="baseline and default k=17 only")
    parser.add_argument("--keywords", action="store_true", help="print the default's themes")
    args = parser.parse_args()
    comments, labels = load(args.data)
    print(f"{len(comments)} comments, {len(set(labels))} labels, mean of {args.seeds} seeds")
    print(
        f"{'variant':<44} {'NMI':>6} {'sd':>6} {'ARI':>6} {'purity':>6} {'k':>8} {'other':>6} {'s':>6}"
    )
    measure(
        "plain baseline: newmm unigram k-means k=17",
        labels,
        args.seeds,
        lambda s: plain_baseline(comments, s),
    )
    for name, how, options, k in VARIANTS:
        if args.quick and name not in QUICK:
            continue

        def one(
            seed: int, how: Segmentation = how, options: Options = options, k: int | None = k
        ) -> tuple[list[int], int, int]:
            found, themes, other, _ = run_pipeline(comments, how, options, k, seed)
            return found, themes, other

        measure(name, labels, args.seeds, one)
    if args.keywords:
        result = cluster(comments)
        print(f"\nDefault pipeline: {result.k} themes, {result.other.size} in other")
        in_theme = theme_of(result)
        for theme in result.themes:
            top = Counter(
                label
                for c, label in zip(comments, labels, strict=True)
                if in_theme[c.id] == theme.key
            )
            label, count = top.most_common(1)[0]
            print(
                f"{theme.key + 1:>3} {theme.size:>4}  [{label} {count / theme.size:.0%}]  {', '.join(theme.keywords)}"
            )


if __name__ == "__main__":
    main()
