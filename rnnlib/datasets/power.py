"""PJM hourly power load: reading, cleaning, calendar features and splits by time.

The data of the chapter "Forecasting hourly power load with the pmGRU" (DLStudio's
``DataPrediction`` and Gabriel Loye's GRU/LSTM blog post): Rob Mulla's Kaggle dataset
"Hourly Energy Consumption", one CSV per PJM region, header ``Datetime,<REGION>_MW``, rows
such as ``2004-12-31 01:00:00,13478.0``. The files are registered in
:mod:`rnnlib.core.catalog`; ``shared/data/README.md`` (section 3) gives their provenance.

Choices (each counted in :class:`PowerReport`, nothing is dropped without being counted):

* :func:`read_power_csv` is strict: a spreadsheet re-save (``31-12-2004 01:00``), a second
  load column, a blank line in the middle or a non-numeric load raises a ``ValueError``
  naming the line and its text, instead of becoming a silent NaN or a dropped row.
* The timestamps are PJM's local time, hour *ending* (a day runs from 01:00 to 00:00 of the
  next day). Hence the two quirks of daylight saving time: the fall-back hour appears twice
  (4 duplicated timestamps in most files) and the spring-forward hour is missing.
* The rows are not in time order: they run in year blocks, and within a year the days run
  backwards from December 31 (time goes backwards 6,041 times in PJME's file).
  :func:`clean_hourly` sorts them.
* A duplicated timestamp keeps the **mean** of its rows: the two rows are two different
  real hours with the same local label, so their mean is the best value for the one slot.
* A load that is zero, negative or below ``min_fraction`` (default 20 %) of the series'
  median is **implausible** and treated as missing. The threshold is set from the data:
  the three known outliers are single-hour drops to 0 % (FE, 0.0 MW), 9 % (PJMW, 487 MW)
  and 12 % (DOM, 1253 MW) of the median, while the lowest real loads, on smooth night-time
  curves, are 30 % (DEOK, 907 MW in April 2018) and 37 % (EKPC) of it. 30 % would be too
  close to DEOK's real low; 20 % sits in the gap.
* The series is put on a regular hourly grid from its first to its last timestamp, and the
  missing and implausible hours are filled by **time interpolation** (a straight line
  between the neighbouring hours): the gaps are short (one hour at most in each of the 12
  files), and a model that reads hour after hour needs every hour.

:func:`calendar_features` is the lecture's datetime conditioning (hour, day of week, month,
day of year), as raw integers or as sin/cos pairs; :func:`split_by_time` cuts a series into
contiguous training, validation and test parts (never shuffled: the test part is the future).

Long because: one dataset's whole path from file to model input, most of it docstrings and
error messages that name each problem's line and fix; the parts share the series' layout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, TypeVar

import numpy as np
import pandas as pd

from rnnlib.core.data import MIRROR_ENV, DatasetSpec, DataUnavailableError, cache_dir, fetch_file

__all__ = [
    "DATETIME_FORMAT",
    "NO_PUBLIC_COPY",
    "REGIONS",
    "PowerReport",
    "calendar_features",
    "clean_hourly",
    "load_power",
    "read_power_csv",
    "region_path",
    "split_by_time",
]

#: The 12 PJM regions of the dataset, as in the files' names (``<REGION>_hourly.csv``).
REGIONS: tuple[str, ...] = (
    "AEP",
    "COMED",
    "DAYTON",
    "DEOK",
    "DOM",
    "DUQ",
    "EKPC",
    "FE",
    "NI",
    "PJME",
    "PJMW",
    "PJM_Load",
)

#: Regions whose file has no unmodified public copy: mirror and cache only.
NO_PUBLIC_COPY: frozenset[str] = frozenset({"NI", "PJM_Load"})

#: The timestamp format of the files (``2004-12-31 01:00:00``).
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

#: The name of the series :func:`clean_hourly` and :func:`load_power` return.
SERIES_NAME = "load_mw"

_ROOT = "hourly_energy_consumption"
_DEFAULT_MIN_FRACTION = 0.2

Frame = TypeVar("Frame", pd.Series, pd.DataFrame)


def _dataset_of(region: str) -> str:
    if region == "PJME":
        return "pjm_hourly_pjme"
    if region in NO_PUBLIC_COPY:
        return "pjm_hourly_reconstructed"
    return "pjm_hourly"


def _check_region(region: str) -> None:
    if region in REGIONS:
        return
    same = [r for r in REGIONS if r.lower() == str(region).lower()]
    hint = f" Did you mean {same[0]!r}? The names are case-sensitive." if same else ""
    raise ValueError(f"Unknown PJM region {region!r}.{hint} The regions are: {', '.join(REGIONS)}.")


def region_path(region: str) -> str:
    """The registry path of ``region``'s file, e.g. ``"hourly_energy_consumption/PJME_hourly.csv"``.

    Raises:
        ValueError: ``region`` is not one of :data:`REGIONS`.
    """
    _check_region(region)
    return f"{_ROOT}/{region}_hourly.csv"


# --------------------------------------------------------------------------- reading


def _read_text(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> tuple[str, str]:
    """The text of ``source`` and a name for it in messages."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        return path.read_text(encoding="utf-8"), str(path)
    content = source.read()
    name = str(getattr(source, "name", "the CSV"))
    if isinstance(content, bytes):
        return content.decode("utf-8"), name
    return content, name


