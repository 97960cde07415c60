"""Calendar features and splits by time, for an hourly series such as the PJM load.

:func:`calendar_features` is the lecture's datetime conditioning (hour, day of week, month,
day of year), as raw integers or as sin/cos pairs; :func:`split_by_time` cuts a series into
contiguous training, validation and test parts (never shuffled: the test part is the
future). Both are re-exported by :mod:`rnnlib.datasets.power`.
"""

from __future__ import annotations

from typing import Literal, TypeVar

import numpy as np
import pandas as pd

__all__ = ["calendar_features", "split_by_time"]

Frame = TypeVar("Frame", pd.Series, pd.DataFrame)


def calendar_features(
    index: pd.DatetimeIndex, encoding: Literal["integer", "cyclic"] = "integer"
) -> pd.DataFrame:
    """The lecture's datetime conditioning: hour, day of week, month and day of year.

    ``"integer"`` gives the raw integers, as DLStudio's pmGRU and Loye's blog post feed
    them: ``hour`` 0-23, ``dayofweek`` 0-6 (Monday is 0), ``month`` 1-12 and ``dayofyear``
    1-366. They are simple but put 23 h far from 0 h and December far from January.

    ``"cyclic"`` maps each onto a circle: ``<name>_sin`` and ``<name>_cos`` of
    ``2 pi k / P`` with ``k`` counted from 0 (``hour``, ``dayofweek``, ``month - 1``,
    ``dayofyear - 1``) and period ``P`` = 24, 7, 12 and the number of days in that year
    (365 or 366, so that December 31 is next to January 1 in leap years too). Neighbours in
    time are then neighbours in feature space, and every feature lies in ``[-1, 1]``.

    Args:
        index: the timestamps (e.g. the cleaned series' index).
        encoding: ``"integer"`` or ``"cyclic"``.

    Returns:
        One row per timestamp, on ``index``: int64 columns ``hour, dayofweek, month,
        dayofyear``, or float64 columns ``hour_sin, hour_cos, dayofweek_sin, ...,
        dayofyear_cos``.

    Raises:
        TypeError: ``index`` is not a DatetimeIndex.
        ValueError: unknown ``encoding``.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(
            f"calendar_features needs a pandas DatetimeIndex (e.g. series.index), got {type(index).__name__}."
        )
    integers = {
        "hour": index.hour.to_numpy(dtype=np.int64),
        "dayofweek": index.day_of_week.to_numpy(dtype=np.int64),
        "month": index.month.to_numpy(dtype=np.int64),
        "dayofyear": index.day_of_year.to_numpy(dtype=np.int64),
    }
    if encoding == "integer":
        return pd.DataFrame(integers, index=index)
    if encoding != "cyclic":
        raise ValueError(f"encoding must be 'integer' or 'cyclic', got {encoding!r}.")
    days_in_year = np.where(index.is_leap_year, 366.0, 365.0)
    phases = {
        "hour": integers["hour"] / 24.0,
        "dayofweek": integers["dayofweek"] / 7.0,
        "month": (integers["month"] - 1) / 12.0,
        "dayofyear": (integers["dayofyear"] - 1) / days_in_year,
    }
    columns: dict[str, np.ndarray] = {}
    for name, phase in phases.items():
        angle = 2 * np.pi * phase
        columns[f"{name}_sin"] = np.sin(angle)
        columns[f"{name}_cos"] = np.cos(angle)
    return pd.DataFrame(columns, index=index)


def split_by_time(
    data: Frame, train_end: str | pd.Timestamp, val_end: str | pd.Timestamp
) -> tuple[Frame, Frame, Frame]:
    """Cut ``data`` into contiguous training, validation and test parts by timestamp.

    Training is every row before ``train_end``, validation from ``train_end`` up to (not
    including) ``val_end``, test from ``val_end`` on: each timestamp is in exactly one part,
    and the test part is the future of the other two.

    Args:
        data: a series or frame on a sorted DatetimeIndex (e.g. :func:`.load_power`'s series).
        train_end: the first timestamp of the validation part, e.g. ``"2015-01-01"``.
        val_end: the first timestamp of the test part; later than ``train_end``.

    Returns:
        ``(train, validation, test)``, each non-empty.

    Raises:
        TypeError: ``data`` is not on a DatetimeIndex.
        ValueError: the index is not sorted, the boundaries are out of order, or a boundary
            lies outside the data so that a part would be empty (the message gives the range).
    """
    index = data.index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(f"split_by_time needs data on a DatetimeIndex, got a {type(index).__name__}.")
    if not index.is_monotonic_increasing:
        raise ValueError("The data's index is not sorted by time: sort it first (clean_hourly does).")
    start, stop = pd.Timestamp(train_end), pd.Timestamp(val_end)
    if not start < stop:
        raise ValueError(f"train_end ({start}) must be earlier than val_end ({stop}).")
    train = data[index < start]
    val = data[(index >= start) & (index < stop)]
    test = data[index >= stop]
    empty = [name for name, part in (("training", train), ("validation", val), ("test", test)) if part.empty]
    if empty:
        raise ValueError(
            f"The {' and '.join(empty)} part(s) would be empty: the data run from {index[0]} to "
            f"{index[-1]}, and need first < train_end ({start}) < val_end ({stop}) <= last, "
            "with at least one row in each part."
        )
    return train, val, test
