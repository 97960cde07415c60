"""How fast chapter 5's GRUs train, against a roofline: one interleaved benchmark.

Long because: the benchmark's three parts (the GEMM roofline, the table of encoders at the
chapter's shapes, the real-length comparison of batchings) share one configuration, one
round-robin timer and one set of synthetic batches, and are read together in the chapter.

All timings run on the CPU, in training mode: a *training step* is forward, cross-entropy
loss, backward and one Adam step, on synthetic reviews of random word indices read through a
frozen embedding (the chapter's shapes: 300-d vectors, hidden state 100, batches of 64).

**The roofline.** A GRU layer's work is almost all matrix products (GEMMs): per word and
direction, the input projection ``W x_t`` (``3H × D``) and the recurrent product ``U h``
(``3H × H``), ``2 · 3H · (D + H)`` floating-point operations (FLOPs) forward. Backward
computes two products of the same sizes for each forward one (the gradient with respect to
the weights and to the product's input), so forward + backward is about **3 × forward**;
the elementwise gate arithmetic (``σ``, ``tanh``, products) is ignored. For a review of
``T`` words (:func:`review_flops`)::

    FLOPs = 3 · directions · T · 2 · 3H · (D + H)

:func:`gemm_roofline` times the six products one training step of a batch makes, at their
true shapes (:data:`GEMM_NAMES`: the input projection over ``B·T`` rows and the recurrent
product over ``B`` rows, forward, weight gradient and input gradient), and divides the FLOPs
by that time: the speed a GRU would reach if it did nothing but its matrix products. The
share of it an implementation reaches says how much time goes elsewhere (the Python loop,
the gate arithmetic, memory traffic, padding). One caveat: with a frozen embedding nothing
needs the gradient with respect to the word vectors, and autograd skips that product
(``2 · 3H · D`` FLOPs per word, a quarter of the count at ``D = 300, H = 100``): the count
follows the usual "backward = 2 × forward" rule, so a share near 100 % would mean near 75 %
of the products' speed.

**Denormals.** The runs flush denormal floats to zero (:func:`flush_denormal`,
``ThroughputConfig.flush_denormal``): without it, backward through reviews longer than
about 150 words slows down tenfold on an x86 CPU, which would measure the CPU's denormal
arithmetic rather than the GRUs.

**Interleaving.** Every candidate runs once per round, round after round, after a warm-up
round that is not counted, and the median round is reported: a busy moment of a shared
machine slows all candidates alike (the pattern of ``tools/bench_threads.py`` and
:func:`rnnlib.teaching.gru_api.benchmark_modes`).

- :func:`throughput_table` -- reviews/s of the seed-style loop (one review at a time, a
  :class:`~rnnlib.models.gru.GRUCell` stepped in Python), the batched scratch GRU,
  ``nn.GRU`` and the bidirectional GRUs (padded, two forward GRUs on reversed copies, packed),
  with the roofline rows;
- :func:`real_length_throughput` -- ``nn.GRU`` on batches of real review lengths, plain
  shuffled batches against length-bucketed ones: padding fraction and real words/s.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnlib.core.batching import LengthBucketSampler, padding_fraction, shuffled_batches
from rnnlib.core.checks import check_sizes
from rnnlib.core.runtime import torch_threads
from rnnlib.models.gru import GRUCell
from rnnlib.models.review_rnn import Encoder, ReviewClassifier

__all__ = [
    "CANDIDATES",
    "GEMM_NAMES",
    "GemmShape",
    "Roofline",
    "ThroughputConfig",
    "flush_denormal",
    "gemm_roofline",
    "gemm_shapes",
    "real_length_throughput",
    "review_flops",
    "small_config",
    "throughput_table",
]

#: The rows :func:`throughput_table` measures, in order, and the encoder each one trains
#: (``None``: the seed-style loop, which is no :class:`ReviewClassifier`).
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
#: The six matrix products of one training step, named by :func:`gemm_shapes`.
GEMM_NAMES: tuple[str, ...] = (
    "input projection, forward",
    "input projection, weight gradient",
    "input projection, input gradient",
    "recurrent, forward",
    "recurrent, weight gradient",
    "recurrent, input gradient",
)
_ROOFLINE_ROW = "GEMM roofline"


@dataclass(frozen=True)
class ThroughputConfig:
    """Shapes and sizes of one benchmark run; the defaults are chapter 5's shapes.

    Attributes:
        embedding_dim: word-vector width ``D`` (300, word2vec's).
        hidden_size: GRU state size ``H`` per direction.
        batch_size: reviews per batch ``B``.
        seq_len: words per synthetic review ``T`` (the real lengths vary:
            :func:`real_length_throughput`).
        vocab_size: words of the synthetic embedding (only its lookups matter, not its size).
        rounds: counted rounds (after one warm-up round); the median round is reported.
        steps_per_round: training steps (batches) each batched candidate runs per round.
        seed_reviews_per_round: reviews the seed-style loop trains on per round (it is about
            100 times slower than the batched candidates: keep this small).
        real_batches_per_round: batches of each batching :func:`real_length_throughput` times
            per round (a sample spread over the epoch's batch sizes).
        gemm_repeats: how many times each matrix product is repeated per timing (the
            recurrent products are tiny: timing one call would time the clock).
        threads: bound torch's CPU threads during the run (None: leave them).
        flush_denormal: treat denormal floats as zero during the run (see
            :func:`flush_denormal`); the previous setting is restored afterwards.
        seed: seeds the weights, the synthetic words and the batch shuffles.

    Raises:
        ValueError: a size is not a whole number of at least 1, or ``threads`` is neither
            None nor such a number.
    """

    embedding_dim: int = 300
    hidden_size: int = 100
    batch_size: int = 64
    seq_len: int = 100
    vocab_size: int = 2000
    rounds: int = 5
    steps_per_round: int = 2
    seed_reviews_per_round: int = 2
    real_batches_per_round: int = 8
    gemm_repeats: int = 5
    threads: int | None = None
    flush_denormal: bool = True
    seed: int = 0
    lr: float = field(default=1e-3, repr=False)

    def __post_init__(self) -> None:
        sizes = {
            name: getattr(self, name)
            for name in (
                "embedding_dim", "hidden_size", "batch_size", "seq_len", "vocab_size", "rounds",
                "steps_per_round", "seed_reviews_per_round", "real_batches_per_round", "gemm_repeats",
            )
        }  # fmt: skip
        if self.threads is not None:
            sizes["threads"] = self.threads
        check_sizes(**sizes)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r}: use a non-negative whole number.")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr={self.lr!r}: the learning rate must be a positive number.")


def review_flops(seq_len: int, embedding_dim: int, hidden_size: int, *, directions: int = 1) -> int:
    """FLOPs of one review's forward + backward pass through a one-layer GRU.

    ``3 · directions · seq_len · 2 · 3H · (D + H)``: per word and direction the forward pass
    multiplies a ``3H × D`` matrix by the word vector and a ``3H × H`` matrix by the state
    (``2 · 3H · (D + H)`` FLOPs, a multiply and an add per weight); backward costs about
    twice that (two products per forward product); elementwise work is ignored. For
    ``T = 100, D = 300, H = 100``: ``3 · 100 · 2 · 300 · 400 = 72,000,000``.

    Raises:
        ValueError: a size below 1, or ``directions`` not 1 or 2.
    """
    check_sizes(seq_len=seq_len, embedding_dim=embedding_dim, hidden_size=hidden_size)
    if directions not in (1, 2):
        raise ValueError(f"directions={directions!r}: a GRU reads in 1 or 2 directions.")
    return 3 * directions * seq_len * 2 * 3 * hidden_size * (embedding_dim + hidden_size)


@dataclass(frozen=True)
class GemmShape:
    """One matrix product ``(m, k) @ (k, n)`` that a training step makes ``calls`` times."""

    name: str
    m: int
    k: int
    n: int
    calls: int

    @property
    def flops(self) -> int:
        """FLOPs of all ``calls`` products: ``2 · m · k · n`` each."""
        return 2 * self.m * self.k * self.n * self.calls


def gemm_shapes(config: ThroughputConfig) -> tuple[GemmShape, ...]:
    """The matrix products of one training step of a batch, one direction (:data:`GEMM_NAMES`).

    With ``B, T, D, H`` the batch, length, vector and state sizes: the input projection
    ``(B·T, D) @ (D, 3H)`` once, its weight gradient ``(D, B·T) @ (B·T, 3H)`` and its input
    gradient ``(B·T, 3H) @ (3H, D)``; the recurrent product ``(B, H) @ (H, 3H)`` and its two
    gradients ``(H, B) @ (B, 3H)``, ``(B, 3H) @ (3H, H)``, ``T`` times each. Their FLOPs add
    up to ``B ·`` :func:`review_flops`.
    """
    b, t, d, h = config.batch_size, config.seq_len, config.embedding_dim, config.hidden_size
    rows, gates = b * t, 3 * h
    dims = [(rows, d, gates, 1), (d, rows, gates, 1), (rows, gates, d, 1)]
    dims += [(b, h, gates, t), (h, b, gates, t), (b, gates, h, t)]
    return tuple(GemmShape(name, *shape) for name, shape in zip(GEMM_NAMES, dims, strict=True))


@dataclass(frozen=True)
class Roofline:
    """The GEMM roofline of one configuration: measured product times and what they allow.

    Attributes:
        config: the shapes it was measured at.
        seconds_per_call: the median time of one call of each product of :func:`gemm_shapes`.
    """

    config: ThroughputConfig
    seconds_per_call: Mapping[str, float]

    @property
    def batch_seconds(self) -> float:
        """Seconds of all the products of one training step (one direction, one batch)."""
        return sum(s.calls * self.seconds_per_call[s.name] for s in gemm_shapes(self.config))

    @property
    def flops_per_batch(self) -> int:
        """FLOPs of one training step's products (one direction)."""
        return sum(s.flops for s in gemm_shapes(self.config))

    @property
    def gflop_per_s(self) -> float:
        """The products' FLOPs divided by their measured time, in GFLOP/s."""
        return self.flops_per_batch / self.batch_seconds / 1e9

    def reviews_per_s(self, directions: int = 1) -> float:
        """Training reviews/s at the roofline: ``review FLOPs / (GFLOP/s)``, inverted."""
        c = self.config
        flops = review_flops(c.seq_len, c.embedding_dim, c.hidden_size, directions=directions)
        return self.gflop_per_s * 1e9 / flops

    def words_per_s(self, directions: int = 1) -> float:
        """Training words/s at the roofline (independent of the review length)."""
        return self.reviews_per_s(directions) * self.config.seq_len

    def table(self) -> pd.DataFrame:
        """One row per product: its shape, calls per step, median ms per call and GFLOP/s."""
        rows = [
            {
                "product": s.name,
                "shape": f"({s.m}, {s.k}) @ ({s.k}, {s.n})",
                "calls": s.calls,
                "ms_per_call": 1000 * self.seconds_per_call[s.name],
                "gflop_per_s": s.flops / s.calls / self.seconds_per_call[s.name] / 1e9,
            }
            for s in gemm_shapes(self.config)
        ]
        return pd.DataFrame(rows).set_index("product")


# ---------------------------------------------------------------------------------------------
# Timed pieces: each returns a callable that runs one round and returns its seconds.


class _GemmTimer:
    """Times each product of :func:`gemm_shapes` once per call (``gemm_repeats`` calls each).

    A call returns the seconds it took and appends the seconds per product call to ``runs``.
    """

    def __init__(self, config: ThroughputConfig) -> None:
        gen = torch.Generator().manual_seed(config.seed)
        self.operands = {
            s.name: (torch.randn(s.m, s.k, generator=gen), torch.randn(s.k, s.n, generator=gen))
            for s in gemm_shapes(config)
        }
        self.calls = {s.name: s.calls * config.gemm_repeats for s in gemm_shapes(config)}
        self.runs: list[dict[str, float]] = []

    def __call__(self) -> float:
        per_call: dict[str, float] = {}
        with torch.no_grad():
            for name, (a, b) in self.operands.items():
                out = torch.empty(a.shape[0], b.shape[1])
                start = time.perf_counter()
                for _ in range(self.calls[name]):
                    torch.mm(a, b, out=out)
                per_call[name] = (time.perf_counter() - start) / self.calls[name]
        self.runs.append(per_call)
        return sum(per_call.values())

    def roofline(self, config: ThroughputConfig) -> Roofline:
        """The roofline of the median time per product over every run but the first (warm-up)."""
        counted = self.runs[1:] or self.runs
        if not counted:
            raise RuntimeError("The products were never timed: call the timer before asking for a roofline.")
        return Roofline(
            config, {name: statistics.median(run[name] for run in counted) for name in GEMM_NAMES}
        )


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


def _denormals_flushed() -> bool:
    """Whether this thread flushes denormal floats to zero now (torch has no getter for it)."""
    tiny = torch.tensor([1e-39], dtype=torch.float32, device="cpu")  # a denormal, unless flushed
    return float((tiny * 1.0).item()) == 0.0


@contextmanager
def flush_denormal(on: bool = True) -> Iterator[bool]:
    """Run a block with ``torch.set_flush_denormal(on)``, then restore the previous setting.

    Gradients that flow back through hundreds of time steps shrink geometrically, and on
    their way to zero they pass through the *denormal* floats (below about ``1e-38``), which
    x86 CPUs multiply tens of times more slowly than normal ones. Measured here (2-core Xeon,
    torch 2.13, ``nn.GRU(300, 100)``, a batch of 64, loss on the last output): backward took
    22 ms for 100 steps, then **696 ms** for 200 steps and 945 ms for 1,000; with denormals
    flushed to zero, 23, 66 and 328 ms. Flushing changes no result that matters: denormals
    are below float32's normal range.

    Yields:
        Whether flushing is on inside the block (False where the CPU does not support it).
    """
    before = _denormals_flushed()
    supported = torch.set_flush_denormal(on)
    try:
        yield bool(on and supported)
    finally:
        torch.set_flush_denormal(before)


@contextmanager
def _conditions(config: ThroughputConfig) -> Iterator[None]:
    with ExitStack() as stack:
        stack.enter_context(torch_threads(config.threads))
        if config.flush_denormal:
            stack.enter_context(flush_denormal(True))
        yield


def _interleave(timers: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Run every timer once per round, ``rounds`` counted rounds after a warm-up round: medians."""
    seconds: dict[str, list[float]] = {name: [] for name in timers}
    for round_ in range(rounds + 1):
        for name, timer in timers.items():
            elapsed = timer()
            if round_ > 0:  # round 0 warms up allocators, caches and thread pools
                seconds[name].append(elapsed)
    return {name: statistics.median(values) for name, values in seconds.items()}


def gemm_roofline(config: ThroughputConfig | None = None) -> Roofline:
    """Measure the GEMM roofline alone: ``config.rounds`` timings of every product, medians.

    :func:`throughput_table` and :func:`real_length_throughput` measure it themselves,
    interleaved with the training steps; this is the roofline on its own (e.g. to compare
    machines). ``roofline.gflop_per_s`` is the speed, ``roofline.reviews_per_s()`` and
    ``roofline.words_per_s()`` what it allows, ``roofline.table()`` each product's speed.
    """
    config = config or ThroughputConfig()
    with _conditions(config):
        timer = _GemmTimer(config)
        _interleave({_ROOFLINE_ROW: timer}, config.rounds)
    return timer.roofline(config)


def throughput_table(config: ThroughputConfig | None = None) -> pd.DataFrame:
    """Training throughput of chapter 5's GRUs and the GEMM roofline, in one interleaved run.

    Every candidate of :data:`CANDIDATES` trains on synthetic reviews of ``config.seq_len``
    words (``config.steps_per_round`` batches per round; the seed-style loop
    ``config.seed_reviews_per_round`` reviews, one at a time), and the roofline's products
    are timed, round-robin, ``config.rounds`` rounds after a warm-up round.

    Returns:
        One row per candidate, then ``"GEMM roofline"`` and ``"GEMM roofline bidirectional"``,
        indexed by ``candidate``, with columns ``directions``, ``reviews_per_s``,
        ``words_per_s``, ``gflop_per_s`` (the review FLOPs of :func:`review_flops` per second),
        ``share_of_roofline`` (reviews/s over the roofline's for the same directions),
        ``vs_nn_gru`` (reviews/s over ``nn.GRU``'s; NaN for the roofline rows) and
        ``ms_per_review`` (median round).
    """
    config = config or ThroughputConfig()
    gen = torch.Generator().manual_seed(config.seed)
    lengths = [[config.seq_len] * config.batch_size] * config.steps_per_round
    batches = _batches(lengths, config, gen)
    gemms = _GemmTimer(config)
    timers: dict[str, Callable[[], float]] = {_ROOFLINE_ROW: gemms}
    reviews: dict[str, int] = {}
    for name, encoder in CANDIDATES.items():
        if encoder is None:
            timers[name] = _seed_style_timer(config, gen)
            reviews[name] = config.seed_reviews_per_round
        else:
            timers[name] = _classifier_timer(encoder, batches, config)
            reviews[name] = config.batch_size * config.steps_per_round
    with _conditions(config):
        seconds = _interleave(timers, config.rounds)
    roofline = gemms.roofline(config)
    flops = {
        d: review_flops(config.seq_len, config.embedding_dim, config.hidden_size, directions=d)
        for d in (1, 2)
    }
    rows = []
    for name, encoder in CANDIDATES.items():
        rows.append((name, 1 if encoder in (None, "scratch", "gru") else 2, reviews[name] / seconds[name]))
    for directions, suffix in ((1, ""), (2, " bidirectional")):
        rows.append((_ROOFLINE_ROW + suffix, directions, roofline.reviews_per_s(directions)))
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
                math.nan if name.startswith(_ROOFLINE_ROW) else rate / per_s[NN_GRU] for name, _, rate in rows
            ],
            "ms_per_review": [1000 / rate for _, _, rate in rows],
        }
    )
    return table.set_index("candidate")


def _check_lengths(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    array = np.asarray(lengths)
    if array.ndim != 1 or array.size == 0:
        raise ValueError("lengths must be a non-empty list with one length (in words) per review.")
    if not np.issubdtype(array.dtype, np.integer) or int(array.min()) < 1:
        raise ValueError(
            "Every review length must be a whole number of at least 1: drop empty reviews first."
        )
    return array.astype(np.int64)


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
    :class:`~rnnlib.models.review_rnn.ReviewClassifier`, whose result the padding does not
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
    array = _check_lengths(lengths)
    check_sizes(pool_batches=pool_batches)
    epochs = {
        "shuffled batches": shuffled_batches(len(array), config.batch_size, seed=config.seed),
        "length-bucketed batches": LengthBucketSampler(
            array, config.batch_size, pool_batches=pool_batches, seed=config.seed
        ).batches(0),
    }
    gen = torch.Generator().manual_seed(config.seed)
    samples = {name: _spread_sample(array, b, config.real_batches_per_round) for name, b in epochs.items()}
    gemms = _GemmTimer(config)
    timers: dict[str, Callable[[], float]] = {_ROOFLINE_ROW: gemms}
    for name, sample in samples.items():
        batches = _batches([array[b].tolist() for b in sample], config, gen)
        timers[name] = _classifier_timer("gru", batches, config)
    with _conditions(config):
        median = _interleave(timers, config.rounds)
    roofline = gemms.roofline(config)
    total_words, mean_length = int(array.sum()), float(array.mean())
    rows: list[tuple[str, int | None, int | None, float, float, float]] = []
    for name, sample in samples.items():
        positions = sum(len(b) * int(array[b].max()) for b in sample)
        padded_per_s = positions / median[name]
        padding = padding_fraction(array, epochs[name])
        real_per_s = padded_per_s * (1.0 - padding)
        rows.append((name, len(epochs[name]), len(sample), padding, padded_per_s, real_per_s))
    rows.append((_ROOFLINE_ROW, None, None, 0.0, roofline.words_per_s(), roofline.words_per_s()))
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


def small_config(**changes: object) -> ThroughputConfig:
    """A tiny configuration that runs in well under a second (tests, quick checks)."""
    tiny = ThroughputConfig(
        embedding_dim=8, hidden_size=4, batch_size=4, seq_len=5, vocab_size=20, rounds=1,
        steps_per_round=1, seed_reviews_per_round=1, real_batches_per_round=2, gemm_repeats=1,
    )  # fmt: skip
    return replace(tiny, **changes)  # type: ignore[arg-type]