def read_power_csv(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> pd.Series:
    """Read one ``Datetime,<REGION>_MW`` CSV into a series, in the file's row order.

    Nothing is sorted, merged or dropped here (that is :func:`clean_hourly`'s job), and
    nothing is silently skipped: every row must hold a timestamp ``YYYY-mm-dd HH:MM:SS``
    and a finite number. Trailing blank lines are allowed; blank lines elsewhere are not.

    Args:
        source: a path, or an open file (text or binary, UTF-8).

    Returns:
        The loads in MW (float64), named after the load column (``"PJME_MW"``), on a
        :class:`pandas.DatetimeIndex` named ``"Datetime"``.

    Raises:
        ValueError: the file is empty or has a header only; the header is not ``Datetime``
            and exactly one ``*_MW`` column; a row has the wrong number of fields, an
            unparsable timestamp or a non-numeric load (the message names the line number,
            counting the header as line 1, and the line's text).
    """
    text, name = _read_text(source)
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError(
            f"{name} is empty. Expected a header 'Datetime,<REGION>_MW' and one row per hour; "
            "fetch the file again (rnnlib.core.data checks its SHA-256)."
        )
    header = [column.strip() for column in lines[0].split(",")]
    loads = [column for column in header if column.endswith("_MW")]
    if len(header) != 2 or header[0] != "Datetime" or len(loads) != 1:
        raise ValueError(
            f"{name}: unexpected header {lines[0]!r} (line 1). Expected exactly two columns, "
            "'Datetime' and one load column ending in '_MW', e.g. 'Datetime,PJME_MW'. A file with "
            "several regions (Kaggle's pjm_hourly_est.csv) is not read here: select one region first."
        )
    column = loads[0]
    rows = lines[1:]
    if not rows:
        raise ValueError(f"{name} has a header ({lines[0]!r}) but no rows: the file is truncated.")
    stamps: list[str] = []
    values: list[str] = []
    for number, line in enumerate(rows, start=2):
        fields = line.split(",")
        if len(fields) != 2:
            what = "is blank" if not line.strip() else f"has {len(fields)} fields, expected 2"
            raise ValueError(f"{name}, line {number} {what}: {line!r}. Every row must be '<timestamp>,<MW>'.")
        stamps.append(fields[0].strip())
        values.append(fields[1].strip())

    times = pd.to_datetime(pd.Series(stamps), format=DATETIME_FORMAT, errors="coerce")
    bad_time = np.flatnonzero(times.isna().to_numpy())
    if bad_time.size:
        i = int(bad_time[0])
        raise ValueError(
            f"{name}, line {i + 2}: cannot parse the timestamp {stamps[i]!r} (line {rows[i]!r}); "
            f"expected the form 2004-12-31 01:00:00 ({DATETIME_FORMAT}). A file re-saved by a "
            f"spreadsheet (31-12-2004 01:00) must be replaced by the original. "
            f"{bad_time.size} row(s) in all have this problem."
        )
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    bad_value = np.flatnonzero(~np.isfinite(numbers.to_numpy()))
    if bad_value.size:
        i = int(bad_value[0])
        raise ValueError(
            f"{name}, line {i + 2}: the load {values[i]!r} is not a finite number (line {rows[i]!r}); "
            f"every row needs a value in MW such as 13478.0. {bad_value.size} row(s) in all have "
            "this problem."
        )
    return pd.Series(
        numbers.to_numpy(), index=pd.DatetimeIndex(times.to_numpy(), name="Datetime"), name=column
    )


# --------------------------------------------------------------------------- cleaning


@dataclass(frozen=True)
class PowerReport:
    """What :func:`clean_hourly` found and did, for the page and the tests.

    Attributes:
        column: the raw series' name (``"PJME_MW"``).
        rows: rows read.
        order_breaks: places where a row's time is earlier than the previous row's (the
            files run in year blocks with the days backwards, so thousands per file).
        duplicate_timestamps: timestamps that occur more than once (DST fall-back hours).
        merged_rows: rows removed by keeping the mean of each duplicated timestamp.
        median_mw: the median load of the deduplicated series.
        min_fraction: the fraction of the median below which a load is implausible.
        implausible: loads ``<= 0`` or below ``min_fraction * median_mw``, treated as missing.
        missing_hours: hours of the regular grid absent from the file.
        filled: hours filled by time interpolation (``missing_hours + implausible``).
        longest_gap_hours: the longest run of consecutive filled hours (0 if none).
        hours: length of the cleaned hourly series.
        first: the first timestamp.
        last: the last timestamp.
    """

    column: str
    rows: int
    order_breaks: int
    duplicate_timestamps: int
    merged_rows: int
    median_mw: float
    min_fraction: float
    implausible: int
    missing_hours: int
    filled: int
    longest_gap_hours: int
    hours: int
    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def threshold_mw(self) -> float:
        """The load below which a value is implausible: ``min_fraction * median_mw``."""
        return self.min_fraction * self.median_mw

    def to_frame(self) -> pd.DataFrame:
        """The report as a two-column table (``what``, ``value``) for display on a page."""
        rows = [
            ("rows read", f"{self.rows:,}"),
            ("out-of-order places (sorted)", f"{self.order_breaks:,}"),
            ("duplicated timestamps (mean kept)", f"{self.duplicate_timestamps:,}"),
            ("rows merged into their duplicate", f"{self.merged_rows:,}"),
            ("median load (MW)", f"{self.median_mw:,.1f}"),
            (
                f"implausible loads (<= 0 or < {self.min_fraction:.0%} of the median, "
                f"{self.threshold_mw:,.0f} MW)",
                f"{self.implausible:,}",
            ),
            ("missing hours", f"{self.missing_hours:,}"),
            ("hours filled by time interpolation", f"{self.filled:,}"),
            ("longest filled gap (hours)", f"{self.longest_gap_hours:,}"),
            ("hours in the cleaned series", f"{self.hours:,}"),
            ("first hour", str(self.first)),
            ("last hour", str(self.last)),
        ]
        return pd.DataFrame(rows, columns=["what", "value"])

    def __str__(self) -> str:
        table = self.to_frame()
        width = max(len(w) for w in table["what"])
        body = "\n".join(f"  {w:<{width}}  {v}" for w, v in zip(table["what"], table["value"], strict=True))
        return f"{self.column}:\n{body}"


def _longest_run(mask: np.ndarray) -> int:
    """The length of the longest run of True in a boolean array."""
    if not mask.any():
        return 0
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max())


