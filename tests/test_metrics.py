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
    macro_accuracy_interval,
    macro_f1,
    per_class_accuracy,
    summarize_seeds,
)
from rnnlib.core.stats import wilson_interval

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


def test_class_report_with_wilson_intervals() -> None:
    table = class_report(Y_TRUE, Y_PRED, NAMES, confidence=0.95)
    assert list(table.columns) == ["examples", "correct", "accuracy", "low", "high"]
    for name, (k, n) in zip(NAMES[:3], [(1, 3), (2, 2), (3, 4)], strict=True):
        assert (table.loc[name, "low"], table.loc[name, "high"]) == wilson_interval(k, n)
    assert math.isnan(table.loc["d", "low"]) and math.isnan(table.loc["d", "high"])
    present = table.iloc[:3]
    assert (present["low"] <= present["accuracy"]).all() and (present["accuracy"] <= present["high"]).all()


def test_macro_accuracy_interval_by_hand() -> None:
    # Per-class accuracies 1/3 (n=3), 1 (n=2), 3/4 (n=4); class "d" has no example and is left out.
    macro, half = macro_accuracy_interval(Y_TRUE, Y_PRED, NAMES)
    assert macro == pytest.approx(macro_accuracy(Y_TRUE, Y_PRED, NAMES))
    se = math.sqrt((1 / 3) * (2 / 3) / 3 + 0 + 0.75 * 0.25 / 4) / 3
    assert half == pytest.approx(1.959963984540054 * se, rel=1e-9)
    _, half90 = macro_accuracy_interval(Y_TRUE, Y_PRED, NAMES, confidence=0.9)
    assert half90 == pytest.approx(1.6448536269514722 * se, rel=1e-9)
    assert macro_accuracy_interval([0, 1], [0, 1], ["x", "y"]) == (1.0, 0.0)  # nothing to vary
    with pytest.raises(ValueError, match=r"confidence=2: use a number strictly between 0 and 1"):
        macro_accuracy_interval(Y_TRUE, Y_PRED, NAMES, confidence=2)
    with pytest.raises(ValueError, match=r"No labels"):
        macro_accuracy_interval([], [], NAMES)


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


# --------------------------------------------------------------------------- macro F1, seed intervals

#: Two-sided 95 % Student t quantiles in closed form (about 4.3027 and 12.706 in a t table): with
#: 2 degrees of freedom t_p = (2p - 1) / sqrt(2p(1 - p)), with 1 it is tan(pi (p - 1/2)); p = 0.975.
T95_DF2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)
T95_DF1 = math.tan(math.pi * 0.475)


def test_macro_f1_by_hand() -> None:
    # class 0: TP 1, FP 1, FN 1 -> F1 = 2/4 = 0.5; class 1: TP 2, FP 1, FN 0 -> 4/5 = 0.8; class 2: 0
    y_true, y_pred = [0, 0, 1, 1, 2], [0, 1, 1, 1, 0]
    assert macro_f1(y_true, y_pred, 3) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    # a class never true and never predicted counts as F1 = 0
    assert macro_f1(y_true, y_pred, 4) == pytest.approx((0.5 + 0.8) / 4)
    assert macro_f1([0, 1, 1], [0, 1, 1], 2) == 1.0
    # imbalanced: always answering the majority gets high accuracy, poor macro F1
    assert macro_f1([0, 0, 0, 1], [0, 0, 0, 0], 2) == pytest.approx((6 / 7 + 0) / 2)
    assert isinstance(macro_f1(np.array([0, 1]), np.array([1, 0]), 2), float)


def test_macro_f1_errors() -> None:
    with pytest.raises(ValueError, match=r"n_classes=1: F1 needs at least two classes"):
        macro_f1([0, 0], [0, 0], 1)
    with pytest.raises(ValueError, match=r"3 true labels but 2 predictions"):
        macro_f1([0, 1, 1], [0, 1], 2)
    with pytest.raises(ValueError, match=r"No labels"):
        macro_f1([], [], 2)


def test_summarize_seeds_by_hand() -> None:
    runs = pd.DataFrame(
        {
            "model": ["gru", "bigru", "gru", "bigru", "bigru"],
            "seed": [0, 0, 1, 1, 2],
            "acc": [0.5, 0.8, 0.7, 0.9, 1.0],
            "f1": [0.4, 0.6, 0.4, 0.7, 0.8],
        }
    )
    table = summarize_seeds(runs, "model", ["acc", "f1"])
    assert table.index.name == "model"
    assert table.index.tolist() == ["gru", "bigru"]  # in order of appearance
    stats = ["mean", "pm", "min", "max"]
    assert list(table.columns) == ["runs", *(f"{m}_{s}" for m in ("acc", "f1") for s in stats)]
    assert table["runs"].tolist() == [2, 3] and table["runs"].dtype.kind == "i"
    gru, bigru = table.loc["gru"], table.loc["bigru"]
    assert gru["acc_mean"] == pytest.approx(0.6) and gru["acc_pm"] == pytest.approx(T95_DF1 * 0.1)
    assert (gru["acc_min"], gru["acc_max"]) == (0.5, 0.7)
    assert gru["f1_mean"] == pytest.approx(0.4) and gru["f1_pm"] == pytest.approx(0.0, abs=1e-12)
    # bigru: 0.8, 0.9, 1.0 -> mean 0.9, sd 0.1; 0.6, 0.7, 0.8 -> mean 0.7, sd 0.1
    assert bigru["acc_mean"] == pytest.approx(0.9)
    assert bigru["acc_pm"] == pytest.approx(T95_DF2 * 0.1 / math.sqrt(3))
    assert bigru["f1_mean"] == pytest.approx(0.7) and bigru["f1_pm"] == pytest.approx(bigru["acc_pm"])
    assert (bigru["f1_min"], bigru["f1_max"]) == (0.6, 0.8)
    wide = summarize_seeds(runs, "model", ["acc"], confidence=0.5)
    assert list(wide.columns) == ["runs", "acc_mean", "acc_pm", "acc_min", "acc_max"]
    assert wide.loc["bigru", "acc_pm"] < bigru["acc_pm"]


def test_summarize_seeds_errors() -> None:
    runs = pd.DataFrame({"model": ["gru", "gru", "bigru"], "acc": [0.5, 0.6, 0.7]})
    with pytest.raises(KeyError, match=r"Columns \['loss'\] are not in the runs table"):
        summarize_seeds(runs, "model", ["acc", "loss"])
    with pytest.raises(KeyError, match=r"Columns \['encoder'\]"):
        summarize_seeds(runs, "encoder", ["acc"])
    with pytest.raises(ValueError, match=r"at least two values \(one per seed\), got 1"):
        summarize_seeds(runs, "model", ["acc"])  # bigru ran once
