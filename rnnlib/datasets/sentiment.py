"""The Amazon product reviews: parsing, tokens, DLStudio-style datasets and archives, tensors.

Explained in the chapter "Sentiment with one-hot words". The reviews are Blitzer et
al.'s Multi-Domain Sentiment Dataset, registered in :mod:`rnnlib.core.data` as two datasets:
``amazon_reviews`` (the balanced domains books, dvd, electronics and
kitchen_&_housewares) and ``amazon_reviews_unprocessed`` (apparel, automotive, baby and
beauty, unbalanced). DLStudio's own archives ``sentiment_dataset_{train,test}_{N}.tar.gz``
could not be found, so :func:`build_datasets` builds the same structure from the raw
files, and :func:`save_dlstudio_archive` writes it in DLStudio's format.

Choices, each made in one place and counted where it drops something:

* **Parsing** (:func:`parse_reviews`). The ``.review`` files are not XML (bare ``&``,
  ``<unique_id>`` and ``<product_type>`` repeated in the unprocessed files, a ``<root>``
  wrapper in some copies), so each ``<review>...</review>`` block is read with regular
  expressions. For each field the first occurrence wins; values are stripped of
  surrounding whitespace and HTML entities (``&quot;``, ``&amp;``) are decoded. Bytes that
  are not valid UTF-8 are replaced by U+FFFD, which the tokenizer treats as a separator.
  A review without ``<review_text>`` gets the text ``""``.
* **Tokens** (:func:`tokenize`): lower case; a word is a run of letters and digits,
  keeping inner apostrophes (``don't``). DLStudio's own tokenization is undocumented.
* **What goes in** (:func:`build_datasets`): the *text* of the first ``n`` reviews of each
  category and sentiment (not the title). Reviews with no word are dropped, and so are
  exact repeats within a category and sentiment (the same text posted for several
  products), which would otherwise land in both the training and the test part. Both
  are counted in :class:`BuildReport`.
* **One vocabulary** over train *and* test, as DLStudio's archives ship one.
* **Tensors** (:class:`OneHotReviews`, :class:`IndexReviews`): words missing from the
  vocabulary are skipped; a review left with no known word is skipped and counted in
  ``skipped``, never turned into an empty tensor.
* **Archives are pickles**, and unpickling runs code: :func:`load_dlstudio_archive`
  loads only archives it knows, and even those through an unpickler that can build
  nothing but dicts, lists and strings.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import io
import json
import math
import os
import pickle
import re
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset

from rnnlib.core.data import DataError, cache_dir, fetch_file
from rnnlib.core.data import Dataset as RegistryEntry
from rnnlib.core.files import atomic_write_bytes

#: The four balanced domains (dataset ``amazon_reviews``), 1000 + 1000 reviews each.
BALANCED_CATEGORIES: tuple[str, ...] = ("books", "dvd", "electronics", "kitchen_&_housewares")
#: The four unprocessed categories of the mirror (dataset ``amazon_reviews_unprocessed``).
UNPROCESSED_CATEGORIES: tuple[str, ...] = ("apparel", "automotive", "baby", "beauty")
#: All eight categories, sorted: the folder names of the data mirror.
CATEGORIES: tuple[str, ...] = tuple(sorted(BALANCED_CATEGORIES + UNPROCESSED_CATEGORIES))
#: DLStudio's dataset sizes: reviews per category and sentiment.
SIZES: tuple[int, ...] = (3, 40, 200, 400)
#: The parts of a DLStudio dataset.
SPLITS: tuple[str, ...] = ("train", "test")
POSITIVE = 1
NEGATIVE = 0
SENTIMENT_NAMES: dict[int, str] = {POSITIVE: "positive", NEGATIVE: "negative"}
#: SHA-256 of DLStudio's published archives, by file name. Empty: no copy of them could
#: be found (shared/data/README.md, "Not found"), so their digests are unknown. Add an
#: entry once a copy from DLStudio's site has been obtained and checked.
KNOWN_ARCHIVE_SHA256: dict[str, str] = {}
#: File in :func:`rnnlib.core.data.cache_dir` listing the digests of archives rnnlib wrote.
TRUSTED_ARCHIVES_FILE = "trusted_archives.json"

_FOLDERS = {
    "amazon_reviews": "amazon_multidomain_sentiment/sorted_data_acl",
    "amazon_reviews_unprocessed": "amazon_multidomain_sentiment/unprocessed_subset",
}
_SOURCE = {c: "amazon_reviews" for c in BALANCED_CATEGORIES} | {
    c: "amazon_reviews_unprocessed" for c in UNPROCESSED_CATEGORIES
}
_REVIEW_RE = re.compile(r"<review>(.*?)</review>", re.DOTALL)
_FIELD_RE = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.DOTALL) for name in ("rating", "title", "review_text")
}
_TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_PICKLE_PROTOCOL = 4

__all__ = [
    "BALANCED_CATEGORIES",
    "CATEGORIES",
    "KNOWN_ARCHIVE_SHA256",
    "NEGATIVE",
    "POSITIVE",
    "SENTIMENT_NAMES",
    "SIZES",
    "SPLITS",
    "TRUSTED_ARCHIVES_FILE",
    "UNPROCESSED_CATEGORIES",
    "ArchiveFormatError",
    "BuildReport",
    "IndexReviews",
    "OneHotReviews",
    "Review",
    "SentimentDataset",
    "UnsafeArchiveError",
    "UntrustedArchiveError",
    "archive_name",
    "build_datasets",
    "collate_for_sentiment",
    "collate_padded",
    "load_dlstudio_archive",
    "load_reviews",
    "parse_reviews",
    "read_review_file",
    "save_dlstudio_archive",
    "tokenize",
]


class UntrustedArchiveError(DataError):
    """An archive is neither a known DLStudio archive nor one that rnnlib wrote."""


class ArchiveFormatError(DataError, ValueError):
    """An archive is not a gzip'd pickle of ``(positive_dict, negative_dict, vocab_list)``."""


