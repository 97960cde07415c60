"""rnnlib.studies.throughput and rnnlib.viz.throughput_plot: formulas, tables and figures.

Tiny shapes only, and no speed is asserted (a benchmark is no test): the checks are on the
FLOP count, on the table worked out by hand from known timings, and on the errors.
(:func:`rnnlib.core.runtime.flush_denormal` is tested in test_runtime.py.)
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

from rnnlib.core import runtime
from rnnlib.core.batching import LengthBucketSampler, padding_fraction, shuffled_batches
from rnnlib.studies import roofline, throughput
from rnnlib.studies.roofline import GEMM_NAMES, Roofline, ThroughputConfig, small_config
from rnnlib.viz.throughput_plot import plot_throughput

#: Skewed lengths, like reviews: many short, a few long.
LENGTHS = [3, 5, 1, 7, 2, 9, 4, 4, 8, 30, 2, 3, 6, 1, 12, 2, 5, 3]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return throughput.throughput_table(small_config(rounds=2))


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return throughput.real_length_throughput(LENGTHS, small_config())


# ------------------------------------------------------------------------------------ formulas


def test_review_flops_matches_the_hand_worked_number() -> None:
    # T = 100, D = 300, H = 100. Forward, per word: 2 * 3H * (D + H) = 2 * 300 * 400 = 240,000
    # (input projection 2 * 300 * 300 = 180,000, recurrent 2 * 300 * 100 = 60,000). Forward +
    # backward = 3 * 240,000 = 720,000 per word; 100 words: 72,000,000. Two directions: twice.
    assert roofline.review_flops(100, 300, 100) == 72_000_000
    assert roofline.review_flops(100, 300, 100, directions=2) == 144_000_000
    assert roofline.review_flops(1, 1, 1) == 3 * 2 * 3 * 2  # 36


@pytest.mark.parametrize(
    "config", [ThroughputConfig(), small_config(), small_config(batch_size=3, seq_len=7)]
)
def test_the_step_products_add_up_to_the_review_flops(config: ThroughputConfig) -> None:
    shapes = roofline.gemm_shapes(config)
    assert tuple(s.name for s in shapes) == GEMM_NAMES
    per_review = roofline.review_flops(config.seq_len, config.embedding_dim, config.hidden_size)
    assert sum(s.flops for s in shapes) == config.batch_size * per_review


def test_the_step_products_have_the_chapters_shapes() -> None:
    shapes = {s.name: (s.m, s.k, s.n, s.calls) for s in roofline.gemm_shapes(ThroughputConfig())}
    assert shapes["input projection, forward"] == (6400, 300, 300, 1)
    assert shapes["input projection, weight gradient"] == (300, 6400, 300, 1)
    assert shapes["recurrent, forward"] == (64, 100, 300, 100)
    assert shapes["recurrent, input gradient"] == (64, 300, 100, 100)


def test_a_roofline_follows_from_its_product_times() -> None:
    config = small_config()  # B=4, T=5, D=8, H=4: review FLOPs 3 * 5 * 2 * 12 * 12 = 4,320
    roof = Roofline(config, dict.fromkeys(GEMM_NAMES, 1e-6))
    assert roof.batch_seconds == pytest.approx(3 * 1e-6 + 3 * 5 * 1e-6)  # 3 products once, 3 five times
    assert roof.flops_per_batch == 4 * 4320
    assert roof.gflop_per_s == pytest.approx(4 * 4320 / 18e-6 / 1e9)
    assert roof.reviews_per_s() == pytest.approx(4 / 18e-6)  # a batch of 4 in 18 µs
    assert roof.reviews_per_s(2) == pytest.approx(roof.reviews_per_s() / 2)
    assert roof.words_per_s() == pytest.approx(5 * roof.reviews_per_s())
    products = roof.table()
    assert list(products.index) == list(GEMM_NAMES)
    assert products.loc["recurrent, forward", "shape"] == "(4, 4) @ (4, 12)"
    assert products["ms_per_call"].tolist() == pytest.approx([1e-3] * 6)


def test_gemm_roofline_measures_every_product() -> None:
    roof = roofline.gemm_roofline(small_config())
    assert set(roof.seconds_per_call) == set(GEMM_NAMES)
    assert all(s > 0 for s in roof.seconds_per_call.values())
    assert math.isfinite(roof.gflop_per_s) and roof.gflop_per_s > 0


# -------------------------------------------------------------------------------- the table


#: Seconds of one counted round per candidate, chosen for round rates: small_config trains one
#: batch of 4 reviews per round (the seed-style loop: 1 review).
FAKE_ROUND_SECONDS = {
    "seed-style loop (batch 1)": 0.5,  # 1 review in 0.5 s: 2 reviews/s
    "BatchedGRU (scratch, batched)": 0.1,  # 40 reviews/s
    "nn.GRU": 0.02,  # 200
    "nn.GRU bidirectional (padded)": 0.04,  # 100
    "bidirectional, reversed copy": 0.05,  # 80
    "nn.GRU bidirectional (packed)": 0.08,  # 50
    "GEMM roofline": 1.0,  # not read: the roofline comes from its products' times
}


def fake_interleave(timers: dict[str, object], rounds: int) -> dict[str, float]:
    return {name: FAKE_ROUND_SECONDS[name] for name in timers}


class FakeGemmTimer:
    """Every product of a training step takes 1 µs per call."""

    def __init__(self, config: ThroughputConfig) -> None:
        self.config = config

    def __call__(self) -> float:
        return 0.0

    def roofline(self, config: ThroughputConfig) -> Roofline:
        return Roofline(config, dict.fromkeys(GEMM_NAMES, 1e-6))


def test_the_table_by_hand_from_known_timings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole table from known round times, every number worked out by hand."""
    monkeypatch.setattr(throughput, "interleave", fake_interleave)
    monkeypatch.setattr(throughput, "GemmTimer", FakeGemmTimer)
    table = throughput.throughput_table(small_config())
    # B=4, T=5, D=8, H=4. Review FLOPs: 3 * 5 * 2 * 12 * (8 + 4) = 4,320, bidirectional 8,640.
    # Roofline: 3 products once and 3 five times, 1 µs each: 18 µs for a batch of 4 reviews,
    # so 4 / 18e-6 = 222,222.2 reviews/s (bidirectional: half), 4 * 4,320 / 18e-6 = 0.96 GFLOP/s.
    roof1, roof2 = 4 / 18e-6, 2 / 18e-6
    columns = ["directions", "reviews_per_s", "words_per_s", "gflop_per_s", "share_of_roofline",
               "vs_nn_gru", "ms_per_review"]  # fmt: skip
    rows = {
        "seed-style loop (batch 1)": (1, 2.0, 10.0, 2 * 4320e-9, 2 / roof1, 0.01, 500.0),
        "BatchedGRU (scratch, batched)": (1, 40.0, 200.0, 40 * 4320e-9, 40 / roof1, 0.2, 25.0),
        "nn.GRU": (1, 200.0, 1000.0, 200 * 4320e-9, 200 / roof1, 1.0, 5.0),
        "nn.GRU bidirectional (padded)": (2, 100.0, 500.0, 100 * 8640e-9, 100 / roof2, 0.5, 10.0),
        "bidirectional, reversed copy": (2, 80.0, 400.0, 80 * 8640e-9, 80 / roof2, 0.4, 12.5),
        "nn.GRU bidirectional (packed)": (2, 50.0, 250.0, 50 * 8640e-9, 50 / roof2, 0.25, 20.0),
        "GEMM roofline": (1, roof1, 5 * roof1, 0.96, 1.0, math.nan, 1000 / roof1),
        "GEMM roofline bidirectional": (2, roof2, 5 * roof2, 0.96, 1.0, math.nan, 1000 / roof2),
    }
    expected = pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("candidate")
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-9)


