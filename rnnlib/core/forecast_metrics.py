"""Forecast errors: sMAPE (the course's and DLStudio's) and MAE, one prediction per hour.

Chapter 6 scores its forecasts with these; :mod:`rnnlib.core.stats` compares two forecasters
on the same hours through :func:`smape_terms`, the per-hour terms whose mean is :func:`smape`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rnnlib.core.checks import as_float_array

__all__ = ["mae", "smape", "smape_dlstudio", "smape_terms"]


def _pair(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = as_float_array(actual, "actual")
    p = as_float_array(predicted, "predicted")
    if a.shape != p.shape:
        raise ValueError(
            f"actual {a.shape} and predicted {p.shape} must have the same shape: one prediction "
            "per actual value."
        )
    if a.size == 0:
        raise ValueError("actual and predicted are empty: there is nothing to score.")
    if not (np.isfinite(a).all() and np.isfinite(p).all()):
        raise ValueError(
            "actual or predicted hold NaN or infinite values: drop those hours (or fix the model) "
            "before scoring."
        )
    return a.reshape(-1), p.reshape(-1)


def smape(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200), the standard definition.

    ``100 / n * sum(2 |P - A| / (|A| + |P|))``: each term compares the error with the mean size
    of the two values; a pair with ``A = P = 0`` counts 0 (a perfect forecast). This is the
    lecture's formula (its ``|P + GT| / 2`` equals ``(|A| + |P|) / 2`` for positive loads).

    Raises:
        ValueError: shapes differ, nothing to score, or NaN / infinity.
    """
    return float(smape_terms(actual, predicted).mean())


def smape_terms(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> np.ndarray:
    """The per-value terms ``200 |P - A| / (|A| + |P|)`` whose mean is :func:`smape`, flattened.

    A paired test of two forecasts (:func:`rnnlib.core.stats.diebold_mariano`) compares them
    term by term. A pair with ``A = P = 0`` gives 0.

    Raises:
        ValueError: shapes differ, nothing to score, or NaN / infinity.
    """
    a, p = _pair(actual, predicted)
    denominator = np.abs(a) + np.abs(p)
    return np.divide(200.0 * np.abs(p - a), denominator, out=np.zeros_like(a), where=denominator > 0)


def smape_dlstudio(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """What DLStudio's released ``DataPrediction`` code computes: ``100 * mean(|P - A| / (A + P) / 2)``.

    The division by 2 lands on the ratio instead of the denominator, so for positive values
    this is **a quarter** of :func:`smape`: the lecture's reported "0.2606" is about 1.04 %
    in the standard definition. Kept to compare with the lecture's number only; report
    :func:`smape`. Pairs with ``A + P = 0`` count 0.

    Raises:
        ValueError: shapes differ, nothing to score, or NaN / infinity.
    """
    a, p = _pair(actual, predicted)
    total = a + p
    terms = np.divide(np.abs(p - a), total, out=np.zeros_like(a), where=total != 0) / 2.0
    return float(100.0 * terms.mean())


def mae(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Mean absolute error ``mean(|P - A|)``, in the unit of the values (e.g. megawatts).

    Raises:
        ValueError: shapes differ, nothing to score, or NaN / infinity.
    """
    a, p = _pair(actual, predicted)
    return float(np.abs(p - a).mean())
