"""Word vectors for chapter 5: Word2Vec trained on the training reviews, cached; pretrained vectors.

- :func:`train_word2vec` trains gensim's Word2Vec on tokenized documents and caches the
  vectors under ``<cache>/word2vec/<key>.npz``, the key a SHA-256 of the documents, the
  settings and gensim's version: the same call loads them back in a fraction of a second;
  another corpus or setting trains afresh; a damaged cache file is trained again (and
  replaced). Training uses one worker thread, so the same call gives the same vectors in
  every run (with several workers the order of updates, and so the vectors, would vary).
  **The cache cannot run code**: it holds plain arrays (``numpy.savez``: the float32
  vectors, gensim's per-word counts, and the words as UTF-8 JSON), read back with
  ``numpy.load(allow_pickle=False)``, never with pickle or ``KeyedVectors.load`` (which
  unpickles, so a file planted in the cache would run as the notebook's user). The words,
  their order and the vectors come back bit for bit. Older ``.kv`` files are ignored.
- :func:`vocabulary_outside` lists the embedding's words that never occur in a corpus:
  empty for the training reviews when no test text reached the embedding.
- :func:`embedding_matrix` turns vectors into the ``(1 + words, dim)`` tensor of
  :class:`rnnlib.models.review_classifier.ReviewClassifier`, row 0 the padding.
- :func:`load_pretrained` fetches a model of ``gensim.downloader`` (Google News word2vec,
  1.6 GB, on Colab); offline it stops with a clear message instead of hanging.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from gensim.models import KeyedVectors, Word2Vec

from rnnlib.core.checks import check_sizes
from rnnlib.core.data import cache_dir
from rnnlib.core.files import atomic_write_bytes

__all__ = [
    "PRETRAINED",
    "PretrainedUnavailable",
    "Word2VecSettings",
    "corpus_key",
    "embedding_matrix",
    "embedding_vocabulary",
    "load_pretrained",
    "nearest_words",
    "train_word2vec",
    "vocabulary_outside",
]

#: The 4 sets of pretrained vectors of ``gensim.downloader`` this course names, with their
#: download size in MB: ``word2vec-google-news-300`` (1662), ``glove-wiki-gigaword-100`` (128),
#: ``glove-wiki-gigaword-300`` (376) and ``fasttext-wiki-news-subwords-300`` (958).
#:
#: :meta hide-value:
PRETRAINED: dict[str, int] = {
    "word2vec-google-news-300": 1662,
    "glove-wiki-gigaword-100": 128,
    "glove-wiki-gigaword-300": 376,
    "fasttext-wiki-news-subwords-300": 958,
}


#: The cache file's format: bump it when the arrays change, and older files train again.
CACHE_FORMAT = 1
_CACHE_SUFFIX = ".npz"


class PretrainedUnavailable(RuntimeError):
    """Pretrained vectors could not be loaded (offline, or not a known name)."""


class _BadCacheFile(Exception):
    """A cache file that is not vectors this module wrote; the message says why."""


def _vectors_bytes(vectors: KeyedVectors) -> bytes:
    """``vectors`` as an ``.npz`` file's bytes: plain arrays only, nothing that unpickles."""
    arrays: dict[str, np.ndarray] = {
        "format": np.array([CACHE_FORMAT], dtype=np.int64),
        "vectors": np.ascontiguousarray(vectors.vectors, dtype=np.float32),
        "words": np.frombuffer(json.dumps(list(vectors.index_to_key)).encode("utf-8"), dtype=np.uint8),
    }
    for name, values in vectors.expandos.items():  # gensim's per-word counts
        values = np.asarray(values)
        if values.dtype.kind in "biuf":  # numbers only: an object array would be pickled
            arrays[f"expando_{name}"] = values
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as npz:  # what numpy.savez writes, with pickling refused
        for name, values in arrays.items():
            with npz.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, values, allow_pickle=False)
    return buffer.getvalue()


def _word_list(raw: np.ndarray) -> list[str]:
    """The words of a cache file: UTF-8 JSON, a list of distinct strings.

    Raises:
        _BadCacheFile: anything else.
    """
    try:
        words = json.loads(raw.tobytes().decode("utf-8")) if raw.dtype == np.uint8 else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        words = None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise _BadCacheFile("its word list is not a JSON list of strings")
    if len(set(words)) != len(words):
        raise _BadCacheFile("its word list repeats a word")
    return words


