"""Integration tests on the real Amazon review files of the data mirror.

They need ``RNNLIB_DATA_MIRROR`` (e.g. ``shared/data``). Without it they are skipped
with a reason, except in CI (``CI`` set), where they fail: nothing is skipped silently.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import pickle
from collections import Counter
from pathlib import Path

import pytest
import torch
from conftest import LocalServer, make_tar, reference_parse_reviews, using_mirror
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.data import DataLoader

from rnnlib.core.data import REGISTRY, cache_dir, fetch, fetch_file, sha256_of
from rnnlib.datasets.sentiment import (
    CATEGORIES,
    SIZES,
    IndexReviews,
    OneHotReviews,
    Review,
    SentimentDataset,
    archive_name,
    build_datasets,
    collate_for_sentiment,
    load_dlstudio_archive,
    load_reviews,
    parse_reviews,
    read_review_file,
    save_dlstudio_archive,
)

#: Reviews per file, from shared/data/README.md section 2: {category: (positive, negative)}.
README_COUNTS = {
    "apparel": (1000, 1000),
    "automotive": (584, 152),
    "baby": (1000, 900),
    "beauty": (1000, 493),
    "books": (1000, 1000),
    "dvd": (1000, 1000),
    "electronics": (1000, 1000),
    "kitchen_&_housewares": (1000, 1000),
}
#: Star ratings of the balanced files, from the same README: {(category, sentiment): {stars: count}}.
README_RATINGS = {
    ("books", 1): {4.0: 269, 5.0: 731},
    ("books", 0): {1.0: 538, 2.0: 462},
    ("dvd", 1): {4.0: 286, 5.0: 714},
    ("dvd", 0): {1.0: 530, 2.0: 470},
    ("electronics", 1): {4.0: 320, 5.0: 680},
    ("electronics", 0): {1.0: 666, 2.0: 334},
    ("kitchen_&_housewares", 1): {4.0: 246, 5.0: 754},
    ("kitchen_&_housewares", 0): {1.0: 687, 2.0: 313},
}
#: Vocabulary sizes with all 8 categories (train and test together, seed-independent).
VOCAB_SIZES = {3: 1195, 40: 8226, 200: 20728, 400: 30222}

Reviews = dict[str, dict[int, list[Review]]]


@pytest.fixture(scope="session")
def reviews(mirror_root: Path) -> Reviews:
    with using_mirror(mirror_root):
        return load_reviews()


@pytest.fixture(scope="session")
def built(reviews: Reviews) -> dict[int, tuple[SentimentDataset, SentimentDataset]]:
    return {n: build_datasets(reviews, n, seed=0) for n in SIZES}


def test_fetch_returns_the_16_verified_mirror_files(mirror: Path) -> None:
    files = fetch("amazon_reviews") | fetch("amazon_reviews_unprocessed")
    assert len(files) == 16
    categories = {Path(key).parent.name for key in files}
    assert categories == set(CATEGORIES)
    for key, path in files.items():
        assert path == mirror / key
        dataset = "amazon_reviews" if "/sorted_data_acl/" in key else "amazon_reviews_unprocessed"
        assert sha256_of(path) == REGISTRY[dataset].file(key).sha256


def test_alt_sha256_are_the_unprocessed_files_without_their_root_wrapper(mirror_root: Path) -> None:
    """The alternatives are derived from the mirror as catalog.py's comment says (not from a download)."""
    for entry in REGISTRY["amazon_reviews_unprocessed"].files:
        raw = (mirror_root / entry.path).read_bytes()
        assert raw.startswith(b"<root>\n<review>\n") and raw.endswith(b"</review>\n\n</root>")
        without_lines = raw[len(b"<root>\n") : -len(b"</root>")]
        without_blank = raw[len(b"<root>\n") : -len(b"\n</root>")]
        assert entry.alt_sha256 == (
            hashlib.sha256(without_lines).hexdigest(),
            hashlib.sha256(without_blank).hexdigest(),
        )
        category = Path(entry.path).parent.name
        assert parse_reviews(without_blank.decode(), category, 1) == parse_reviews(raw.decode(), category, 1)


