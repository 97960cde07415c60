"""How fast chapter 5's GRUs train, against a roofline: one interleaved benchmark.

All timings run on the CPU, in training mode: a *training step* is forward, cross-entropy
loss, backward and one Adam step, on synthetic reviews of random word indices read through a
frozen embedding (the chapter's shapes: 300-d vectors, hidden state 100, batches of 64).

The roofline, the timing conditions (threads, denormals) and the round-robin timer are in
:mod:`rnnlib.studies.roofline`.

- :func:`throughput_table` -- reviews/s of the seed-style loop (one review at a time, a
  :class:`~rnnlib.models.gru.GRUCell` stepped in Python), the batched scratch GRU,
  ``nn.GRU`` and the bidirectional GRUs (padded, two forward GRUs on reversed copies, packed),
  with the roofline rows;
- :func:`real_length_throughput` -- ``nn.GRU`` on batches of real review lengths, plain
  shuffled batches against length-bucketed ones: padding fraction and real words/s.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnlib.core.batching import LengthBucketSampler, padding_fraction, shuffled_batches
from rnnlib.core.checks import check_lengths, check_sizes
from rnnlib.models.gru import GRUCell
from rnnlib.models.review_classifier import Encoder, ReviewClassifier
from rnnlib.studies.roofline import (
    ROOFLINE_ROW,
    GemmTimer,
    ThroughputConfig,
    interleave,
    measuring_conditions,
    review_flops,
    small_config,
)

# ThroughputConfig and small_config are defined in rnnlib.studies.roofline and re-exported:
# the chapter builds the configuration of this module's tables.
__all__ = [
    "CANDIDATES",
    "ThroughputConfig",
    "real_length_throughput",
    "small_config",
    "throughput_table",
]

#: The 6 rows :func:`throughput_table` measures, in order, by label, and the encoder each one
#: trains (``None``: the seed-style loop, which is no :class:`.ReviewClassifier`).
#:
#: :meta hide-value:
CANDIDATES: dict[str, Encoder | None] = {
    "seed-style loop (batch 1)": None,
    "BatchedGRU (scratch, batched)": "scratch",
    "nn.GRU": "gru",
    "nn.GRU bidirectional (padded)": "bigru_padded_last",
    "bidirectional, reversed copy": "bigru",
    "nn.GRU bidirectional (packed)": "bigru_packed",
}
#: The reference row of the ``vs_nn_gru`` column.
NN_GRU = "nn.GRU"


# ---------------------------------------------------------------------------------------------
# Timed pieces: each returns a callable that runs one round and returns its seconds.


def _embedding(config: ThroughputConfig) -> torch.Tensor:
    gen = torch.Generator().manual_seed(config.seed)
    vectors = torch.randn(config.vocab_size + 1, config.embedding_dim, generator=gen) * 0.1
    vectors[0] = 0.0  # the padding row
    return vectors


def _padded_batch(lengths: Sequence[int], config: ThroughputConfig, gen: torch.Generator) -> torch.Tensor:
    longest = max(lengths)
    words = torch.randint(1, config.vocab_size + 1, (len(lengths), longest), generator=gen)
    positions = torch.arange(longest).expand(len(lengths), longest)
    return words.masked_fill(positions >= torch.as_tensor(lengths).unsqueeze(1), 0)


Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # (padded indices, lengths, labels)


def _batches(
    length_batches: Sequence[Sequence[int]], config: ThroughputConfig, gen: torch.Generator
) -> list[Batch]:
    return [
        (
            _padded_batch(lengths, config, gen),
            torch.as_tensor(lengths, dtype=torch.long),
            torch.randint(2, (len(lengths),), generator=gen),
        )
        for lengths in length_batches
    ]


def _classifier_timer(
    encoder: Encoder, batches: Sequence[Batch], config: ThroughputConfig
) -> Callable[[], float]:
    """A callable running one training step on each of ``batches``: its seconds."""
    torch.manual_seed(config.seed)
    model = ReviewClassifier(_embedding(config), encoder, hidden_size=config.hidden_size)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def run() -> float:
        start = time.perf_counter()
        for padded, lengths, labels in batches:
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model((padded, lengths)), labels).backward()
            optimizer.step()
        return time.perf_counter() - start

    return run


class _SeedStyleModel(nn.Module):
    """The homework's loop: a GRUCell stepped over one review's words, then a Linear head."""

    def __init__(self, config: ThroughputConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(_embedding(config), freeze=True, padding_idx=0)
        self.cell = GRUCell(config.embedding_dim, config.hidden_size, convention="pytorch")
        self.head = nn.Linear(config.hidden_size, 2)

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        h = words.new_zeros(1, self.cell.hidden_size, dtype=torch.float)
        for vector in self.embedding(words).unbind(0):
            h, _ = self.cell(vector.unsqueeze(0), h)
        return self.head(h)


def _seed_style_timer(config: ThroughputConfig, gen: torch.Generator) -> Callable[[], float]:
    """A callable training the seed-style loop on ``seed_reviews_per_round`` reviews."""
    torch.manual_seed(config.seed)
    model = _SeedStyleModel(config)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    loss_fn = nn.CrossEntropyLoss()
    reviews = [
        (torch.randint(1, config.vocab_size + 1, (config.seq_len,), generator=gen), torch.tensor([i % 2]))
        for i in range(config.seed_reviews_per_round)
    ]

    def run() -> float:
        start = time.perf_counter()
        for words, label in reviews:
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(words), label).backward()
            optimizer.step()
        return time.perf_counter() - start

    return run


def throughput_table(config: ThroughputConfig | None = None) -> pd.DataFrame:
    """Training throughput of chapter 5's GRUs and the GEMM roofline, in one interleaved run.

    Every candidate of :data:`CANDIDATES` trains on synthetic reviews of ``config.seq_len``
    words (``config.steps_per_round`` batches per round; the seed-style loop
    ``config.seed_reviews_per_round`` reviews, one at a time), and the roofline's products
    are timed, round-robin, ``config.rounds`` rounds after a warm-up round.

    Returns:
        One row per candidate, then ``"GEMM roofline"`` and ``"GEMM roofline bidirectional"``,
        indexed by ``candidate``, with columns ``directions``, ``reviews_per_s``,
        ``words_per_s``, ``gflop_per_s`` (the review FLOPs of :func:`.review_flops` per second),
        ``share_of_roofline`` (reviews/s over the roofline's for the same directions),
        ``vs_nn_gru`` (reviews/s over ``nn.GRU``'s; NaN for the roofline rows) and
        ``ms_per_review`` (median round).
    """
    config = config or ThroughputConfig()
    gen = torch.Generator().manual_seed(config.seed)
    lengths = [[config.seq_len] * config.batch_size] * config.steps_per_round
    batches = _batches(lengths, config, gen)
    gemms = GemmTimer(config)
    timers: dict[str, Callable[[], float]] = {ROOFLINE_ROW: gemms}
    reviews: dict[str, int] = {}
    for name, encoder in CANDIDATES.items():
        if encoder is None:
            timers[name] = _seed_style_timer(config, gen)
            reviews[name] = config.seed_reviews_per_round
        else:
            timers[name] = _classifier_timer(encoder, batches, config)
            reviews[name] = config.batch_size * config.steps_per_round
    with measuring_conditions(config):
        seconds = interleave(timers, config.rounds)
    roofline = gemms.roofline(config)
    flops = {
        d: review_flops(config.seq_len, config.embedding_dim, config.hidden_size, directions=d)
        for d in (1, 2)
    }
    rows = []
    for name, encoder in CANDIDATES.items():
        rows.append((name, 1 if encoder in (None, "scratch", "gru") else 2, reviews[name] / seconds[name]))
    for directions, suffix in ((1, ""), (2, " bidirectional")):
        rows.append((ROOFLINE_ROW + suffix, directions, roofline.reviews_per_s(directions)))
    per_s = dict((name, rate) for name, _, rate in rows)
    table = pd.DataFrame(
        {
            "candidate": [name for name, _, _ in rows],
            "directions": [d for _, d, _ in rows],
            "reviews_per_s": [rate for _, _, rate in rows],
            "words_per_s": [rate * config.seq_len for _, _, rate in rows],
            "gflop_per_s": [rate * flops[d] / 1e9 for _, d, rate in rows],
            "share_of_roofline": [rate / roofline.reviews_per_s(d) for _, d, rate in rows],
            "vs_nn_gru": [
                math.nan if name.startswith(ROOFLINE_ROW) else rate / per_s[NN_GRU] for name, _, rate in rows
            ],
            "ms_per_review": [1000 / rate for _, _, rate in rows],
        }
    )
    return table.set_index("candidate")


def _spread_sample(lengths: np.ndarray, batches: Sequence[Sequence[int]], count: int) -> list[list[int]]:
    """``count`` of ``batches`` spread evenly over their padded sizes (all of them if fewer)."""
    if count >= len(batches):
        return [list(b) for b in batches]
    sizes = [len(b) * int(lengths[list(b)].max()) for b in batches]
    order = np.argsort(sizes, kind="stable")
    picks = order[((np.arange(count) + 0.5) * len(batches) / count).astype(int)]
    return [list(batches[i]) for i in picks]


def real_length_throughput(
    lengths: Sequence[int] | np.ndarray,
    config: ThroughputConfig | None = None,
    *,
    pool_batches: int = 50,
) -> pd.DataFrame:
    """``nn.GRU`` training on batches of real review lengths: shuffled against length-bucketed.

    The reviews (random words, the given ``lengths``) are cut into one epoch of plain
    shuffled batches (:func:`rnnlib.core.batching.shuffled_batches`) and one of
    :class:`~rnnlib.core.batching.LengthBucketSampler` batches (``pool_batches``). Each
    batching trains ``nn.GRU`` -- the padded encoder ``"gru"`` of
    :class:`~rnnlib.models.review_classifier.ReviewClassifier`, whose result the padding does not
    change -- on ``config.real_batches_per_round`` of its batches, picked evenly over the
    epoch's padded batch sizes, interleaved with the other batching and with the roofline's
    products.

    A padded batch costs about the same per position, padding or not, so the timed batches
    give the speed in positions per second (``padded_words_per_s``), and the epoch's padding
    fraction, counted exactly, turns it into real words per second:
    ``real_words_per_s = padded_words_per_s · (1 − padding_fraction)``. (A sample of a few
    batches would misjudge the padding: the few longest reviews make most of it.) With
    ``real_batches_per_round`` at least the number of batches, every batch is timed and the
    result is the measured epoch.

    Returns:
        Rows ``"shuffled batches"``, ``"length-bucketed batches"`` and ``"GEMM roofline"``,
        indexed by ``batching``, with columns ``batches`` (in an epoch), ``timed_batches``,
        ``padding_fraction`` (over the epoch), ``padded_words_per_s``, ``real_words_per_s``,
        ``reviews_per_s`` (real words/s over the mean review length), ``share_of_roofline``
        (real words/s over the roofline's words/s, measured at ``config``'s shapes: per word
        it hardly depends on the length) and ``epoch_seconds`` (an epoch at that speed).

    Raises:
        ValueError: ``lengths`` is empty or holds a length below 1, or a bad ``pool_batches``.
    """
    config = config or ThroughputConfig()
    array = check_lengths(lengths)
    check_sizes(pool_batches=pool_batches)
    epochs = {
        "shuffled batches": shuffled_batches(len(array), config.batch_size, seed=config.seed),
        "length-bucketed batches": LengthBucketSampler(
            array, config.batch_size, pool_batches=pool_batches, seed=config.seed
        ).batches(0),
    }
    gen = torch.Generator().manual_seed(config.seed)
    samples = {name: _spread_sample(array, b, config.real_batches_per_round) for name, b in epochs.items()}
    gemms = GemmTimer(config)
    timers: dict[str, Callable[[], float]] = {ROOFLINE_ROW: gemms}
    for name, sample in samples.items():
        batches = _batches([array[b].tolist() for b in sample], config, gen)
        timers[name] = _classifier_timer("gru", batches, config)
    with measuring_conditions(config):
        median = interleave(timers, config.rounds)
    roofline = gemms.roofline(config)
    total_words, mean_length = int(array.sum()), float(array.mean())
    rows: list[tuple[str, int | None, int | None, float, float, float]] = []
    for name, sample in samples.items():
        positions = sum(len(b) * int(array[b].max()) for b in sample)
        padded_per_s = positions / median[name]
        padding = padding_fraction(array, epochs[name])
        real_per_s = padded_per_s * (1.0 - padding)
        rows.append((name, len(epochs[name]), len(sample), padding, padded_per_s, real_per_s))
    rows.append((ROOFLINE_ROW, None, None, 0.0, roofline.words_per_s(), roofline.words_per_s()))
    table = pd.DataFrame(
        {
            "batching": [r[0] for r in rows],
            "batches": pd.array([r[1] for r in rows], dtype="Int64"),
            "timed_batches": pd.array([r[2] for r in rows], dtype="Int64"),
            "padding_fraction": [r[3] for r in rows],
            "padded_words_per_s": [r[4] for r in rows],
            "real_words_per_s": [r[5] for r in rows],
            "reviews_per_s": [r[5] / mean_length for r in rows],
            "share_of_roofline": [r[5] / roofline.words_per_s() for r in rows],
            "epoch_seconds": [total_words / r[5] for r in rows],
        }
    )
    return table.set_index("batching")


