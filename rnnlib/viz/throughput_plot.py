"""Chapter 5's throughput figure: how fast each GRU trains, against the GEMM roofline.

:func:`plot_throughput` draws the tables of :mod:`rnnlib.studies.throughput` (or the CSV files
``python -m tools.bench_gru`` writes, read back with ``pandas.read_csv(..., index_col=0)``):
training reviews per second of each candidate as horizontal bars on a logarithmic axis (the
seed-style loop is about a hundred times slower than the rest), the roofline of one and two
directions as vertical lines, and, given the real-length table, real (non-padding) words per
second of shuffled and length-bucketed batches beside it.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_throughput"]

#: Columns :func:`plot_throughput` reads from each table.
TABLE_COLUMNS = ("directions", "reviews_per_s", "share_of_roofline")
REAL_COLUMNS = ("padding_fraction", "real_words_per_s", "share_of_roofline")
_ROOFLINE = "GEMM roofline"
_COLOURS = {1: "tab:blue", 2: "tab:orange"}


def _check(table: object, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, as rnnlib.studies.throughput returns it.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{what} lacks the columns {missing}: pass the table rnnlib.studies.throughput made "
            "(read from a CSV with pandas.read_csv(path, index_col=0))."
        )
    if not any(str(name).startswith(_ROOFLINE) for name in table.index):
        raise ValueError(f"{what} has no {_ROOFLINE!r} row: it is the figure's reference.")
    if not any(not str(name).startswith(_ROOFLINE) for name in table.index):
        raise ValueError(f"{what} has only roofline rows: nothing was measured.")
    return table


def _label(ax: Axes, text: str, x: float, y: float) -> None:
    box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1}
    ax.annotate(text, (x, y), va="center", fontsize=8, bbox=box)


def _draw_candidates(ax: Axes, table: pd.DataFrame) -> None:
    measured = table[[not str(n).startswith(_ROOFLINE) for n in table.index]]
    names = [str(n) for n in measured.index][::-1]  # first row at the top
    rates = measured["reviews_per_s"].to_numpy()[::-1]
    dirs = measured["directions"].to_numpy()[::-1]
    shares = measured["share_of_roofline"].to_numpy()[::-1]
    ax.barh(names, rates, color=[_COLOURS.get(int(d), "tab:gray") for d in dirs])
    for y, (rate, share) in enumerate(zip(rates, shares, strict=True)):
        _label(ax, f" {rate:,.0f}/s ({share:.0%} of roofline)", rate, y)
    for name, row in table.iterrows():
        if str(name).startswith(_ROOFLINE):
            d = int(row["directions"])
            ax.axvline(
                row["reviews_per_s"], color=_COLOURS.get(d, "tab:gray"), linestyle="--" if d == 2 else "-",
                linewidth=1.5, label=f"{name}: {row['reviews_per_s']:,.0f}/s",
            )  # fmt: skip
    ax.set_xscale("log")
    high = max(float(table["reviews_per_s"].max()), 1.0)
    low = max(float(measured["reviews_per_s"].min()), 1e-9)
    ax.set_xlim(low / 2, high * 30)  # room for the labels on the right
    ax.set_xlabel("training reviews per second (log scale)")
    ax.set_title("Training throughput (blue: one direction, orange: two)")
    ax.legend(loc="lower right", fontsize=8)


def _draw_real(ax: Axes, real: pd.DataFrame) -> None:
    measured = real[[not str(n).startswith(_ROOFLINE) for n in real.index]]
    names = [str(n) for n in measured.index][::-1]
    rates = measured["real_words_per_s"].to_numpy()[::-1]
    ax.barh(names, rates, color="tab:green")
    paddings = measured["padding_fraction"].to_numpy()[::-1]
    shares = measured["share_of_roofline"].to_numpy()[::-1]
    for y, (rate, padding, share) in enumerate(zip(rates, paddings, shares, strict=True)):
        _label(ax, f" {padding:.0%} padding, {share:.0%} of roofline", rate, y)
    roof = float(real.loc[[str(n).startswith(_ROOFLINE) for n in real.index], "real_words_per_s"].iloc[0])
    ax.axvline(roof, color="black", linewidth=1.5, label=f"{_ROOFLINE}: {roof:,.0f} words/s")
    ax.set_xlim(0, roof * 1.25 if math.isfinite(roof) else None)
    ax.set_xlabel("real (non-padding) words per second, nn.GRU")
    ax.set_title("Real review lengths: padding costs")
    ax.legend(loc="lower right", fontsize=8)


def plot_throughput(table: pd.DataFrame, real: pd.DataFrame | None = None) -> Figure:
    """Draw the throughput table (and the real-length table) as bars against the roofline.

    Args:
        table: :func:`rnnlib.studies.throughput.throughput_table`'s result (one row per
            candidate plus the ``"GEMM roofline"`` rows).
        real: :func:`rnnlib.studies.throughput.real_length_throughput`'s result, drawn in a
            second panel; None for one panel.

    Returns:
        The figure (not shown: a notebook shows it as the cell's value).

    Raises:
        TypeError: a table is not a DataFrame.
        ValueError: a table lacks a column, its roofline row, or any measured row.
    """
    table = _check(table, TABLE_COLUMNS, "table")
    if real is not None:
        real = _check(real, REAL_COLUMNS, "real")
    # Panels stacked, 9 inches wide: a book page shows a figure at about 690 px, and text in a
    # wider figure would be shrunk below readable size (the site check refuses < 60 %).
    heights = [0.5 * len(table) + 2.0] + ([0.5 * len(real) + 1.8] if real is not None else [])
    fig, axes = plt.subplots(
        len(heights), 1, figsize=(9, sum(heights)), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
    _draw_candidates(axes[0, 0], table)
    if real is not None:
        _draw_real(axes[1, 0], real)
    fig.tight_layout()
    return fig
