"""Classification metrics: accuracy, macro F1, per-class accuracy, confusion matrices, ceilings,
and a table of a metric's mean ± interval over several seeds.

The intervals themselves (Wilson for one proportion, Student-t over seeds) and the paired
tests that compare two models live in :mod:`rnnlib.core.stats`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped]
from sklearn.metrics import confusion_matrix, f1_score

# The intervals live in rnnlib.core.stats, the home of the course's statistics; they are
# imported here for the functions below (and for code that reaches them through this module).
from rnnlib.core.stats import mean_interval, wilson_interval

ArrayLike = Sequence[int] | np.ndarray

__all__ = [
    "accuracy",
    "accuracy_ceiling",
    "class_report",
    "confusion",
    "macro_accuracy",
    "macro_accuracy_interval",
    "macro_f1",
    "per_class_accuracy",
    "summarize_seeds",
]


def _labels(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.ndim != 1 or p.ndim != 1:
        raise ValueError(
            f"Labels must be 1-D arrays of class indices, got shapes {t.shape} and {p.shape}. "
            "Take argmax over the class dimension of the scores first."
        )
    if len(t) != len(p):
        raise ValueError(f"{len(t)} true labels but {len(p)} predictions: they must pair up.")
    if len(t) == 0:
        raise ValueError("No labels: accuracy of an empty set is undefined.")
    return t, p


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of predictions equal to the true label (divided by N, not N - 1)."""
    t, p = _labels(y_true, y_pred)
    return float(np.mean(t == p))


def confusion(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    n_classes: int,
    *,
    normalize: Literal["true"] | None = None,
) -> np.ndarray:
    """Confusion matrix with **rows = true class** and columns = predicted class.

    Args:
        n_classes: number of classes; classes with no example still get a row and column.
        normalize: ``"true"`` divides each row by its count, so row i holds where the
            examples of class i went and the diagonal is the per-class accuracy.
            Rows of classes with no example stay zero.
    """
    t, p = _labels(y_true, y_pred)
    if n_classes < 1:
        raise ValueError(f"n_classes={n_classes}: there must be at least one class.")
    bad = [int(v) for v in np.concatenate([t, p]) if not 0 <= v < n_classes]
    if bad:
        raise ValueError(f"Labels {sorted(set(bad))[:5]} are outside 0..{n_classes - 1}.")
    cm = confusion_matrix(t, p, labels=np.arange(n_classes)).astype(float)
    if normalize == "true":
        sums = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, sums, out=np.zeros_like(cm), where=sums > 0)
    elif normalize is not None:
        raise ValueError(f"normalize={normalize!r}: use 'true' (rows sum to 1) or None.")
    return cm


def per_class_accuracy(y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str]) -> pd.Series:
    """Accuracy within each true class (the recall), NaN for a class with no example."""
    t, p = _labels(y_true, y_pred)
    cm = confusion(t, p, len(class_names))
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(support > 0, np.diag(cm) / np.where(support > 0, support, 1), np.nan)
    return pd.Series(acc, index=list(class_names), name="accuracy")


def macro_accuracy(y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str]) -> float:
    """Mean of the per-class accuracies over the classes present (balanced accuracy)."""
    return float(per_class_accuracy(y_true, y_pred, class_names).mean(skipna=True))