class UnsafeArchiveError(ArchiveFormatError):
    """An archive's pickle asks for a Python object other than a dict, list or string."""


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Review:
    """One review: its category, sentiment (1 positive, 0 negative), stars, title and text."""

    category: str
    sentiment: int
    rating: float | None
    title: str
    text: str


def _check_sentiment(sentiment: int) -> None:
    if isinstance(sentiment, bool) or sentiment not in SENTIMENT_NAMES:
        raise ValueError(f"sentiment={sentiment!r}: use 1 (positive) or 0 (negative).")


def _field(block: str, name: str) -> str | None:
    match = _FIELD_RE[name].search(block)
    return None if match is None else html.unescape(match.group(1)).strip()


def _rating(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        rating = float(value)
    except ValueError:
        return None
    return rating if math.isfinite(rating) else None


def parse_reviews(text: str, category: str, sentiment: int, *, source: str = "the text") -> list[Review]:
    """Parse the ``<review>...</review>`` blocks of a ``.review`` file, in file order.

    Each field's first occurrence is used (the unprocessed files repeat some fields),
    stripped of surrounding whitespace, with HTML entities decoded. A missing or
    unreadable ``<rating>`` gives ``None``; a missing ``<title>`` or ``<review_text>``
    gives ``""`` (:func:`build_datasets` then drops and counts the empty review).
    Anything outside the blocks (a ``<root>`` wrapper, blank lines) is ignored.

    Args:
        text: the file's contents.
        category: the category the reviews belong to (e.g. ``"books"``).
        sentiment: 1 for a ``positive.review`` file, 0 for ``negative.review``.
        source: what to call the text in error messages (a file name).

    Raises:
        ValueError: a bad sentiment, no ``<review>`` block at all, or an unclosed block
            (a truncated file).
    """
    _check_sentiment(sentiment)
    blocks = _REVIEW_RE.findall(text)
    if not blocks:
        raise ValueError(
            f"No <review>...</review> block in {source}: it is not a .review file of the Amazon "
            "review data, or it is empty. Fix: check the path, or fetch the file again with "
            "rnnlib.core.data.fetch_file."
        )
    opened = text.count("<review>")
    if opened != len(blocks):
        raise ValueError(
            f"{source} has {opened} <review> tags but only {len(blocks)} complete "
            "<review>...</review> blocks: the file is truncated or damaged. Fix: fetch it again "
            "with rnnlib.core.data.fetch_file, which verifies its checksum."
        )
    return [
        Review(
            category=category,
            sentiment=sentiment,
            rating=_rating(_field(block, "rating")),
            title=_field(block, "title") or "",
            text=_field(block, "review_text") or "",
        )
        for block in blocks
    ]


def read_review_file(path: str | os.PathLike[str], category: str, sentiment: int) -> list[Review]:
    """Read and parse one ``.review`` file (see :func:`parse_reviews`).

    The bytes are decoded as UTF-8; invalid bytes are replaced by U+FFFD
    (``errors="replace"``) instead of failing, so one bad byte costs one character.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file holds no review block, or is truncated.
    """
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    return parse_reviews(text, category, sentiment, source=str(path))


def tokenize(text: str) -> list[str]:
    """Split a review into lower-case words.

    A word is a run of letters and digits (any alphabet), which may contain inner
    apostrophes: ``"Don't buy it's 2nd-rate!"`` gives ``["don't", "buy", "it's", "2nd",
    "rate"]``. A typographic apostrophe (U+2019) counts as ``'``. Everything else
    (spaces, punctuation, ``_``, U+FFFD from undecodable bytes) separates words, and
    quotes around a word are dropped. DLStudio's own tokenization is undocumented; this
    is the course's.
    """
    return [word.replace("\u2019", "'") for word in _TOKEN_RE.findall(text.lower())]


# --------------------------------------------------------------------------- loading


def _check_categories(categories: Sequence[str] | None) -> list[str]:
    if categories is None:
        return list(CATEGORIES)
    if isinstance(categories, str):
        raise ValueError(f"categories={categories!r} is a single string: pass a list, e.g. [{categories!r}].")
    chosen = list(dict.fromkeys(categories))
    if not chosen:
        raise ValueError(f"No category given: pass some of {', '.join(CATEGORIES)}, or None for all.")
    unknown = [c for c in chosen if c not in _SOURCE]
    if unknown:
        raise ValueError(
            f"Unknown categories {unknown}. Known categories: {', '.join(CATEGORIES)}. "
            "Check the spelling (the folder names of the data, e.g. 'kitchen_&_housewares')."
        )
    return chosen


def load_reviews(
    categories: Sequence[str] | None = None, *, registry: Mapping[str, RegistryEntry] | None = None
) -> dict[str, dict[int, list[Review]]]:
    """Load the reviews of some categories as ``{category: {sentiment: reviews in file order}}``.

    The files are found and verified by :func:`rnnlib.core.data.fetch_file` (mirror, cache or
    download; datasets ``amazon_reviews`` and ``amazon_reviews_unprocessed``).

    Args:
        categories: names from :data:`CATEGORIES` (repeats are ignored); None for all eight.
        registry: the data registry to use (tests pass their own).

    Raises:
        ValueError: an unknown category, none at all, or a single string instead of a list.
        rnnlib.core.data.DataError: a file cannot be found or fails its checksum.
    """
    result: dict[str, dict[int, list[Review]]] = {}
    for category in _check_categories(categories):
        dataset = _SOURCE[category]
        result[category] = {}
        for sentiment in (POSITIVE, NEGATIVE):
            rel = f"{_FOLDERS[dataset]}/{category}/{SENTIMENT_NAMES[sentiment]}.review"
            result[category][sentiment] = read_review_file(
                fetch_file(dataset, rel, registry=registry), category, sentiment
            )
    return result


# --------------------------------------------------------------------------- DLStudio-style datasets


@dataclass
class BuildReport:
    """What :func:`build_datasets` took, dropped and kept, per ``(category, sentiment)``."""

    n: int
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
        """``{(category, sentiment): reviews taken}`` where the file had fewer than ``n``."""
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

    def to_tuple(self) -> tuple[dict[str, list[list[str]]], dict[str, list[list[str]]], list[str]]:
        """DLStudio's payload ``(positive_dict, negative_dict, vocab_list)``, as plain copies."""

        def plain(part: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, list[list[str]]]:
            return {str(c): [list(doc) for doc in docs] for c, docs in part.items()}

        return plain(self.positive), plain(self.negative), list(self.vocab)


def _check_n(n: int, allow_any_n: bool) -> None:
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
    n: int,
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    dedupe: bool = True,
    allow_any_n: bool = False,
) -> tuple[SentimentDataset, SentimentDataset]:
    """Build DLStudio-style training and test datasets from :func:`load_reviews`' output.

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
        n: reviews per category and sentiment, one of :data:`SIZES`.
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


# --------------------------------------------------------------------------- DLStudio archives


def archive_name(split: str, n: int, *, allow_any_n: bool = False) -> str:
    """DLStudio's file name for a part: ``sentiment_dataset_{split}_{n}.tar.gz``.

    Despite the name, the file is a gzip'd pickle, not a tar archive.

    Raises:
        ValueError: ``split`` is not ``"train"`` or ``"test"``, or a bad ``n`` (see
            :func:`build_datasets`).
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: use one of {', '.join(repr(s) for s in SPLITS)}.")
    _check_n(n, allow_any_n)
    return f"sentiment_dataset_{split}_{n}.tar.gz"