def clean_hourly(
    raw: pd.Series, *, min_fraction: float = _DEFAULT_MIN_FRACTION
) -> tuple[pd.Series, PowerReport]:
    """Sort, deduplicate, screen and fill a raw load series onto a regular hourly grid.

    See the module's docstring for why each step is done as it is.

    Args:
        raw: loads on a :class:`pandas.DatetimeIndex`, in any order (:func:`read_power_csv`).
        min_fraction: loads below this fraction of the median are implausible (in ``[0, 1)``).

    Returns:
        ``(series, report)``: the series, named ``"load_mw"``, on a regular hourly
        :class:`pandas.DatetimeIndex` (``freq="h"``) from the first to the last timestamp,
        with no NaN; and the :class:`PowerReport` of what was found and done.

    Raises:
        TypeError: ``raw`` is not a series on a DatetimeIndex.
        ValueError: ``raw`` is empty, holds NaN, its timestamps are not on whole hours, no
            value is plausible, or ``min_fraction`` is outside ``[0, 1)``.
    """
    if not isinstance(raw, pd.Series) or not isinstance(raw.index, pd.DatetimeIndex):
        raise TypeError(
            f"clean_hourly needs a pandas Series on a DatetimeIndex (read_power_csv returns one), "
            f"got {type(raw).__name__}"
            + (f" on a {type(raw.index).__name__}" if isinstance(raw, pd.Series) else "")
            + "."
        )
    if not 0 <= min_fraction < 1:
        raise ValueError(f"min_fraction must be in [0, 1), got {min_fraction!r}.")
    if raw.empty:
        raise ValueError("The series is empty: there is nothing to clean.")
    values = pd.to_numeric(raw, errors="raise").astype("float64")
    if values.isna().any() or raw.index.hasnans:
        raise ValueError(
            f"The raw series holds {int(values.isna().sum())} NaN load(s) and "
            f"{int(np.count_nonzero(raw.index.isna()))} NaT timestamp(s); clean_hourly counts and fills gaps "
            "itself, so pass the rows as read (read_power_csv never returns NaN)."
        )
    off_grid = raw.index != raw.index.floor("h")
    if off_grid.any():
        raise ValueError(
            f"{int(off_grid.sum())} timestamp(s) are not on whole hours (first: {raw.index[off_grid][0]}); "
            "the PJM files hold hourly loads only."
        )
    column = str(raw.name)
    order_breaks = int((np.diff(raw.index.asi8) < 0).sum())
    ordered = values.sort_index(kind="mergesort")
    counts = ordered.groupby(level=0).size()
    unique = ordered.groupby(level=0).mean()
    duplicate_timestamps = int((counts > 1).sum())
    merged_rows = len(ordered) - len(unique)

    median = float(unique.median())
    threshold = min_fraction * median
    implausible_mask = (unique <= 0) | (unique < threshold)
    if implausible_mask.all():
        raise ValueError(
            f"No plausible load in {column}: every value is <= 0 or below {min_fraction:.0%} of the "
            f"median ({median!r} MW). Check that the file holds loads in MW."
        )
    screened = unique.mask(implausible_mask)

    grid = pd.date_range(unique.index[0], unique.index[-1], freq="h", name="Datetime")
    on_grid = screened.reindex(grid)
    missing_hours = len(grid) - len(unique)
    gaps = on_grid.isna().to_numpy()
    filled = on_grid.interpolate(method="time", limit_direction="both")
    series = pd.Series(filled.to_numpy(), index=grid, name=SERIES_NAME)
    report = PowerReport(
        column=column,
        rows=len(raw),
        order_breaks=order_breaks,
        duplicate_timestamps=duplicate_timestamps,
        merged_rows=merged_rows,
        median_mw=median,
        min_fraction=min_fraction,
        implausible=int(implausible_mask.sum()),
        missing_hours=missing_hours,
        filled=int(gaps.sum()),
        longest_gap_hours=_longest_run(gaps),
        hours=len(series),
        first=grid[0],
        last=grid[-1],
    )
    return series, report


