"""Baselines a forecaster must beat: persistence, seasonal naive, ridge on lagged values.

Conventions of :mod:`rnnlib.datasets.windows`: a window starting at ``s`` has its *forecast
origin* at ``o = s + window - 1`` (the last hour known when the forecast is made) and its
target at ``o + horizon``. Every baseline here uses only values at or before ``o``:

- :func:`persistence` -- the value ``lag`` hours before the target (``lag >= horizon``, or
  the value would not be known yet): ``lag=horizon`` is the last known value, ``lag=24`` the
  same hour yesterday;
- :func:`seasonal_naive` -- the same hour one season (``168`` hours: a week) earlier, the
  latest such value that is known;
- :class:`LaggedRidge` (fitted by :func:`fit_lagged_ridge`) -- a ridge regression on lagged
  values counted back from the origin: lag ``k`` is the value at ``o - (k - 1)``, so lag 1 is
  the origin itself and, for ``horizon=1``, lag 24 is the target's hour yesterday. It can also
  read *exogenous* features at the origin (``exog``, e.g. the calendar encoding a network
  sees), so that a linear model gets the same inputs as the network it is compared with.

Values before the window's start may be used (they are past, hence known), so a baseline can
reach back further than the network's window; they are never after the origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rnnlib.core.checks import check_sizes

__all__ = ["LaggedRidge", "fit_lagged_ridge", "persistence", "seasonal_naive"]


def _series(values: npt.ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D series, got shape {array.shape}.")
    return array


def _origins(length: int, starts: npt.ArrayLike, window: int, horizon: int) -> np.ndarray:
    check_sizes(window=window, horizon=horizon)
    s = np.asarray(starts)
    if s.ndim != 1 or not np.issubdtype(s.dtype, np.integer):
        raise ValueError(
            f"starts must be a 1-D array of whole numbers (see window_starts), got {s.dtype} {s.shape}."
        )
    if s.size and (s.min() < 0 or s.max() + window + horizon - 1 >= length):
        raise ValueError(
            f"starts must lie in 0..{length - window - horizon} so that each target fits in the "
            f"{length} values, got {s.min()}..{s.max()}."
        )
    return s.astype(np.int64) + window - 1


def persistence(
    target: npt.ArrayLike, starts: npt.ArrayLike, window: int, horizon: int, lag: int | None = None
) -> np.ndarray:
    """For each window, the value ``lag`` hours before its target: ``target[o + horizon - lag]``.

    Args:
        target: the whole series ``(T,)``.
        starts: the windows' first indices (:func:`rnnlib.datasets.windows.window_starts`).
        window, horizon: as there.
        lag: hours before the target time; ``None`` means ``horizon`` (the last known value).
            ``lag=1`` ("last hour") is valid for ``horizon=1`` only; ``lag=24`` is the same hour
            yesterday.

    Raises:
        ValueError: ``lag < horizon`` (that value is not known at the forecast origin), a
            window whose lagged value lies before the series, or bad starts / sizes.
    """
    series = _series(target, "target")
    origins = _origins(len(series), starts, window, horizon)
    lag = horizon if lag is None else lag
    check_sizes(lag=lag)
    if lag < horizon:
        raise ValueError(
            f"lag={lag} < horizon={horizon}: the value {lag} hours before the target lies after the "
            f"forecast origin, so it is not known yet. Use lag >= {horizon}."
        )
    index = origins + horizon - lag
    if index.size and index.min() < 0:
        raise ValueError(
            f"some windows have no value {lag} hours before their target: start the windows at "
            f"s >= {lag - window - horizon + 1}."
        )
    return series[index]


def seasonal_naive(
    target: npt.ArrayLike, starts: npt.ArrayLike, window: int, horizon: int, season: int = 168
) -> np.ndarray:
    """The same hour one season earlier (``168``: last week), the latest one already known.

    The lag is ``season * ceil(horizon / season)``: one season back when ``horizon <= season``,
    more when the horizon is longer. See :func:`persistence` for the arguments and errors.
    """
    check_sizes(season=season, horizon=horizon)
    lag = season * -(-horizon // season)
    return persistence(target, starts, window, horizon, lag=lag)


@dataclass(frozen=True)
class LaggedRidge:
    """A linear forecast ``intercept + sum_k coef_k * value[o - (k - 1)]`` from lagged values.

    Made by :func:`fit_lagged_ridge`. ``lags`` count back from the forecast origin ``o``
    (lag 1 = the origin's value); ``horizon`` is the distance from origin to target the model
    was fitted for.
    """

    lags: tuple[int, ...]
    horizon: int
    alpha: float
    coef: np.ndarray
    intercept: float
    #: how many exogenous features (columns of ``exog``) follow the lags in ``coef``
    n_exog: int = 0

    @property
    def max_lag(self) -> int:
        """The furthest lag: an origin needs ``max_lag - 1`` values before it."""
        return max(self.lags)

    def features(
        self, values: npt.ArrayLike, origins: npt.ArrayLike, exog: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """The lagged values ``(len(origins), len(lags))``: row ``i`` is ``values[origins[i] - (k - 1)]``.

        With exogenous features, their rows at the origins follow: ``(len(origins), len(lags) + n_exog)``.

        Raises:
            ValueError: origins out of range, or ``exog`` missing, of the wrong width, or not one
                row per value.
        """
        series = _series(values, "values")
        exog_rows = _check_exog(exog, len(series), self.n_exog)
        o = np.asarray(origins)
        if o.ndim != 1 or not np.issubdtype(o.dtype, np.integer):
            raise ValueError(f"origins must be a 1-D array of whole numbers, got {o.dtype} {o.shape}.")
        if o.size and (o.min() - self.max_lag + 1 < 0 or o.max() >= len(series)):
            raise ValueError(
                f"origins must lie in {self.max_lag - 1}..{len(series) - 1} (lag {self.max_lag} needs "
                f"{self.max_lag - 1} earlier values), got {o.min()}..{o.max()}."
            )
        lagged = series[o[:, None] - (np.asarray(self.lags)[None, :] - 1)]
        return lagged if exog_rows is None else np.hstack([lagged, exog_rows[o]])

    def predict_at(
        self, values: npt.ArrayLike, origins: npt.ArrayLike, exog: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """Forecasts of ``values[o + horizon]`` for each origin ``o``, from values up to ``o`` only."""
        return self.features(values, origins, exog) @ self.coef + self.intercept

    def predict(
        self, values: npt.ArrayLike, starts: npt.ArrayLike, window: int, exog: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """Forecasts for windows (origins ``starts + window - 1``), aligned with :func:`persistence`.

        ``exog``: the exogenous features of every value of ``values`` (one row each), when the
        model was fitted with them.
        """
        series = _series(values, "values")
        origins = _origins(len(series), starts, window, self.horizon)
        return self.predict_at(series, origins, exog)


def _check_exog(exog: npt.ArrayLike | None, length: int, n_exog: int) -> np.ndarray | None:
    """``exog`` as a float ``(length, n_exog)`` array, or None when the model reads none."""
    if exog is None:
        if n_exog:
            raise ValueError(
                f"This model was fitted with {n_exog} exogenous features: pass exog, one row per value."
            )
        return None
    rows = np.asarray(exog, dtype=np.float64)
    rows = rows[:, None] if rows.ndim == 1 else rows
    if rows.ndim != 2 or rows.shape[0] != length:
        raise ValueError(
            f"exog must have one row per value of the series ({length}), got shape {np.asarray(exog).shape}."
        )
    if rows.shape[1] != n_exog:
        raise ValueError(f"exog has {rows.shape[1]} columns but the model was fitted with {n_exog}.")
    if not np.isfinite(rows).all():
        raise ValueError("exog holds NaN or infinite values: every hour needs finite features.")
    return rows


def fit_lagged_ridge(
    train_values: npt.ArrayLike,
    lags: Sequence[int],
    horizon: int = 1,
    alpha: float = 1.0,
    *,
    exog: npt.ArrayLike | None = None,
) -> LaggedRidge:
    """Fit :class:`LaggedRidge` on every origin of the training series whose target is inside it.

    Minimises ``sum (y - intercept - X coef)^2 + alpha * |coef|^2`` (the intercept is not
    penalised); ``alpha=0`` is least squares. ``alpha`` acts on the values' own scale: for
    loads in megawatts (sums of squares near ``1e12``) ``alpha=1`` is practically least squares.

    Args:
        train_values: the training period only ``(T_train,)``, so no validation or test hour
            shapes the coefficients.
        lags: distinct lags of at least 1, counted back from the origin (e.g. ``range(1, 25)``
            and ``168``).
        horizon: hours from origin to target.
        alpha: the ridge penalty, at least 0.
        exog: exogenous features of the training hours, ``(T_train, k)`` (e.g. the calendar
            encoding); each example reads the row of its forecast origin, known when the
            forecast is made. They are not standardized: ``alpha`` acts on their scale too.

    Raises:
        ValueError: bad lags / horizon / alpha, NaN in the values, or a series too short to
            give one training example (``max(lags) + horizon`` values needed).
    """
    series = _series(train_values, "train_values")
    lag_tuple = tuple(lags)
    if not lag_tuple:
        raise ValueError("lags is empty: give at least one lag, e.g. range(1, 25).")
    check_sizes(horizon=horizon, **{f"lag_{i}": lag for i, lag in enumerate(lag_tuple)})
    if len(set(lag_tuple)) != len(lag_tuple):
        raise ValueError(f"lags {lag_tuple} repeat a lag: give each lag once.")
    if not (np.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha={alpha}: the ridge penalty must be a finite number >= 0.")
    if not np.isfinite(series).all():
        raise ValueError("train_values hold NaN or infinite values: fill or drop the missing hours first.")
    n_exog = 0 if exog is None else (1 if np.asarray(exog).ndim == 1 else int(np.asarray(exog).shape[-1]))
    exog_rows = _check_exog(exog, len(series), n_exog) if exog is not None else None
    max_lag = max(lag_tuple)
    origins = np.arange(max_lag - 1, len(series) - horizon, dtype=np.int64)
    if origins.size == 0:
        raise ValueError(
            f"train_values have {len(series)} values, too few for one example (lag {max_lag} and "
            f"horizon {horizon} need {max_lag + horizon}): use a longer training span or smaller lags."
        )
    width = len(lag_tuple) + n_exog
    model = LaggedRidge(lag_tuple, horizon, float(alpha), np.zeros(width), 0.0, n_exog)
    x = model.features(series, origins, exog_rows)
    y = series[origins + horizon]
    x_mean, y_mean = x.mean(axis=0), y.mean()
    xc, yc = x - x_mean, y - y_mean
    # ridge as one least-squares system: [Xc; sqrt(alpha) I] coef = [yc; 0] (stable for alpha = 0)
    design = np.vstack([xc, np.sqrt(alpha) * np.eye(width)])
    rhs = np.concatenate([yc, np.zeros(width)])
    coef = np.linalg.lstsq(design, rhs, rcond=None)[0]
    return LaggedRidge(lag_tuple, horizon, float(alpha), coef, float(y_mean - x_mean @ coef), n_exog)
