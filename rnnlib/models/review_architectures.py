"""Six ways to read a review, each written correctly: the contestants of the model battlefield.

The source notebook ("IMDB Review Classification Battlefield") pits feed-forward,
convolutional and recurrent networks against each other on movie reviews, and half of its
contestants are broken (token ids fed as numbers, a ReLU before the sigmoid, the batch axis
read as time). These are the same architectures
done right. Every model takes what :func:`rnnlib.datasets.sentiment.torchdata.collate_for_sentiment`
makes, ``(padded, lengths)``: word indices ``(batch, time)`` with 0 the padding and words
``1..num_words``, and one length per review. Every model returns ``(batch, num_classes)``
class scores (logits), and every model is *padding-invariant*: a review scored alone and
inside a longer padded batch gets the same scores (the tests check each one).

- :class:`BagOfWordsMLP` -- which words occur (multi-hot), one hidden layer: no order at all;
- :class:`EmbeddingFlattenMLP` -- word vectors laid side by side up to ``max_length`` words,
  one hidden layer (the source's 1(b)): each position has its own weights;
- :class:`EmbeddingBagClassifier` -- the mean of the review's word vectors, a linear head;
- :class:`KimCNN` -- 1-D convolutions over the word vectors' channels, max over time
  (Kim 2014): local word order, n-grams of 3-5 words;
- :class:`RecurrentReader` -- a tanh RNN, an LSTM or a GRU over the words, classifying from
  the state after the last real word (chapter 4);
- :class:`CNNLSTM` -- a convolution and max-pooling shorten the review, an LSTM reads the
  pooled sequence.

Word vectors are learned (``nn.Embedding`` with ``padding_idx=0``, so row 0 stays zero and
gets no gradient).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import torch
from torch import nn

from rnnlib.core.checks import check_padded_batch, check_sizes

Cell = Literal["tanh", "lstm", "gru"]
#: The recurrences :class:`RecurrentReader` offers.
CELLS: tuple[str, ...] = get_args(Cell)

__all__ = [
    "CELLS",
    "CNNLSTM",
    "BagOfWordsMLP",
    "EmbeddingBagClassifier",
    "EmbeddingFlattenMLP",
    "KimCNN",
    "RecurrentReader",
    "WordVectorModel",
]

Batch = tuple[torch.Tensor, torch.Tensor]


def _unpack(inputs: object, num_words: int, owner: str) -> Batch:
    """Check ``(padded, lengths)`` and that every index is a word of the vocabulary or 0."""
    padded, lengths = check_padded_batch(inputs, owner)
    if padded.numel() and (int(padded.min()) < 0 or int(padded.max()) > num_words):
        raise ValueError(
            f"word indices must lie in 0..{num_words} (0 the padding), got "
            f"{int(padded.min())}..{int(padded.max())}: encode the reviews with the vocabulary "
            "the model was built for."
        )
    return padded.long(), lengths.long()


def _real_words(padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``(batch, time)`` bool: True at each review's real words, False on its padding."""
    steps = torch.arange(padded.shape[1], device=padded.device)
    return steps[None, :] < lengths[:, None]


def _window_starts_valid(lengths: torch.Tensor, width: int, positions: int) -> torch.Tensor:
    """``(batch, positions)`` bool: which convolution windows of ``width`` words start inside
    a review and end by its last word (a review shorter than the window keeps its first one,
    which covers the review and zero vectors)."""
    last = (lengths - width).clamp(min=0)
    starts = torch.arange(positions, device=lengths.device)
    return starts[None, :] <= last[:, None]


def _pad_time(x: torch.Tensor, steps: int) -> torch.Tensor:
    """Zero-pad ``(batch, channels, time)`` at the end of time to at least ``steps``."""
    if x.shape[-1] >= steps:
        return x
    return nn.functional.pad(x, (0, steps - x.shape[-1]))


class WordVectorModel(nn.Module):
    """What the models with word vectors share: ``embedding``, an ``nn.Embedding`` of
    ``num_words + 1`` rows (row 0 the padding, kept zero), and the check of their inputs."""

    def __init__(self, num_words: int, embedding_dim: int) -> None:
        super().__init__()
        self.num_words = num_words
        self.embedding = nn.Embedding(num_words + 1, embedding_dim, padding_idx=0)

    def _inputs(self, inputs: Batch) -> Batch:
        return _unpack(inputs, self.num_words, type(self).__name__)


