"""Figures used across chapters: confusion heatmaps and loss curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes

from rnnlib.core.training import History

__all__ = ["plot_confusion", "plot_history", "plot_loss_curves"]


def plot_confusion(
    cm: np.ndarray,
    class_names: Sequence[str],
    *,
    title: str = "Confusion matrix",
    normalized: bool = True,
    annotate: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Draw a confusion matrix as a heatmap: rows = true class, columns = predicted.

    Args:
        cm: square matrix from :func:`rnnlib.core.metrics.confusion` (rows = true class).
        normalized: the rows sum to one (colour scale 0..1, label "fraction of row").
        annotate: write each cell's value (readable up to about 10 classes).
    """
    cm = np.asarray(cm)
    n = len(class_names)
    if cm.shape != (n, n):
        raise ValueError(f"A confusion matrix for {n} classes must be {n}x{n}, got {cm.shape}.")
    if ax is None:
        size = max(4.0, 0.42 * n + 2.0)
        _, ax = plt.subplots(figsize=(size + 1.0, size))
    sns.heatmap(
        cm,
        ax=ax,
        xticklabels=class_names,
        yticklabels=class_names,
        cmap="viridis",
        vmin=0.0,
        vmax=1.0 if normalized else None,
        square=True,
        annot=annotate,
        fmt=".2f" if normalized else "g",
        cbar_kws={"label": "fraction of the true class" if normalized else "examples"},
    )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=90)
    ax.tick_params(axis="y", labelrotation=0)
    return ax


def plot_loss_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    x: Sequence[float] | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str = "Training curves",
    ax: Axes | None = None,
) -> Axes:
    """Plot one line per named curve (all of the same length) against ``x``."""
    if not curves:
        raise ValueError("No curve to plot: pass a mapping like {'train': [...], 'validation': [...]}.")
    lengths = {name: len(values) for name, values in curves.items()}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ValueError(f"Curves must be non-empty and of equal length, got {lengths}.")
    n = next(iter(lengths.values()))
    xs = np.arange(1, n + 1) if x is None else np.asarray(x)
    if len(xs) != n:
        raise ValueError(f"x has {len(xs)} values but the curves have {n}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    for name, values in curves.items():
        ax.plot(xs, values, marker="o" if n <= 30 else None, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_history(
    history: History, *, title: str = "Training curves", loss_label: str = "mean cross-entropy loss"
) -> tuple[Axes, Axes]:
    """Loss and accuracy per epoch of a :func:`rnnlib.core.training.fit` run, side by side."""
    frame = history.to_frame()
    if frame.empty:
        raise ValueError("The history is empty: train for at least one epoch first.")
    # 9 inches: shown at least at ~75 % of its size in the book's text column, labels readable.
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.6))
    losses = {"train": frame["train_loss"].tolist()}
    accs = {"train": frame["train_acc"].tolist()}
    if frame["val_loss"].notna().all():
        losses["validation"] = frame["val_loss"].tolist()
        accs["validation"] = frame["val_acc"].tolist()
    plot_loss_curves(losses, x=frame.index.tolist(), ylabel=loss_label, title="Loss", ax=ax_loss)
    plot_loss_curves(accs, x=frame.index.tolist(), ylabel="accuracy", title="Accuracy", ax=ax_acc)
    fig.suptitle(title)
    fig.tight_layout()
    return ax_loss, ax_acc
