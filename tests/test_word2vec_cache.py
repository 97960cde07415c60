"""The Word2Vec cache cannot run code, and gives back exactly the vectors it was given.

A pickle planted in the cache folder (under the old ``.kv`` name or the new ``.npz`` one)
must never run: the cache holds plain arrays, read with ``numpy.load(allow_pickle=False)``.
Each payload here would create a marker file if it ran.
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from rnnlib.models import word2vec
from rnnlib.models.word2vec import Word2VecSettings, corpus_key, train_word2vec

TRAIN = [
    ["the", "film", "was", "good", "and", "the", "acting", "good"],
    ["the", "plot", "was", "bad", "and", "the", "acting", "bad"],
    ["a", "good", "film", "caf\u00e9 \u4e2d", "a b", "new\nline", 'quo"te', "\\"],
    ["a", "bad", "plot", "caf\u00e9 \u4e2d", "a b", "new\nline", 'quo"te', "\\"],
]
SMALL = Word2VecSettings(vector_size=8, window=2, min_count=2, epochs=3, seed=1)


class Payload:
    """Unpickling this creates ``marker``: what a planted pickle could do (or worse)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RNNLIB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "word2vec"


def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every way of unpickling a file fail the test."""

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the word2vec cache must never be unpickled")

    monkeypatch.setattr(KeyedVectors, "load", refused)
    monkeypatch.setattr(pickle, "load", refused)
    monkeypatch.setattr(pickle, "loads", refused)


def cache_path(cache: Path, suffix: str = ".npz") -> Path:
    return cache / f"{corpus_key(TRAIN, SMALL)}{suffix}"


@pytest.mark.parametrize("suffix", [".kv", ".npz"])
def test_a_planted_pickle_never_runs(cache: Path, tmp_path: Path, suffix: str) -> None:
    marker = tmp_path / "payload-ran"
    planted = cache_path(cache, suffix)
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps(Payload(marker)))
    messages: list[str] = []
    vectors = train_word2vec(TRAIN, SMALL, log=messages.append)
    assert not marker.exists(), "the planted pickle ran"
    assert "trained on" in messages[-1] and len(vectors) > 0
    if suffix == ".kv":  # an old file is not even looked at
        assert planted.read_bytes() == pickle.dumps(Payload(marker))
        assert len(messages) == 1
    else:  # reported, and replaced by the vectors just trained
        assert f"the cache file {planted} is not one rnnlib wrote" in messages[0]
        assert "it holds pickled data, which rnnlib never loads" in messages[0]
        again = word2vec._read_vectors(planted)
        assert again.index_to_key == vectors.index_to_key
    assert not marker.exists()


def test_a_pickled_array_inside_an_npz_never_runs(cache: Path, tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    planted = cache_path(cache)
    planted.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    np.savez(buffer, format=np.array([1]), words=np.array([Payload(marker)], dtype=object))
    planted.write_bytes(buffer.getvalue())
    messages: list[str] = []
    train_word2vec(TRAIN, SMALL, log=messages.append)
    assert not marker.exists()
    assert "it holds pickled data, which rnnlib never loads" in messages[0]
    assert "trained on" in messages[-1]


def test_the_cache_is_never_unpickled(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_unpickling(monkeypatch)
    first = train_word2vec(TRAIN, SMALL, log=None)  # writes the cache
    messages: list[str] = []
    second = train_word2vec(TRAIN, SMALL, log=messages.append)  # reads it
    assert "from the cache" in messages[0]
    assert second.index_to_key == first.index_to_key
    assert [p.suffix for p in cache.iterdir()] == [".npz"]


def test_the_round_trip_is_exact(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same words in the same order, same float32 vectors bit for bit, same counts: chapter 5's
    results do not depend on whether the vectors came from training or from the cache."""
    trained = train_word2vec(TRAIN, SMALL, log=None)

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained again instead of read from the cache")

    monkeypatch.setattr(word2vec, "Word2Vec", no_training)
    cached = train_word2vec(TRAIN, SMALL, log=None)
    assert isinstance(cached, KeyedVectors)
    assert cached.index_to_key == trained.index_to_key  # gensim's order: by count, ties as met
    assert {"caf\u00e9 \u4e2d", "a b", "new\nline", 'quo"te', "\\"} <= set(cached.index_to_key)
    assert cached.key_to_index == trained.key_to_index
    assert cached.vectors.dtype == np.float32 and cached.vectors.shape == trained.vectors.shape
    assert cached.vectors.tobytes() == trained.vectors.tobytes()
    assert set(cached.expandos) == set(trained.expandos) == {"count", "sample_int"}
    for name in trained.expandos:
        np.testing.assert_array_equal(cached.expandos[name], trained.expandos[name])
        assert cached.expandos[name].dtype == trained.expandos[name].dtype
    assert cached.get_vecattr("good", "count") == trained.get_vecattr("good", "count") == 3
    assert cached.most_similar("good", topn=4) == trained.most_similar("good", topn=4)
    matrix, vocabulary = word2vec.embedding_matrix(cached)
    assert vocabulary == word2vec.embedding_matrix(trained)[1]
    assert matrix.equal(word2vec.embedding_matrix(trained)[0])


def good_arrays(cache: Path) -> dict[str, np.ndarray]:
    train_word2vec(TRAIN, SMALL, log=None)
    with np.load(cache_path(cache), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, values in arrays.items():
            with zf.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, values, allow_pickle=False)


def as_json(words: object) -> np.ndarray:
    return np.frombuffer(json.dumps(words).encode(), dtype=np.uint8)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda a: a.pop("words"), "not an rnnlib vector file"),
        (lambda a: a.update(format=np.array([2])), "format [2], expected [1]"),
        (lambda a: a.update(vectors=a["vectors"].astype(np.float64)), "type float64"),
        (lambda a: a.update(vectors=a["vectors"][:-1]), "vectors of shape"),
        (lambda a: a.update(words=np.frombuffer(b"\xff[", dtype=np.uint8)), "not a JSON list of strings"),
        (lambda a: a.update(words=as_json({"a": 1})), "not a JSON list of strings"),
        (lambda a: a.update(words=as_json(["x"] * len(a["vectors"]))), "repeats a word"),
        (lambda a: a.update(expando_count=np.arange(2)), "one value per word"),
    ],
)
def test_a_cache_file_of_other_arrays_is_trained_again(cache: Path, change: object, reason: str) -> None:
    arrays = good_arrays(cache)
    change(arrays)  # type: ignore[operator]
    write_npz(cache_path(cache), arrays)
    messages: list[str] = []
    vectors = train_word2vec(TRAIN, SMALL, log=messages.append)
    assert reason in messages[0] and "trained on" in messages[-1]
    assert word2vec._read_vectors(cache_path(cache)).index_to_key == vectors.index_to_key


def test_a_folder_where_the_cache_file_goes(cache: Path) -> None:
    cache_path(cache).mkdir(parents=True)
    messages: list[str] = []
    vectors = train_word2vec(TRAIN, SMALL, log=messages.append)
    assert len(vectors) > 0
    assert "not one rnnlib wrote" in messages[0]
    assert any("not cached" in m for m in messages)
    assert cache_path(cache).is_dir()  # never deleted


def test_empty_vectors_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "empty.npz"
    path.write_bytes(word2vec._vectors_bytes(KeyedVectors(vector_size=4)))
    empty = word2vec._read_vectors(path)
    assert len(empty) == 0 and empty.vector_size == 4
