"""The checks :func:`rnnlib.datasets.power.clean_hourly` makes before it merges or fills anything.

Cleaning merges the rows of a duplicated hour into their mean and fills missing hours with
a straight line. Both are right for the PJM files' own quirks and wrong beyond them, so
beyond them cleaning stops with a :class:`~rnnlib.core.registry.DataQualityError` (a
``ValueError``) that lists the hours and names the option that accepts them:

* **Conflicting duplicates.** A timestamp that occurs twice is the daylight-saving fall-back
  hour: two real, consecutive night hours with one label, whose loads differ by a few
  percent (at most 8.5 % in the 12 files, DAYTON on 2017-11-05; 4.2 % in PJME). Rows that
  differ by more than :data:`DUPLICATE_TOLERANCE` (10 %) of their mean are not two
  neighbouring hours but a data error that the mean would hide: 99,999 and 30,000 MW
  would become 64,999 MW. One real file has such a pair: DEOK on 2017-11-05 02:00, 2,064
  and 1,044 MW (65 %), so ``load_power("DEOK")`` needs ``allow_conflicting_duplicates=True``.
* **Long gaps.** The files' gaps are single hours (the spring-forward hour, a few lost
  hours, a screened outlier). A straight line is a fair guess over a few hours of a daily
  curve; over more than :data:`MAX_GAP_HOURS` (6 hours, a quarter of a day: the rise from
  the night's trough to the morning's peak) it cuts through a peak or a trough, and over
  a day or more it replaces whole daily cycles by a line. Longer gaps are errors.
* **Too short.** A series shorter than ``min_hours`` cannot give one window and its target.

:func:`conflicting_duplicates` and :func:`long_gaps` find them; the report of
:func:`~rnnlib.datasets.power.clean_hourly` lists them when they are accepted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnlib.core.registry import DataQualityError

__all__ = [
    "DUPLICATE_TOLERANCE",
    "MAX_GAP_HOURS",
    "check_options",
    "conflicting_duplicates",
    "long_gaps",
    "longest_run",
    "raise_conflicts",
    "raise_long_gaps",
    "raise_too_short",
    "runs",
]

#: Rows of one timestamp conflict when their loads differ by more than this fraction of their mean.
DUPLICATE_TOLERANCE = 0.10
#: The longest run of missing (or screened) hours filled by interpolation without an error.
MAX_GAP_HOURS = 6
#: How many hours an error message lists before it says "and N more".
_SHOWN = 5


def check_options(duplicate_tolerance: float, max_gap_hours: int, min_hours: int) -> None:
    """Check the options of :func:`~rnnlib.datasets.power.clean_hourly`.

    Raises:
        ValueError: a negative or non-finite tolerance, or a gap limit or minimum length that
            is not a positive whole number.
    """
    if not (isinstance(duplicate_tolerance, (int, float)) and 0 <= duplicate_tolerance < float("inf")):
        raise ValueError(
            f"duplicate_tolerance must be a fraction >= 0 (e.g. 0.1), got {duplicate_tolerance!r}."
        )
    for name, value in (("max_gap_hours", max_gap_hours), ("min_hours", min_hours)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number of hours >= 1, got {value!r}.")


def conflicting_duplicates(ordered: pd.Series, tolerance: float) -> dict[pd.Timestamp, tuple[float, ...]]:
    """The timestamps whose rows differ by more than ``tolerance`` times their mean, with their loads.

    Args:
        ordered: the loads, sorted by time (duplicated timestamps adjacent).
        tolerance: the fraction (``0.1`` is 10 %).

    Returns:
        ``{timestamp: loads in file order}``, in time order; empty if none.
    """
    stats = ordered.groupby(level=0).agg(["size", "min", "max", "mean"])
    repeated = stats[stats["size"] > 1]
    spread = repeated["max"] - repeated["min"]
    conflicts = repeated.index[spread > tolerance * repeated["mean"].abs()]
    if conflicts.empty:
        return {}
    rows = ordered[ordered.index.isin(conflicts)]
    found: dict[pd.Timestamp, list[float]] = {}
    for time, value in zip(pd.DatetimeIndex(rows.index), rows.to_numpy(), strict=True):
        found.setdefault(time, []).append(float(value))
    return {time: tuple(values) for time, values in found.items()}


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, length)`` of every run of True in a boolean array, in order."""
    padded = np.concatenate(([0], np.asarray(mask, dtype=np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def longest_run(mask: np.ndarray) -> int:
    """The length of the longest run of True in a boolean array (0 if none)."""
    return max((length for _, length in runs(mask)), default=0)


def long_gaps(
    filled: np.ndarray, grid: pd.DatetimeIndex, max_hours: int
) -> tuple[tuple[pd.Timestamp, int], ...]:
    """The runs of filled hours longer than ``max_hours``: ``(first hour, length)`` each."""
    return tuple((grid[start], length) for start, length in runs(filled) if length > max_hours)


def _listed(items: list[str]) -> str:
    shown = "; ".join(items[:_SHOWN])
    return shown + (f"; and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def raise_conflicts(source: str, conflicts: dict[pd.Timestamp, tuple[float, ...]], tolerance: float) -> None:
    """Raise the error for conflicting duplicates (nothing if there are none).

    Raises:
        DataQualityError: naming ``source``, the hours and their loads, and the fix.
    """
    if not conflicts:
        return
    hours = [f"{t}: {' and '.join(f'{v:,.1f}' for v in values)} MW" for t, values in conflicts.items()]
    raise DataQualityError(
        f"{source}: {len(hours)} hour(s) appear more than once with loads that differ by more than "
        f"{tolerance:.0%} of their mean: {_listed(hours)}. A daylight-saving duplicate (two real "
        "night hours with one label) differs by a few percent; this is a data error, and their "
        "mean would be a load the grid never had. Fix: correct the file, or pass "
        "allow_conflicting_duplicates=True to keep each hour's mean (the report lists them in "
        "conflicting_duplicates), or a larger duplicate_tolerance."
    )


def raise_long_gaps(source: str, gaps: tuple[tuple[pd.Timestamp, int], ...], max_hours: int) -> None:
    """Raise the error for gaps longer than ``max_hours`` (nothing if there are none).

    Raises:
        DataQualityError: naming ``source``, each gap's first and last hour, and the fix.
    """
    if not gaps:
        return
    hour = pd.Timedelta(hours=1)
    listed = [f"{first} to {first + (length - 1) * hour} ({length:,} hours)" for first, length in gaps]
    raise DataQualityError(
        f"{source}: {len(gaps)} gap(s) of missing or implausible hours are longer than "
        f"{max_hours} hours: {_listed(listed)}. Interpolation would draw a straight line across "
        "them, through the daily peaks and troughs. Fix: use a period without them "
        "(split_by_time), or pass allow_long_gaps=True to fill them anyway (the report lists "
        "them in long_gaps), or a larger max_gap_hours."
    )


def raise_too_short(source: str, hours: int, first: pd.Timestamp, last: pd.Timestamp, min_hours: int) -> None:
    """Raise the error for a series of fewer than ``min_hours`` hours (nothing otherwise).

    Raises:
        DataQualityError: naming ``source``, its hours and the hours needed.
    """
    if hours >= min_hours:
        return
    raise DataQualityError(
        f"{source} covers only {hours:,} hour(s), {first} to {last}; at least {min_hours:,} are "
        "needed (min_hours: one input window and the hours after it that a forecast targets). "
        "The file is truncated or the wrong one. Fix: fetch the original file, or choose a "
        "region with more data; lower min_hours only if the windows you will cut are shorter."
    )
