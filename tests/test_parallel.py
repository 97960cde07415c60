"""rnnlib.core.parallel: results in order, worker processes, errors, the environment override."""

from __future__ import annotations

import os

import pytest
from parallel_helpers import fail_on_three, square, worker_state

from rnnlib.core.parallel import WORKERS_ENV, default_workers, parallel_map


def test_results_come_back_in_the_order_of_the_items() -> None:
    seen: list[tuple[int, int]] = []
    results = parallel_map(square, [3, 1, 4, 1, 5], workers=2, on_result=lambda i, r: seen.append((i, r)))
    assert results == [9, 1, 16, 1, 25]
    assert sorted(seen) == [(0, 9), (1, 1), (2, 16), (3, 1), (4, 25)]


def test_workers_are_other_processes_with_their_share_of_the_threads() -> None:
    states = parallel_map(worker_state, range(4), workers=2)
    assert all(pid != os.getpid() for pid, _ in states)
    assert len({pid for pid, _ in states}) <= 2
    assert {threads for _, threads in states} == {max(1, (os.cpu_count() or 1) // 2)}


def test_one_worker_runs_here_in_order() -> None:
    seen: list[int] = []
    result = parallel_map(lambda x: x + 1, [1, 2, 3], workers=1, on_result=lambda i, _: seen.append(i))
    assert result == [2, 3, 4]
    assert seen == [0, 1, 2]
    assert parallel_map(worker_state, [0], workers=1)[0][0] == os.getpid()
    assert parallel_map(square, [], workers=3) == []


def test_an_error_in_a_worker_reaches_the_caller() -> None:
    with pytest.raises(ValueError, match=r"item 3 is bad"):
        parallel_map(fail_on_three, [1, 2, 3, 4], workers=2)


def test_a_function_a_worker_cannot_import_is_refused_with_the_fix() -> None:
    with pytest.raises(TypeError, match=r"cannot be sent to a worker process.*workers=1"):
        parallel_map(lambda x: x, [1, 2], workers=2)


def test_default_workers_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert 1 <= default_workers(10) <= (os.cpu_count() or 1)
    assert default_workers(1) == 1
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_workers(10) == 3 and default_workers(2) == 2
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(WORKERS_ENV, bad)
        with pytest.raises(ValueError, match=r"RNNLIB_WORKERS=.*whole number of worker processes"):
            default_workers(4)


def test_bad_worker_counts() -> None:
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=r"workers=.*at least 1"):
            parallel_map(square, [1], workers=bad)  # type: ignore[arg-type]
