"""The GEMM roofline of a GRU training step, and the interleaved timing both benchmarks share.

All timings run on the CPU, in training mode, at chapter 5's shapes (:class:`ThroughputConfig`:
300-d vectors, hidden state 100, batches of 64).

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

**Denormals.** The runs flush denormal floats to zero (:func:`rnnlib.core.runtime.flush_denormal`,
``ThroughputConfig.flush_denormal``): without it, backward through reviews longer than
about 150 words slows down tenfold on an x86 CPU, which would measure the CPU's denormal
arithmetic rather than the GRUs.

**Interleaving.** Every candidate runs once per round, round after round, after a warm-up
round that is not counted, and the median round is reported: a busy moment of a shared
machine slows all candidates alike (the pattern of ``tools/bench_threads.py`` and
:func:`rnnlib.studies.gru_api.benchmark_modes`).

- :func:`gemm_roofline` -- the roofline alone; :class:`GemmTimer` times the products inside
  another benchmark (:mod:`rnnlib.studies.throughput`);
- :func:`measuring_conditions` and :func:`interleave` -- the threads, denormal setting and
  round-robin timing every benchmark here runs under.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace

import pandas as pd
import torch

from rnnlib.core.checks import check_sizes
from rnnlib.core.runtime import flush_denormal, torch_threads

__all__ = [
    "GEMM_NAMES",
    "ROOFLINE_ROW",
    "GemmShape",
    "GemmTimer",
    "Roofline",
    "ThroughputConfig",
    "gemm_roofline",
    "gemm_shapes",
    "interleave",
    "measuring_conditions",
    "review_flops",
    "small_config",
]

#: The names of the 6 matrix products of one training step, as :func:`gemm_shapes` gives them:
#: the input projection and the recurrent product, each forward, weight gradient and input
#: gradient.
#:
#: :meta hide-value:
GEMM_NAMES: tuple[str, ...] = (
    "input projection, forward",
    "input projection, weight gradient",
    "input projection, input gradient",
    "recurrent, forward",
    "recurrent, weight gradient",
    "recurrent, input gradient",
)
#: The name of the roofline's row in the benchmarks' tables.
ROOFLINE_ROW = "GEMM roofline"


@dataclass(frozen=True)
class ThroughputConfig:
    """Shapes and sizes of one benchmark run; the defaults are chapter 5's shapes.

    Attributes:
        embedding_dim: word-vector width ``D`` (300, word2vec's).
        hidden_size: GRU state size ``H`` per direction.
        batch_size: reviews per batch ``B``.
        seq_len: words per synthetic review ``T`` (the real lengths vary:
            :func:`.real_length_throughput`).
        vocab_size: words of the synthetic embedding (only its lookups matter, not its size).
        rounds: counted rounds (after one warm-up round); the median round is reported.
        steps_per_round: training steps (batches) each batched candidate runs per round.
        seed_reviews_per_round: reviews the seed-style loop trains on per round (it is about
            100 times slower than the batched candidates: keep this small).
        real_batches_per_round: batches of each batching :func:`.real_length_throughput` times
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


def small_config(**changes: object) -> ThroughputConfig:
    """A tiny configuration that runs in well under a second (tests, quick checks)."""
    tiny = ThroughputConfig(
        embedding_dim=8, hidden_size=4, batch_size=4, seq_len=5, vocab_size=20, rounds=1,
        steps_per_round=1, seed_reviews_per_round=1, real_batches_per_round=2, gemm_repeats=1,
    )  # fmt: skip
    return replace(tiny, **changes)  # type: ignore[arg-type]


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


class GemmTimer:
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


@contextmanager
def measuring_conditions(config: ThroughputConfig) -> Iterator[None]:
    """Run a block under the benchmark's conditions: ``config.threads`` torch threads and, if
    ``config.flush_denormal``, denormal floats flushed to zero; both restored afterwards."""
    with ExitStack() as stack:
        stack.enter_context(torch_threads(config.threads))
        if config.flush_denormal:
            stack.enter_context(flush_denormal(True))
        yield


def interleave(timers: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, float]:
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

    :func:`.throughput_table` and :func:`.real_length_throughput` measure it themselves,
    interleaved with the training steps; this is the roofline on its own (e.g. to compare
    machines). ``roofline.gflop_per_s`` is the speed, ``roofline.reviews_per_s()`` and
    ``roofline.words_per_s()`` what it allows, ``roofline.table()`` each product's speed.
    """
    config = config or ThroughputConfig()
    with measuring_conditions(config):
        timer = GemmTimer(config)
        interleave({ROOFLINE_ROW: timer}, config.rounds)
    return timer.roofline(config)