class BagOfWordsMLP(nn.Module):
    """Multi-hot bag of words → ``Linear(num_words, hidden)`` → ReLU → ``Linear(hidden, C)``.

    Feature ``i - 1`` is 1 when word ``i`` occurs in the review (however often), 0 otherwise;
    the padding is no word. Parameters: ``num_words·hidden + hidden + hidden·C + C``.

    Raises:
        ValueError: a size below 1.
    """

    def __init__(self, num_words: int, hidden_size: int = 64, num_classes: int = 2) -> None:
        super().__init__()
        check_sizes(num_words=num_words, hidden_size=hidden_size, num_classes=num_classes)
        self.num_words = num_words
        self.hidden = nn.Linear(num_words, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)

    def multi_hot(self, inputs: Batch) -> torch.Tensor:
        """``(batch, num_words)``, the model's float dtype: 1 where the word occurs in the review."""
        padded, lengths = _unpack(inputs, self.num_words, type(self).__name__)
        words = torch.where(_real_words(padded, lengths), padded, 0)
        counts = torch.zeros(
            len(padded), self.num_words + 1, device=padded.device, dtype=self.hidden.weight.dtype
        )
        counts.scatter_(1, words, 1.0)
        return counts[:, 1:]

    def forward(self, inputs: Batch) -> torch.Tensor:
        return self.head(torch.relu(self.hidden(self.multi_hot(inputs))))


class EmbeddingFlattenMLP(WordVectorModel):
    """Word vectors of the first ``max_length`` positions, side by side → one hidden layer.

    Shorter reviews are followed by zero vectors up to ``max_length``; a longer review is
    refused (cut it to ``max_length`` words first, as ``IndexReviews(max_length=...)`` does).
    Parameters: ``(num_words + 1)·d + max_length·d·hidden + hidden + hidden·C + C``.

    Raises:
        ValueError: a size below 1; at call time, a review longer than ``max_length``.
    """

    def __init__(
        self,
        num_words: int,
        embedding_dim: int = 32,
        max_length: int = 400,
        hidden_size: int = 64,
        num_classes: int = 2,
    ) -> None:
        check_sizes(
            num_words=num_words,
            embedding_dim=embedding_dim,
            max_length=max_length,
            hidden_size=hidden_size,
            num_classes=num_classes,
        )
        super().__init__(num_words, embedding_dim)
        self.max_length = max_length
        self.hidden = nn.Linear(max_length * embedding_dim, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, inputs: Batch) -> torch.Tensor:
        padded, lengths = self._inputs(inputs)
        if len(lengths) and int(lengths.max()) > self.max_length:
            raise ValueError(
                f"a review of {int(lengths.max())} words is longer than max_length="
                f"{self.max_length}: cut the reviews to {self.max_length} words first."
            )
        padded = padded[:, : self.max_length] * _real_words(padded, lengths)[:, : self.max_length]
        vectors = self.embedding(padded)  # padding rows are zero vectors
        vectors = nn.functional.pad(vectors, (0, 0, 0, self.max_length - vectors.shape[1]))
        return self.head(torch.relu(self.hidden(vectors.flatten(1))))


class EmbeddingBagClassifier(WordVectorModel):
    """The mean of a review's word vectors (padding left out) → ``Linear(d, C)``.

    Parameters: ``(num_words + 1)·d + d·C + C``.

    Raises:
        ValueError: a size below 1.
    """

    def __init__(self, num_words: int, embedding_dim: int = 32, num_classes: int = 2) -> None:
        check_sizes(num_words=num_words, embedding_dim=embedding_dim, num_classes=num_classes)
        super().__init__(num_words, embedding_dim)
        self.head = nn.Linear(embedding_dim, num_classes)

    def mean_vector(self, inputs: Batch) -> torch.Tensor:
        """``(batch, d)``: the mean of each review's real word vectors."""
        padded, lengths = self._inputs(inputs)
        mask = _real_words(padded, lengths).unsqueeze(-1)
        total = (self.embedding(padded) * mask).sum(1)
        return total / lengths.unsqueeze(1).to(total.dtype)

    def forward(self, inputs: Batch) -> torch.Tensor:
        return self.head(self.mean_vector(inputs))


class KimCNN(WordVectorModel):
    """Convolutions over the word vectors, max over time, a linear head (Kim 2014).

    For each width ``w`` in ``widths``: ``Conv1d(d, filters, w)`` slides over the review's
    vectors (the ``d`` channels), a ReLU, then the largest value of each filter over the
    windows that lie inside the review (a review shorter than ``w`` words keeps its first
    window). The ``len(widths)·filters`` maxima feed ``Linear(·, C)``. Parameters:
    ``(num_words + 1)·d + Σ_w (filters·d·w + filters) + len(widths)·filters·C + C``.

    Raises:
        ValueError: a size below 1 or no width.
    """

    def __init__(
        self,
        num_words: int,
        embedding_dim: int = 32,
        filters: int = 50,
        widths: Sequence[int] = (3, 4, 5),
        num_classes: int = 2,
    ) -> None:
        widths = tuple(widths)
        if not widths:
            raise ValueError("widths is empty: give at least one filter width, e.g. (3, 4, 5).")
        check_sizes(
            num_words=num_words, embedding_dim=embedding_dim, filters=filters, num_classes=num_classes
        )
        check_sizes(**{f"widths[{i}]": w for i, w in enumerate(widths)})
        super().__init__(num_words, embedding_dim)
        self.widths = widths
        self.convs = nn.ModuleList(nn.Conv1d(embedding_dim, filters, w) for w in widths)
        self.head = nn.Linear(len(widths) * filters, num_classes)

    def pooled(self, inputs: Batch) -> torch.Tensor:
        """``(batch, len(widths)·filters)``: each filter's largest response in the review."""
        padded, lengths = self._inputs(inputs)
        x = self.embedding(padded * _real_words(padded, lengths)).transpose(1, 2)
        x = _pad_time(x, max(self.widths))
        maxima = []
        for width, conv in zip(self.widths, self.convs, strict=True):
            y = torch.relu(conv(x))
            valid = _window_starts_valid(lengths, width, y.shape[-1]).unsqueeze(1)
            maxima.append(y.masked_fill(~valid, float("-inf")).amax(-1))
        return torch.cat(maxima, 1)

    def forward(self, inputs: Batch) -> torch.Tensor:
        return self.head(self.pooled(inputs))