def _read_vectors(path: Path) -> KeyedVectors:
    """The vectors of a cache file :func:`_vectors_bytes` wrote.

    Raises:
        _BadCacheFile: anything else (a pickle, a damaged file, other arrays); nothing in
            it is run: ``numpy.load`` refuses pickled data with ``allow_pickle=False``.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, AttributeError) as exc:
        if "pickle" in str(exc):  # numpy's message would suggest loading it anyway: no
            raise _BadCacheFile("it holds pickled data, which rnnlib never loads: it could run code") from exc
        raise _BadCacheFile(f"{type(exc).__name__}: {exc}") from exc
    if {"format", "vectors", "words"} - set(arrays):
        raise _BadCacheFile("not an rnnlib vector file")
    if arrays["format"].tolist() != [CACHE_FORMAT]:
        raise _BadCacheFile(f"format {arrays['format'].tolist()}, expected [{CACHE_FORMAT}]")
    matrix = arrays["vectors"]
    words = _word_list(arrays["words"])
    if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise _BadCacheFile(f"vectors of shape {matrix.shape} and type {matrix.dtype} for {len(words)} words")
    extras = {name.removeprefix("expando_"): a for name, a in arrays.items() if name.startswith("expando_")}
    if any(a.shape != (len(words),) for a in extras.values()):
        raise _BadCacheFile("a per-word attribute does not have one value per word")
    vectors = KeyedVectors(vector_size=matrix.shape[1], count=0, dtype=np.float32)
    if words:
        vectors.add_vectors(words, matrix)
    for name, values in extras.items():
        vectors.expandos[name] = values
    return vectors


@dataclass(frozen=True)
class Word2VecSettings:
    """gensim ``Word2Vec`` settings (the course's defaults: 300-d skip-gram, as Google News')."""

    vector_size: int = 300
    window: int = 5
    min_count: int = 2
    sg: int = 1
    negative: int = 5
    epochs: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        check_sizes(vector_size=self.vector_size, window=self.window, min_count=self.min_count,
                    epochs=self.epochs)
        if self.sg not in (0, 1):
            raise ValueError(f"sg={self.sg!r}: 1 for skip-gram, 0 for CBOW.")
        if self.seed < 0 or self.negative < 0:
            raise ValueError("seed and negative must be non-negative whole numbers.")


def _check_corpus(documents: Sequence[Sequence[str]]) -> list[list[str]]:
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Sequence):
        raise TypeError("documents must be a list of tokenized documents (lists of words).")
    docs = []
    for i, doc in enumerate(documents):
        if isinstance(doc, str) or not all(isinstance(w, str) for w in doc):
            raise TypeError(
                f"document {i} is not a list of words: tokenize it first "
                "(rnnlib.datasets.sentiment.tokenize)."
            )
        docs.append(list(doc))
    if not any(docs):
        raise ValueError("The training corpus is empty (no document has a word): nothing to learn from.")
    return docs


def corpus_key(documents: Sequence[Sequence[str]], settings: Word2VecSettings) -> str:
    """SHA-256 (hex) of the documents, the settings and gensim's version: the cache key."""
    import gensim

    digest = hashlib.sha256()
    digest.update(json.dumps([asdict(settings), gensim.__version__], sort_keys=True).encode())
    for doc in documents:  # JSON per document: no token can imitate a boundary
        digest.update(json.dumps(list(doc), ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def train_word2vec(
    documents: Sequence[Sequence[str]],
    settings: Word2VecSettings | None = None,
    *,
    cache: bool = True,
    log: Callable[[str], None] | None = print,
) -> KeyedVectors:
    """Word2Vec vectors of ``documents`` (tokenized), trained once and then read from the cache.

    Give it the *training* documents only: every word of the result occurs in them (words
    seen fewer than ``min_count`` times get no vector), so no test text can reach a model
    through its embedding.

    Raises:
        TypeError: documents that are not lists of words.
        ValueError: no document with a word, or no word frequent enough for ``min_count``.

    An unwritable cache folder raises nothing: the vectors are returned, uncached, and the
    log says how to point ``RNNLIB_CACHE_DIR`` elsewhere. A cache file that is not one this
    function wrote (damaged, or planted) is never run: it is reported in the log, and
    replaced by the vectors trained again.
    """
    settings = settings or Word2VecSettings()
    docs = _check_corpus(documents)
    path = cache_dir() / "word2vec" / f"{corpus_key(docs, settings)}{_CACHE_SUFFIX}"
    if cache and path.exists():
        try:
            vectors = _read_vectors(path)
            if log:
                log(f"word vectors: {len(vectors):,} words × {vectors.vector_size} "
                    f"from the cache ({path.name[:12]}…)")
            return vectors
        except _BadCacheFile as err:  # damaged or foreign: train again, and replace it
            if log:
                log(f"word vectors: the cache file {path} is not one rnnlib wrote ({err}); "
                    "training again, then replacing it")
    counts: dict[str, int] = {}
    for doc in docs:
        for word in doc:
            counts[word] = counts.get(word, 0) + 1
    if not any(c >= settings.min_count for c in counts.values()):
        raise ValueError(
            f"No word occurs {settings.min_count} times or more in the corpus: lower min_count "
            "or give Word2Vec more text."
        )
    model = Word2Vec(
        sentences=docs,
        vector_size=settings.vector_size,
        window=settings.window,
        min_count=settings.min_count,
        sg=settings.sg,
        negative=settings.negative,
        epochs=settings.epochs,
        seed=settings.seed,
        workers=1,
    )
    vectors = model.wv
    if cache:
        try:
            atomic_write_bytes(path, _vectors_bytes(vectors))
        except OSError as err:  # a read-only cache: the vectors still work, only not cached
            if log:
                log(f"word vectors not cached ({err}); set RNNLIB_CACHE_DIR to a writable folder")
    if log:
        log(f"word vectors: {len(vectors):,} words × {vectors.vector_size}, trained on "
            f"{sum(map(len, docs)):,} words of {len(docs):,} documents")
    return vectors


def vocabulary_outside(vectors: KeyedVectors, documents: Iterable[Sequence[str]]) -> list[str]:
    """The embedding's words that occur in none of ``documents`` (sorted).

    Empty when ``vectors`` were trained on ``documents`` alone; any word listed came from
    other text, e.g. test reviews.
    """
    seen: set[str] = set()
    for doc in documents:
        seen.update(doc)
    return sorted(w for w in vectors.index_to_key if w not in seen)


def embedding_matrix(vectors: KeyedVectors, pad: str = "<pad>") -> tuple[torch.Tensor, list[str]]:
    """``(matrix, vocabulary)``: the vectors as a float32 ``(1 + words, dim)`` tensor with row 0
    zeros (the padding), and :func:`embedding_vocabulary`, whose index ``i`` names row ``i``.

    Give the vocabulary to :class:`rnnlib.datasets.sentiment.torchdata.IndexReviews`: a
    review's indices are then the matrix's rows, and index 0 stands for no word.

    Raises:
        ValueError: no vectors at all, or ``pad`` is one of the words.
    """
    vocabulary = embedding_vocabulary(vectors, pad)
    body = torch.from_numpy(np.asarray(vectors.vectors, dtype=np.float32))
    matrix = torch.cat([body.new_zeros(1, body.shape[1]), body])
    return matrix, vocabulary


def embedding_vocabulary(vectors: KeyedVectors, pad: str = "<pad>") -> list[str]:
    """The vocabulary whose index ``i`` is row ``i`` of :func:`embedding_matrix`: ``[pad, *words]``.

    Pass it to :class:`rnnlib.datasets.sentiment.torchdata.IndexReviews`, so that a review's
    indices are the embedding's rows and index 0 (the padding) stands for no word.

    Raises:
        ValueError: no vectors, or ``pad`` is one of the words.
    """
    if len(vectors) == 0:
        raise ValueError("These word vectors are empty: train them on a corpus with words first.")
    if pad in vectors.key_to_index:
        raise ValueError(f"pad={pad!r} is a word of these vectors: choose a token no review contains.")
    return [pad, *vectors.index_to_key]


def nearest_words(vectors: KeyedVectors, words: Sequence[str], topn: int = 5) -> pd.DataFrame:
    """A table: each of ``words`` (rows) with its ``topn`` nearest neighbours by cosine similarity.

    Raises:
        KeyError: a word without a vector (the message names it and says why).
    """
    check_sizes(topn=topn)
    if topn > len(vectors) - 1:
        raise ValueError(f"topn={topn}: these vectors have only {len(vectors) - 1} neighbours for a word.")
    rows = {}
    for word in words:
        if word not in vectors:
            raise KeyError(
                f"{word!r} has no vector: it occurs fewer than min_count times in the training text."
            )
        rows[word] = [f"{w} ({s:.2f})" for w, s in vectors.most_similar(word, topn=topn)]
    return pd.DataFrame.from_dict(rows, orient="index", columns=[f"#{i + 1}" for i in range(topn)])


def load_pretrained(name: str, *, timeout: float = 20.0) -> KeyedVectors:
    """Pretrained vectors from ``gensim.downloader`` (cached by gensim in ``~/gensim-data``).

    Raises:
        PretrainedUnavailable: ``name`` is not in :data:`PRETRAINED`, or the download
            failed (no network: the message says to use :func:`train_word2vec` instead).
    """
    if name not in PRETRAINED:
        raise PretrainedUnavailable(
            f"{name!r} is not a pretrained model this course knows: use one of {', '.join(PRETRAINED)}."
        )
    import gensim.downloader

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        return gensim.downloader.load(name)
    except Exception as err:  # urllib, socket and gensim's own errors alike
        raise PretrainedUnavailable(
            f"Could not load {name!r} ({PRETRAINED[name]} MB from gensim-data on GitHub): "
            f"{type(err).__name__}: {err}. Without network access, train vectors on the "
            "training reviews with train_word2vec() instead."
        ) from err
    finally:
        socket.setdefaulttimeout(previous)