def test_a_real_run_fills_every_row(table: pd.DataFrame) -> None:
    assert list(table.index) == [*throughput.CANDIDATES, "GEMM roofline", "GEMM roofline bidirectional"]
    assert table.columns[0] == "directions" and table.shape == (8, 7)
    rates = table[["reviews_per_s", "words_per_s", "gflop_per_s", "share_of_roofline", "ms_per_review"]]
    assert np.isfinite(rates.to_numpy()).all() and (rates.to_numpy() > 0).all()


def test_the_run_restores_threads_and_the_denormal_setting() -> None:
    before = torch.get_num_threads()
    flushed = runtime._denormals_flushed()
    throughput.throughput_table(small_config(threads=1, steps_per_round=1))
    assert torch.get_num_threads() == before
    assert runtime._denormals_flushed() == flushed


# --------------------------------------------------------------------------- real lengths


def test_real_lengths_count_the_padding_of_each_batching(real: pd.DataFrame) -> None:
    config = small_config()
    epochs = {
        "shuffled batches": shuffled_batches(len(LENGTHS), config.batch_size, seed=config.seed),
        "length-bucketed batches": LengthBucketSampler(LENGTHS, config.batch_size, seed=config.seed).batches(
            0
        ),
    }
    assert list(real.index) == [*epochs, "GEMM roofline"]
    for name, batches in epochs.items():
        assert real.loc[name, "padding_fraction"] == pytest.approx(padding_fraction(LENGTHS, batches))
        assert real.loc[name, "batches"] == len(batches) == 5  # ceil(18 / 4)
        assert real.loc[name, "timed_batches"] == config.real_batches_per_round
    assert (
        real.loc["length-bucketed batches", "padding_fraction"]
        < real.loc["shuffled batches", "padding_fraction"]
    )