def load_power(
    region: str = "PJME", *, registry: Mapping[str, DatasetSpec] | None = None
) -> tuple[pd.Series, PowerReport]:
    """Fetch, read and clean one region's hourly load.

    Args:
        region: one of :data:`REGIONS` (case-sensitive: ``"PJM_Load"``).
        registry: the registry to look in (tests pass their own); default
            :data:`rnnlib.core.catalog.REGISTRY`.

    Returns:
        ``(series, report)`` as :func:`clean_hourly` returns them.

    Raises:
        ValueError: unknown region, or a file that :func:`read_power_csv` rejects or whose
            load column is not ``<region>_MW``.
        rnnlib.core.registry.DataUnavailableError: the file is not in the mirror or the cache and could not be
            downloaded; for NI and PJM_Load, which have no public copy, the message says
            so and names ``RNNLIB_DATA_MIRROR``.
        rnnlib.core.data.DataError: the other errors of :func:`rnnlib.core.data.fetch_file`.
    """
    path = region_path(region)
    dataset = _dataset_of(region)
    try:
        local = fetch_file(dataset, path, registry=registry)
    except DataUnavailableError as exc:
        if region not in NO_PUBLIC_COPY:
            raise
        raise DataUnavailableError(
            f"{region}'s hourly load ({path}) has no public copy to download: the Kaggle "
            "original needs a login and every public copy found was modified, so the course's "
            "copy was rebuilt from the dataset's Parquet file (shared/data/README.md, section 3). "
            f"It is read from the data mirror or the cache only. Fix: set {MIRROR_ENV} to the "
            f"course's data folder, e.g. `export {MIRROR_ENV}=/path/to/shared/data` (in a notebook: "
            f"os.environ[{MIRROR_ENV!r}] = '/path/to/shared/data'), with the file at "
            f"/path/to/shared/data/{path}, or copy it to {cache_dir() / path}. Any other region "
            "(e.g. 'PJME') can be downloaded.",
            dataset=dataset,
            missing=exc.missing,
        ) from exc
    raw = read_power_csv(local)
    if raw.name != f"{region}_MW":
        raise ValueError(
            f"{local} holds the column {raw.name!r}, expected '{region}_MW': the file is not "
            f"{region}'s. Replace it with the original {region}_hourly.csv."
        )
    return clean_hourly(raw)


# --------------------------------------------------------------------------- features and splits


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
        data: a series or frame on a sorted DatetimeIndex (e.g. :func:`load_power`'s series).
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
