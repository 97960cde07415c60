"""Forecasting windows and scaling: the lecture's min-max scaler and "chunking on a running basis".

- :class:`MinMaxScaler` -- the lecture's per-column scaling ``(x - min) / (max - min)`` to
  ``[0, 1]``, and its inverse for the predictions;
- :func:`window_starts` and :class:`WindowDataset` -- every window of ``window`` consecutive
  hours and the value ``horizon`` hours after its last one, built lazily (one view per item,
  never an array of all windows).

Nothing here knows about power loads. Layout: a series has ``T`` time steps; ``features`` is
``(T, F)``, ``target`` is ``(T,)``. A window starting at ``s`` covers ``[s, s + window)``; its
*forecast origin* is its last index ``s + window - 1`` (the last value known when the forecast
is made) and its *target* is the value at ``s + window + horizon - 1``: ``horizon=1`` is the
next hour, ``horizon=24`` the same hour one day ahead. The forecast errors are in
:mod:`rnnlib.core.forecast_metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import torch
from torch.utils.data import Dataset

from rnnlib.core.checks import as_float_array, check_sizes

__all__ = ["MinMaxScaler", "WindowDataset", "window_starts"]

ArrayOrTensor = TypeVar("ArrayOrTensor", np.ndarray, torch.Tensor)


class MinMaxScaler:
    """Scale each column to ``[0, 1]``: ``(x - min) / (max - min)``, the lecture's formula.

    ``min`` and ``max`` are taken per column by :meth:`fit`; the same numbers are used by
    :meth:`transform` and :meth:`inverse_transform` afterwards, so values outside the fitted
    range map outside ``[0, 1]`` (a test year with a higher peak than the training years gives
    scaled values above 1).

    **Fit on the training part only.** The lecture (like scikit-learn's example it follows)
    fits the scaler on the whole file, test hours included: the scaled training data then
    carry the minimum and maximum of the test period, a small leak of the future into
    training. Fit on the training rows, and transform the validation and test rows with it.

    Works on 1-D values (one column) and 2-D ``(rows, columns)`` values, numpy arrays or torch
    tensors: a numpy input gives a float64 array, a tensor gives a tensor of its own floating
    dtype and device (so predictions can be unscaled on the GPU).

    Example::

        scaler = MinMaxScaler().fit(train)            # train: (T_train, F)
        scaled = scaler.transform(test)               # test: (T_test, F)
        megawatts = scaler.inverse_transform_column(predictions, column=0)
    """

    def __init__(self) -> None:
        self.data_min: np.ndarray | None = None
        self.data_max: np.ndarray | None = None
        self._one_dimensional = False

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` has been called."""
        return self.data_min is not None

    @property
    def n_columns(self) -> int:
        """How many columns the scaler was fitted on."""
        return len(self._range()[0])

    def fit(self, values: npt.ArrayLike | torch.Tensor) -> MinMaxScaler:
        """Remember each column's minimum and maximum; returns ``self``.

        Args:
            values: ``(rows,)`` or ``(rows, columns)``, at least one row, no NaN or infinity.

        Raises:
            ValueError: the values are empty, not 1-D or 2-D, hold NaN or infinity, or a column
                is constant (``max == min`` would divide by zero).
        """
        array = as_float_array(values, "values")
        if array.ndim not in (1, 2) or array.shape[0] == 0 or array.size == 0:
            raise ValueError(
                f"fit needs (rows,) or (rows, columns) values with at least one row, got shape {array.shape}."
            )
        table = array.reshape(len(array), -1)
        bad = [int(c) for c in np.flatnonzero(~np.isfinite(table).all(axis=0))]
        if bad:
            raise ValueError(
                f"columns {bad} hold NaN or infinite values: fill or drop the missing rows before "
                "fitting the scaler."
            )
        low, high = table.min(axis=0), table.max(axis=0)
        constant = [int(c) for c in np.flatnonzero(high == low)]
        if constant:
            raise ValueError(
                f"columns {constant} are constant (max == min), so (x - min) / (max - min) divides "
                "by zero: drop those columns, or fit on a span where they vary."
            )
        self.data_min, self.data_max = low, high
        self._one_dimensional = array.ndim == 1
        return self

    def fit_transform(self, values: npt.ArrayLike) -> np.ndarray:
        """:meth:`fit` on ``values``, then :meth:`transform` them."""
        return self.fit(values).transform(np.asarray(values, dtype=np.float64))

    def transform(self, values: ArrayOrTensor) -> ArrayOrTensor:
        """``(x - min) / (max - min)`` per column; same shape as ``values``.

        Raises:
            RuntimeError: the scaler is not fitted.
            ValueError: ``values`` do not have the fitted number of columns.
        """
        low, high = self._range()
        self._check_width(values)
        return _affine(values, 1.0 / (high - low), -low / (high - low))

    def inverse_transform(self, values: ArrayOrTensor) -> ArrayOrTensor:
        """``x * (max - min) + min`` per column: the original scale back; same shape.

        Raises:
            RuntimeError: the scaler is not fitted.
            ValueError: ``values`` do not have the fitted number of columns.
        """
        low, high = self._range()
        self._check_width(values)
        return _affine(values, high - low, low)

    def transform_column(self, values: ArrayOrTensor, column: int = 0) -> ArrayOrTensor:
        """Scale values of one column (any shape) with that column's ``min`` and ``max``."""
        low, high = self._column(column)
        return _affine(values, np.array(1.0 / (high - low)), np.array(-low / (high - low)))

    def inverse_transform_column(self, values: ArrayOrTensor, column: int = 0) -> ArrayOrTensor:
        """Undo the scaling of one column, for values of any shape: ``x * (max - min) + min``.

        This is what a forecast needs: the network predicts the scaled target (one column of
        the fitted table), and ``inverse_transform_column(predictions, column=0)`` gives them
        back in the target's unit (megawatts).

        Raises:
            RuntimeError: the scaler is not fitted.
            IndexError: ``column`` is not one of the fitted columns.
        """
        low, high = self._column(column)
        return _affine(values, np.array(high - low), np.array(low))

    def _range(self) -> tuple[np.ndarray, np.ndarray]:
        if self.data_min is None or self.data_max is None:
            raise RuntimeError("this MinMaxScaler is not fitted: call fit(training_values) first.")
        return self.data_min, self.data_max

    def _column(self, column: int) -> tuple[float, float]:
        low, high = self._range()
        if not -len(low) <= column < len(low):
            raise IndexError(f"column={column}, but the scaler was fitted on {len(low)} column(s).")
        return float(low[column]), float(high[column])

    def _check_width(self, values: np.ndarray | torch.Tensor) -> None:
        width = self.n_columns
        shape = tuple(values.shape) if isinstance(values, torch.Tensor) else np.shape(values)
        if len(shape) == 1 and width == 1:
            return
        if len(shape) == 2 and shape[1] == width:
            return
        expected = f"(rows, {width})" + (" or (rows,)" if width == 1 else "")
        raise ValueError(
            f"values of shape {shape} do not match the {width} fitted column(s): pass {expected}, "
            "or use transform_column / inverse_transform_column for one column."
        )


def _affine(values: ArrayOrTensor, scale: np.ndarray, offset: np.ndarray) -> ArrayOrTensor:
    """``values * scale + offset``, numpy in float64 or torch in the tensor's dtype and device."""
    if isinstance(values, torch.Tensor):
        dtype = values.dtype if values.is_floating_point() else torch.get_default_dtype()
        s = torch.as_tensor(scale, dtype=dtype, device=values.device)
        o = torch.as_tensor(offset, dtype=dtype, device=values.device)
        return values.to(dtype) * s + o
    return np.asarray(values, dtype=np.float64) * scale + offset


def window_starts(
    length: int, window: int, horizon: int, start: int = 0, stop: int | None = None
) -> np.ndarray:
    """The first indices ``s`` of every window that lies, with its target, inside ``[start, stop)``.

    A window covers ``[s, s + window)`` and its target is ``s + window + horizon - 1``; both must
    lie in ``[start, stop)``, so no window or target crosses a split boundary. The result is
    ``arange(start, stop - window - horizon + 1)`` (int64): "chunking on a running basis", one
    window per hour.

    Args:
        length: the series' length ``T``.
        window: hours in a window (at least 1).
        horizon: how many hours after the window's last one the target lies (1 = next hour).
        start, stop: the span (a split) the windows must lie in; ``stop=None`` means ``length``.

    Raises:
        ValueError: a size below 1, a span outside ``[0, length]``, or a span shorter than
            ``window + horizon`` (not one window fits).
    """
    check_sizes(length=length, window=window, horizon=horizon)
    stop = length if stop is None else stop
    if not (isinstance(start, (int, np.integer)) and isinstance(stop, (int, np.integer))):
        raise ValueError(f"start and stop must be whole numbers, got {start!r} and {stop!r}.")
    if not 0 <= start < stop <= length:
        raise ValueError(
            f"need 0 <= start < stop <= length, got start={start}, stop={stop}, length={length}."
        )
    last = stop - window - horizon  # the last valid start
    if last < start:
        raise ValueError(
            f"the span [{start}, {stop}) has {stop - start} values, fewer than one window plus its "
            f"horizon ({window} + {horizon}): use a shorter window or horizon, or a longer span."
        )
    return np.arange(start, last + 1, dtype=np.int64)


class WindowDataset(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Windows of a series and their targets, made on demand: item ``i`` is a pair of views.

    ``dataset[i] == (features[s : s + window], target[s + window + horizon - 1])`` with
    ``s = starts[i]``: a ``(window, F)`` float32 tensor and a 0-d float32 tensor, so a
    ``DataLoader`` batches them into ``(B, window, F)`` and ``(B,)``. Both are views of the one
    stored series: memory stays that of the series, not ``len(starts) * window`` rows (the
    lecture's ``np.zeros((N - sequence_length, sequence_length, F))`` holds every window).

    Args:
        features: ``(T, F)`` inputs (e.g. the scaled load and the datetime encoding), array or
            tensor; converted to float32 (a float32 tensor or array is shared, not copied).
        target: ``(T,)`` values to predict (e.g. the scaled load).
        window, horizon: as in :func:`window_starts`.
        starts: the windows' first indices, from :func:`window_starts`; ``None`` means every
            window of the whole series.

    Raises:
        ValueError: shapes that do not fit, a series shorter than one window plus its horizon,
            or a start whose window or target falls outside the series.
    """

    def __init__(
        self,
        features: npt.ArrayLike | torch.Tensor,
        target: npt.ArrayLike | torch.Tensor,
        window: int,
        horizon: int = 1,
        starts: Sequence[int] | npt.ArrayLike | None = None,
    ) -> None:
        check_sizes(window=window, horizon=horizon)
        self.features = _float32_tensor(features, "features")
        self.target = _float32_tensor(target, "target")
        if self.features.ndim != 2:
            raise ValueError(f"features must be (time, features), got shape {tuple(self.features.shape)}.")
        if self.target.ndim != 1:
            raise ValueError(f"target must be (time,), got shape {tuple(self.target.shape)}.")
        length = self.features.shape[0]
        if self.target.shape[0] != length:
            raise ValueError(
                f"features have {length} time steps but target has {self.target.shape[0]}: "
                "they must describe the same hours."
            )
        if length < window + horizon:
            raise ValueError(
                f"the series has {length} values, fewer than one window plus its horizon "
                f"({window} + {horizon}): use a shorter window or a longer series."
            )
        self.window, self.horizon = window, horizon
        if starts is None:
            self.starts = window_starts(length, window, horizon)
        else:
            self.starts = np.asarray(starts)
            if (
                self.starts.ndim != 1
                or self.starts.size == 0
                or not np.issubdtype(self.starts.dtype, np.integer)
            ):
                raise ValueError(
                    "starts must be a non-empty 1-D sequence of whole numbers (see window_starts), got "
                    f"shape {self.starts.shape}, dtype {self.starts.dtype}."
                )
            self.starts = self.starts.astype(np.int64)
            low, high = int(self.starts.min()), int(self.starts.max())
            if low < 0 or high > length - window - horizon:
                raise ValueError(
                    f"starts must lie in 0..{length - window - horizon} so that each window and its "
                    f"target fit in the {length} values, got {low}..{high}."
                )

    @property
    def target_indices(self) -> np.ndarray:
        """The index of each item's target in the series: ``starts + window + horizon - 1``."""
        return self.starts + self.window + self.horizon - 1

    @property
    def origins(self) -> np.ndarray:
        """Each item's forecast origin, the window's last index: ``starts + window - 1``."""
        return self.starts + self.window - 1

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        s = int(self.starts[index])
        return self.features[s : s + self.window], self.target[s + self.window + self.horizon - 1]


def _float32_tensor(values: Any, name: str) -> torch.Tensor:
    try:
        return torch.as_tensor(values, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"{name} must be numbers, got {type(values).__name__}: {error}") from error
