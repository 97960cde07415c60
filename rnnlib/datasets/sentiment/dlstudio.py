"""DLStudio's sentiment datasets, built from the reviews: :func:`build_datasets`.

DLStudio's own archives ``sentiment_dataset_{train,test}_{N}.tar.gz`` could not be found,
so :func:`build_datasets` builds the same structure, :class:`SentimentDataset`, from the
raw reviews (:func:`~rnnlib.datasets.sentiment.parsing.load_reviews`). Its choices:

* **What goes in**: the *text* of the first ``n`` reviews of each category and
  sentiment (not the title). Reviews with no word are dropped, and so are exact repeats
  within a category and sentiment (the same text posted for several products), which
  would otherwise land in both the training and the test part. Both are counted in
  :class:`BuildReport`.
* **One vocabulary** over train *and* test, as DLStudio's archives ship one.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rnnlib.datasets.sentiment.parsing import NEGATIVE, POSITIVE, SENTIMENT_NAMES, Review, tokenize

__all__ = ["SIZES", "SPLITS", "BuildReport", "SentimentDataset", "archive_name", "build_datasets"]

#: DLStudio's dataset sizes, in reviews per category and sentiment.
SIZES: tuple[int, ...] = (3, 40, 200, 400)
#: The parts of a DLStudio dataset.
SPLITS: tuple[str, ...] = ("train", "test")


@dataclass
class BuildReport:
    """What :func:`build_datasets` took, dropped and kept, per ``(category, sentiment)``."""

    n: int | None
    seed: int
    test_fraction: float
    available: Counter[tuple[str, int]] = field(default_factory=Counter)
    taken: Counter[tuple[str, int]] = field(default_factory=Counter)
    dropped_empty: Counter[tuple[str, int]] = field(default_factory=Counter)
    duplicates_dropped: Counter[tuple[str, int]] = field(default_factory=Counter)
    train: Counter[tuple[str, int]] = field(default_factory=Counter)
    test: Counter[tuple[str, int]] = field(default_factory=Counter)

    @property
    def capped(self) -> dict[tuple[str, int], int]:
        """``{(category, sentiment): reviews taken}`` where the file had fewer than ``n``.

        Empty when every review was asked for (``n=None``).
        """
        if self.n is None:
            return {}
        return {key: taken for key, taken in self.taken.items() if taken < self.n}

    def to_frame(self) -> pd.DataFrame:
        """One row per category and sentiment, one column per count."""
        columns = {
            "available": self.available,
            "taken": self.taken,
            "dropped empty": self.dropped_empty,
            "duplicates dropped": self.duplicates_dropped,
            "train": self.train,
            "test": self.test,
        }
        keys = sorted(self.available, key=lambda k: (k[0], -k[1]))
        index = pd.MultiIndex.from_tuples(
            [(c, SENTIMENT_NAMES[s]) for c, s in keys], names=["category", "sentiment"]
        )
        return pd.DataFrame(
            {name: [col.get(k, 0) for k in keys] for name, col in columns.items()}, index=index
        )


@dataclass(repr=False)
class SentimentDataset:
    """DLStudio's dataset structure: tokenized reviews by category, and a vocabulary.

    Attributes:
        positive: ``{category: [review as a list of words, ...]}`` of positive reviews.
        negative: the same for negative reviews.
        vocab: the sorted vocabulary. :func:`build_datasets` gives the training and the
            test part the same one, built over both, as DLStudio's archives do.
        report: what :func:`build_datasets` counted (None for a loaded archive); it is not
            part of the data, so two datasets with the same reviews compare equal.
    """

    positive: dict[str, list[list[str]]]
    negative: dict[str, list[list[str]]]
    vocab: list[str]
    report: BuildReport | None = field(default=None, compare=False)

    @property
    def categories(self) -> list[str]:
        """The categories of either sentiment, sorted."""
        return sorted(set(self.positive) | set(self.negative))

    def __len__(self) -> int:
        return sum(len(v) for v in self.positive.values()) + sum(len(v) for v in self.negative.values())

    def __repr__(self) -> str:
        positive = sum(len(v) for v in self.positive.values())
        return (
            f"SentimentDataset({len(self.categories)} categories, {positive} positive and "
            f"{len(self) - positive} negative reviews, {len(self.vocab)} words in the vocabulary)"
        )

    def counts(self) -> pd.DataFrame:
        """Reviews per category (rows) and sentiment (columns ``positive``, ``negative``)."""
        cats = self.categories
        return pd.DataFrame(
            {
                "positive": [len(self.positive.get(c, [])) for c in cats],
                "negative": [len(self.negative.get(c, [])) for c in cats],
            },
            index=pd.Index(cats, name="category"),
        )

    def documents(self) -> tuple[list[list[str]], list[int]]:
        """``(reviews, sentiments)`` as two lists, in the order of :class:`.IndexReviews`.

        Category by category (sorted), positive (1) before negative (0): the shape scikit-learn
        baselines and Word2Vec take.
        """
        docs: list[list[str]] = []
        labels: list[int] = []
        for category in self.categories:
            for sentiment, part in ((POSITIVE, self.positive), (NEGATIVE, self.negative)):
                for doc in part.get(category, []):
                    docs.append(list(doc))
                    labels.append(sentiment)
        return docs, labels

    def to_tuple(self) -> tuple[dict[str, list[list[str]]], dict[str, list[list[str]]], list[str]]:
        """DLStudio's payload ``(positive_dict, negative_dict, vocab_list)``, as plain copies."""

        def plain(part: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, list[list[str]]]:
            return {str(c): [list(doc) for doc in docs] for c, docs in part.items()}

        return plain(self.positive), plain(self.negative), list(self.vocab)