def macro_accuracy_interval(
    y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str], confidence: float = 0.95
) -> tuple[float, float]:
    """``(macro accuracy, half-width)``: how far the macro accuracy could move with other test names.

    The macro accuracy is the mean of the K per-class accuracies ``p_c``, each measured on its own
    ``n_c`` examples; taken as independent binomial proportions, its standard error is
    ``sqrt(sum_c p_c (1 - p_c) / n_c) / K`` (a normal approximation). The small classes dominate it.
    A class scored 0 % or 100 % adds nothing, so with many of those the interval is too narrow.
    Like :func:`.wilson_interval`, it describes the test sample, not the spread between training runs.

    Raises:
        ValueError: bad labels (see :func:`accuracy`) or a confidence outside (0, 1).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r}: use a number strictly between 0 and 1, e.g. 0.95.")
    report = class_report(y_true, y_pred, class_names)
    present = report[report["examples"] > 0]
    p, n = present["accuracy"].to_numpy(), present["examples"].to_numpy()
    se = np.sqrt(np.sum(p * (1 - p) / n)) / len(present)
    return float(p.mean()), float(stats.norm.ppf(0.5 + confidence / 2) * se)


def class_report(
    y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str], *, confidence: float | None = None
) -> pd.DataFrame:
    """A table with, per class: examples, correct predictions, accuracy.

    Args:
        confidence: also give each accuracy's :func:`.wilson_interval` at this level, as
            columns ``low`` and ``high`` (NaN for a class with no example).
    """
    t, p = _labels(y_true, y_pred)
    cm = confusion(t, p, len(class_names))
    table = pd.DataFrame(
        {"examples": cm.sum(axis=1).astype(int), "correct": np.diag(cm).astype(int)},
        index=pd.Index(list(class_names), name="class"),
    )
    table["accuracy"] = per_class_accuracy(t, p, class_names).to_numpy()
    if confidence is not None:
        bounds = [
            wilson_interval(int(k), int(n), confidence) if n > 0 else (np.nan, np.nan)
            for k, n in zip(table["correct"], table["examples"], strict=True)
        ]
        table["low"] = [b[0] for b in bounds]
        table["high"] = [b[1] for b in bounds]
    return table


def accuracy_ceiling(inputs: Sequence[Hashable], labels: Sequence[Hashable]) -> float:
    """Best accuracy any classifier can reach when identical inputs carry different labels.

    A classifier sees only the input, so for every distinct input it can be right
    for at most its most frequent label: the ceiling is
    ``sum over inputs of (count of its most frequent label) / N``.
    """
    if len(inputs) != len(labels):
        raise ValueError(f"{len(inputs)} inputs but {len(labels)} labels: they must pair up.")
    if len(inputs) == 0:
        raise ValueError("No examples: the ceiling of an empty set is undefined.")
    by_input: defaultdict[Hashable, Counter[Hashable]] = defaultdict(Counter)
    for x, y in zip(inputs, labels, strict=True):
        by_input[x][y] += 1
    best = sum(max(counts.values()) for counts in by_input.values())
    return best / len(inputs)


def macro_f1(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> float:
    """F1 of every class (0 .. n_classes - 1), averaged with equal weight (scikit-learn's "macro").

    A class that is never predicted and never true counts as F1 = 0, as in scikit-learn.
    """
    t, p = _labels(y_true, y_pred)
    if n_classes < 2:
        raise ValueError(f"n_classes={n_classes}: F1 needs at least two classes.")
    return float(f1_score(t, p, labels=np.arange(n_classes), average="macro", zero_division=0))


def summarize_seeds(
    runs: pd.DataFrame, by: str, metrics: Sequence[str], confidence: float = 0.95
) -> pd.DataFrame:
    """One row per value of ``by``: ``runs`` (how many), and per metric its mean, ± half-width,
    min and max over the rows (seeds) of that group.

    Raises:
        KeyError: ``by`` or a metric is not a column of ``runs``.
        ValueError: a group with fewer than two runs (see :func:`.mean_interval`).
    """
    missing = [c for c in (by, *metrics) if c not in runs.columns]
    if missing:
        raise KeyError(f"Columns {missing} are not in the runs table (it has {list(runs.columns)}).")
    rows = {}
    for key, group in runs.groupby(by, sort=False):
        row: dict[str, float] = {"runs": float(len(group))}
        for metric in metrics:
            mean, half = mean_interval(group[metric].to_numpy(), confidence)
            row |= {f"{metric}_mean": mean, f"{metric}_pm": half,
                    f"{metric}_min": float(group[metric].min()), f"{metric}_max": float(group[metric].max())}
        rows[key] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = by
    table["runs"] = table["runs"].astype(int)
    return table
