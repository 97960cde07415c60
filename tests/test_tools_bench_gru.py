"""tools/bench_gru.py: a tiny run writes both CSVs and prints the targets; bad options fail."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from rnnlib.core.registry import DataUnavailableError
from tools import EXIT_CANNOT_RUN, bench_gru

TINY = ["--quick", "--embedding-dim", "8", "--hidden", "4", "--batch", "4", "--seq-len", "5"]
LENGTHS = [3, 5, 1, 7, 2, 9, 4, 4, 8, 30, 2, 3]


@pytest.fixture
def fake_lengths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_gru, "review_lengths", lambda: list(LENGTHS))


@pytest.mark.usefixtures("fake_lengths")
def test_a_tiny_run_writes_both_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = torch.get_num_threads()
    out = tmp_path / "bench" / "gru.csv"
    assert bench_gru.main([*TINY, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert torch.get_num_threads() == before
    table = pd.read_csv(out, index_col=0)
    assert list(table.index)[:3] == ["seed-style loop (batch 1)", "BatchedGRU (scratch, batched)", "nn.GRU"]
    assert {"reviews_per_s", "words_per_s", "share_of_roofline", "vs_nn_gru"} <= set(table.columns)
    real = pd.read_csv(tmp_path / "bench" / "gru_real.csv", index_col=0)
    assert list(real.index) == ["shuffled batches", "length-bucketed batches", "GEMM roofline"]
    assert {"padding_fraction", "real_words_per_s", "share_of_roofline"} <= set(real.columns)
    assert "CPU:" in printed and "3 * 5 * 2 * 3*4 * (8 + 4) = 4,320" in printed
    assert "scratch GRU / nn.GRU:" in printed and "(target >= 0.8)" in printed
    shuffled, bucketed = real["padding_fraction"].iloc[:2]
    assert (
        f"padding fraction: shuffled batches {shuffled:.1%}, length-bucketed batches {bucketed:.1%}"
        in printed
    )
    assert "(target >= 70%)" in printed and f"wrote {out}" in printed


def test_no_real_needs_no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_data() -> list[int]:
        raise AssertionError("--no-real must not read the reviews")

    monkeypatch.setattr(bench_gru, "review_lengths", no_data)
    out = tmp_path / "t.csv"
    assert bench_gru.main([*TINY, "--no-real", "--out", str(out), "--rounds", "1"]) == 0
    assert out.exists() and not bench_gru.real_path(out).exists()


def test_the_real_table_sits_beside_the_main_one() -> None:
    assert bench_gru.real_path(Path("_build/bench/gru_throughput.csv")) == Path(
        "_build/bench/gru_throughput_real.csv"
    )
    assert bench_gru.real_path(Path("out")) == Path("out_real.csv")


@pytest.mark.parametrize("bad", [["--rounds", "0"], ["--hidden", "0"], ["--threads", "0"], ["--batch", "-1"]])
def test_bad_sizes_are_refused(bad: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench_gru.main([*TINY, *bad, "--no-real", "--out", str(tmp_path / "x.csv")])
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.usefixtures("mirror")
def test_review_lengths_are_the_chapters_training_reviews() -> None:
    lengths = bench_gru.review_lengths()
    # 4 categories x 2 sentiments x 400 reviews, 80 % for training, fewer after dropping repeats.
    assert 2000 < len(lengths) <= 4 * 2 * 320
    assert min(lengths) >= 1 and max(lengths) > 1000


def test_missing_reviews_stop_the_run_before_anything_is_timed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_data() -> list[int]:
        raise DataUnavailableError("the reviews are nowhere: set RNNLIB_DATA_MIRROR")

    def no_timing(*args: object, **kwargs: object) -> None:
        raise AssertionError("timed before the data was read")

    monkeypatch.setattr(bench_gru, "review_lengths", no_data)
    monkeypatch.setattr(bench_gru.throughput, "throughput_table", no_timing)
    out = tmp_path / "t.csv"
    assert bench_gru.main([*TINY, "--out", str(out)]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert "bench_gru: cannot read the reviews (--no-real needs none): the reviews are nowhere" in err
    assert not out.exists()