def _trust_file() -> Path:
    return cache_dir() / TRUSTED_ARCHIVES_FILE


def _trusted() -> dict[str, str]:
    """``{sha256: path}`` of the archives rnnlib wrote (empty if it wrote none)."""
    path = _trust_file()
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        entries = None
    if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
        raise DataError(
            f"{path} is not a JSON object of sha256 -> path: it is damaged. Fix: delete it; rnnlib "
            "then forgets the archives it wrote, so save them again or load them with trust=True."
        )
    return entries


def save_dlstudio_archive(dataset: SentimentDataset, path: str | os.PathLike[str]) -> str:
    """Write ``dataset`` as DLStudio does and return the file's SHA-256.

    The file is a gzip'd pickle of ``(positive_dict, negative_dict, vocab_list)``, which
    DLStudio reads with ``pickle.loads(gzip.open(path).read(), encoding='latin1')``. The
    bytes depend only on the data (no time stamp), and the digest is recorded in
    :data:`TRUSTED_ARCHIVES_FILE` so that :func:`load_dlstudio_archive` accepts the file.

    Raises:
        ArchiveFormatError: the dataset does not have DLStudio's structure.
        rnnlib.core.data.DataError: the list of trusted archives is unreadable.
    """
    path = Path(path)
    payload = _check_payload(dataset.to_tuple(), f"the dataset to save as {path}")
    trusted = _trusted()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz:
        gz.write(pickle.dumps(payload, protocol=_PICKLE_PROTOCOL))
    raw = buffer.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    atomic_write_bytes(path, raw)
    trusted[digest] = str(path.resolve())
    atomic_write_bytes(_trust_file(), json.dumps(trusted, indent=1, sort_keys=True).encode("utf-8"))
    return digest


