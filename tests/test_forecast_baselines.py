"""rnnlib.models.forecast_baselines: hand-computed forecasts, no peeking past the origin, errors."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlib.datasets.windows import window_starts
from rnnlib.models.forecast_baselines import LaggedRidge, fit_lagged_ridge, persistence, seasonal_naive

SERIES = np.arange(100.0, 130.0)  # value at index i is 100 + i


def test_persistence_by_hand() -> None:
    starts = np.array([0, 5])
    # window 3, horizon 1: origins 2 and 7, targets 3 and 8; lag 1 = the origin's value
    assert persistence(SERIES, starts, 3, 1, lag=1).tolist() == [102.0, 107.0]
    assert persistence(SERIES, starts, 3, 1).tolist() == [102.0, 107.0]  # lag defaults to horizon
    # horizon 4: targets 6 and 11; the last known value is 4 hours before
    assert persistence(SERIES, starts, 3, 4).tolist() == [102.0, 107.0]
    # lag 5 reaches before the window (still the past): targets 6, 11 → 1, 6
    assert persistence(SERIES, starts, 3, 4, lag=5).tolist() == [101.0, 106.0]


def test_persistence_refuses_a_value_not_known_yet() -> None:
    with pytest.raises(ValueError, match="not known yet"):
        persistence(SERIES, np.array([0]), 3, 24, lag=1)
    with pytest.raises(ValueError, match="start the windows at s >= 3"):
        persistence(SERIES, np.array([0, 5]), 3, 1, lag=6)
    with pytest.raises(ValueError, match="starts must lie"):
        persistence(SERIES, np.array([27]), 3, 1)
    with pytest.raises(ValueError, match="whole numbers"):
        persistence(SERIES, np.array([0.5]), 3, 1)
    with pytest.raises(ValueError, match="lag=0"):
        persistence(SERIES, np.array([0]), 3, 1, lag=0)


def test_seasonal_naive_uses_the_latest_known_season() -> None:
    values = np.arange(400.0)
    starts = np.array([200])
    # window 10 → origin 209; horizon 1 → target 210, last week 210 - 168 = 42
    assert seasonal_naive(values, starts, 10, 1).tolist() == [42.0]
    # horizon 24 → target 233, 233 - 168 = 65
    assert seasonal_naive(values, starts, 10, 24).tolist() == [65.0]
    # a season of 24 with horizon 30: two days back, target 239 - 48 = 191 (≤ origin 209)
    assert seasonal_naive(values, starts, 10, 30, season=24).tolist() == [191.0]


def test_lagged_ridge_recovers_a_linear_rule() -> None:
    rng = np.random.default_rng(0)
    values = np.zeros(300)
    values[:2] = rng.normal(size=2)
    for t in range(2, 300):  # y[t] = 0.6 y[t-1] + 0.3 y[t-2] + 1 + noise
        values[t] = 0.6 * values[t - 1] + 0.3 * values[t - 2] + 1.0 + 0.01 * rng.normal()
    model = fit_lagged_ridge(values, lags=[1, 2], horizon=1, alpha=0.0)
    np.testing.assert_allclose(model.coef, [0.6, 0.3], atol=0.05)
    assert model.intercept == pytest.approx(1.0, abs=0.5)
    starts = window_starts(300, 5, 1, start=200)
    prediction = model.predict(values, starts, 5)
    origins = starts + 4
    np.testing.assert_allclose(
        prediction, model.intercept + model.coef[0] * values[origins] + model.coef[1] * values[origins - 1]
    )


def test_lagged_ridge_by_hand_on_an_exact_line() -> None:
    # values 100 + i, lag 1, horizon 2: y = x + 2 exactly; least squares finds coef 1, intercept 2
    model = fit_lagged_ridge(SERIES, lags=[1], horizon=2, alpha=0.0)
    assert model.coef[0] == pytest.approx(1.0) and model.intercept == pytest.approx(2.0)
    assert model.predict_at(SERIES, np.array([10])).tolist() == pytest.approx([112.0])
    # a penalty shrinks the slope towards 0 (and the intercept follows the means)
    assert 0 < fit_lagged_ridge(SERIES, lags=[1], horizon=2, alpha=1e4).coef[0] < 1


def test_ridge_features_count_lags_back_from_the_origin() -> None:
    model = LaggedRidge((1, 3), 1, 0.0, np.zeros(2), 0.0)
    np.testing.assert_array_equal(model.features(SERIES, np.array([5, 9])), [[105.0, 103.0], [109.0, 107.0]])


def test_ridge_is_fitted_on_training_values_only() -> None:
    values = np.sin(np.arange(200) / 5.0) * 10 + 50
    model = fit_lagged_ridge(values[:150], lags=[1, 2, 3], horizon=1)
    changed = values.copy()
    changed[150:] += 1000.0  # the test period does not shape the coefficients
    assert np.array_equal(fit_lagged_ridge(changed[:150], lags=[1, 2, 3]).coef, model.coef)


@pytest.mark.parametrize("horizon", [1, 24])
def test_no_future_value_influences_a_prediction(horizon: int) -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=600) + 10
    window = 12
    starts = window_starts(600, window, horizon, start=300)
    model = fit_lagged_ridge(values[:300], lags=[*range(1, 25), 168], horizon=horizon)
    forecasts = {
        "persistence": lambda v: persistence(v, starts, window, horizon),
        "yesterday": lambda v: persistence(v, starts, window, horizon, lag=24),
        "seasonal": lambda v: seasonal_naive(v, starts, window, horizon),
        "ridge": lambda v: model.predict(v, starts, window),
    }
    before = {name: f(values) for name, f in forecasts.items()}
    for i in (0, len(starts) // 2, len(starts) - 1):
        origin = starts[i] + window - 1
        perturbed = values.copy()
        perturbed[origin + 1 :] += rng.normal(size=600 - origin - 1) * 100
        for name, f in forecasts.items():
            assert f(perturbed)[i] == before[name][i], f"{name} used a value after the origin"
        # and the value at the origin itself does matter (the check is not vacuous)
        perturbed[origin] += 100
        assert model.predict(perturbed, starts, window)[i] != before["ridge"][i]


def test_ridge_errors() -> None:
    with pytest.raises(ValueError, match="lags is empty"):
        fit_lagged_ridge(SERIES, lags=[])
    with pytest.raises(ValueError, match="lag_1=0"):
        fit_lagged_ridge(SERIES, lags=[1, 0])
    with pytest.raises(ValueError, match="repeat"):
        fit_lagged_ridge(SERIES, lags=[1, 1])
    with pytest.raises(ValueError, match="alpha=-1"):
        fit_lagged_ridge(SERIES, lags=[1], alpha=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        fit_lagged_ridge(np.array([1.0, np.nan, 2.0, 3.0]), lags=[1])
    with pytest.raises(ValueError, match="too few for one example"):
        fit_lagged_ridge(SERIES[:10], lags=[10], horizon=1)
    with pytest.raises(ValueError, match="1-D series"):
        fit_lagged_ridge(np.zeros((5, 2)), lags=[1])
    model = fit_lagged_ridge(SERIES, lags=[1, 5])
    with pytest.raises(ValueError, match="needs 4 earlier values"):
        model.predict_at(SERIES, np.array([2]))
    with pytest.raises(ValueError, match="starts must lie"):
        model.predict(SERIES, np.array([28]), 3)


def test_lagged_ridge_with_exogenous_features_learns_their_effect() -> None:
    rng = np.random.default_rng(0)
    n = 400
    hour = np.arange(n) % 24
    calendar = np.column_stack([np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24)])
    noise = rng.normal(0, 0.01, n)
    series = np.zeros(n)
    for t in range(1, n):  # the next value: half the last one plus a daily term read at the origin
        series[t] = 0.5 * series[t - 1] + 3.0 * calendar[t - 1, 0] - 2.0 * calendar[t - 1, 1] + noise[t]
    model = fit_lagged_ridge(series[:300], lags=[1], alpha=0.0, exog=calendar[:300])
    assert model.n_exog == 2 and model.coef.shape == (3,)
    np.testing.assert_allclose(model.coef, [0.5, 3.0, -2.0], atol=0.02)
    starts = window_starts(n, 3, 1, 300)
    predicted = model.predict(series, starts, 3, exog=calendar)
    truth = series[starts + 3]
    assert np.sqrt(np.mean((predicted - truth) ** 2)) < 0.02
    # the lags alone cannot know the hour: much worse
    lags_only = fit_lagged_ridge(series[:300], lags=[1], alpha=0.0)
    worse = lags_only.predict(series, starts, 3)
    assert np.sqrt(np.mean((worse - truth) ** 2)) > 10 * np.sqrt(np.mean((predicted - truth) ** 2))
    # features: the lag, then the exogenous row of the origin (never of the target)
    origins = np.array([5, 9])
    np.testing.assert_array_equal(model.features(series, origins, calendar)[:, 1:], calendar[origins])
    one_column = fit_lagged_ridge(series[:300], lags=[1], exog=calendar[:300, 0])
    assert one_column.n_exog == 1


def test_lagged_ridge_exogenous_errors() -> None:
    calendar = np.zeros((30, 2))
    model = fit_lagged_ridge(SERIES, lags=[1, 2], exog=calendar)
    starts = np.array([0, 5])
    with pytest.raises(ValueError, match=r"fitted with 2 exogenous features: pass exog"):
        model.predict(SERIES, starts, 3)
    with pytest.raises(ValueError, match=r"exog has 3 columns but the model was fitted with 2"):
        model.predict(SERIES, starts, 3, exog=np.zeros((30, 3)))
    with pytest.raises(ValueError, match=r"exog must have one row per value of the series \(30\)"):
        model.predict(SERIES, starts, 3, exog=np.zeros((29, 2)))
    with pytest.raises(ValueError, match=r"exog must have one row per value of the series \(30\)"):
        fit_lagged_ridge(SERIES, lags=[1], exog=np.zeros((10, 2)))
    bad = calendar.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"exog holds NaN"):
        fit_lagged_ridge(SERIES, lags=[1], exog=bad)
    plain = fit_lagged_ridge(SERIES, lags=[1])
    with pytest.raises(ValueError, match=r"exog has 2 columns but the model was fitted with 0"):
        plain.predict(SERIES, starts, 3, exog=calendar)
