"""Time the one-example-at-a-time training loops with many torch threads, bounded and not.

A GPU machine with 16 cores ran chapter 1's ``rnnlib.models.charrnn.train_lecture_rnn`` for
over 250 s where a 2-core machine took 87 s: every step works on tensors of a few hundred
numbers, and torch's 16 intra-op threads cost more to wake and synchronise than they save.
The loops now bound the threads (``threads=`` of the loop, default
``charrnn.LECTURE_LOOP_THREADS`` / ``textnet.REVIEW_LOOP_THREADS``); this script measures
that choice, side by side in one process:

- ``16 threads, unbounded``: ``torch.set_num_threads(16)``, the loop with ``threads=None``;
- ``16 threads, bound N``: ``torch.set_num_threads(16)``, the loop with ``threads=N`` (each N
  of ``--bounds``; the loop's default is marked);
- ``2 threads, unbounded``: ``torch.set_num_threads(2)``, the loop with ``threads=None``.

``--loop lecture`` (default): a fresh LectureRNN (57 one-hot letters, hidden 128, 18 classes)
trains ``--steps`` steps on synthetic names whose lengths follow the real surnames.
``--loop textnet``: a fresh TEXTnet (chapter 2's vocabulary of 8,226 words, hidden 512) trains
one pass over ``--reviews`` synthetic reviews (word indices) with the lecture's SGD, then
predicts them.

The configurations are interleaved, one of each per round, after a warm-up round, so that a
busy moment of a shared machine slows them alike; the median of ``--repeats`` rounds is
printed with its ratio to the loop's default. On a machine with fewer than 16 cores,
16 threads oversubscribe the cores, which reproduces the slowdown.

Usage: ``.venv/bin/python -m tools.bench_threads [--loop lecture] [--steps 3000] [--repeats 5]
[--bounds 1 2]``

Measured on a 2-core Xeon container with torch 2.13.0+cpu, ``--bounds 1 2``, medians of 5 rounds:

- lecture, 3000 steps: 16 threads unbounded 1.85 ms/step, bound 1 0.89, bound 2 0.97,
  2 threads 1.01: one thread is fastest (``charrnn.LECTURE_LOOP_THREADS = 1``);
- textnet, 40 reviews of 156 words: 16 threads unbounded 256 ms/review, bound 1 143,
  bound 2 79, 2 threads 79: two threads are fastest (``textnet.REVIEW_LOOP_THREADS = 2``).

While other jobs kept one of the two cores busy, single runs with two threads took 5 to 90 times
longer than quiet ones, runs with one thread at most 1.5 times: compare quiet medians only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import string
import sys
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import torch

from rnnlib.core.runtime import hardware_summary
from rnnlib.datasets.surnames import ALPHABET, N_LETTERS, SurnameCorpus
from rnnlib.models import charrnn, textnet
from tools import EXIT_OK

#: How many of the 20,074 surnames of the course's 18 language files have 2, 3, ..., 20 letters
#: (counted from the files in shared/data/names): the synthetic names follow this distribution.
NAME_LENGTHS: dict[int, int] = {
    2: 48, 3: 337, 4: 1320, 5: 2709, 6: 3924, 7: 3682, 8: 3068, 9: 2273, 10: 1460, 11: 712,
    12: 324, 13: 121, 14: 46, 15: 13, 16: 8, 17: 24, 18: 3, 19: 1, 20: 1,
}  # fmt: skip
CLASSES = 18
HIDDEN = 128
#: Chapter 2's vocabulary for n = 40 reviews per category and sentiment (its vocabulary table).
VOCAB = 8226
#: Synthetic review lengths, in words: an assumption, not measured from the reviews.
REVIEW_WORDS = (20, 250)


def synthetic_corpus(size: int = 2000, seed: int = 0) -> SurnameCorpus:
    """``size`` random names of realistic length over the ASCII letters, 18 random labels."""
    rng = np.random.default_rng(seed)
    lengths = np.array(list(NAME_LENGTHS))
    weights = np.array(list(NAME_LENGTHS.values()), dtype=float)
    letters = np.array(list(string.ascii_lowercase))
    names = []
    for n in rng.choice(lengths, size=size, p=weights / weights.sum()):
        name = "".join(rng.choice(letters, size=int(n)))
        names.append(name[0].upper() + name[1:])
    assert all(c in ALPHABET for name in names for c in name)
    return SurnameCorpus(names, rng.integers(CLASSES, size=size), [f"lang{i}" for i in range(CLASSES)])


def synthetic_reviews(count: int, seed: int = 0) -> list[tuple[torch.Tensor, int]]:
    """``count`` (word indices, sentiment) pairs of random words."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(REVIEW_WORDS[0], REVIEW_WORDS[1] + 1, (count,), generator=gen)
    return [(torch.randint(VOCAB, (int(n),), generator=gen), i % 2) for i, n in enumerate(lengths)]


