"""Functions that worker processes of tests/test_parallel.py import (a test module's own
functions would be imported under another name by a spawned process)."""

from __future__ import annotations

import os

import torch


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError(f"item {x} is bad")
    return x


def worker_state(_: int) -> tuple[int, int]:
    """(process id, torch threads) of whoever runs it."""
    return os.getpid(), torch.get_num_threads()
