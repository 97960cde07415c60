"""rnnlib.viz.plots: confusion heatmaps and loss curves (Agg backend, see conftest)."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlib.core.metrics import confusion
from rnnlib.core.training import EpochStats, History
from rnnlib.viz.plots import (
    label_points,
    plot_confusion,
    plot_history,
    plot_learning_curves,
    plot_loss_curves,
)

NAMES = ["Zulu", "alpha", "Mike"]  # deliberately not sorted: order must be kept


def test_backend_is_agg() -> None:
    assert matplotlib.get_backend().lower() == "agg"


def _ticks(labels: list[matplotlib.text.Text]) -> list[str]:
    return [t.get_text() for t in labels]


def test_plot_confusion_axes_and_data() -> None:
    cm = confusion([0, 0, 1, 2, 2, 2], [1, 0, 1, 2, 0, 2], 3, normalize="true")
    ax = plot_confusion(cm, NAMES, title="My matrix")
    assert ax.get_xlabel() == "predicted class"
    assert ax.get_ylabel() == "true class"
    assert ax.get_title() == "My matrix"
    assert _ticks(ax.get_xticklabels()) == NAMES
    assert _ticks(ax.get_yticklabels()) == NAMES
    mesh = ax.collections[0]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(3, 3), cm)
    assert mesh.get_clim() == (0.0, 1.0)
    colorbar_ax = ax.figure.axes[-1]
    assert colorbar_ax is not ax
    assert colorbar_ax.get_ylabel() == "fraction of the true class"
    assert len(ax.texts) == 0  # annotate defaults to False
    assert ax.figure.get_size_inches().tolist() == [5.0, 4.0]


def test_plot_confusion_counts_annotated_on_given_axes() -> None:
    cm = confusion([0, 0, 1, 2], [0, 1, 1, 2], 3)
    _, given = plt.subplots()
    ax = plot_confusion(cm, NAMES, normalized=False, annotate=True, ax=given)
    assert ax is given
    assert ax.get_title() == "Confusion matrix"
    assert [t.get_text() for t in ax.texts] == ["1", "1", "0", "0", "1", "0", "0", "0", "1"]
    assert ax.figure.axes[-1].get_ylabel() == "examples"
    assert ax.collections[0].get_clim()[1] == pytest.approx(1.0)  # max count here


def test_plot_confusion_annotated_fractions() -> None:
    cm = confusion([0, 0, 1, 2], [0, 1, 1, 2], 3, normalize="true")
    ax = plot_confusion(cm, NAMES, annotate=True)
    assert ax.texts[0].get_text() == "0.50"


def test_plot_confusion_figure_grows_with_classes() -> None:
    names = [f"c{i}" for i in range(20)]
    ax = plot_confusion(np.eye(20), names)
    width, height = ax.figure.get_size_inches()
    assert height == pytest.approx(0.42 * 20 + 2.0)
    assert width == pytest.approx(height + 1.0)
    assert _ticks(ax.get_xticklabels()) == names


@pytest.mark.parametrize("shape", [(2, 2), (3, 2), (9,)])
def test_plot_confusion_wrong_shape(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"for 3 classes must be 3x3, got \(" + ", ".join(map(str, shape))):
        plot_confusion(np.zeros(shape), NAMES)


def test_plot_loss_curves_lines() -> None:
    curves = {"train": [1.0, 0.5, 0.25], "validation": [1.2, 0.8, 0.9]}
    ax = plot_loss_curves(curves)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["train", "validation"]
    for line, values in zip(lines, curves.values(), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(line.get_ydata(), values)
        assert line.get_marker() == "o"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert ax.get_title() == "Training curves"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]


def test_plot_loss_curves_custom_x_and_labels() -> None:
    _, given = plt.subplots()
    ax = plot_loss_curves(
        {"loss": [3.0] * 31}, x=range(0, 3100, 100), xlabel="step", ylabel="NLL", title="SGD", ax=given
    )
    assert ax is given
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), np.arange(0, 3100, 100))
    assert line.get_marker() in (None, "None", "")  # no markers on long curves
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("step", "NLL", "SGD")


def test_plot_loss_curves_errors() -> None:
    with pytest.raises(ValueError, match=r"No curve to plot: pass a mapping like"):
        plot_loss_curves({})
    with pytest.raises(ValueError, match=r"non-empty and of equal length, got \{'a': 2, 'b': 3\}"):
        plot_loss_curves({"a": [1, 2], "b": [1, 2, 3]})
    with pytest.raises(ValueError, match=r"non-empty and of equal length, got \{'a': 0\}"):
        plot_loss_curves({"a": []})
    with pytest.raises(ValueError, match=r"x has 2 values but the curves have 3"):
        plot_loss_curves({"a": [1, 2, 3]}, x=[1, 2])


def _history(with_val: bool) -> History:
    nan = math.nan
    rows = [(1, 1.0, 0.5, 1.1, 0.4), (2, 0.6, 0.7, 0.9, 0.6), (3, 0.4, 0.9, 0.95, 0.65)]
    return History(
        [
            EpochStats(e, tl, ta, vl if with_val else nan, va if with_val else nan, 0.1)
            for e, tl, ta, vl, va in rows
        ]
    )


def test_plot_history_with_validation() -> None:
    ax_loss, ax_acc = plot_history(_history(True), title="Run 1")
    assert ax_loss.figure is ax_acc.figure
    assert tuple(ax_loss.figure.get_size_inches()) == (9.0, 3.6)  # fits the book's text column
    assert ax_loss.figure._suptitle.get_text() == "Run 1"
    assert ax_loss.get_title() == "Loss" and ax_acc.get_title() == "Accuracy"
    assert ax_loss.get_ylabel() == "mean cross-entropy loss" and ax_acc.get_ylabel() == "accuracy"
    train, val = ax_loss.get_lines()
    assert (train.get_label(), val.get_label()) == ("train", "validation")
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(train.get_ydata(), [1.0, 0.6, 0.4])
    np.testing.assert_array_equal(val.get_ydata(), [1.1, 0.9, 0.95])
    acc_train, acc_val = ax_acc.get_lines()
    np.testing.assert_array_equal(acc_train.get_ydata(), [0.5, 0.7, 0.9])
    np.testing.assert_array_equal(acc_val.get_ydata(), [0.4, 0.6, 0.65])


def test_plot_history_without_validation() -> None:
    ax_loss, ax_acc = plot_history(_history(False))
    assert ax_loss.figure._suptitle.get_text() == "Training curves"
    assert [ln.get_label() for ln in ax_loss.get_lines()] == ["train"]
    assert [ln.get_label() for ln in ax_acc.get_lines()] == ["train"]


def test_plot_history_empty() -> None:
    with pytest.raises(ValueError, match=r"history is empty: train for at least one epoch"):
        plot_history(History())


def _run(val_losses: list[float], max_epochs: int) -> History:
    return History(
        [EpochStats(e, 1.0 / e, math.nan, v, math.nan, 0.1) for e, v in enumerate(val_losses, start=1)],
        max_epochs=max_epochs,
    )


def test_plot_learning_curves_one_panel_per_model_with_best_epochs() -> None:
    runs = {
        "gru": [_run([0.9, 0.5, 0.7], 10), _run([0.8, 0.6, 0.65], 10)],
        "bigru": [_run([0.9, 0.7, 0.6], 3)],  # best at its last allowed epoch: still improving
    }
    fig = plot_learning_curves(runs, title="Chapter 5", loss_label="cross-entropy")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2 and fig.get_size_inches()[0] == 9.0
    gru, bigru = visible
    assert gru.get_title() == "gru" and bigru.get_title() == "bigru (1 still improving)"
    assert gru.get_ylabel() == "cross-entropy" and fig._suptitle.get_text() == "Chapter 5"
    lines = gru.get_lines()  # per run: training, validation, best-epoch dot
    assert len(lines) == 6
    np.testing.assert_array_equal(lines[1].get_ydata(), [0.9, 0.5, 0.7])
    np.testing.assert_array_equal(lines[2].get_xdata(), [2]) and lines[2].get_ydata()[0] == 0.5
    np.testing.assert_array_equal(lines[5].get_xdata(), [2])  # second run's best: epoch 2 (0.6)
    assert lines[0].get_linestyle() == "--"
    many = plot_learning_curves({f"m{i}": [_run([1.0, 0.5], 5)] for i in range(4)}, columns=3, log_scale=True)
    assert sum(ax.get_visible() for ax in many.axes) == 4 and len(many.axes) == 6
    assert many.axes[0].get_yscale() == "log"
    plt.close("all")


def test_plot_learning_curves_errors() -> None:
    with pytest.raises(ValueError, match=r"No run to plot"):
        plot_learning_curves({})
    with pytest.raises(ValueError, match=r"Model 'gru' has no run"):
        plot_learning_curves({"gru": []})
    with pytest.raises(ValueError, match=r"A run of 'gru' has no validation loss per epoch"):
        plot_learning_curves({"gru": [_history(False)]})
    with pytest.raises(ValueError, match=r"columns=0"):
        plot_learning_curves({"gru": [_history(True)]}, columns=0)


def test_label_points_places_crowded_labels_without_overlap() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1, 14), rng.normal(0, 1, 14)
    x[:4], y[:4] = 0.0, 0.0  # four points on top of each other
    ax.scatter(x, y)
    ax.set(xlim=(-4, 4), ylim=(-4, 4))
    words = [f"word{i}" for i in range(14)]
    texts = label_points(ax, x, y, words, colors=["tab:red"] * 14)
    assert [t.get_text() for t in texts] == words
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    assert texts[0].get_color() == "tab:red"
    plt.close(fig)


def test_label_points_checks_lengths() -> None:
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"one entry per point, got 2, 2, 1"):
        label_points(ax, [0, 1], [0, 1], ["a"])
    with pytest.raises(ValueError, match=r"got 1, 1, 1 and 2"):
        label_points(ax, [0], [0], ["a"], colors=["r", "g"])
    plt.close(fig)