class _PlainDataUnpickler(pickle.Unpickler):
    """An unpickler that builds only built-in containers and strings: it resolves no global."""

    def find_class(self, module: str, name: str) -> Any:
        raise UnsafeArchiveError(f"{module}.{name}")


def load_dlstudio_archive(path: str | os.PathLike[str], *, trust: bool = False) -> SentimentDataset:
    """Read a DLStudio sentiment archive (or one :func:`save_dlstudio_archive` wrote).

    Unpickling a file can run arbitrary code, so only these are read: archives whose
    SHA-256 is in :data:`KNOWN_ARCHIVE_SHA256`, archives rnnlib wrote (listed in
    :data:`TRUSTED_ARCHIVES_FILE` in the cache folder), or any archive with
    ``trust=True``. Even then the pickle may build nothing but dicts, lists, tuples and
    strings (no class, no function): a file asking for more is refused.

    Raises:
        FileNotFoundError: no such file.
        UntrustedArchiveError: the archive is not known and ``trust`` is False.
        UnsafeArchiveError: the pickle asks for a Python object (e.g. ``os.system``).
        ArchiveFormatError: not gzip, truncated, not a pickle, or not the tuple
            ``(dict, dict, list)`` of DLStudio's format.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is not a file. Check the path, or write the archive with save_dlstudio_archive()."
        )
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if not trust and digest not in KNOWN_ARCHIVE_SHA256.values() and digest not in _trusted():
        raise UntrustedArchiveError(
            f"{path} has SHA-256 {digest}, which is neither a known DLStudio archive "
            f"(KNOWN_ARCHIVE_SHA256) nor one that rnnlib wrote (listed in {_trust_file()}). "
            "Loading a pickle can run code, so rnnlib refuses it. Fix: if you know where the "
            "file comes from, call load_dlstudio_archive(path, trust=True); otherwise rebuild "
            "it with build_datasets() and save_dlstudio_archive()."
        )
    fix = "Fix: write it again with save_dlstudio_archive(), or download it again."
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ArchiveFormatError(
            f"{path} is not a complete gzip file ({type(exc).__name__}: {exc}): it is corrupt or truncated. "
            f"{fix}"
        ) from None
    try:
        payload = _PlainDataUnpickler(io.BytesIO(data), encoding="latin1").load()
    except UnsafeArchiveError as exc:
        raise UnsafeArchiveError(
            f"{path} asks the unpickler for {exc}, but a sentiment archive holds only dicts, lists and "
            "strings: it is not one, and may be malicious. rnnlib refuses it even with trust=True. "
            "Do not open it with pickle; rebuild the data with build_datasets()."
        ) from None
    except Exception as exc:  # a damaged pickle can fail in many ways; report each the same
        raise ArchiveFormatError(
            f"{path} holds gzip'd data that is not a readable pickle ({type(exc).__name__}: {exc}): "
            f"it is corrupt or truncated. {fix}"
        ) from None
    positive, negative, vocab = _check_payload(payload, str(path))
    return SentimentDataset(positive, negative, vocab)


def _structure_error(source: str, problem: str) -> ArchiveFormatError:
    return ArchiveFormatError(
        f"{source}: {problem}. A DLStudio sentiment archive holds the 3-tuple (positive_dict, "
        "negative_dict, vocab_list): two {category: [[word, ...], ...]} dicts and a list of words. "
        "Fix: rebuild it with build_datasets() and save_dlstudio_archive()."
    )


def _check_part(part: object, what: str, source: str) -> dict[str, list[list[str]]]:
    if not isinstance(part, dict):
        raise _structure_error(source, f"{what} is a {type(part).__name__}, not a dict")
    for category, docs in part.items():
        if not isinstance(category, str) or not isinstance(docs, list):
            raise _structure_error(
                source, f"{what} maps {category!r} to a {type(docs).__name__}: expected a str key and a list"
            )
        for i, doc in enumerate(docs):
            if not isinstance(doc, list) or not all(isinstance(w, str) for w in doc):
                raise _structure_error(source, f"{what}[{category!r}][{i}] is not a list of words (str)")
    return cast("dict[str, list[list[str]]]", part)


def _check_payload(
    payload: object, source: str
) -> tuple[dict[str, list[list[str]]], dict[str, list[list[str]]], list[str]]:
    if not isinstance(payload, tuple) or len(payload) != 3:
        size = f" of length {len(payload)}" if isinstance(payload, (tuple, list, dict)) else ""
        raise _structure_error(source, f"it holds a {type(payload).__name__}{size}, not a 3-tuple")
    positive = _check_part(payload[0], "positive_dict", source)
    negative = _check_part(payload[1], "negative_dict", source)
    vocab = payload[2]
    if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
        raise _structure_error(source, "vocab_list is not a list of words (str)")
    return positive, negative, vocab


# --------------------------------------------------------------------------- torch datasets

#: An item: (review tensor, category index, sentiment 1/0).
Item = tuple[torch.Tensor, int, int]


class IndexReviews(Dataset[Item]):
    """Reviews as vocabulary indices: items ``(indices int64 (length,), category index, sentiment)``.

    Reviews are listed category by category (sorted), positive before negative, each in
    the dataset's order. Words missing from the vocabulary are skipped (counted in
    ``unknown_words``); a review left with no known word is skipped and counted in
    ``skipped``, so no item is ever an empty tensor.

    Attributes:
        categories: the sorted category names; an item's category index points into it.
        vocab: the vocabulary; index ``i`` is ``vocab[i]``.
        word_to_index: ``{word: index}``.
        skipped: reviews skipped because none of their words is in the vocabulary.
        unknown_words: words skipped because they are not in the vocabulary.

    Raises:
        ValueError: empty vocabulary, or no review with a known word.
    """

    def __init__(self, dataset: SentimentDataset) -> None:
        if not dataset.vocab:
            raise ValueError("The dataset's vocabulary is empty: build the dataset with build_datasets().")
        self.vocab = list(dataset.vocab)
        self.word_to_index = {word: i for i, word in enumerate(self.vocab)}
        self.categories = dataset.categories
        self.skipped = 0
        self.unknown_words = 0
        self._indices: list[torch.Tensor] = []
        self._labels: list[tuple[int, int]] = []
        for c_index, category in enumerate(self.categories):
            for sentiment, part in ((POSITIVE, dataset.positive), (NEGATIVE, dataset.negative)):
                for doc in part.get(category, []):
                    ids = [self.word_to_index[w] for w in doc if w in self.word_to_index]
                    self.unknown_words += len(doc) - len(ids)
                    if not ids:
                        self.skipped += 1
                        continue
                    self._indices.append(torch.tensor(ids, dtype=torch.long))
                    self._labels.append((c_index, sentiment))
        if not self._indices:
            raise ValueError(
                f"No review has a word of the vocabulary ({self.skipped} reviews skipped): nothing to "
                "encode. Fix: use the vocabulary the reviews were built with (build_datasets() gives "
                "train and test the same one)."
            )

    @property
    def vocab_size(self) -> int:
        """Number of words in the vocabulary (the one-hot width)."""
        return len(self.vocab)

    @property
    def sentiments(self) -> torch.Tensor:
        """The sentiment of every item, int64, in item order."""
        return torch.tensor([s for _, s in self._labels], dtype=torch.long)

    def __len__(self) -> int:
        return len(self._indices)

    def _encode(self, indices: torch.Tensor) -> torch.Tensor:
        return indices

    def __getitem__(self, i: int) -> Item:
        category, sentiment = self._labels[i]
        return self._encode(self._indices[i]), category, sentiment


class OneHotReviews(IndexReviews):
    """Reviews as one-hot words: items ``(float32 (length, vocab_size), category index, sentiment)``.

    The lecture's encoding. Same order, skipping and attributes as :class:`IndexReviews`;
    the one-hot rows are built when an item is read. A review costs
    ``length * vocab_size * 4`` bytes (about 8 MB for 100 words of a 20,000-word
    vocabulary), so padded batches grow fast: keep batches small, or use
    :class:`IndexReviews` with an embedding.
    """

    def _encode(self, indices: torch.Tensor) -> torch.Tensor:
        one_hot = torch.zeros(len(indices), self.vocab_size)
        one_hot[torch.arange(len(indices)), indices] = 1.0
        return one_hot


def collate_padded(
    batch: Sequence[Item],
) -> tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor, torch.Tensor]:
    """Batch items into ``((padded, lengths), categories, sentiments)``.

    ``padded`` is ``(batch, longest, ...)`` with zeros after each review's end, and
    ``lengths`` (int64) gives each review's length: pass both to
    :func:`torch.nn.utils.rnn.pack_padded_sequence` so that padding never enters the
    recurrence (for :class:`IndexReviews` the padding 0 is also the index of ``vocab[0]``).

    Raises:
        ValueError: an empty batch.
    """
    if not batch:
        raise ValueError("Cannot collate an empty batch.")
    reviews = [item[0] for item in batch]
    lengths = torch.tensor([len(r) for r in reviews], dtype=torch.long)
    categories = torch.tensor([item[1] for item in batch], dtype=torch.long)
    sentiments = torch.tensor([item[2] for item in batch], dtype=torch.long)
    return (pad_sequence(reviews, batch_first=True), lengths), categories, sentiments


def collate_for_sentiment(batch: Sequence[Item]) -> tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Batch items into ``((padded, lengths), sentiments)``, as
    :func:`rnnlib.core.training.fit` expects them.

    See :func:`collate_padded`; the categories are left out.
    """
    inputs, _, sentiments = collate_padded(batch)
    return inputs, sentiments
