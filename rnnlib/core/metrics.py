"""Classification metrics: accuracy, per-class accuracy, confusion matrices, ceilings."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix

ArrayLike = Sequence[int] | np.ndarray

__all__ = [
    "accuracy",
    "accuracy_ceiling",
    "class_report",
    "confusion",
    "macro_accuracy",
    "per_class_accuracy",
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


def class_report(y_true: ArrayLike, y_pred: ArrayLike, class_names: Sequence[str]) -> pd.DataFrame:
    """A table with, per class: examples, correct predictions, accuracy."""
    t, p = _labels(y_true, y_pred)
    cm = confusion(t, p, len(class_names))
    table = pd.DataFrame(
        {"examples": cm.sum(axis=1).astype(int), "correct": np.diag(cm).astype(int)},
        index=pd.Index(list(class_names), name="class"),
    )
    table["accuracy"] = per_class_accuracy(t, p, class_names).to_numpy()
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
