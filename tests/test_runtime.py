"""rnnlib.core.runtime: fast mode, devices, seeding, durations, hardware, torch threads and denormals."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnlib
from rnnlib.core import runtime
from rnnlib.core.runtime import (
    FAST_ENV,
    Stopwatch,
    describe_device,
    fast_mode,
    format_seconds,
    hardware_summary,
    pick_device,
    scaled,
    seed_everything,
    torch_threads,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_accelerator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    if getattr(torch.backends, "mps", None) is not None:
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Fake GPU 80GB")


def test_the_package_itself_holds_only_its_version() -> None:
    """Every public name has one way in, through its layer (``from rnnlib.core import runtime``):
    the package lists only ``__version__`` (checked against the installed metadata in
    test_release.py), and importing it loads neither a layer nor torch."""
    namespace: dict[str, object] = {}
    exec("from rnnlib import *", namespace)  # raises on a listed name the package lacks
    assert set(namespace) - {"__builtins__"} == set(rnnlib.__all__) == {"__version__"}
    code = (
        "import sys, rnnlib\nprint(sorted(m for m in sys.modules if m.split('.')[0] in {'rnnlib', 'torch'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['rnnlib']"


# --------------------------------------------------------------------------- fast mode


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_fast_mode_on(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(FAST_ENV, value)
    assert fast_mode() is True
    assert scaled(20, 2) == 2


@pytest.mark.parametrize("value", [None, "", "0", "false", "No", "off"])
def test_fast_mode_off(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv(FAST_ENV, raising=False)
    else:
        monkeypatch.setenv(FAST_ENV, value)
    assert fast_mode() is False
    assert scaled(20, 2) == 20
    assert scaled("full", "fast") == "full"


def test_fast_mode_rejects_unclear_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_ENV, "maybe")
    with pytest.raises(
        ValueError, match=r"RNNLIB_FAST='maybe' is not understood: use one of .*'1'.* or unset it"
    ):
        fast_mode()
    with pytest.raises(ValueError, match="not understood"):
        scaled(1, 2)


# --------------------------------------------------------------------------- devices


def test_pick_device_cpu_prints_one_line(no_accelerator: None, capsys: pytest.CaptureFixture[str]) -> None:
    device = pick_device()
    assert device == torch.device("cpu")
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("Using device: cpu (")
    assert "logical cores" in out


def test_pick_device_here_is_cpu_when_no_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the CPU choice is tested with no_accelerator")
    assert pick_device().type in {"cpu", "mps"}
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_pick_device_prefer_cpu_and_quiet(fake_cuda: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert pick_device("cpu", verbose=False) == torch.device("cpu")
    assert capsys.readouterr().out == ""


def test_pick_device_rejects_unknown_name() -> None:
    with pytest.raises(ValueError, match=r"prefer='tpu': use 'cuda', 'mps', 'cpu' or None\."):
        pick_device("tpu")


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_pick_device_unavailable_preference(no_accelerator: None, name: str) -> None:
    with pytest.raises(
        RuntimeError, match=rf"Device '{name}' was requested but is not available.*without prefer"
    ):
        pick_device(name)


def test_pick_device_prefers_cuda_and_describes_it(
    fake_cuda: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pick_device() == torch.device("cuda")
    assert capsys.readouterr().out == "Using device: cuda (Fake GPU 80GB)\n"
    assert pick_device("cuda", verbose=False).type == "cuda"
    assert describe_device("cuda") == "cuda (Fake GPU 80GB)"
    assert describe_device(torch.device("cuda", 0)) == "cuda (Fake GPU 80GB)"


def test_pick_device_mps_when_no_cuda(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device() == torch.device("mps")
    assert capsys.readouterr().out == "Using device: mps (Apple GPU)\n"


def test_pick_device_without_mps_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delattr(torch.backends, "mps")
    assert pick_device(verbose=False) == torch.device("cpu")


def test_describe_device_cpu(four_threads: int) -> None:
    text = describe_device("cpu")
    assert text.startswith("cpu (")
    assert f"{os.cpu_count()} logical cores" in text
    assert text.endswith(", 4 torch threads)")  # set by the fixture
    assert describe_device("mps") == "mps (Apple GPU)"


def test_cpu_name_falls_back_to_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_file(*args: object, **kwargs: object) -> None:
        raise OSError("no /proc here")

    monkeypatch.setattr(runtime, "open", no_file, raising=False)
    monkeypatch.setattr(runtime.platform, "processor", lambda: "")
    monkeypatch.setattr(runtime.platform, "machine", lambda: "testarch")
    assert runtime._cpu_name() == "testarch"
    monkeypatch.setattr(runtime.platform, "machine", lambda: "")
    assert runtime._cpu_name() == "unknown CPU"


def test_hardware_summary(no_accelerator: None) -> None:
    text = hardware_summary()
    assert f"torch {torch.__version__}" in text
    assert "GPU: none" in text
    assert re.search(r"CPU: .+ \(\d+ logical cores\) \| GPU: none \| Python \d+\.\d+", text)


def test_hardware_summary_names_the_gpu(fake_cuda: None) -> None:
    assert "GPU: Fake GPU 80GB" in hardware_summary()


# --------------------------------------------------------------------------- seeding


def _draw() -> tuple[float, float, list[float]]:
    return random.random(), float(np.random.rand()), torch.rand(3).tolist()


def test_seed_everything_is_reproducible() -> None:
    seed_everything(123)
    first = _draw()
    seed_everything(123)
    assert _draw() == first
    seed_everything(124)
    other = _draw()
    assert all(a != b for a, b in zip(first, other, strict=True))


@pytest.mark.parametrize("seed", [0, 2**32 - 1])
def test_seed_everything_accepts_the_bounds(seed: int) -> None:
    seed_everything(seed)
    assert torch.initial_seed() == seed


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "7", None])
def test_seed_everything_rejects_bad_seeds(seed: object) -> None:
    with pytest.raises(ValueError, match=r"seed=.*: use a whole number between 0 and 2\*\*32 - 1\."):
        seed_everything(seed)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0.00 s"),
        (0.42, "0.42 s"),
        (9.5, "9.50 s"),
        (12.34, "12.3 s"),
        (60, "1 min 00 s"),
        (185, "3 min 05 s"),
        (3599, "59 min 59 s"),
        (3600, "1 h 00 min"),
        (3720, "1 h 02 min"),
        (90000, "25 h 00 min"),
    ],
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def test_format_seconds_rejects_negative() -> None:
    with pytest.raises(ValueError, match=r"seconds=-1\.0: a duration cannot be negative"):
        format_seconds(-1.0)


class FakeClock:
    """A ``time`` stand-in for runtime: ``perf_counter`` reads ``now``, which the test moves."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def perf_counter(self) -> float:
        return self.now


