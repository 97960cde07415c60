"""Chapter 5's GRU training-throughput benchmark: reviews/s against a GEMM roofline, into CSVs.

Not a test (no speed is asserted anywhere): a measurement, run as ``make bench``. In one
process, interleaved (one of each per round, after a warm-up round, medians of ``--rounds``;
see :mod:`rnnlib.studies.throughput`):

1. at the chapter's shapes (embedding 300, hidden 100, batch 64, reviews of 100 words),
   training reviews/s (forward, loss, backward, Adam) of the seed-style loop (one review at a
   time, a GRUCell stepped in Python), the batched scratch GRU (``BatchedGRU``), ``nn.GRU``
   and bidirectional ``nn.GRU`` (padded and packed), and the GEMM roofline (a review's
   forward + backward FLOPs over the measured speed of the step's matrix products);
2. ``nn.GRU`` on the real lengths of the chapter's training reviews (the four balanced
   categories, 400 reviews per category and sentiment, training part): plain shuffled
   batches against ``LengthBucketSampler`` batches, the padding fraction of each and real
   (non-padding) words/s against the roofline's.

It prints both tables with the machine, checks the issue's two targets (the scratch GRU at
least 0.8 times ``nn.GRU``; real-length ``nn.GRU`` at least 70 % of the roofline in real
words/s) and writes ``--out`` (table 1) and the same name ending ``_real.csv`` (table 2).
``rnnlib.viz.throughput_plot.plot_throughput`` draws them.

Usage: ``.venv/bin/python -m tools.bench_gru [--out _build/bench/gru_throughput.csv]
[--rounds 5] [--quick] [--no-real] [--keep-denormals]``

Measured on a 2-core Xeon container with torch 2.13.0+cpu, 2 threads, medians of 5 rounds
(29.8 s in all, quiet machine): reviews/s seed-style loop 36, BatchedGRU 1,231, nn.GRU 1,518,
bidirectional nn.GRU 745 padded and 299 packed, GEMM roofline 3,625 (261 GFLOP/s): the
scratch GRU at 0.81 times nn.GRU, nn.GRU at 42 % of the roofline. Real lengths (2,531
reviews of 5 to 3,534 words): padding 82.8 % shuffled, 24.2 % bucketed (81 % of it in the
one batch of the 64 longest reviews), nn.GRU at 28 % of the roofline in real words/s. While
other jobs shared the two cores, single runs were up to 15 times slower: compare quiet runs.

Denormal floats are flushed to zero during the run unless ``--keep-denormals`` is given:
backward through long reviews makes gradients pass through them, and an x86 CPU computes
with them tens of times more slowly (``rnnlib.core.runtime.flush_denormal``).

Exit status (see :mod:`tools`): 0 when both tables were written (whether or not the targets
were met: a measurement, not a check), 2 for a bad option or when the reviews cannot be read
(read before anything is timed; ``--no-real`` needs no data).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import pandas as pd
import torch

from rnnlib.core.files import atomic_write_bytes
from rnnlib.core.registry import DataError
from rnnlib.core.runtime import hardware_summary
from rnnlib.studies import roofline, throughput
from tools import EXIT_CANNOT_RUN, EXIT_OK

DEFAULT_OUT = Path("_build/bench/gru_throughput.csv")
#: The issue's targets: the scratch GRU's speed over nn.GRU's, and nn.GRU's share of the
#: roofline in real words/s on the real lengths with length bucketing.
SCRATCH_TARGET = 0.8
ROOFLINE_TARGET = 0.7
SCRATCH_ROW = "BatchedGRU (scratch, batched)"
BUCKETED_ROW = "length-bucketed batches"
SHUFFLED_ROW = "shuffled batches"
#: The chapter's data: reviews per category and sentiment.
REVIEWS_PER_CLASS = 400


def review_lengths() -> list[int]:
    """Words per review of the chapter's training part (balanced categories, 400 per class)."""
    from rnnlib.datasets import sentiment

    reviews = sentiment.load_reviews(sentiment.BALANCED_CATEGORIES)
    train, _ = sentiment.build_datasets(reviews, REVIEWS_PER_CLASS)
    docs, _ = train.documents()
    return [len(doc) for doc in docs]


