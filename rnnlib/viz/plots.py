"""Figures used across chapters: confusion heatmaps, loss curves and learning curves of runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from rnnlib.core.training import History

__all__ = ["label_points", "plot_confusion", "plot_history", "plot_learning_curves", "plot_loss_curves"]


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


def plot_learning_curves(
    runs: Mapping[str, Sequence[History]],
    *,
    title: str = "Learning curves",
    loss_label: str = "loss",
    columns: int = 3,
    log_scale: bool = False,
) -> Figure:
    """One panel per model: training (dashed) and validation (solid) loss per epoch of every run.

    A dot marks each run's best epoch (lowest validation loss, the weights it kept). A run whose
    dot sits on its last allowed epoch was still improving; its panel title says so, because
    that model had not converged (:attr:`rnnlib.core.training.History.still_improving`).

    Args:
        runs: ``{model name: [History of each seed, ...]}`` from :func:`rnnlib.core.training.fit`
            with a validation loader.
        loss_label: the y-axis label (e.g. ``"cross-entropy"``).
        columns: panels per row (the figure is at most 9 inches wide, as the page's column).
        log_scale: a logarithmic loss axis (for losses that fall by orders of magnitude).

    Raises:
        ValueError: no model, a model without runs, or a run without validation losses.
    """
    if not runs:
        raise ValueError("No run to plot: pass {model name: [History, ...]}.")
    if columns < 1:
        raise ValueError(f"columns={columns}: use at least one panel per row.")
    for name, histories in runs.items():
        if not histories:
            raise ValueError(f"Model {name!r} has no run: give at least one History.")
        for history in histories:
            frame = history.to_frame()
            if frame.empty or frame["val_loss"].isna().any():
                raise ValueError(
                    f"A run of {name!r} has no validation loss per epoch: train it with a val_loader."
                )
    n = len(runs)
    cols = min(columns, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(9, 2.9 * rows), squeeze=False, sharey=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (name, histories) in zip(axes.flat, runs.items(), strict=False):
        unfinished = 0
        for i, history in enumerate(histories):
            frame = history.to_frame()
            color = colors[i % len(colors)]
            epochs = frame.index.to_numpy()
            ax.plot(epochs, frame["train_loss"], ls="--", lw=1, color=color)
            ax.plot(epochs, frame["val_loss"], lw=1.5, color=color, label=f"run {i + 1}")
            best = history.best_epoch()
            ax.plot([best], [frame.loc[best, "val_loss"]], "o", color=color, ms=5)
            unfinished += history.still_improving
        ax.set_title(name + (f" ({unfinished} still improving)" if unfinished else ""), fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel(loss_label)
        if log_scale:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, title="solid: validation\ndashed: training", title_fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def label_points(
    ax: Axes,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    labels: Sequence[str],
    *,
    colors: Sequence[str] | None = None,
    fontsize: float = 9,
) -> list[Text]:
    """Write ``labels[i]`` next to the point ``(x[i], y[i])`` so that no two labels overlap.

    Each label tries positions around its point (right, left, above, below, the diagonals,
    then the same further out) and takes the first whose box overlaps no label placed before
    it and stays inside the axes; a label that finds no free place keeps the last one tried.
    Call it after the axes' limits are final (after plotting the points).

    Returns:
        The text objects, in the order of ``labels``.

    Raises:
        ValueError: ``x``, ``y``, ``labels`` (and ``colors``) of different lengths.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not (len(xs) == len(ys) == len(labels)) or (colors is not None and len(colors) != len(labels)):
        raise ValueError(
            f"x, y and labels (and colors) must have one entry per point, got {len(xs)}, {len(ys)}, "
            f"{len(labels)}" + ("" if colors is None else f" and {len(colors)}") + "."
        )
    figure = ax.figure
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    placed: list[Bbox] = []
    texts: list[Text] = []
    directions = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
    for i, label in enumerate(labels):
        text: Text | None = None
        for distance in (4, 10, 18, 28):
            for dx, dy in directions:
                if text is not None:
                    text.remove()
                text = ax.annotate(
                    label,
                    (xs[i], ys[i]),
                    xytext=(dx * distance, dy * distance),
                    textcoords="offset points",
                    fontsize=fontsize,
                    color=None if colors is None else colors[i],
                    ha="left" if dx > 0 else "right" if dx < 0 else "center",
                    va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                )
                box = text.get_window_extent(renderer).expanded(1.05, 1.1)
                inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
                if inside and not any(box.overlaps(other) for other in placed):
                    break
            else:
                continue
            break
        assert text is not None
        placed.append(text.get_window_extent(renderer))
        texts.append(text)
    return texts