class RecurrentReader(WordVectorModel):
    """Word vectors → a tanh RNN, an LSTM or a GRU → the state after the last real word →
    ``Linear(hidden, C)``.

    The recurrence runs on the padded batch (``batch_first=True``: the source's bug was to
    leave it False and read the batch as time) and is read at each review's own last word,
    so the padding after it changes nothing. Parameters: ``(num_words + 1)·d +
    g·(hidden·d + hidden·hidden + 2·hidden) + hidden·C + C`` with ``g`` = 1 (tanh), 4 (LSTM)
    or 3 (GRU) blocks of weights.

    Raises:
        ValueError: a size below 1 or an unknown cell.
    """

    def __init__(
        self,
        num_words: int,
        cell: Cell,
        embedding_dim: int = 32,
        hidden_size: int = 64,
        num_classes: int = 2,
    ) -> None:
        if cell not in CELLS:
            raise ValueError(f"cell={cell!r}: use one of {', '.join(repr(c) for c in CELLS)}.")
        check_sizes(
            num_words=num_words, embedding_dim=embedding_dim, hidden_size=hidden_size, num_classes=num_classes
        )
        super().__init__(num_words, embedding_dim)
        self.cell = cell
        kind = {"tanh": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.recurrence = kind(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def last_states(self, inputs: Batch) -> torch.Tensor:
        """``(batch, hidden)``: each review's state after its last real word."""
        padded, lengths = self._inputs(inputs)
        out, _ = self.recurrence(self.embedding(padded))
        return out[torch.arange(len(lengths), device=out.device), lengths - 1]

    def forward(self, inputs: Batch) -> torch.Tensor:
        return self.head(self.last_states(inputs))


class CNNLSTM(WordVectorModel):
    """A convolution and max-pooling shorten the review; an LSTM reads what is left.

    ``Conv1d(d, filters, width)`` → ReLU → ``MaxPool1d(pool)`` over the windows inside the
    review (windows past its end count as 0, below any ReLU output, so they never win) → an
    LSTM over the ``ceil(windows / pool)`` pooled steps → its state after the last one →
    ``Linear(hidden, C)``. Parameters: ``(num_words + 1)·d + filters·d·width + filters +
    4·(hidden·filters + hidden·hidden + 2·hidden) + hidden·C + C``.

    Raises:
        ValueError: a size below 1.
    """

    def __init__(
        self,
        num_words: int,
        embedding_dim: int = 32,
        filters: int = 32,
        width: int = 5,
        pool: int = 4,
        hidden_size: int = 64,
        num_classes: int = 2,
    ) -> None:
        check_sizes(
            num_words=num_words,
            embedding_dim=embedding_dim,
            filters=filters,
            width=width,
            pool=pool,
            hidden_size=hidden_size,
            num_classes=num_classes,
        )
        super().__init__(num_words, embedding_dim)
        self.width, self.pool = width, pool
        self.conv = nn.Conv1d(embedding_dim, filters, width)
        self.lstm = nn.LSTM(filters, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def pooled_sequence(self, inputs: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """``(batch, steps, filters)`` pooled features and each review's number of steps."""
        padded, lengths = self._inputs(inputs)
        x = self.embedding(padded * _real_words(padded, lengths)).transpose(1, 2)
        y = torch.relu(self.conv(_pad_time(x, self.width)))
        valid = _window_starts_valid(lengths, self.width, y.shape[-1]).unsqueeze(1)
        y = _pad_time(y * valid, -(-y.shape[-1] // self.pool) * self.pool)
        pooled = nn.functional.max_pool1d(y, self.pool).transpose(1, 2)
        windows = (lengths - self.width + 1).clamp(min=1)
        return pooled, -(-windows // self.pool)

    def forward(self, inputs: Batch) -> torch.Tensor:
        pooled, steps = self.pooled_sequence(inputs)
        out, _ = self.lstm(pooled)
        return self.head(out[torch.arange(len(steps), device=out.device), steps - 1])
