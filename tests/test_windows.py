"""rnnlib.datasets.windows (min-max scaling, lazy windows and their bounds) and
rnnlib.core.forecast_metrics (sMAPE / MAE by hand)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from rnnlib.core.forecast_metrics import mae, smape, smape_dlstudio, smape_terms
from rnnlib.datasets.windows import MinMaxScaler, WindowDataset, window_starts

# the lecture's example (slides on data normalization)
X = np.array([[1.0, -1.0, 2.0], [2.0, 0.0, 0.0], [0.0, 1.0, -1.0]])


def test_scaler_reproduces_the_lecture_example() -> None:
    scaler = MinMaxScaler().fit(X)
    np.testing.assert_allclose(scaler.data_min, [0.0, -1.0, -1.0])
    np.testing.assert_allclose(scaler.data_max, [2.0, 1.0, 2.0])
    expected = np.array([[0.5, 0.0, 1.0], [1.0, 0.5, 1 / 3], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(scaler.transform(X), expected)
    np.testing.assert_allclose(scaler.inverse_transform(expected), X)
    np.testing.assert_allclose(MinMaxScaler().fit_transform(X), expected)


def test_scaler_one_column_and_values_outside_the_fitted_range() -> None:
    scaler = MinMaxScaler().fit([10.0, 20.0, 30.0])
    np.testing.assert_allclose(scaler.transform(np.array([10.0, 40.0])), [0.0, 1.5])
    np.testing.assert_allclose(scaler.inverse_transform_column(np.array([[0.5], [1.5]])), [[20.0], [40.0]])


def test_inverse_transform_column_undoes_one_column_of_a_table() -> None:
    scaler = MinMaxScaler().fit(X)
    np.testing.assert_allclose(
        scaler.inverse_transform_column(np.array([0.0, 0.5, 1.0]), column=2), [-1, 0.5, 2]
    )
    np.testing.assert_allclose(scaler.transform_column(np.array([-1.0, 1.0]), column=1), [0.0, 1.0])


def test_scaler_on_tensors_keeps_dtype() -> None:
    scaler = MinMaxScaler().fit(X)
    out = scaler.inverse_transform_column(torch.tensor([0.25, 0.75], dtype=torch.float32), column=0)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([0.5, 1.5]))
    scaled = scaler.transform(torch.tensor(X))
    assert scaled.dtype == torch.float64
    np.testing.assert_allclose(scaled.numpy(), scaler.transform(X))


def test_scaler_errors_name_the_fix() -> None:
    with pytest.raises(RuntimeError, match="call fit"):
        MinMaxScaler().transform(X)
    with pytest.raises(RuntimeError, match="not fitted"):
        MinMaxScaler().inverse_transform_column(np.zeros(2))
    with pytest.raises(ValueError, match=r"columns \[1\] hold NaN"):
        MinMaxScaler().fit([[1.0, np.nan], [2.0, 3.0]])
    with pytest.raises(ValueError, match=r"columns \[0\] are constant"):
        MinMaxScaler().fit([[5.0, 1.0], [5.0, 2.0]])
    with pytest.raises(ValueError, match="at least one row"):
        MinMaxScaler().fit(np.zeros((0, 2)))
    scaler = MinMaxScaler().fit(X)
    with pytest.raises(ValueError, match="3 fitted column"):
        scaler.transform(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="3 fitted column"):
        scaler.inverse_transform(np.zeros(3))
    with pytest.raises(IndexError, match="column=3"):
        scaler.inverse_transform_column(np.zeros(2), column=3)


def test_smape_by_hand() -> None:
    # |100 - 110| * 2 / 210 = 0.0952381; |50 - 50| = 0; pair (0, 0) counts 0
    assert smape([100.0, 50.0, 0.0], [110.0, 50.0, 0.0]) == pytest.approx(100 * (20 / 210) / 3)
    assert smape([1.0], [-1.0]) == pytest.approx(200.0)  # the maximum
    assert smape([[1.0, 2.0]], [[1.0, 2.0]]) == 0.0


def test_smape_terms_by_hand_and_their_mean_is_smape() -> None:
    terms = smape_terms([100.0, 50.0, 0.0, 1.0], [110.0, 50.0, 0.0, -1.0])
    np.testing.assert_allclose(terms, [200 * 10 / 210, 0.0, 0.0, 200.0])
    assert smape([100.0, 50.0, 0.0, 1.0], [110.0, 50.0, 0.0, -1.0]) == pytest.approx(terms.mean())
    assert smape_terms([[1.0, 2.0]], [[2.0, 2.0]]).shape == (2,)  # flattened


def test_smape_dlstudio_is_a_quarter_for_positive_values() -> None:
    actual, predicted = np.array([100.0, 200.0, 300.0]), np.array([110.0, 190.0, 330.0])
    by_hand = 100 * np.mean([10 / 210 / 2, 10 / 390 / 2, 30 / 630 / 2])
    assert smape_dlstudio(actual, predicted) == pytest.approx(by_hand)
    assert smape_dlstudio(actual, predicted) == pytest.approx(smape(actual, predicted) / 4)


def test_mae_by_hand() -> None:
    assert mae([1.0, 2.0, 3.0], [2.0, 2.0, 1.0]) == pytest.approx(1.0)


@pytest.mark.parametrize("metric", [smape, smape_dlstudio, smape_terms, mae])
@pytest.mark.parametrize(
    ("actual", "predicted", "message"),
    [
        ([1.0, 2.0], [1.0], r"actual \(2,\) and predicted \(1,\) must have the same shape: one prediction"),
        ([[1.0, 2.0]], [1.0, 2.0], r"actual \(1, 2\) and predicted \(2,\) must have the same shape"),
        ([], [], "actual and predicted are empty: there is nothing to score"),
        ([1.0, np.nan], [1.0, 2.0], "hold NaN or infinite values: drop those hours"),
        ([1.0, 2.0], [np.inf, 2.0], "hold NaN or infinite values: drop those hours"),
        ([1.0, 2.0], torch.tensor([1.0, -np.inf]), "hold NaN or infinite values"),
        (["a", "b"], [1.0, 2.0], "actual must be numbers, got list"),
        ([1.0, 2.0], {"x": 1}, "predicted must be numbers, got dict"),
    ],
    ids=["length", "shape", "empty", "nan", "inf", "tensor-inf", "text", "dict"],
)
def test_metric_errors(
    metric: Callable[[object, object], object], actual: object, predicted: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        metric(actual, predicted)


def test_window_starts_keeps_windows_and_targets_inside_the_span() -> None:
    np.testing.assert_array_equal(window_starts(10, 3, 1), np.arange(0, 7))  # last: [6, 9), target 9
    np.testing.assert_array_equal(window_starts(10, 3, 2), np.arange(0, 6))
    starts = window_starts(100, 5, 24, start=40, stop=80)
    assert starts[0] == 40 and starts[-1] + 5 + 24 - 1 == 79
    assert window_starts(4, 3, 1).tolist() == [0]  # exactly one window fits


def test_window_starts_errors() -> None:
    with pytest.raises(ValueError, match="fewer than one window"):
        window_starts(10, 8, 3)
    with pytest.raises(ValueError, match="fewer than one window"):
        window_starts(100, 5, 1, start=50, stop=55)
    with pytest.raises(ValueError, match="0 <= start < stop"):
        window_starts(10, 2, 1, start=5, stop=11)
    with pytest.raises(ValueError, match="window=0"):
        window_starts(10, 0, 1)
    with pytest.raises(ValueError, match="horizon=0"):
        window_starts(10, 2, 0)


def test_window_dataset_items_are_views_with_the_right_target() -> None:
    features = torch.arange(20, dtype=torch.float32).reshape(10, 2)
    target = torch.arange(10, dtype=torch.float32) * 10
    data = WindowDataset(features, target, window=3, horizon=2)
    assert len(data) == 6
    x, y = data[1]
    torch.testing.assert_close(x, features[1:4])
    assert float(y) == 50.0  # index 1 + 3 + 2 - 1 = 5
    assert x.data_ptr() == features[1].data_ptr()  # a view, not a copy
    np.testing.assert_array_equal(data.target_indices, np.arange(4, 10))
    np.testing.assert_array_equal(data.origins, np.arange(2, 8))
    xb, yb = next(iter(DataLoader(data, batch_size=4)))
    assert xb.shape == (4, 3, 2) and yb.shape == (4,)


def test_window_dataset_accepts_numpy_and_given_starts() -> None:
    features = np.arange(12, dtype=np.float32).reshape(6, 2)
    data = WindowDataset(
        features, np.arange(6.0), window=2, horizon=1, starts=window_starts(6, 2, 1, start=2)
    )
    assert data.features.dtype == torch.float32 and len(data) == 2
    assert float(data[0][1]) == 4.0
    features[2, 0] = 99.0  # float32 arrays are shared, not copied
    assert float(data[0][0][0, 0]) == 99.0


def test_window_dataset_errors() -> None:
    features, target = torch.zeros(5, 2), torch.zeros(5)
    with pytest.raises(ValueError, match="fewer than one window"):
        WindowDataset(features, target, window=5, horizon=1)
    with pytest.raises(ValueError, match=r"\(time, features\)"):
        WindowDataset(torch.zeros(5), target, window=2)
    with pytest.raises(ValueError, match=r"\(time,\)"):
        WindowDataset(features, torch.zeros(5, 1), window=2)
    with pytest.raises(ValueError, match="same hours"):
        WindowDataset(features, torch.zeros(4), window=2)
    with pytest.raises(ValueError, match=r"starts must lie in 0\.\.1"):
        WindowDataset(features, target, window=2, horizon=2, starts=[0, 3])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        WindowDataset(features, target, window=2, starts=[0.5])
    with pytest.raises(ValueError, match="window=0"):
        WindowDataset(features, target, window=0)