def time_lecture(corpus: SurnameCorpus, steps: int, set_threads: int, bound: int | None) -> float:
    """Seconds of ``train_lecture_rnn`` on a fresh model with ``set_threads`` set and ``bound``."""
    torch.set_num_threads(set_threads)
    torch.manual_seed(0)
    model = charrnn.LectureRNN(N_LETTERS, HIDDEN, CLASSES)
    start = time.perf_counter()
    charrnn.train_lecture_rnn(model, corpus, steps=steps, record_every=steps, seed=0, threads=bound)
    return time.perf_counter() - start


def time_textnet(reviews: list[tuple[torch.Tensor, int]], set_threads: int, bound: int | None) -> float:
    """Seconds of one training pass and one prediction pass of a fresh TEXTnet."""
    torch.set_num_threads(set_threads)
    torch.manual_seed(0)
    model = textnet.TEXTnet(VOCAB, 512)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-5, momentum=0.9)
    start = time.perf_counter()
    textnet.train_one_review_at_a_time(model, reviews, optimizer, record_every=len(reviews), threads=bound)
    textnet.predict_reviews(model, reviews, threads=bound)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["lecture", "textnet"], default="lecture")
    parser.add_argument("--steps", type=int, default=3000, help="lecture: training steps per timed run")
    parser.add_argument("--reviews", type=int, default=40, help="textnet: reviews per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (after one warm-up round)")
    parser.add_argument("--threads", type=int, default=16, help="the many-thread setting")
    parser.add_argument("--bounds", type=int, nargs="+", help="bounds to try (default: the loop's)")
    args = parser.parse_args(argv)
    default = charrnn.LECTURE_LOOP_THREADS if args.loop == "lecture" else textnet.REVIEW_LOOP_THREADS
    bounds = args.bounds or [default]
    if min(args.steps, args.reviews, args.repeats, args.threads, *bounds) < 1:
        parser.error("--steps, --reviews, --repeats, --threads and --bounds must be at least 1")

    os.environ.setdefault("RNNLIB_PROGRESS", "0")
    if args.loop == "lecture":
        corpus = synthetic_corpus()
        run = partial(time_lecture, corpus, args.steps)
        what = (
            f"train_lecture_rnn: LectureRNN({N_LETTERS}, {HIDDEN}, {CLASSES}), {args.steps} steps per run, "
            f"mean name length {np.mean([len(n) for n in corpus.names]):.2f} letters"
        )
        unit, count = "ms/step", args.steps
    else:
        reviews = synthetic_reviews(args.reviews)
        run = partial(time_textnet, reviews)
        what = (
            f"train_one_review_at_a_time + predict_reviews: TEXTnet({VOCAB}, 512), {args.reviews} "
            f"reviews of {np.mean([len(r) for r, _ in reviews]):.0f} words on average per run"
        )
        unit, count = "ms/review", args.reviews

    many = args.threads
    configs: dict[str, Callable[[], float]] = {f"{many} threads, unbounded": partial(run, many, None)}
    for bound in dict.fromkeys(bounds):
        mark = " (default)" if bound == default else ""
        configs[f"{many} threads, bound {bound}{mark}"] = partial(run, many, bound)
    configs["2 threads, unbounded"] = partial(run, 2, None)
    marked = f"{many} threads, bound {default} (default)"
    reference = marked if marked in configs else f"{many} threads, bound {bounds[0]}"

    before = torch.get_num_threads()
    print(hardware_summary())
    print(f"os.cpu_count() = {os.cpu_count()}, torch threads at start = {before}")
    print(f"{what}; {args.repeats} interleaved rounds after a warm-up round")
    times: dict[str, list[float]] = {name: [] for name in configs}
    try:
        for round_ in range(args.repeats + 1):
            for name, timed in configs.items():
                seconds = timed()
                if round_ > 0:  # round 0 warms up allocators and thread pools
                    times[name].append(seconds)
    finally:
        torch.set_num_threads(before)

    median = {name: statistics.median(ts) for name, ts in times.items()}
    width = max(map(len, configs))
    print(f"\n{'configuration':<{width}}  median s  {unit:>9}  ratio   all runs (s)")
    for name in configs:
        runs = " ".join(f"{t:.2f}" for t in times[name])
        print(
            f"{name:<{width}}  {median[name]:8.2f}  {1000 * median[name] / count:9.3f}  "
            f"{median[name] / median[reference]:5.2f}   {runs}"
        )
    bounded, two = median[reference], median["2 threads, unbounded"]
    print(f"(ratio: median / median of {reference!r})")
    print(f"unbounded {many} threads / {reference}: {median[f'{many} threads, unbounded'] / bounded:.2f}")
    print(f"{reference} / 2 threads unbounded: {bounded / two:.2f} (at most 1: not slower than 2 threads)")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
