"""rnnlib.models.word2vec on corpora of a few lines: vocabulary, determinism, the cache, matrices, errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from gensim.models import KeyedVectors, Word2Vec

from rnnlib.datasets.sentiment import IndexReviews, SentimentDataset
from rnnlib.models import word2vec
from rnnlib.models.word2vec import (
    PRETRAINED,
    PretrainedUnavailable,
    Word2VecSettings,
    corpus_key,
    embedding_matrix,
    embedding_vocabulary,
    load_pretrained,
    nearest_words,
    train_word2vec,
    vocabulary_outside,
)

TRAIN = [
    ["the", "film", "was", "good", "and", "the", "acting", "good"],
    ["the", "plot", "was", "bad", "and", "the", "acting", "bad"],
    ["a", "good", "film"],
    ["a", "bad", "plot", "once"],  # "once" occurs once: no vector with min_count=2
    ["the", "acting", "was", "fine"],
]
#: Test reviews: "superb" and "awful" occur twice each, but only here.
TEST = [["superb", "film", "superb"], ["awful", "awful", "plot"], ["unique"]]
SMALL = Word2VecSettings(vector_size=8, window=2, min_count=2, epochs=3, seed=1)


def frequent_words(documents: list[list[str]], min_count: int) -> set[str]:
    counts = Counter(w for doc in documents for w in doc)
    return {w for w, c in counts.items() if c >= min_count}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RNNLIB_CACHE_DIR", str(tmp_path))
    return tmp_path / "word2vec"


def refuse_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("Word2Vec was trained again instead of read from the cache")

    monkeypatch.setattr(word2vec, "Word2Vec", no_training)


# --------------------------------------------------------------------------- vocabulary


def test_vectors_hold_exactly_the_frequent_training_words(cache: Path) -> None:
    vectors = train_word2vec(TRAIN, SMALL, cache=False, log=None)
    expected = frequent_words(TRAIN, 2)
    assert "once" not in expected and "fine" not in expected and "good" in expected
    assert set(vectors.index_to_key) == expected
    assert vectors.vector_size == 8 and vectors.vectors.shape == (len(expected), 8)
    assert vocabulary_outside(vectors, TRAIN) == []
    low = train_word2vec(TRAIN, replace(SMALL, min_count=1), cache=False, log=None)
    assert set(low.index_to_key) == {w for doc in TRAIN for w in doc}
    assert not cache.exists()  # cache=False writes nothing


def test_vectors_trained_on_test_text_leak_its_words(cache: Path) -> None:
    leaky = train_word2vec(TRAIN + TEST, SMALL, cache=False, log=None)
    # the words of the test reviews frequent enough for a vector, and in no training review
    assert vocabulary_outside(leaky, TRAIN) == ["awful", "superb"]
    assert vocabulary_outside(leaky, TRAIN + TEST) == []
    assert vocabulary_outside(leaky, iter(TRAIN)) == ["awful", "superb"]  # any iterable


def test_same_call_gives_the_same_vectors(cache: Path) -> None:
    first = train_word2vec(TRAIN, SMALL, cache=False, log=None)
    second = train_word2vec(TRAIN, SMALL, cache=False, log=None)
    assert first.index_to_key == second.index_to_key
    np.testing.assert_array_equal(first.vectors, second.vectors)
    other_seed = train_word2vec(TRAIN, replace(SMALL, seed=2), cache=False, log=None)
    assert not np.array_equal(first.vectors, other_seed.vectors)


def test_same_vectors_in_another_python_with_another_hash_seed(cache: Path, tmp_path: Path) -> None:
    """gensim seeds each word's first vector with ``hash``, salted per process: not here."""
    out = tmp_path / "vectors.npy"
    script = (
        "import sys, numpy as np\n"
        "from rnnlib.models.word2vec import Word2VecSettings, train_word2vec\n"
        f"docs = {TRAIN!r}\n"
        "s = Word2VecSettings(vector_size=8, window=2, min_count=2, epochs=3, seed=1)\n"
        "v = train_word2vec(docs, s, cache=False, log=None)\n"
        "np.save(sys.argv[1], v.vectors)\n"
        "print(' '.join(v.index_to_key))\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    here = train_word2vec(TRAIN, SMALL, cache=False, log=None)
    assert done.stdout.split() == here.index_to_key
    np.testing.assert_array_equal(np.load(out), here.vectors)


# --------------------------------------------------------------------------- the cache


def test_second_call_reads_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages: list[str] = []
    first = train_word2vec(TRAIN, SMALL, log=messages.append)
    assert len(messages) == 1 and "trained on 27 words of 5 documents" in messages[0]
    files = sorted(cache.iterdir())
    assert [f.name for f in files] == [f"{corpus_key(TRAIN, SMALL)}.npz"]  # and no .part left behind
    refuse_training(monkeypatch)
    second = train_word2vec(TRAIN, SMALL, log=messages.append)
    assert "from the cache" in messages[1] and f"{len(first)} words × 8" in messages[1]
    assert second.index_to_key == first.index_to_key
    np.testing.assert_array_equal(second.vectors, first.vectors)
    # cache=False trains anyway (and training is refused here)
    with pytest.raises(AssertionError, match=r"trained again"):
        train_word2vec(TRAIN, SMALL, cache=False, log=None)


def test_other_settings_or_documents_train_afresh(cache: Path) -> None:
    train_word2vec(TRAIN, SMALL, log=None)
    train_word2vec(TRAIN, replace(SMALL, window=3), log=None)
    train_word2vec([*TRAIN, ["good", "film"]], SMALL, log=None)
    assert len(list(cache.glob("*.npz"))) == 3


@pytest.mark.parametrize(
    "damage",
    [
        "empty",
        "garbage",
        "truncated",
    ],
)
def test_damaged_cache_file_is_trained_again(cache: Path, damage: str) -> None:
    first = train_word2vec(TRAIN, SMALL, log=None)
    (path,) = cache.glob("*.npz")
    damaged = {"empty": b"", "garbage": b"not a pickle at all", "truncated": path.read_bytes()[:40]}
    path.write_bytes(damaged[damage])
    messages: list[str] = []
    again = train_word2vec(TRAIN, SMALL, log=messages.append)
    assert "trained on" in messages[-1]
    np.testing.assert_array_equal(again.vectors, first.vectors)
    assert "is not one rnnlib wrote" in messages[0]
    assert word2vec._read_vectors(path).index_to_key == first.index_to_key  # rewritten, readable


def test_large_vectors_are_read_back_from_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = [f"w{i}" for i in range(35_000)]
    big = KeyedVectors(vector_size=300)
    big.add_vectors(words, np.ones((len(words), 300), dtype=np.float32))

    class FakeWord2Vec:
        def __init__(self, **kwargs: object) -> None:
            self.wv = big

    monkeypatch.setattr(word2vec, "Word2Vec", FakeWord2Vec)
    train_word2vec(TRAIN, SMALL, log=None)
    refuse_training(monkeypatch)
    again = train_word2vec(TRAIN, SMALL, log=None)
    assert len(again) == len(words)


def test_unwritable_cache_still_gives_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("in the way")
    monkeypatch.setenv("RNNLIB_CACHE_DIR", str(not_a_folder))
    messages: list[str] = []
    vectors = train_word2vec(TRAIN, SMALL, log=messages.append)
    assert set(vectors.index_to_key) == frequent_words(TRAIN, 2)
    assert any("not cached" in m and "RNNLIB_CACHE_DIR" in m for m in messages)


def test_corpus_key_changes_with_every_token_and_setting() -> None:
    key = corpus_key(TRAIN, SMALL)
    assert len(key) == 64 and int(key, 16) >= 0
    assert corpus_key([list(d) for d in TRAIN], Word2VecSettings(8, 2, 2, 1, 5, 3, 1)) == key
    changed_token = [*TRAIN[:-1], ["the", "acting", "was", "fine!"]]
    assert corpus_key(changed_token, SMALL) != key
    assert corpus_key(TRAIN[:-1], SMALL) != key
    assert corpus_key(list(reversed(TRAIN)), SMALL) != key
    # the same words cut into other documents, or other tokens
    assert corpus_key([["a", "b"], ["c"]], SMALL) != corpus_key([["a"], ["b", "c"]], SMALL)
    assert corpus_key([["ab"]], SMALL) != corpus_key([["a", "b"]], SMALL)
    assert corpus_key([[]], SMALL) != corpus_key([], SMALL)
    for field, value in [
        ("vector_size", 9),
        ("window", 3),
        ("min_count", 1),
        ("sg", 0),
        ("negative", 4),
        ("epochs", 4),
        ("seed", 2),
    ]:
        assert corpus_key(TRAIN, replace(SMALL, **{field: value})) != key, field


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("documents", "error", "message"),
    [
        ([], ValueError, r"training corpus is empty"),
        ([[], []], ValueError, r"training corpus is empty"),
        ("a film", TypeError, r"documents must be a list of tokenized documents"),
        (iter(TRAIN), TypeError, r"documents must be a list of tokenized documents"),
        ([["good"], "a film"], TypeError, r"document 1 is not a list of words: tokenize it first"),
        ([["good", 3]], TypeError, r"document 0 is not a list of words"),
        ([["each", "word", "once"]], ValueError, r"No word occurs 2 times or more.*lower min_count"),
    ],
)
def test_bad_corpora(cache: Path, documents: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        train_word2vec(documents, SMALL, log=None)  # type: ignore[arg-type]
    assert not cache.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vector_size": 0}, r"vector_size=0"),
        ({"window": -1}, r"window=-1"),
        ({"min_count": 0}, r"min_count=0"),
        ({"epochs": 0}, r"epochs=0"),
        ({"vector_size": 2.5}, r"vector_size=2\.5"),
        ({"sg": 2}, r"sg=2: 1 for skip-gram, 0 for CBOW"),
        ({"seed": -1}, r"seed and negative must be non-negative"),
        ({"negative": -5}, r"seed and negative must be non-negative"),
    ],
)
def test_bad_settings(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Word2VecSettings(**changes)  # type: ignore[arg-type]


def test_default_settings_train_skip_gram_vectors_as_wide_as_google_news(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Word2VecSettings() trains what chapter 5 describes: skip-gram with negative sampling
    (not hierarchical softmax), vectors as wide as the pretrained word2vec-google-news-300 (so
    either fills the same embedding layer), words seen at least twice; gensim gets each setting."""
    made: list[Word2Vec] = []
    real = word2vec.Word2Vec

    def spy(**kwargs: Any) -> Word2Vec:
        made.append(real(**kwargs))
        return made[-1]

    monkeypatch.setattr(word2vec, "Word2Vec", spy)
    vectors = train_word2vec(TRAIN, Word2VecSettings(), cache=False, log=None)
    google_news = next(name for name in PRETRAINED if name.startswith("word2vec-google-news"))
    assert vectors.vector_size == int(google_news.rsplit("-", 1)[1]) == 300
    assert set(vectors.index_to_key) == frequent_words(TRAIN, 2)  # "once" and "fine": no vector
    (model,) = made
    assert (model.sg, model.hs, model.negative, model.window, model.epochs) == (1, 0, 5, 5, 10)
    assert Word2VecSettings(negative=0).negative == 0  # no negative sampling is a valid choice


# --------------------------------------------------------------------------- matrices and tables


def hand_vectors() -> KeyedVectors:
    vectors = KeyedVectors(vector_size=2)
    vectors.add_vectors(
        ["good", "great", "bad", "awful"],
        np.array([[1.0, 0.1], [0.9, 0.2], [-1.0, 0.1], [-0.8, -0.3]], dtype=np.float32),
    )
    return vectors


def test_embedding_matrix_has_the_padding_in_row_0() -> None:
    vectors = train_word2vec(TRAIN, SMALL, cache=False, log=None)
    matrix, vocab = embedding_matrix(vectors)
    assert matrix.dtype == torch.float32 and matrix.shape == (len(vectors) + 1, 8)
    assert torch.all(matrix[0] == 0)
    assert vocab[0] == "<pad>" and len(vocab) == matrix.shape[0]
    assert sorted(vocab[1:]) == sorted(vectors.index_to_key)
    for row, word in enumerate(vocab[1:], start=1):
        np.testing.assert_array_equal(matrix[row].numpy(), vectors[word])
    assert embedding_vocabulary(vectors) == vocab  # one vocabulary, whichever way it is asked


def test_index_reviews_with_the_vectors_words_read_the_matching_rows() -> None:
    dataset = SentimentDataset(
        positive={"dvd": TRAIN[:1] + TRAIN[2:3] + TRAIN[4:]}, negative={"dvd": [TRAIN[1], TRAIN[3]]}, vocab=[]
    )
    docs, _ = dataset.documents()
    vectors = train_word2vec(docs, SMALL, cache=False, log=None)
    matrix, vocab = embedding_matrix(vectors)
    word_to_row = {word: row for row, word in enumerate(vocab)}
    reviews = IndexReviews(dataset, vocab=vocab)
    assert len(reviews) == len(docs) and reviews.skipped == 0
    for k, doc in enumerate(docs):
        known = [w for w in doc if w in word_to_row]  # "once" and "fine" have no vector
        indices = reviews[k][0]
        assert indices.tolist() == [word_to_row[w] for w in known]
        np.testing.assert_array_equal(matrix[indices].numpy(), vectors[known])
    assert reviews.unknown_words == 2


def test_embedding_matrix_by_hand_and_empty_vectors() -> None:
    matrix, vocab = embedding_matrix(hand_vectors())
    assert vocab == ["<pad>", "good", "great", "bad", "awful"]
    torch.testing.assert_close(
        matrix,
        torch.tensor([[0.0, 0.0], [1.0, 0.1], [0.9, 0.2], [-1.0, 0.1], [-0.8, -0.3]]),
    )
    with pytest.raises(ValueError, match=r"word vectors are empty"):
        embedding_matrix(KeyedVectors(vector_size=3))
    assert embedding_vocabulary(hand_vectors()) == ["<pad>", "good", "great", "bad", "awful"]
    assert embedding_vocabulary(hand_vectors(), pad="_")[0] == "_"
    with pytest.raises(ValueError, match=r"pad='good' is a word of these vectors"):
        embedding_vocabulary(hand_vectors(), pad="good")
    with pytest.raises(ValueError, match=r"word vectors are empty"):
        embedding_vocabulary(KeyedVectors(vector_size=3))


def test_nearest_words_table() -> None:
    vectors = hand_vectors()
    table = nearest_words(vectors, ["good", "bad"], topn=2)
    assert table.shape == (2, 2)
    assert list(table.index) == ["good", "bad"] and list(table.columns) == ["#1", "#2"]
    # cosine by hand: good ~ great, bad ~ awful
    unit = {w: vectors[w] / np.linalg.norm(vectors[w]) for w in vectors.index_to_key}
    cos_good_great = float(unit["good"] @ unit["great"])
    cos_bad_awful = float(unit["bad"] @ unit["awful"])
    assert table.loc["good", "#1"] == f"great ({cos_good_great:.2f})"
    assert table.loc["bad", "#1"] == f"awful ({cos_bad_awful:.2f})"


def test_nearest_words_with_topn_beyond_the_vocabulary() -> None:
    with pytest.raises(ValueError, match=r"topn=5: these vectors have only 3 neighbours"):
        nearest_words(hand_vectors(), ["good"], topn=5)  # 4 words: 3 neighbours at most
    assert nearest_words(hand_vectors(), ["good"], topn=3).shape == (1, 3)


def test_nearest_words_errors() -> None:
    with pytest.raises(KeyError, match=r"'superb' has no vector: it occurs fewer than min_count times"):
        nearest_words(hand_vectors(), ["good", "superb"], topn=3)
    with pytest.raises(ValueError, match=r"topn=0"):
        nearest_words(hand_vectors(), ["good"], topn=0)


# --------------------------------------------------------------------------- pretrained vectors


def test_unknown_pretrained_name_lists_the_known_ones() -> None:
    with pytest.raises(PretrainedUnavailable, match=r"'glove-twitter-25' is not a pretrained model") as info:
        load_pretrained("glove-twitter-25")
    assert all(name in str(info.value) for name in PRETRAINED)
    assert "word2vec-google-news-300" in PRETRAINED


@pytest.fixture
def default_timeout() -> object:
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(7.0)
    yield 7.0
    socket.setdefaulttimeout(before)


def test_offline_pretrained_says_to_train_instead(
    monkeypatch: pytest.MonkeyPatch, default_timeout: float
) -> None:
    import gensim.downloader

    seen: list[float | None] = []

    def offline(name: str) -> object:
        seen.append(socket.getdefaulttimeout())
        raise OSError("Network is unreachable")

    monkeypatch.setattr(gensim.downloader, "load", offline)
    with pytest.raises(PretrainedUnavailable) as info:
        load_pretrained("glove-wiki-gigaword-100", timeout=3.5)
    message = str(info.value)
    assert "'glove-wiki-gigaword-100' (128 MB" in message
    assert "OSError: Network is unreachable" in message
    assert "train_word2vec()" in message
    assert isinstance(info.value.__cause__, OSError)
    assert seen == [3.5]  # the download ran under the given timeout ...
    assert socket.getdefaulttimeout() == default_timeout  # ... and the default came back


def test_pretrained_success_returns_gensims_vectors(
    monkeypatch: pytest.MonkeyPatch, default_timeout: float
) -> None:
    import gensim.downloader

    vectors = hand_vectors()
    monkeypatch.setattr(gensim.downloader, "load", lambda name: vectors)
    assert load_pretrained("glove-wiki-gigaword-300") is vectors
    assert socket.getdefaulttimeout() == default_timeout
