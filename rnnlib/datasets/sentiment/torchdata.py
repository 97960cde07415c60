"""The reviews as torch datasets, and the batching that keeps padding out of the recurrence.

Words missing from the vocabulary are skipped; a review left with no known word is
skipped and counted in ``skipped``, never turned into an empty tensor.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, Subset

from rnnlib.core.batching import LengthBucketSampler
from rnnlib.core.checks import check_sizes
from rnnlib.datasets.sentiment.dlstudio import SentimentDataset
from rnnlib.datasets.sentiment.parsing import NEGATIVE, POSITIVE

__all__ = [
    "IndexReviews",
    "Item",
    "OneHotReviews",
    "bucketed_loader",
    "collate_for_sentiment",
    "collate_padded",
    "frequent_words",
]

Item = tuple[torch.Tensor, int, int]


def frequent_words(documents: Iterable[Sequence[str]], size: int, *, pad: str = "<pad>") -> list[str]:
    """A vocabulary of the ``size`` most frequent words of ``documents``, for
    :class:`IndexReviews`: ``[pad, most frequent, next, ...]``, so that no word is index 0.

    Pass the *training* reviews only: a vocabulary chosen with test reviews lets them
    decide which words the model may see. Words of equal count are ordered alphabetically,
    so the vocabulary does not depend on the order of the reviews. Fewer distinct words
    than ``size`` give all of them.

    Raises:
        ValueError: ``size`` below 1, no word at all, a document that is a bare string
            (tokenize it first), or ``pad`` among the words.
    """
    check_sizes(size=size)
    counts: Counter[str] = Counter()
    for document in documents:
        if isinstance(document, str):
            raise ValueError(
                f"documents must be lists of words, got the string {document[:40]!r}: "
                "tokenize each review first (sentiment.tokenize)."
            )
        counts.update(document)
    if not counts:
        raise ValueError("The documents hold no word: there is nothing to choose a vocabulary from.")
    if pad in counts:
        raise ValueError(f"The padding token {pad!r} occurs as a word: pass another pad.")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [pad, *(word for word, _ in ranked[:size])]


class IndexReviews(Dataset[Item]):
    """Reviews as vocabulary indices: items ``(indices int64 (length,), category index, sentiment)``.

    Reviews are listed category by category (sorted), positive before negative, each in
    the dataset's order. Words missing from the vocabulary are skipped (counted in
    ``unknown_words``); a review left with no known word is skipped and counted in
    ``skipped``, so no item is ever an empty tensor.

    Args:
        dataset: the reviews.
        vocab: the words to index (default: the dataset's vocabulary). Chapter 5 passes
            ``["<pad>", *word_vectors.index_to_key]``, so that index ``i`` is row ``i`` of
            :func:`rnnlib.models.word2vec.embedding_matrix` and no word is index 0.
        max_length: keep at most the first ``max_length`` known words of a review (None:
            all). The words cut are counted in ``truncated_words``.

    Attributes:
        categories: the sorted category names; an item's category index points into it.
        vocab: the vocabulary; index ``i`` is ``vocab[i]``.
        word_to_index: ``{word: index}``.
        skipped: reviews skipped because none of their words is in the vocabulary.
        unknown_words: words skipped because they are not in the vocabulary.
        truncated_words: known words cut by ``max_length``.

    Raises:
        ValueError: empty vocabulary, no review with a known word, or a bad ``max_length``.
    """

    def __init__(
        self, dataset: SentimentDataset, vocab: Sequence[str] | None = None, *, max_length: int | None = None
    ) -> None:
        if max_length is not None:
            check_sizes(max_length=max_length)
        words = list(dataset.vocab if vocab is None else vocab)
        if not words:
            raise ValueError(
                "The vocabulary is empty: build the dataset with build_datasets(), or pass the "
                "words of your embedding as vocab."
            )
        self.vocab = words
        self.word_to_index = {word: i for i, word in enumerate(self.vocab)}
        self.categories = dataset.categories
        self.skipped = 0
        self.unknown_words = 0
        self.truncated_words = 0
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
                    if max_length is not None and len(ids) > max_length:
                        self.truncated_words += len(ids) - max_length
                        ids = ids[:max_length]
                    self._indices.append(torch.tensor(ids, dtype=torch.long))
                    self._labels.append((c_index, sentiment))
        if not self._indices:
            raise ValueError(
                f"No review has a word of the vocabulary ({self.skipped} reviews skipped): nothing to "
                "encode. Fix: use the vocabulary the reviews were built with (build_datasets() gives "
                "train and test the same one)."
            )

    def __getstate__(self) -> dict[str, object]:
        """Pickle the reviews as two arrays (all indices, one length each), not one tensor each.

        Sent to a worker process, a list of thousands of tensors would cost one shared-memory
        file descriptor per tensor (``OSError: Too many open files``); two arrays cost none.
        """
        state = self.__dict__.copy()
        sizes = np.array([len(ids) for ids in self._indices], dtype=np.int64)
        flat = torch.cat(self._indices).numpy() if self._indices else np.zeros(0, dtype=np.int64)
        state["_indices"] = (flat, sizes)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        packed: tuple[np.ndarray, np.ndarray] = state["_indices"]  # type: ignore[assignment]
        flat, sizes = packed
        parts = np.split(flat, np.cumsum(sizes)[:-1]) if sizes.size else []
        state["_indices"] = [torch.from_numpy(part) for part in parts]
        self.__dict__.update(state)

    @property
    def vocab_size(self) -> int:
        """Number of words in the vocabulary (the one-hot width)."""
        return len(self.vocab)

    @property
    def lengths(self) -> np.ndarray:
        """The number of (kept) words of every item, int64, in item order."""
        return np.array([len(ids) for ids in self._indices], dtype=np.int64)

    def with_shuffled_words(self, seed: int = 0) -> IndexReviews:
        """A copy whose every review has its words in a random order (the same words, counts, labels).

        What a model learns from the copy cannot come from word order: the ablation that measures
        whether order matters. Review ``i`` is shuffled with its own generator, seeded by
        ``(seed, i)``, so the result does not depend on which items are read first.
        """
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed={seed!r}: use a non-negative int.")
        shuffled = copy.copy(self)
        shuffled._indices = [
            ids[torch.as_tensor(np.random.default_rng([seed, i]).permutation(len(ids)))]
            for i, ids in enumerate(self._indices)
        ]
        return shuffled

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


def bucketed_loader(
    items: IndexReviews,
    batch_size: int,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
    shuffle: bool,
    seed: int = 0,
) -> DataLoader:
    """Batches of reviews of similar length, as :func:`rnnlib.core.training.fit` takes them.

    A ``DataLoader`` over ``items`` (or the subset ``rows``) with a
    :class:`~rnnlib.core.batching.LengthBucketSampler` and :func:`collate_for_sentiment`:
    ``shuffle=True`` for training (a new order every epoch, repeatable with ``seed``),
    ``shuffle=False`` for evaluation (one fixed order, sorted by length).

    Raises:
        ValueError: a bad ``batch_size``, or ``rows`` empty or outside the items.
    """
    check_sizes(batch_size=batch_size)
    chosen = np.arange(len(items)) if rows is None else np.asarray(rows, dtype=np.int64)
    if chosen.ndim != 1 or chosen.size == 0:
        raise ValueError("rows must be a non-empty list of item indices (None for every item).")
    if int(chosen.min()) < 0 or int(chosen.max()) >= len(items):
        raise ValueError(
            f"rows must lie in 0..{len(items) - 1}, got {int(chosen.min())}..{int(chosen.max())}."
        )
    sampler = LengthBucketSampler(items.lengths[chosen], batch_size, shuffle=shuffle, seed=seed)
    return DataLoader(Subset(items, chosen.tolist()), batch_sampler=sampler, collate_fn=collate_for_sentiment)