def real_path(out: Path) -> Path:
    """Where the real-length table goes: ``out`` with ``_real`` before its suffix."""
    return out.with_name(f"{out.stem}_real{out.suffix or '.csv'}")


def _show(table: pd.DataFrame) -> str:
    return table.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}")


def _verdict(value: float, target: float) -> str:
    return "met" if value >= target else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV of the throughput table")
    parser.add_argument("--rounds", type=int, help="counted rounds (default 5; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="one round, one batch each: a smoke run")
    parser.add_argument("--no-real", action="store_true", help="skip the real-length table (no data needed)")
    parser.add_argument("--keep-denormals", action="store_true", help="do not flush denormal floats")
    parser.add_argument("--threads", type=int, help="bound torch's threads (default: leave them)")
    parser.add_argument("--embedding-dim", type=int, default=300)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=100, help="words per synthetic review")
    args = parser.parse_args(argv)
    quick: dict[str, int] = {}
    if args.quick:
        quick = {"steps_per_round": 1, "seed_reviews_per_round": 1, "real_batches_per_round": 4}
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 5)
    try:
        config = throughput.ThroughputConfig(
            embedding_dim=args.embedding_dim, hidden_size=args.hidden, batch_size=args.batch,
            seq_len=args.seq_len, rounds=rounds, threads=args.threads,
            flush_denormal=not args.keep_denormals, **quick,
        )  # fmt: skip
    except ValueError as error:
        parser.error(str(error))
    lengths: list[int] | None = None
    if not args.no_real:
        try:
            lengths = review_lengths()
        except DataError as error:
            print(f"bench_gru: cannot read the reviews (--no-real needs none): {error}", file=sys.stderr)
            return EXIT_CANNOT_RUN

    start = time.perf_counter()
    print(hardware_summary())
    print(f"os.cpu_count() = {os.cpu_count()}, torch threads = {torch.get_num_threads()}")
    shown = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("lr", "vocab_size")}
    print("config: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    flops = roofline.review_flops(config.seq_len, config.embedding_dim, config.hidden_size)
    print(
        f"FLOPs of one review's forward + backward (one direction): 3 * {config.seq_len} * 2 * "
        f"3*{config.hidden_size} * ({config.embedding_dim} + {config.hidden_size}) = {flops:,}"
    )

    table = throughput.throughput_table(config)
    print(f"\nTraining throughput, {config.seq_len}-word reviews, batches of {config.batch_size}:")
    print(_show(table))
    ratio = float(table["vs_nn_gru"].to_dict()[SCRATCH_ROW])
    print(
        f"scratch GRU / nn.GRU: {ratio:.2f} (target >= {SCRATCH_TARGET}): {_verdict(ratio, SCRATCH_TARGET)}"
    )
    atomic_write_bytes(args.out, table.to_csv().encode("utf-8"))
    written = [args.out]

    if lengths is not None:
        real = throughput.real_length_throughput(lengths, config)
        total = sum(lengths)
        print(
            f"\nReal lengths: {len(lengths)} training reviews, {total:,} words, "
            f"{min(lengths)} to {max(lengths)} words (mean {total / len(lengths):.1f})"
        )
        padding = real["padding_fraction"].to_dict()
        before, after = float(padding[SHUFFLED_ROW]), float(padding[BUCKETED_ROW])
        print(f"padding fraction: shuffled batches {before:.1%}, length-bucketed batches {after:.1%}")
        print(_show(real))
        share = float(real["share_of_roofline"].to_dict()[BUCKETED_ROW])
        print(
            f"nn.GRU, length-bucketed, real words/s / roofline: {share:.1%} "
            f"(target >= {ROOFLINE_TARGET:.0%}): {_verdict(share, ROOFLINE_TARGET)}"
        )
        path = real_path(args.out)
        atomic_write_bytes(path, real.to_csv().encode("utf-8"))
        written.append(path)
    print(f"\nwrote {', '.join(map(str, written))} in {time.perf_counter() - start:.1f} s")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
