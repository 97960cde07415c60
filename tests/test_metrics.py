"""rnnlib.core.metrics: accuracy, confusion matrices, per-class numbers, ceilings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rnnlib.core.metrics import (
    accuracy,
    accuracy_ceiling,
    class_report,
    confusion,
    macro_accuracy,
    per_class_accuracy,
)

# Asymmetric example: class 0 is mostly taken for class 1, never the other way round;
# class 3 has no example at all.
Y_TRUE = [0, 0, 0, 1, 1, 2, 2, 2, 2]
Y_PRED = [1, 1, 0, 1, 1, 2, 2, 0, 2]
NAMES = ["a", "b", "c", "d"]


def test_accuracy_divides_by_n() -> None:
    assert accuracy([0, 1, 2, 3], [0, 1, 2, 0]) == 0.75
    assert accuracy(np.array([1]), np.array([1])) == 1.0
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(6 / 9)
    assert isinstance(accuracy([0], [1]), float)


def test_confusion_rows_are_true_classes() -> None:
    cm = confusion(Y_TRUE, Y_PRED, 4)
    expected = np.array(
        [
            [1, 2, 0, 0],
            [0, 2, 0, 0],
            [1, 0, 3, 0],
            [0, 0, 0, 0],
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(cm, expected)
    assert cm[0, 1] == 2 and cm[1, 0] == 0  # asymmetric: rows are the truth
    assert cm.sum() == len(Y_TRUE)


def test_confusion_normalized_rows() -> None:
    cm = confusion(Y_TRUE, Y_PRED, 4, normalize="true")
    np.testing.assert_allclose(cm[:3].sum(axis=1), 1.0)
    np.testing.assert_array_equal(cm[3], 0.0)  # empty row stays zero, no NaN
    assert not np.isnan(cm).any()
    np.testing.assert_allclose(np.diag(cm)[:3], [1 / 3, 1.0, 3 / 4])
    np.testing.assert_allclose(cm[0], [1 / 3, 2 / 3, 0, 0])


def test_confusion_errors() -> None:
    with pytest.raises(ValueError, match=r"n_classes=0: there must be at least one class"):
        confusion([0], [0], 0)
    with pytest.raises(ValueError, match=r"Labels \[3, 5\] are outside 0\.\.2"):
        confusion([0, 3], [5, 1], 3)
    with pytest.raises(ValueError, match=r"Labels \[-1\] are outside 0\.\.2"):
        confusion([0, -1], [0, 0], 3)
    with pytest.raises(ValueError, match=r"normalize='all': use 'true' \(rows sum to 1\) or None"):
        confusion([0], [1], 2, normalize="all")  # type: ignore[arg-type]


@pytest.mark.parametrize("fn", [accuracy, lambda t, p: confusion(t, p, 3)])
def test_label_validation(fn) -> None:
    with pytest.raises(
        ValueError, match=r"1-D arrays of class indices, got shapes \(2, 3\) and \(2,\).*argmax"
    ):
        fn(np.zeros((2, 3)), [0, 1])
    with pytest.raises(ValueError, match=r"3 true labels but 2 predictions: they must pair up"):
        fn([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"No labels: accuracy of an empty set is undefined"):
        fn([], [])


def test_per_class_accuracy() -> None:
    acc = per_class_accuracy(Y_TRUE, Y_PRED, NAMES)
    assert isinstance(acc, pd.Series)
    assert acc.name == "accuracy"
    assert acc.index.tolist() == NAMES
    np.testing.assert_allclose(acc.to_numpy()[:3], [1 / 3, 1.0, 0.75])
    assert math.isnan(acc["d"])


def test_per_class_accuracy_labels_outside_names() -> None:
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        per_class_accuracy([0, 2], [0, 1], ["a", "b"])


def test_macro_accuracy_ignores_absent_classes() -> None:
    assert macro_accuracy(Y_TRUE, Y_PRED, NAMES) == pytest.approx((1 / 3 + 1.0 + 0.75) / 3)
    # Balanced accuracy differs from plain accuracy on imbalanced data.
    assert macro_accuracy([0, 0, 0, 1], [0, 0, 0, 0], ["x", "y"]) == 0.5
    assert accuracy([0, 0, 0, 1], [0, 0, 0, 0]) == 0.75


def test_class_report() -> None:
    table = class_report(Y_TRUE, Y_PRED, NAMES)
    assert table.index.name == "class"
    assert table.index.tolist() == NAMES
    assert list(table.columns) == ["examples", "correct", "accuracy"]
    assert table["examples"].tolist() == [3, 2, 4, 0]
    assert table["correct"].tolist() == [1, 2, 3, 0]
    assert table["examples"].dtype.kind == "i" and table["correct"].dtype.kind == "i"
    np.testing.assert_allclose(table["accuracy"].to_numpy()[:3], [1 / 3, 1.0, 0.75])
    assert math.isnan(table.loc["d", "accuracy"])


def test_accuracy_ceiling() -> None:
    assert accuracy_ceiling(["a", "a", "b"], [0, 1, 0]) == pytest.approx(2 / 3)
    assert accuracy_ceiling(["a", "b", "c"], [0, 1, 0]) == 1.0
    assert accuracy_ceiling(["x"] * 4, [0, 1, 1, 2]) == 0.5
    assert accuracy_ceiling([("t", 1), ("t", 1)], ["en", "de"]) == 0.5


def test_accuracy_ceiling_errors() -> None:
    with pytest.raises(ValueError, match=r"2 inputs but 1 labels: they must pair up"):
        accuracy_ceiling(["a", "b"], [0])
    with pytest.raises(ValueError, match=r"No examples: the ceiling of an empty set is undefined"):
        accuracy_ceiling([], [])
