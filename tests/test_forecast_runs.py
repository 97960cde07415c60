"""rnnlib.studies.forecast_runs: one run from settings to test predictions, on a tiny synthetic series."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnlib.models.pmgru import Forecaster
from rnnlib.studies.forecast_runs import (
    ForecastSettings,
    SeriesSplit,
    predict_windows,
    train_forecaster,
    train_forecasters,
)


def split(hours: int = 600) -> SeriesSplit:
    t = torch.arange(hours, dtype=torch.float32)
    noise = torch.randn(hours, generator=torch.Generator().manual_seed(0))
    load = 0.5 + 0.3 * torch.sin(2 * math.pi * t / 24) + 0.01 * noise
    hour = torch.stack([torch.sin(2 * math.pi * t / 24), torch.cos(2 * math.pi * t / 24)], 1)
    values = torch.cat([load[:, None], hour], 1)
    return SeriesSplit(values, {"train": (0, 400), "validation": (400, 500), "test": (500, hours)})


SMALL = {
    "window": 12, "hidden_size": 8, "round_windows": 128, "batch_size": 32, "max_epochs": 6, "patience": 2
}


def test_a_run_learns_and_predicts_every_test_window() -> None:
    data = split()
    run = train_forecaster(ForecastSettings("gru", seed=1, **SMALL), data)
    test = data.windows("test", 12, 1)
    np.testing.assert_array_equal(run.test_starts, test.starts)
    assert run.test_predictions.shape == (len(test),) and run.test_predictions.dtype == np.float64
    truth = data.values[test.target_indices, 0].numpy()
    persistence = data.values[test.origins, 0].numpy()
    # a residual forecaster starts near persistence and trains to beat it on a smooth cycle
    assert np.mean(np.abs(run.test_predictions - truth)) < np.mean(np.abs(persistence - truth))
    frame = run.history.to_frame()
    assert (frame["updates"] == 4).all()  # 128 windows in batches of 32
    assert run.best_val_loss == frame["val_loss"].min() and run.seconds > 0
    assert run.history.max_epochs == 6


def test_the_seed_decides_the_run_here_and_in_a_worker() -> None:
    data = split()
    settings = [ForecastSettings("pmgru", seed=s, **SMALL) for s in (0, 0, 1)]
    here = train_forecasters(settings, data, workers=1, log=None)
    np.testing.assert_array_equal(here[0].test_predictions, here[1].test_predictions)
    assert not np.array_equal(here[0].test_predictions, here[2].test_predictions)
    lines: list[str] = []
    away = train_forecasters(settings[:2], data, workers=2, log=lines.append)
    np.testing.assert_allclose(away[0].test_predictions, here[0].test_predictions, rtol=1e-4, atol=1e-5)
    assert len(lines) == 2 and all("pmgru h=1 seed 0: best epoch" in line for line in lines)


def test_predict_windows_keeps_the_order() -> None:
    data = split()
    model = Forecaster(3, 4, "lstm")
    windows = data.windows("validation", 10, 2)
    direct = torch.cat([model(windows[i][0][None]) for i in range(len(windows))]).detach().double().numpy()
    np.testing.assert_allclose(predict_windows(model, windows, batch_size=7), direct, rtol=1e-5, atol=1e-6)


def test_windows_stay_inside_their_part() -> None:
    data = split()
    for part, (start, stop) in data.bounds.items():
        ds = data.windows(part, 12, 24, stride=5)
        assert ds.starts.min() >= start and ds.target_indices.max() < stop
        assert np.all(np.diff(ds.starts) == 5)


def test_settings_and_split_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match=r"cell='rnn'"):
        ForecastSettings("rnn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"window=0"):
        ForecastSettings("gru", window=0)
    with pytest.raises(ValueError, match=r"seed=-1"):
        ForecastSettings("gru", seed=-1)
    with pytest.raises(ValueError, match=r"lr and clip_grad must be positive"):
        ForecastSettings("gru", lr=0.0)
    assert ForecastSettings("gru", residual=False, horizon=24, seed=2).label == "gru level h=24 seed 2"
    values = torch.zeros(100, 2)
    with pytest.raises(ValueError, match=r"bounds must name exactly the parts"):
        SeriesSplit(values, {"train": (0, 50), "test": (50, 100)})
    with pytest.raises(ValueError, match=r"bounds\['validation'\] = \(40, 60\) must be a non-empty range"):
        SeriesSplit(values, {"train": (0, 50), "validation": (40, 60), "test": (60, 100)})
    with pytest.raises(ValueError, match=r"target_column=2 is not a column"):
        SeriesSplit(values, {"train": (0, 50), "validation": (50, 60), "test": (60, 100)}, target_column=2)
    with pytest.raises(ValueError, match=r"values must be a \(time, features\) tensor"):
        SeriesSplit(torch.zeros(5), {"train": (0, 1), "validation": (1, 2), "test": (2, 5)})
    good = SeriesSplit(values, {"train": (0, 50), "validation": (50, 60), "test": (60, 100)})
    with pytest.raises(ValueError, match=r"part='val'"):
        good.windows("val", 5, 1)
    with pytest.raises(ValueError, match=r"No settings given"):
        train_forecasters([], good)