def test_a_download_without_the_root_wrapper_is_accepted(
    mirror_root: Path, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Served as unprocessed.tar.gz would serve it (if the README is right), the file passes."""
    rel = "amazon_multidomain_sentiment/unprocessed_subset/automotive/negative.review"
    original = (mirror_root / rel).read_bytes()[len(b"<root>\n") : -len(b"\n</root>")]
    make_tar(http_server.root / "unprocessed.tar.gz", {"sorted_data/automotive/negative.review": original})
    entry = dataclasses.replace(
        REGISTRY["amazon_reviews_unprocessed"], url=f"{http_server.url}/unprocessed.tar.gz"
    )
    monkeypatch.delenv("RNNLIB_OFFLINE")
    path = fetch_file(entry.name, rel, registry={entry.name: entry})
    assert path == cache_dir() / rel and path.read_bytes() == original
    assert len(read_review_file(path, "automotive", 0)) == 152


def test_every_real_file_parses_as_with_the_regular_expressions(mirror: Path) -> None:
    """The linear scan of parse_reviews gives exactly what the regular expressions gave."""
    files = fetch("amazon_reviews") | fetch("amazon_reviews_unprocessed")
    for key, path in files.items():
        text = path.read_bytes().decode("utf-8", errors="replace")
        category, sentiment = Path(key).parent.name, int(Path(key).stem == "positive")
        assert parse_reviews(text, category, sentiment) == reference_parse_reviews(
            text, category, sentiment
        ), key


def test_review_counts_equal_the_readme(reviews: Reviews) -> None:
    assert list(reviews) == list(CATEGORIES)
    counts = {c: (len(by[1]), len(by[0])) for c, by in reviews.items()}
    assert counts == README_COUNTS


def test_ratings_and_texts_of_every_review(reviews: Reviews) -> None:
    for category, by_sentiment in reviews.items():
        for sentiment, items in by_sentiment.items():
            stars = Counter(r.rating for r in items)
            assert set(stars) <= ({4.0, 5.0} if sentiment == 1 else {1.0, 2.0}), (category, sentiment)
            if (category, sentiment) in README_RATINGS:
                assert stars == README_RATINGS[category, sentiment]
            assert all(r.text and r.category == category and r.sentiment == sentiment for r in items)
    # The repeated fields of the unprocessed files do not leak into the text.
    assert not any("<" in r.text and "unique_id>" in r.text for by in reviews.values() for r in by[1])


def test_vocabulary_sizes_grow_with_n(built: dict[int, tuple[SentimentDataset, SentimentDataset]]) -> None:
    sizes = {n: len(train.vocab) for n, (train, _) in built.items()}
    assert list(sizes.values()) == sorted(sizes.values()) and len(set(sizes.values())) == 4
    assert sizes == VOCAB_SIZES
    for train, test in built.values():
        assert train.vocab == test.vocab == sorted(set(train.vocab))


def test_counts_and_caps(built: dict[int, tuple[SentimentDataset, SentimentDataset]]) -> None:
    for n, (train, test) in built.items():
        report = train.report
        assert report is not None and report.n == n
        assert train.categories == test.categories == list(CATEGORIES)
        assert report.capped == ({("automotive", 0): 152} if n >= 200 else {})
        assert not sum(report.dropped_empty.values())  # every real review has words
        frame = report.to_frame()
        kept = frame["taken"] - frame["dropped empty"] - frame["duplicates dropped"]
        assert (frame["train"] + frame["test"] == kept).all()
        assert (frame["test"] >= 1).all()
        assert len(train) + len(test) == kept.sum()
    train400, test400 = built[400]
    assert train400.report is not None
    assert train400.report.duplicates_dropped[("beauty", 0)] == 66  # texts posted for several products
    assert 0.18 < len(test400) / (len(train400) + len(test400)) < 0.22


def test_build_datasets_is_deterministic_per_seed(
    reviews: Reviews, built: dict[int, tuple[SentimentDataset, SentimentDataset]]
) -> None:
    assert build_datasets(reviews, 40, seed=0) == built[40]
    other_train, other_test = build_datasets(reviews, 40, seed=1)
    assert other_test != built[40][1]
    assert other_train.vocab == built[40][0].vocab  # the same reviews, split differently


def test_train_and_test_are_disjoint(built: dict[int, tuple[SentimentDataset, SentimentDataset]]) -> None:
    def texts(ds: SentimentDataset) -> list[tuple[str, ...]]:
        return [tuple(d) for part in (ds.positive, ds.negative) for docs in part.values() for d in docs]

    for train, test in built.values():
        tr, te = texts(train), texts(test)
        assert len(set(tr)) == len(tr) and len(set(te)) == len(te)  # no repeats left
        assert not set(tr) & set(te)


@pytest.mark.parametrize("n", [3, 400])
def test_archive_round_trip_and_dlstudio_reader(
    built: dict[int, tuple[SentimentDataset, SentimentDataset]], tmp_path: Path, n: int
) -> None:
    for split, dataset in zip(("train", "test"), built[n], strict=True):
        path = tmp_path / archive_name(split, n)
        digest = save_dlstudio_archive(dataset, path)
        assert digest == sha256_of(path)
        assert load_dlstudio_archive(path) == dataset
        payload = pickle.loads(gzip.open(path).read(), encoding="latin1")  # DLStudio's reader
        assert isinstance(payload, tuple) and len(payload) == 3
        positive, negative, vocab = payload
        assert isinstance(positive, dict) and isinstance(negative, dict) and isinstance(vocab, list)
        assert sorted(positive) == sorted(negative) == list(CATEGORIES)
        assert vocab == dataset.vocab


def test_a_real_batch_of_one_hot_and_index_reviews(
    built: dict[int, tuple[SentimentDataset, SentimentDataset]],
) -> None:
    _, test = built[3]
    one_hot, index = OneHotReviews(test), IndexReviews(test)
    assert one_hot.skipped == index.skipped == 0 and one_hot.unknown_words == 0
    assert len(one_hot) == len(test) == 16
    assert one_hot.categories == list(CATEGORIES)
    (padded, lengths), sentiments = next(
        iter(DataLoader(one_hot, batch_size=4, collate_fn=collate_for_sentiment))
    )
    assert padded.shape == (4, int(lengths.max()), VOCAB_SIZES[3])
    assert torch.equal(padded.sum(dim=(1, 2)).long(), lengths)  # one 1 per real word, none in the padding
    gru = torch.nn.GRU(VOCAB_SIZES[3], 5, batch_first=True)
    _, hidden = gru(pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False))
    assert hidden.shape == (1, 4, 5) and sentiments.shape == (4,)
