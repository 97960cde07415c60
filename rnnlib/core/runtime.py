"""Run-time set-up shared by every chapter: device, seeds, fast mode, hardware, timing."""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TypeVar

import numpy as np
import torch

from rnnlib.core.env import env_flag

FAST_ENV = "RNNLIB_FAST"

T = TypeVar("T")

__all__ = [
    "FAST_ENV",
    "Stopwatch",
    "describe_device",
    "fast_mode",
    "flush_denormal",
    "format_seconds",
    "hardware_summary",
    "peak_memory_mb",
    "pick_device",
    "scaled",
    "seed_everything",
    "torch_threads",
]


def fast_mode() -> bool:
    """Whether fast mode is on (``RNNLIB_FAST=1``).

    Fast mode is how CI runs every notebook in minutes: each chapter decides what
    shrinks (training steps, epochs); data, shapes and checks stay the same.

    Raises:
        ValueError: the variable holds something other than a yes/no value.
    """
    return env_flag(FAST_ENV)


def scaled(full: T, fast: T) -> T:
    """Return ``fast`` in fast mode and ``full`` otherwise (``epochs = scaled(20, 2)``)."""
    return fast if fast_mode() else full


def pick_device(prefer: str | None = None, *, verbose: bool = True) -> torch.device:
    """Choose where to train: CUDA if available, then Apple's MPS, then the CPU.

    Args:
        prefer: force ``"cuda"``, ``"mps"`` or ``"cpu"``; None picks the best available.
        verbose: print one line saying which device was chosen.

    Raises:
        ValueError: ``prefer`` is not one of the three names.
        RuntimeError: the preferred device is not available on this machine.
    """
    if prefer is not None and prefer not in {"cuda", "mps", "cpu"}:
        raise ValueError(f"prefer={prefer!r}: use 'cuda', 'mps', 'cpu' or None.")
    mps = getattr(torch.backends, "mps", None)
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": bool(mps is not None and mps.is_available()),
        "cpu": True,
    }
    if prefer is None:
        name = next(n for n in ("cuda", "mps", "cpu") if available[n])
    elif available[prefer]:
        name = prefer
    else:
        raise RuntimeError(
            f"Device {prefer!r} was requested but is not available here. On Colab choose "
            "Runtime > Change runtime type > GPU, or call pick_device() without prefer."
        )
    device = torch.device(name)
    if verbose:
        print(f"Using device: {describe_device(device)}")
    return device


def describe_device(device: torch.device | str) -> str:
    """One line naming the device, e.g. ``cuda (NVIDIA H100 80GB HBM3)``."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return f"cpu ({_cpu_name()}, {os.cpu_count()} logical cores, {torch.get_num_threads()} torch threads)"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def hardware_summary() -> str:
    """One line describing the machine a run happened on (printed by full runs)."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (
        f"CPU: {_cpu_name()} ({os.cpu_count()} logical cores) | GPU: {gpu} | "
        f"Python {platform.python_version()} | torch {torch.__version__}"
    )


def peak_memory_mb() -> dict[str, float] | None:
    """The largest resident memory so far, in MB: ``{"this process": ..., "child processes": ...}``.

    "child processes" is the largest of the finished worker processes (e.g. those of
    :func:`rnnlib.core.parallel.parallel_map`), 0 when there were none. Read from the operating
    system's resource accounting (Linux and macOS); None where it is not available (Windows).
    """
    try:
        import resource
    except ImportError:  # Windows
        return None
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS
    unit = 1 / 1024 if platform.system() != "Darwin" else 1 / 1024**2
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * unit
    return {"this process": float(own), "child processes": float(children)}


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's (CPU and CUDA) random generators.

    Raises:
        ValueError: ``seed`` is not a non-negative integer below 2**32.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed={seed!r}: use a whole number between 0 and 2**32 - 1.")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


@contextmanager
def torch_threads(n: int | None) -> Iterator[int]:
    """Run a block with at most ``n`` torch CPU threads, then restore the previous count.

    ``with torch_threads(1): ...`` lowers ``torch.get_num_threads()`` to ``min(n, current)`` (it
    never raises it) and sets it back when the block ends, also when the block raises.
    ``torch_threads(None)`` leaves the count alone. Loops of tiny operations use it: a 16-core
    GPU machine ran chapter 1's one-name-at-a-time training loop for over 250 s with its 16
    default threads, a 2-core machine for 87 s (``tools/bench_threads.py`` measures it).

    Yields:
        The number of threads in force inside the block.

    Raises:
        ValueError: ``n`` is not None or a whole number of at least 1.
    """
    if n is not None and (isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1):
        raise ValueError(
            f"n={n!r}: the number of torch threads must be a whole number of at least 1 (None: no bound)."
        )
    before = torch.get_num_threads()
    inside = before if n is None else min(int(n), before)
    if inside != before:
        torch.set_num_threads(inside)
    try:
        yield inside
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def format_seconds(seconds: float) -> str:
    """Format a duration for people: ``0.42 s``, ``12.3 s``, ``3 min 05 s``, ``1 h 02 min``."""
    if seconds < 0:
        raise ValueError(f"seconds={seconds!r}: a duration cannot be negative.")
    if round(seconds, 2) < 10:
        return f"{seconds:.2f} s"
    if round(seconds, 1) < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Stopwatch:
    """Measure wall time: ``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __init__(self) -> None:
        self._start: float | None = None
        self._stop: float | None = None

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        self._stop = None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds elapsed (so far, if still running)."""
        if self._start is None:
            raise RuntimeError("Stopwatch was never started: use it in a `with` block.")
        end = self._stop if self._stop is not None else time.perf_counter()
        return end - self._start

    def __str__(self) -> str:
        return format_seconds(self.seconds)


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

    Raises:
        TypeError: ``on`` is not a bool.
    """
    if not isinstance(on, bool):
        raise TypeError(f"flush_denormal(on=...) takes True or False, got {on!r}.")
    before = _denormals_flushed()
    supported = torch.set_flush_denormal(on)
    try:
        yield bool(on and supported)
    finally:
        torch.set_flush_denormal(before)