def test_real_words_per_second_follow_from_the_padding(real: pd.DataFrame) -> None:
    roof = real.loc["GEMM roofline", "real_words_per_s"]
    assert real.loc["GEMM roofline", "padding_fraction"] == 0.0
    total, mean = sum(LENGTHS), float(np.mean(LENGTHS))
    for _, row in real.iterrows():
        assert row["real_words_per_s"] == pytest.approx(
            row["padded_words_per_s"] * (1 - row["padding_fraction"])
        )
        assert row["share_of_roofline"] == pytest.approx(row["real_words_per_s"] / roof)
        assert row["epoch_seconds"] == pytest.approx(total / row["real_words_per_s"])
        assert row["reviews_per_s"] == pytest.approx(row["real_words_per_s"] / mean)


def test_every_batch_is_timed_when_the_sample_is_large_enough() -> None:
    real = throughput.real_length_throughput(LENGTHS, small_config(real_batches_per_round=50))
    assert real.loc["shuffled batches", "timed_batches"] == real.loc["shuffled batches", "batches"] == 5


def test_the_sample_spreads_over_the_batch_sizes() -> None:
    lengths = np.array([1, 2, 3, 4, 5, 6, 7, 8])
    batches = [[i] for i in range(8)]  # padded sizes 1..8
    assert throughput._spread_sample(lengths, batches, 4) == [[1], [3], [5], [7]]
    assert throughput._spread_sample(lengths, batches, 9) == batches


# ------------------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hidden_size": 0}, "hidden_size=0"),
        ({"rounds": 0}, "rounds=0"),
        ({"batch_size": 2.5}, "batch_size=2.5"),
        ({"threads": 0}, "threads=0"),
        ({"seed": -1}, "seed=-1"),
        ({"lr": 0.0}, "lr=0.0"),
    ],
)
def test_bad_configurations_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        small_config(**changes)


@pytest.mark.parametrize(
    ("lengths", "message"),
    [([], "non-empty"), ([3, 0, 2], "at least 1"), ([2.5, 3.0], "whole number"), ([[1, 2]], "non-empty")],
)
def test_bad_lengths_are_refused(lengths: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        throughput.real_length_throughput(lengths, small_config())  # type: ignore[arg-type]


def test_bad_sizes_and_directions_are_refused() -> None:
    with pytest.raises(ValueError, match="directions=3"):
        roofline.review_flops(100, 300, 100, directions=3)
    with pytest.raises(ValueError, match="seq_len=0"):
        roofline.review_flops(0, 300, 100)
    with pytest.raises(ValueError, match="pool_batches=0"):
        throughput.real_length_throughput(LENGTHS, small_config(), pool_batches=0)
    with pytest.raises(RuntimeError, match="never timed"):
        roofline.GemmTimer(small_config()).roofline(small_config())


# ---------------------------------------------------------------------------------- figure


def test_the_figure_draws_a_bar_per_candidate_and_the_rooflines(table: pd.DataFrame) -> None:
    fig = plot_throughput(table)
    try:
        assert isinstance(fig, Figure) and len(fig.axes) == 1
        ax = fig.axes[0]
        assert len(ax.patches) == len(throughput.CANDIDATES)
        assert [t.get_text() for t in ax.get_yticklabels()] == list(throughput.CANDIDATES)[::-1]
        lines = {round(line.get_xdata()[0], 6) for line in ax.get_lines()}
        assert lines == {
            round(v, 6) for v in table.loc[["GEMM roofline", "GEMM roofline bidirectional"], "reviews_per_s"]
        }
        assert ax.get_xscale() == "log"
    finally:
        plt.close(fig)


def test_the_figure_adds_the_real_length_panel(
    table: pd.DataFrame, real: pd.DataFrame, tmp_path: Path
) -> None:
    # Read back from CSV as the tool writes them: the figure takes those too.
    table.to_csv(tmp_path / "t.csv")
    real.to_csv(tmp_path / "r.csv")
    fig = plot_throughput(
        pd.read_csv(tmp_path / "t.csv", index_col=0), pd.read_csv(tmp_path / "r.csv", index_col=0)
    )
    try:
        assert len(fig.axes) == 2
        ax = fig.axes[1]
        assert len(ax.patches) == 2
        texts = " ".join(t.get_text() for t in ax.texts)
        assert f"{real.loc['shuffled batches', 'padding_fraction']:.0%} padding" in texts
    finally:
        plt.close(fig)


def test_the_figure_refuses_tables_it_cannot_read(table: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        plot_throughput(table.to_dict())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="share_of_roofline"):
        plot_throughput(table.drop(columns="share_of_roofline"))
    with pytest.raises(ValueError, match="no 'GEMM roofline' row"):
        plot_throughput(table.drop(index=["GEMM roofline", "GEMM roofline bidirectional"]))
    with pytest.raises(ValueError, match="nothing was measured"):
        plot_throughput(table.loc[["GEMM roofline"]])
    with pytest.raises(ValueError, match="real lacks"):
        plot_throughput(table, table)