def _check_n(n: int | None, allow_any_n: bool) -> None:
    if n is None:
        return
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n={n!r}: the number of reviews per category and sentiment must be a positive int.")
    if not allow_any_n and n not in SIZES:
        raise ValueError(
            f"n={n} is not one of DLStudio's sizes {SIZES}. Use one of them, or pass "
            "allow_any_n=True for another number of reviews per category and sentiment."
        )


def _test_count(size: int, test_fraction: float) -> int:
    """Reviews for the test part: ``size * test_fraction`` rounded, one on each side if size >= 2."""
    count = math.floor(size * test_fraction + 0.5)
    return min(max(count, 1), size - 1) if size >= 2 else 0


def _shuffle_rng(seed: int, category: str, sentiment: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(category.encode("utf-8")), sentiment])


def build_datasets(
    reviews: Mapping[str, Mapping[int, Sequence[Review]]],
    n: int | None,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    dedupe: bool = True,
    allow_any_n: bool = False,
) -> tuple[SentimentDataset, SentimentDataset]:
    """Build DLStudio-style training and test datasets from :func:`.load_reviews`' output.

    For each category and sentiment: take the first ``n`` reviews in file order (fewer if
    the file has fewer: see ``report.capped``), tokenize their text, drop those with no
    word and (with ``dedupe``) exact repeats of an earlier review, shuffle with the seed
    and put ``round(test_fraction * count)`` of them (at least one on each side when there
    are two or more) in the test part. Each shuffle depends only on the seed, the category
    and the sentiment, so adding a category changes no other category's split. Both parts
    get every category as a key (possibly with an empty list) and one vocabulary, sorted
    and built over train *and* test, as in DLStudio's archives.

    Args:
        reviews: ``{category: {1: positive reviews, 0: negative reviews}}``.
        n: reviews per category and sentiment, one of :data:`SIZES`; ``None`` takes every
            review (chapter 5 uses all of them).
        seed: a non-negative int.
        test_fraction: the test share, strictly between 0 and 1.
        dedupe: drop exact repeats (the same words) within a category and sentiment.
        allow_any_n: accept any positive ``n``, not just DLStudio's sizes.

    Returns:
        ``(train, test)``, sharing one :class:`BuildReport` in their ``report``.

    Raises:
        ValueError: bad ``n``, seed or fraction, no categories, a category without a list
            for each sentiment, or no review with a word at all.
    """
    _check_n(n, allow_any_n)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed={seed!r}: use a non-negative int.")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction={test_fraction!r}: use a number strictly between 0 and 1, e.g. 0.2.")
    if not reviews:
        raise ValueError("No reviews given: pass load_reviews()'s output, {category: {1: [...], 0: [...]}}.")
    report = BuildReport(n=n, seed=seed, test_fraction=test_fraction)
    train: dict[int, dict[str, list[list[str]]]] = {POSITIVE: {}, NEGATIVE: {}}
    test: dict[int, dict[str, list[list[str]]]] = {POSITIVE: {}, NEGATIVE: {}}
    for category in sorted(reviews):
        for sentiment in (POSITIVE, NEGATIVE):
            try:
                docs = reviews[category][sentiment]
            except KeyError:
                raise ValueError(
                    f"reviews[{category!r}] has no list for sentiment {sentiment} "
                    f"({SENTIMENT_NAMES[sentiment]}): pass load_reviews()'s output, "
                    "{category: {1: [...], 0: [...]}}."
                ) from None
            key = (category, sentiment)
            report.available[key] = len(docs)
            first = docs[:n]
            report.taken[key] = len(first)
            kept: list[list[str]] = []
            seen: set[tuple[str, ...]] = set()
            for review in first:
                tokens = tokenize(review.text)
                if not tokens:
                    report.dropped_empty[key] += 1
                elif dedupe and tuple(tokens) in seen:
                    report.duplicates_dropped[key] += 1
                else:
                    seen.add(tuple(tokens))
                    kept.append(tokens)
            shuffled = [kept[i] for i in _shuffle_rng(seed, category, sentiment).permutation(len(kept))]
            n_test = _test_count(len(shuffled), test_fraction)
            test[sentiment][category] = shuffled[:n_test]
            train[sentiment][category] = shuffled[n_test:]
            report.test[key] = n_test
            report.train[key] = len(shuffled) - n_test
    if not sum(report.train.values()):
        raise ValueError(
            f"None of the {sum(report.taken.values())} reviews taken has a word: nothing to train on. "
            "Check that the reviews have a <review_text> field."
        )
    words = {
        w
        for part in (train, test)
        for by_cat in part.values()
        for docs in by_cat.values()
        for d in docs
        for w in d
    }
    vocab = sorted(words)
    return (
        SentimentDataset(train[POSITIVE], train[NEGATIVE], vocab, report),
        SentimentDataset(test[POSITIVE], test[NEGATIVE], list(vocab), report),
    )


def archive_name(split: str, n: int, *, allow_any_n: bool = False) -> str:
    """DLStudio's file name for a part: ``sentiment_dataset_{split}_{n}.tar.gz``.

    Despite the name, the file is a gzip'd pickle, not a tar archive.

    Raises:
        ValueError: ``split`` is not ``"train"`` or ``"test"``, or a bad ``n`` (see
            :func:`build_datasets`).
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: use one of {', '.join(repr(s) for s in SPLITS)}.")
    if n is None:
        raise ValueError("n=None (every review) has no DLStudio archive name: give a number of reviews.")
    _check_n(n, allow_any_n)
    return f"sentiment_dataset_{split}_{n}.tar.gz"
