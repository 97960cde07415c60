"""Independent training runs side by side, one process per CPU core.

Small recurrent networks (a few dozen units, batches of a few hundred windows) keep one core
busy with many small operations; a second torch thread adds little. Two *runs* in two processes,
one thread each, use both cores of a 2-core machine fully: chapter 6's forecasters train about
1.8 times as many runs per hour that way (measured on the course's 2-core machine).

:func:`parallel_map` runs ``fn(item)`` for every item, in worker processes started with
``spawn`` (the same on Linux, macOS and Windows, and safe after torch has started threads),
and returns the results in the order of the items. ``fn`` must be importable by a fresh
process: a function defined in a module (such as :func:`rnnlib.studies.forecast_runs.train_forecaster`),
not in a notebook cell. With one worker, or on a machine with a GPU (one device serves one run
at a time best), everything runs in the calling process.

``RNNLIB_WORKERS=<n>`` overrides the number of workers (``1``: no worker processes).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from typing import TypeVar

import torch

__all__ = ["WORKERS_ENV", "default_workers", "parallel_map"]

WORKERS_ENV = "RNNLIB_WORKERS"

T = TypeVar("T")
R = TypeVar("R")


def default_workers(tasks: int) -> int:
    """How many worker processes :func:`parallel_map` starts for ``tasks`` tasks.

    ``RNNLIB_WORKERS`` if set; otherwise 1 on a machine with a CUDA GPU, else one per CPU core
    (at most one per task).

    Raises:
        ValueError: ``RNNLIB_WORKERS`` is not a whole number of at least 1.
    """
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(
                f"{WORKERS_ENV}={raw!r}: set it to a whole number of worker processes, at least 1."
            )
        return max(1, min(int(raw), tasks))
    if torch.cuda.is_available():
        return 1
    return max(1, min(os.cpu_count() or 1, tasks))


def _start_worker(threads: int, flush_denormal: bool) -> None:
    torch.set_num_threads(threads)
    torch.set_flush_denormal(flush_denormal)


def parallel_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int | None = None,
    flush_denormal: bool = True,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``[fn(item) for item in items]``, computed by ``workers`` processes at once.

    Args:
        fn: a function importable by a new process (defined in a module; a
            :func:`functools.partial` of one works too).
        items: the arguments, each picklable.
        workers: processes to use (None: :func:`default_workers`). Each gets
            ``cpu_count // workers`` torch threads. 1 runs everything here, in order.
        flush_denormal: set ``torch.set_flush_denormal`` in every worker (chapter 5 explains
            why: gradients through long sequences slow down on denormal floats).
        on_result: called as ``on_result(index, result)`` when a result arrives (in the
            order runs finish), e.g. to print a line per finished run.

    Returns:
        The results, in the order of ``items``.

    Raises:
        ValueError: ``workers`` below 1.
        TypeError: ``fn`` cannot be sent to a worker process (the message says what to do).
        Exception: the first error raised by ``fn`` in a worker, re-raised here; the runs
            not yet started are cancelled.
    """
    tasks = list(items)
    if workers is None:
        workers = default_workers(len(tasks))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r}: use a whole number of processes, at least 1.")
    workers = min(workers, max(1, len(tasks)))
    if workers == 1:
        results = []
        for index, item in enumerate(tasks):
            result = fn(item)
            if on_result is not None:
                on_result(index, result)
            results.append(result)
        return results
    try:
        pickle.dumps(fn)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        raise TypeError(
            f"{getattr(fn, '__name__', fn)!r} cannot be sent to a worker process ({error}). Define it "
            "in a module that a new Python process can import (not in a notebook cell), or pass "
            "workers=1 to run everything in this process."
        ) from error
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context("spawn")
    done: dict[int, R] = {}
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(threads, flush_denormal)
    ) as pool:
        futures: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(tasks)}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in finished:
                    index = futures[future]
                    failure = future.exception()
                    if failure is not None:
                        raise failure
                    done[index] = future.result()
                    if on_result is not None:
                        on_result(index, done[index])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [done[i] for i in range(len(tasks))]
