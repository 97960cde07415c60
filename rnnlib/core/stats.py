"""Comparing models on the same test items, and the intervals of single numbers.

Two models scored on the *same* test reviews (or hours) are compared item by item: most items
are right (or wrong) for both, and only the items where they disagree say which is better. A
test that uses this pairing is far more sensitive than asking whether two separate intervals
overlap, and it answers the right question ("is A better than B on these items?"). Overlap
is the wrong test both ways: two 95 % intervals can overlap although the difference is clear,
and the pairing is thrown away.

- :func:`mcnemar` -- the exact McNemar test for two classifiers (one run each), and its
  pooled form over several seeds (an exact sign test over items);
- :func:`paired_bootstrap` -- resamples the test items (or blocks of hours) and recomputes a
  metric difference: accuracy, macro F1, macro accuracy, sMAPE, MAE or any metric;
- :func:`diebold_mariano` -- the Diebold–Mariano test for two forecasts of the same hours, with
  a Newey–West variance and the Harvey–Leybourne–Newbold small-sample correction;
- :func:`verdict` -- the sentence a page prints, whose words follow the test: "better", or
  "not shown different", never "equal";
- :func:`wilson_interval` -- the interval of one proportion (an accuracy on ``n`` items);
  :func:`mean_interval` -- the Student-t interval of a mean over seeds, for continuous outcomes;
  :func:`seeds_succeeded` -- "k of n seeds" for outcomes that either succeed or fail.

Every test returns a :class:`Comparison`: the difference ``A - B`` in the metric's own units,
its confidence interval and a two-sided p-value.

"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as sps  # type: ignore[import-untyped]

from rnnlib.core.forecast_metrics import smape_terms

__all__ = [
    "METRICS",
    "Comparison",
    "MetricSpec",
    "SeedCount",
    "diebold_mariano",
    "format_p",
    "mcnemar",
    "mean_interval",
    "paired_bootstrap",
    "seeds_succeeded",
    "verdict",
    "wilson_interval",
]


@dataclass(frozen=True)
class Comparison:
    """The result of a paired test of model A against model B.

    Attributes:
        test: the test's name, e.g. ``"exact McNemar"``.
        metric: what is compared, e.g. ``"accuracy"`` or ``"sMAPE (%)"``.
        difference: ``metric(A) - metric(B)`` on the test items (mean over seeds when several).
        low, high: the confidence interval of the difference.
        p_value: two-sided p-value of "A and B are equally good".
        n: the number of paired test items.
        higher_is_better: True for accuracy-like metrics, False for errors (sMAPE, MAE).
        confidence: the interval's level (0.95 for 95 %).
        details: what the test counted, e.g. ``{"a_only": 31, "b_only": 12}`` for McNemar.
    """

    test: str
    metric: str
    difference: float
    low: float
    high: float
    p_value: float
    n: int
    higher_is_better: bool
    confidence: float = 0.95
    details: Mapping[str, float] = field(default_factory=dict)

    @property
    def alpha(self) -> float:
        """The significance level that matches the interval: ``1 - confidence``."""
        return 1.0 - self.confidence

    @property
    def better(self) -> Literal["A", "B"] | None:
        """``"A"`` or ``"B"`` when the test shows one better at level :attr:`alpha`; else None.

        All must agree: the p-value below :attr:`alpha`, an interval that excludes 0 and, for a
        test that counts wins (McNemar's), more wins for the side the difference favours. When
        the test and the interval come from different methods (McNemar's sign test beside an
        Agresti–Min or normal interval) they can disagree near the edge; a page then says "not
        shown different" rather than "better" beside an interval that contains 0.
        """
        if not self.p_value < self.alpha or self.difference == 0:
            return None
        if self.low <= 0 <= self.high:
            return None
        a_ahead = self.difference > 0 if self.higher_is_better else self.difference < 0
        wins_a, wins_b = self.details.get("a_only"), self.details.get("b_only")
        if wins_a is not None and wins_b is not None and (wins_a > wins_b) != a_ahead:
            return None  # the wins and the mean difference point different ways
        return "A" if a_ahead else "B"


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r}: use a number strictly between 0 and 1, e.g. 0.95.")


def format_p(p: float) -> str:
    """``"p = 0.032"``, ``"p = 0.41"``, or ``"p < 0.001"``: as precise as a reader needs."""
    if not 0 <= p <= 1 or math.isnan(p):
        raise ValueError(f"p={p!r} is not a probability.")
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


def verdict(
    comparison: Comparison,
    a: str,
    b: str,
    *,
    scale: float = 100.0,
    unit: str = "points",
    digits: int = 1,
    width: int | None = None,
) -> str:
    """The sentence for a page: which model is better, by how much, with what uncertainty.

    ``"A is better than B (accuracy +2.1 points, 95 % CI [0.8, 3.4], exact McNemar, p = 0.002)"``
    when the test shows a difference (the winner is named first and the difference is its lead);
    ``"A and B: not shown different (accuracy A - B = +0.4 points, 95 % CI [-0.9, 1.7], ...)"``
    otherwise. "Not shown different" is not "equal": the interval says how large a difference
    these items still allow.

    Args:
        comparison: what :func:`mcnemar`, :func:`paired_bootstrap` or :func:`diebold_mariano` returned.
        a, b: the names of models A and B.
        scale: multiplies the difference and interval (100 turns an accuracy into points).
        unit: the unit after the number (``"points"``, ``"MW"``, ...).
        digits: decimals printed.
        width: wrap the sentence into lines of at most this many characters (the continuation
            lines indented by four spaces), for a page column; None keeps one line.
    """
    if digits < 0:
        raise ValueError(f"digits={digits}: use 0 or more decimals.")
    if width is not None and width < 20:
        raise ValueError(f"width={width}: give at least 20 characters per line, or None.")
    text = _verdict_text(comparison, a, b, scale, unit, digits)
    if width is None:
        return text
    # keep "95 % CI [low, high]" and "p = 0.03" on one line: no-break spaces while wrapping
    glued = re.sub(r"(\d+ %) CI \[([^,\]]+), ([^\]]+)\]", lambda m: "\xa0".join(
        [m.group(1).replace(" ", "\xa0"), "CI", f"[{m.group(2)},", f"{m.group(3)}]"]), text)
    glued = glued.replace("p = ", "p\xa0=\xa0").replace("p < ", "p\xa0<\xa0")
    wrapped = textwrap.fill(glued, width=width, subsequent_indent="    ", break_on_hyphens=False)
    return wrapped.replace("\xa0", " ")


def _verdict_text(comparison: Comparison, a: str, b: str, scale: float, unit: str, digits: int) -> str:
    level = f"{100 * comparison.confidence:g} %"
    signed, plain = f"{{:+.{digits}f}}", f"{{:.{digits}f}}"
    p_text = f"{comparison.test}, {format_p(comparison.p_value)}"
    d, lo, hi = (scale * v for v in (comparison.difference, comparison.low, comparison.high))
    winner = comparison.better
    if winner is None:
        return (
            f"{a} and {b}: not shown different ({comparison.metric} {a} - {b} = {signed.format(d)} "
            f"{unit}, {level} CI [{plain.format(lo)}, {plain.format(hi)}], {p_text})"
        )
    first, second = (a, b) if winner == "A" else (b, a)
    if winner == "B":  # say it from the winner's side: B - A
        d, lo, hi = -d, -hi, -lo
    if comparison.higher_is_better:
        size = f"{comparison.metric} {signed.format(d)} {unit}"
    else:  # an error: the winner's is lower, say by how much
        d, lo, hi = -d, -hi, -lo
        size = f"{comparison.metric} lower by {plain.format(d)} {unit}"
    return (
        f"{first} is better than {second} ({size}, {level} CI [{plain.format(lo)}, {plain.format(hi)}], "
        f"{p_text})"
    )


# --------------------------------------------------------------------------- inputs


def _labels_and_predictions(
    y_true: npt.ArrayLike, pred_a: npt.ArrayLike, pred_b: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``y (n,)`` and both predictions as ``(seeds, n)`` (a 1-D prediction is one seed)."""
    y = np.asarray(y_true)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(
            f"y_true must be a non-empty 1-D array (one value per test item), got shape {y.shape}."
        )
    out = []
    for name, pred in (("pred_a", pred_a), ("pred_b", pred_b)):
        p = np.asarray(pred)
        p = p[None, :] if p.ndim == 1 else p
        if p.ndim != 2 or p.shape[1] != y.size or p.shape[0] == 0:
            raise ValueError(
                f"{name} has shape {np.asarray(pred).shape}, but there are {y.size} test items: give one "
                f"prediction per item, (n,) for one run or (seeds, n) for several runs on the same items."
            )
        out.append(p)
    a, b = out
    if a.shape[0] != b.shape[0] and 1 not in (a.shape[0], b.shape[0]):
        raise ValueError(
            f"pred_a has {a.shape[0]} runs and pred_b {b.shape[0]}: give both the same number of seeds, "
            "or one run for a model without a seed (a baseline)."
        )
    seeds = max(a.shape[0], b.shape[0])
    return y, np.broadcast_to(a, (seeds, y.size)), np.broadcast_to(b, (seeds, y.size))


def _finite(values: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} holds NaN or infinite values: every item needs a finite value.")


# --------------------------------------------------------------------------- McNemar


def mcnemar(
    y_true: npt.ArrayLike, pred_a: npt.ArrayLike, pred_b: npt.ArrayLike, *, confidence: float = 0.95
) -> Comparison:
    """The exact McNemar test of two classifiers' accuracies on the same test items.

    With one run each (``pred_a``, ``pred_b`` of shape ``(n,)``): only the discordant items
    count, ``b`` = items A gets right and B wrong, ``c`` = the reverse. If A and B were equally
    good, each discordant item would fall either way with probability 1/2, so
    ``p = min(1, 2 P[Binomial(b + c, 1/2) <= min(b, c)])``. With no discordant item, ``p = 1``.
    The difference is ``(b - c) / n``; its interval is Agresti and Min's adjusted Wald interval
    for paired proportions (0.5 added to each cell of the 2x2 table).

    With several seeds (``(seeds, n)``; a 1-D prediction is used for every seed, as for a baseline),
    the pooled test counts, per item, how many seeds of each model got it right; an item is a win
    for A when more of A's seeds got it right, and the exact sign test runs over the wins. It is
    McNemar's test when there is one seed. The difference is the mean accuracy difference over
    seeds, with a normal interval over the items' per-item differences.

    Raises:
        ValueError: empty or mismatched inputs, different seed counts, or a bad confidence.
    """
    _check_confidence(confidence)
    y, a, b = _labels_and_predictions(y_true, pred_a, pred_b)
    right_a, right_b = (a == y).astype(float), (b == y).astype(float)
    n, seeds = y.size, a.shape[0]
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    if seeds == 1:
        a_only = int(np.sum((right_a[0] == 1) & (right_b[0] == 0)))
        b_only = int(np.sum((right_a[0] == 0) & (right_b[0] == 1)))
        p = _sign_test(a_only, b_only)
        # Agresti & Min (2005): add 0.5 to every cell, then the Wald interval.
        m = n + 2.0
        p12, p21 = (a_only + 0.5) / m, (b_only + 0.5) / m
        d_adj = p12 - p21
        half = z * math.sqrt(max(p12 + p21 - d_adj**2, 0.0) / m)
        return Comparison(
            "exact McNemar", "accuracy", (a_only - b_only) / n, d_adj - half, d_adj + half, p, n, True,
            confidence, {"a_only": a_only, "b_only": b_only},
        )
    per_item = right_a.sum(axis=0) - right_b.sum(axis=0)
    a_wins, b_wins = int(np.sum(per_item > 0)), int(np.sum(per_item < 0))
    d_items = per_item / seeds
    mean = float(d_items.mean())
    half = z * float(d_items.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
    return Comparison(
        f"exact sign test over items ({seeds} seeds pooled)", "accuracy", mean, mean - half, mean + half,
        _sign_test(a_wins, b_wins), n, True, confidence,
        {"a_only": a_wins, "b_only": b_wins, "seeds": seeds},
    )


def _sign_test(wins_a: int, wins_b: int) -> float:
    """Two-sided exact binomial test of ``wins_a`` against ``wins_b`` at probability 1/2."""
    total = wins_a + wins_b
    if total == 0:
        return 1.0
    return float(min(1.0, 2.0 * sps.binom.cdf(min(wins_a, wins_b), total, 0.5)))


# --------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class MetricSpec:
    """How :func:`paired_bootstrap` computes a metric named in :data:`METRICS`.

    Attributes:
        name: the metric's name, as printed in a verdict.
        higher_is_better: True for accuracies and F1, False for errors (sMAPE, MAE).
        per_item: the per-item values whose mean is the metric, or None when the metric is
            computed from confusion counts.
        by_counts: True for macro F1 and macro accuracy, computed from weighted confusion counts.
    """

    name: str
    higher_is_better: bool
    per_item: Callable[[np.ndarray, np.ndarray], np.ndarray] | None  # a mean of per-item values
    by_counts: bool = False  # computed from weighted confusion counts (macro F1, macro accuracy)


#: The 5 metrics :func:`paired_bootstrap` knows, by name -- accuracy, macro F1, macro accuracy,
#: sMAPE and MAE.
#:
#: :meta hide-value:
METRICS: dict[str, MetricSpec] = {
    "accuracy": MetricSpec("accuracy", True, lambda y, p: (p == y).astype(float)),
    "macro F1": MetricSpec("macro F1", True, None, by_counts=True),
    "macro accuracy": MetricSpec("macro accuracy", True, None, by_counts=True),
    "sMAPE": MetricSpec("sMAPE", False, smape_terms),
    "MAE": MetricSpec("MAE", False, lambda y, p: np.abs(p - y)),
}


def _resample_weights(n: int, count: int, block_length: int, rng: np.random.Generator) -> np.ndarray:
    """``(count, n)`` how often each item is drawn: i.i.d. items, or moving blocks of items."""
    if block_length == 1:
        return rng.multinomial(n, np.full(n, 1.0 / n), size=count).astype(float)
    blocks = -(-n // block_length)
    starts = rng.integers(0, n - block_length + 1, size=(count, blocks))
    weights = np.zeros((count, n + 1))
    for row, first in enumerate(starts):  # difference array: +1 at a block's start, -1 after its end
        np.add.at(weights[row], first, 1.0)
        np.add.at(weights[row], first + block_length, -1.0)
    drawn = np.cumsum(weights, axis=1)[:, :n]
    # The blocks cover blocks * block_length >= n items; scale to n draws in all.
    return drawn * (n / (blocks * block_length))


def _count_metric(name: str, y: np.ndarray, pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Macro F1 or macro accuracy of one run, for every row of ``weights`` at once."""
    classes = np.unique(np.concatenate([y, pred]))
    scores = []
    for k in classes:
        true_k, pred_k = (y == k).astype(float), (pred == k).astype(float)
        tp = weights @ (true_k * pred_k)
        support, predicted = weights @ true_k, weights @ pred_k
        if name == "macro F1":
            denominator = support + predicted
            scores.append(np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0))
        else:
            scores.append(np.divide(tp, support, out=np.full_like(tp, np.nan), where=support > 0))
    stacked = np.stack(scores)
    return np.nanmean(stacked, axis=0) if name == "macro accuracy" else stacked.mean(axis=0)


def paired_bootstrap(
    y_true: npt.ArrayLike,
    pred_a: npt.ArrayLike,
    pred_b: npt.ArrayLike,
    metric: str | Callable[[np.ndarray, np.ndarray], float] = "accuracy",
    *,
    higher_is_better: bool | None = None,
    n_resamples: int = 2000,
    block_length: int = 1,
    seed: int = 0,
    confidence: float = 0.95,
) -> Comparison:
    """The paired bootstrap of ``metric(A) - metric(B)`` over the test items.

    Each resample draws ``n`` test items with replacement (the same items for both models and
    for every seed) and recomputes the difference; the interval is the percentile interval of
    the resampled differences, and the two-sided p-value is twice the share of resamples on the
    far side of zero, ``min(1, 2 min((1 + #[d* <= 0]), (1 + #[d* >= 0])) / (R + 1))`` (so the
    smallest p it can report is ``2 / (R + 1)``).

    Args:
        y_true: ``(n,)`` true labels or values.
        pred_a, pred_b: ``(n,)`` for one run or ``(seeds, n)`` for several; with seeds the metric
            is averaged over them in every resample.
        metric: a name of :data:`METRICS` (``"accuracy"``, ``"macro F1"``, ``"macro accuracy"``,
            ``"sMAPE"``, ``"MAE"``) or a function ``metric(y_true, pred) -> float`` (slower: one
            call per resample and seed).
        higher_is_better: for a metric function, whether larger is better (required then).
        n_resamples: resamples to draw (at least 100).
        block_length: resample runs of this many consecutive items (a moving-block bootstrap)
            instead of single items: for series, whose neighbouring errors are correlated (e.g.
            168 for hourly forecasts). 1 for independent items such as reviews.
        seed: seeds the resampling, so the result is reproducible.

    Raises:
        ValueError: mismatched inputs, an unknown metric name, a metric function without
            ``higher_is_better``, non-finite values, or bad sizes.
    """
    _check_confidence(confidence)
    if int(n_resamples) != n_resamples or n_resamples < 100:
        raise ValueError(f"n_resamples={n_resamples!r}: draw at least 100 resamples (2000 is usual).")
    y, a, b = _labels_and_predictions(y_true, pred_a, pred_b)
    n = y.size
    if int(block_length) != block_length or not 1 <= block_length <= n:
        raise ValueError(f"block_length={block_length!r}: use a whole number between 1 and the {n} items.")
    rng = np.random.default_rng(seed)
    if callable(metric):
        if higher_is_better is None:
            raise ValueError("A metric function needs higher_is_better=True or False (is larger better?).")
        name = getattr(metric, "__name__", "metric")
        spec = MetricSpec(name, higher_is_better, None)
    else:
        if metric not in METRICS:
            raise ValueError(f"metric={metric!r}: use one of {', '.join(map(repr, METRICS))}, or a function.")
        spec = METRICS[metric]
        if higher_is_better is not None and higher_is_better != spec.higher_is_better:
            direction = "higher" if spec.higher_is_better else "lower"
            raise ValueError(f"{metric} is {direction}-is-better; leave higher_is_better out.")
    if spec.per_item is not None:
        for name_, values in (("y_true", y), ("pred_a", a), ("pred_b", b)):
            if np.issubdtype(values.dtype, np.floating):
                _finite(values, name_)
        diff_items = (np.mean([spec.per_item(y, r) for r in a], axis=0)
                      - np.mean([spec.per_item(y, r) for r in b], axis=0))
        observed = float(diff_items.mean())
        draws = []
        for start in range(0, n_resamples, 200):
            w = _resample_weights(n, min(200, n_resamples - start), block_length, rng)
            draws.append(w @ diff_items / n)
        resampled = np.concatenate(draws)
    elif spec.by_counts:
        everything = np.ones((1, n))
        observed = float(np.mean([_count_metric(spec.name, y, r, everything)[0] for r in a])
                         - np.mean([_count_metric(spec.name, y, r, everything)[0] for r in b]))
        draws = []
        for start in range(0, n_resamples, 200):
            w = _resample_weights(n, min(200, n_resamples - start), block_length, rng)
            draws.append(np.mean([_count_metric(spec.name, y, r, w) for r in a], axis=0)
                         - np.mean([_count_metric(spec.name, y, r, w) for r in b], axis=0))
        resampled = np.concatenate(draws)
    else:
        assert callable(metric)
        observed = float(np.mean([metric(y, r) for r in a]) - np.mean([metric(y, r) for r in b]))
        resampled = np.empty(n_resamples)
        for i in range(n_resamples):
            idx = _resample_indices(n, block_length, rng)
            score_a = np.mean([metric(y[idx], r[idx]) for r in a])
            resampled[i] = score_a - np.mean([metric(y[idx], r[idx]) for r in b])
    _finite(resampled, "the resampled differences")
    tail = (1 - confidence) / 2
    low, high = np.quantile(resampled, [tail, 1 - tail])
    below, above = np.sum(resampled <= 0), np.sum(resampled >= 0)
    p = min(1.0, 2 * (1 + min(below, above)) / (n_resamples + 1))
    if np.all(resampled == 0) and observed == 0:
        p = 1.0
    test = "paired bootstrap" + (f" (blocks of {block_length})" if block_length > 1 else "")
    return Comparison(test, spec.name, observed, float(low), float(high), float(p), n, spec.higher_is_better,
                      confidence, {"resamples": n_resamples, "seeds": a.shape[0]})


def _resample_indices(n: int, block_length: int, rng: np.random.Generator) -> np.ndarray:
    if block_length == 1:
        return rng.integers(0, n, size=n)
    blocks = -(-n // block_length)
    starts = rng.integers(0, n - block_length + 1, size=blocks)
    return (starts[:, None] + np.arange(block_length)[None, :]).ravel()[:n]


# --------------------------------------------------------------------------- Diebold–Mariano

_LOSSES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "absolute": ("MAE", lambda y, p: np.abs(p - y)),
    "squared": ("MSE", lambda y, p: (p - y) ** 2),
    "sMAPE": ("sMAPE", smape_terms),
}


def diebold_mariano(
    actual: npt.ArrayLike,
    pred_a: npt.ArrayLike,
    pred_b: npt.ArrayLike,
    *,
    horizon: int = 1,
    loss: Literal["absolute", "squared", "sMAPE"] = "absolute",
    lag: int | None = None,
    confidence: float = 0.95,
) -> Comparison:
    """The Diebold–Mariano test of two forecasts of the same hours, with the HLN correction.

    With ``d_t = L(A_t) - L(B_t)`` the loss differences (``loss="sMAPE"`` makes their mean the
    sMAPE difference in points), the statistic is ``mean(d) / sqrt(V)``, where ``V`` is the
    Newey–West estimate of the variance of ``mean(d)``: ``(g_0 + 2 sum_k (1 - k/(lag+1)) g_k) / n``
    with ``g_k`` the autocovariances of ``d`` up to ``lag``. Errors of ``h``-step forecasts overlap,
    so ``lag`` defaults to ``horizon - 1``; real forecast errors are often correlated for longer
    (hour to hour), and a larger ``lag`` (e.g. 24 or 168) is the careful choice. The statistic is
    multiplied by Harvey, Leybourne and Newbold's factor
    ``sqrt((n + 1 - 2h + h(h-1)/n) / n)`` and compared with Student's t with ``n - 1`` degrees of
    freedom; the interval of the mean difference uses the same corrected scale.

    Args:
        actual: ``(n,)`` observed values.
        pred_a, pred_b: ``(n,)`` forecasts of the same hours; ``(seeds, n)`` averages the loss of
            each hour over the seeds first (a model's expected loss per hour).
        horizon: hours between forecast origin and target (``h >= 1``).
        loss: ``"absolute"`` (MAE), ``"squared"`` (MSE) or ``"sMAPE"``.
        lag: autocovariance lags of the Newey–West variance (default ``horizon - 1``).

    Raises:
        ValueError: mismatched or non-finite inputs, fewer than 3 hours, an unknown loss, or
            bad horizon / lag.
    """
    _check_confidence(confidence)
    if loss not in _LOSSES:
        raise ValueError(f"loss={loss!r}: use one of {', '.join(map(repr, _LOSSES))}.")
    if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon={horizon!r}: give the forecast distance in steps, a whole number >= 1.")
    y, a, b = _labels_and_predictions(actual, pred_a, pred_b)
    for name, values in (("actual", y), ("pred_a", a), ("pred_b", b)):
        _finite(values.astype(float), name)
    n = y.size
    if n < 3:
        raise ValueError(f"{n} forecasts: the Diebold–Mariano test needs at least 3 paired hours.")
    lag = horizon - 1 if lag is None else lag
    if isinstance(lag, bool) or int(lag) != lag or not 0 <= lag < n:
        raise ValueError(f"lag={lag!r}: use a whole number between 0 and {n - 1}.")
    metric, loss_fn = _LOSSES[loss]
    y = y.astype(float)
    d = np.mean([loss_fn(y, r) for r in a.astype(float)], axis=0) - np.mean(
        [loss_fn(y, r) for r in b.astype(float)], axis=0
    )
    mean = float(d.mean())
    centred = d - mean
    variance = float(centred @ centred) / n
    for k in range(1, int(lag) + 1):
        variance += 2 * (1 - k / (lag + 1)) * float(centred[k:] @ centred[:-k]) / n
    h = int(horizon)
    hln = math.sqrt(max((n + 1 - 2 * h + h * (h - 1) / n) / n, 0.0))
    details = {"lag": float(lag), "horizon": float(h)}
    if variance <= 0 or hln == 0:
        p = 1.0 if mean == 0 else 0.0  # the differences do not vary: nothing to test
        return Comparison(
            f"Diebold–Mariano (HLN, lag {lag})", metric, mean, mean, mean, p, n, False, confidence, details
        )
    scale = math.sqrt(variance / n) / hln
    statistic = mean / scale
    p = float(2 * sps.t.sf(abs(statistic), df=n - 1))
    half = float(sps.t.ppf(0.5 + confidence / 2, df=n - 1)) * scale
    name = f"Diebold–Mariano (HLN, lag {lag})"
    details = {**details, "statistic": statistic}
    return Comparison(name, metric, mean, mean - half, mean + half, p, n, False, confidence, details)


# --------------------------------------------------------------------------- single numbers


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """``(low, high)``: the Wilson score interval of a proportion, e.g. an accuracy on ``n`` examples.

    With ``p = successes / n`` and ``z`` the normal quantile of the confidence level,

    .. math::

        \\frac{p + z^2/(2n) \\pm z \\sqrt{p(1-p)/n + z^2/(4n^2)}}{1 + z^2/n}.

    Unlike the textbook ``p ± z·sqrt(p(1-p)/n)``, it stays inside [0, 1] and does not shrink to
    a single point at 0/n or n/n: 7 right out of 7 gives (0.65, 1.0) at 95 %, not (1.0, 1.0).
    It describes the test sample only (a fixed model, the items drawn at random), not the
    spread between training runs (see :func:`mean_interval` for that).

    Raises:
        ValueError: ``n < 1``, ``successes`` outside ``0..n`` or not a whole number, or a
            confidence outside (0, 1).
    """
    if int(n) != n or int(successes) != successes:
        raise ValueError(f"successes={successes}, n={n}: both must be whole numbers (counts of examples).")
    if n < 1:
        raise ValueError(f"n={n}: an interval needs at least one example.")
    if not 0 <= successes <= n:
        raise ValueError(f"successes={successes} must be between 0 and n={n}.")
    _check_confidence(confidence)
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends, no rounding residue
    high = 1.0 if successes == n else min(1.0, centre + half)
    return float(low), float(high)


def mean_interval(
    values: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
    *,
    bounds: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """``(mean, half_width)`` of a Student-t interval for the mean of ``values`` (e.g. one per seed).

    For continuous outcomes only (a loss, an sMAPE, an accuracy on thousands of items); an
    outcome that either succeeds or fails is reported with :func:`seeds_succeeded` instead.
    With three seeds the interval is wide (t = 4.30 at 95 %).

    Args:
        bounds: the metric's range, e.g. ``(0, 1)`` for an accuracy: an interval reaching past
            it raises, because a t interval is then the wrong description of these values.

    Raises:
        ValueError: fewer than two values, a non-finite value, a confidence outside (0, 1), or
            an interval past ``bounds``.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or len(v) < 2:
        raise ValueError(f"An interval needs at least two values (one per seed), got {v.size}.")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"Values must be finite numbers, got {v.tolist()}.")
    _check_confidence(confidence)
    half = float(sps.t.ppf(0.5 + confidence / 2, df=len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    mean = float(v.mean())
    if bounds is not None and (mean - half < bounds[0] or mean + half > bounds[1]):
        raise ValueError(
            f"The t interval {mean:.3g} ± {half:.3g} reaches outside the metric's range {bounds}: these "
            "values are too few or too spread for a t interval. Report the runs themselves, or "
            "'k of n seeds' (seeds_succeeded) for an outcome that succeeds or fails."
        )
    return mean, half


@dataclass(frozen=True)
class SeedCount:
    """How many of several seeds succeeded: ``str()`` gives ``"2 of 3 seeds"``."""

    succeeded: int
    seeds: int

    def __str__(self) -> str:
        return f"{self.succeeded} of {self.seeds} seed{'s' if self.seeds != 1 else ''}"


def seeds_succeeded(outcomes: Sequence[bool] | np.ndarray) -> SeedCount:
    """Count the seeds whose run succeeded, for outcomes that are all-or-nothing (bimodal).

    A mean and t interval of such outcomes ("83 ± 73 %") describes no run that happened; "2 of 3
    seeds" does.

    Raises:
        ValueError: no outcome, or an outcome that is not True/False (or 1/0).
    """
    values = list(np.asarray(outcomes).ravel().tolist())
    if not values:
        raise ValueError("No outcomes: give one True/False per seed.")
    if any(v not in (0, 1) for v in values):  # True == 1, False == 0
        raise ValueError(f"Outcomes must be True/False (success per seed), got {values}.")
    return SeedCount(int(sum(bool(v) for v in values)), len(values))