def test_stopwatch_measures_and_freezes(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(runtime, "time", clock)
    with Stopwatch() as sw:
        clock.now += 0.42
        assert sw.seconds == pytest.approx(0.42)  # running
        assert str(sw) == "0.42 s"
        clock.now += 184.58
    assert sw.seconds == pytest.approx(185.0)
    assert str(sw) == "3 min 05 s"
    clock.now += 50.0  # stopped: later time does not count
    assert sw.seconds == pytest.approx(185.0)
    assert str(sw) == "3 min 05 s"


def test_stopwatch_restarts_when_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(runtime, "time", clock)
    sw = Stopwatch()
    with sw:
        clock.now += 12.34
    assert str(sw) == "12.3 s"
    with sw:
        clock.now += 3720.0
    assert str(sw) == "1 h 02 min"


def test_stopwatch_reads_the_real_clock() -> None:
    with Stopwatch() as sw:
        time.sleep(0.02)
    assert 0.02 <= sw.seconds < 5
    assert re.fullmatch(r"\d\.\d\d s", str(sw))


def test_stopwatch_never_started() -> None:
    with pytest.raises(RuntimeError, match=r"never started: use it in a `with` block"):
        _ = Stopwatch().seconds


# --------------------------------------------------------------------------- torch threads


def test_torch_threads_bounds_the_block_and_restores(four_threads: int) -> None:
    with torch_threads(1) as inside:
        assert inside == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == 4
    with torch_threads(3) as inside:
        assert inside == 3 and torch.get_num_threads() == 3
    assert torch.get_num_threads() == 4


def test_torch_threads_restores_after_an_error(four_threads: int) -> None:
    with pytest.raises(KeyError, match="boom"), torch_threads(2):
        assert torch.get_num_threads() == 2
        raise KeyError("boom")
    assert torch.get_num_threads() == 4


def test_torch_threads_restores_a_count_changed_inside(four_threads: int) -> None:
    with torch_threads(2):
        torch.set_num_threads(3)
    assert torch.get_num_threads() == 4


def test_torch_threads_never_raises_the_count(four_threads: int, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (calls.append(n), real(n)))
    with torch_threads(16) as inside:
        assert inside == 4 and torch.get_num_threads() == 4
    with torch_threads(4) as inside:
        assert inside == 4
    with torch_threads(None) as inside:  # no bound
        assert inside == 4
    assert calls == [], "a bound at or above the count changes nothing"
    with torch_threads(1):
        pass
    assert calls == [1, 4]


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_torch_threads_rejects_bad_counts(n: object, four_threads: int) -> None:
    with pytest.raises(ValueError, match=rf"n={re.escape(repr(n))}: .*whole number of at least 1"):
        with torch_threads(n):  # type: ignore[arg-type]
            pass
    assert torch.get_num_threads() == 4


def test_torch_threads_accepts_numpy_integers(four_threads: int) -> None:
    with torch_threads(np.int64(2)) as inside:
        assert inside == 2 and torch.get_num_threads() == 2


def test_peak_memory_mb_grows_with_a_big_allocation() -> None:
    before = runtime.peak_memory_mb()
    assert before is not None and before["this process"] > 10 and before["child processes"] >= 0
    block = np.ones(300 * 1024 * 1024 // 8)  # 300 MB, touched
    after = runtime.peak_memory_mb()
    assert after is not None and after["this process"] >= before["this process"]
    assert after["this process"] > 300
    del block


def test_peak_memory_mb_without_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_resource(name: str, *args: object, **kwargs: object) -> object:
        if name == "resource":
            raise ImportError("no resource module here (as on Windows)")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_resource)
    assert runtime.peak_memory_mb() is None


# --------------------------------------------------------------------------- denormal floats


def denormal_survives() -> bool:
    """Whether 1e-39, below float32's smallest normal number (about 1.2e-38), survives a product."""
    return float((torch.tensor([1e-39], dtype=torch.float32) * 1.0).item()) != 0.0


def test_flush_denormal_flushes_inside_and_restores_after() -> None:
    before = denormal_survives()
    with runtime.flush_denormal(True) as on:
        # x86 CPUs can flush; elsewhere torch.set_flush_denormal says it cannot, and nothing changes
        assert on is (not denormal_survives())
    assert denormal_survives() is before


def test_flush_denormal_off_inside_a_flushed_block_and_back() -> None:
    before = denormal_survives()
    with runtime.flush_denormal(True) as on:
        with runtime.flush_denormal(False) as inner:
            assert inner is False and denormal_survives()
        assert denormal_survives() is (not on)  # the outer block's setting is back
    assert denormal_survives() is before


def test_flush_denormal_restores_after_an_error() -> None:
    before = denormal_survives()
    with pytest.raises(RuntimeError, match="boom"), runtime.flush_denormal(True):
        raise RuntimeError("boom")
    assert denormal_survives() is before


@pytest.mark.parametrize("on", [1, "yes", None])
def test_flush_denormal_takes_only_a_bool(on: object) -> None:
    before = denormal_survives()
    with pytest.raises(TypeError, match=r"flush_denormal\(on=\.\.\.\) takes True or False, got"):
        with runtime.flush_denormal(on):  # type: ignore[arg-type]
            pass
    assert denormal_survives() is before
