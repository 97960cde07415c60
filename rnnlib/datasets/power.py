"""PJM hourly power load: fetching, cleaning with counts (and reading, features, splits re-exported).

The data of the chapter "Forecasting hourly power load with the pmGRU" (DLStudio's
``DataPrediction`` and Gabriel Loye's GRU/LSTM blog post): Rob Mulla's Kaggle dataset
"Hourly Energy Consumption", one CSV per PJM region, header ``Datetime,<REGION>_MW``, rows
such as ``2004-12-31 01:00:00,13478.0``. The files are registered in
:mod:`rnnlib.core.catalog`; ``shared/data/README.md`` (section 3) gives their provenance.

Five modules, every public name re-exported here:

- :mod:`~rnnlib.datasets.power_csv` -- :func:`.read_power_csv`, strict: a spreadsheet
  re-save, a blank line, a non-numeric load or a byte that is not UTF-8 is an error naming
  the file and the line;
- this module -- :func:`load_power` and :func:`clean_hourly`, with the choices below;
- :mod:`~rnnlib.datasets.power_checks` -- what cleaning refuses: duplicates that conflict,
  gaps too long to interpolate, a series too short for one window;
- :mod:`~rnnlib.datasets.power_report` -- :class:`.PowerReport`, what cleaning found and did;
- :mod:`~rnnlib.datasets.power_features` -- :func:`.calendar_features`, :func:`.split_by_time`.

Choices (each counted in :class:`.PowerReport`, nothing is dropped without being counted):

* The timestamps are PJM's local time, hour *ending* (a day runs from 01:00 to 00:00 of the
  next day). Hence the two quirks of daylight saving time: the fall-back hour appears twice
  (4 duplicated timestamps in most files) and the spring-forward hour is missing.
* The rows are not in time order: they run in year blocks, and within a year the days run
  backwards from December 31 (time goes backwards 6,041 times in PJME's file).
  :func:`clean_hourly` sorts them.
* A duplicated timestamp keeps the **mean** of its rows: the two rows are two different
  real hours with the same local label, so their mean is the best value for the one slot,
  as long as they differ by at most 10 % (:mod:`~rnnlib.datasets.power_checks`).
* A load that is zero, negative or below ``min_fraction`` (default 20 %) of the series'
  median is **implausible** and treated as missing. The threshold is set from the data:
  the three known outliers are single-hour drops to 0 % (FE, 0.0 MW), 9 % (PJMW, 487 MW)
  and 12 % (DOM, 1253 MW) of the median, while the lowest real loads, on smooth night-time
  curves, are 30 % (DEOK, 907 MW in April 2018) and 37 % (EKPC) of it. 30 % would be too
  close to DEOK's real low; 20 % sits in the gap.
* The series is put on a regular hourly grid from its first to its last timestamp, and the
  missing and implausible hours are filled by **time interpolation** (a straight line
  between the neighbouring hours): the gaps are short (one hour at most in each of the 12
  files), and a model that reads hour after hour needs every hour. A gap of more than 6
  hours is an error (:mod:`~rnnlib.datasets.power_checks`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rnnlib.core.data import MIRROR_ENV, DatasetSpec, DataUnavailableError, cache_dir, fetch_file
from rnnlib.core.registry import DataFormatError
from rnnlib.datasets.power_checks import (
    DUPLICATE_TOLERANCE,
    MAX_GAP_HOURS,
    check_options,
    conflicting_duplicates,
    long_gaps,
    longest_run,
    raise_conflicts,
    raise_long_gaps,
    raise_too_short,
)
from rnnlib.datasets.power_csv import DATETIME_FORMAT, read_power_csv
from rnnlib.datasets.power_features import calendar_features, split_by_time
from rnnlib.datasets.power_report import PowerReport

__all__ = [
    "DATETIME_FORMAT",
    "DUPLICATE_TOLERANCE",
    "MAX_GAP_HOURS",
    "MIN_HOURS",
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

#: The 12 PJM regions of the dataset, as in the files' names (``<REGION>_hourly.csv``) -- AEP,
#: COMED, DAYTON, DEOK, DOM, DUQ, EKPC, FE, NI, PJME, PJMW and PJM_Load.
#:
#: :meta hide-value:
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

#: Regions whose file has no unmodified public copy, so they are in the mirror and the cache only.
NO_PUBLIC_COPY: frozenset[str] = frozenset({"NI", "PJM_Load"})

#: The fewest hours :func:`load_power` accepts by default -- one week, the longest season a
#: chapter-6 baseline looks back, longer than any window (48 or 90 hours) plus its horizon.
MIN_HOURS = 168

#: The name of the series :func:`clean_hourly` and :func:`load_power` return.
SERIES_NAME = "load_mw"

_ROOT = "hourly_energy_consumption"
_DEFAULT_MIN_FRACTION = 0.2

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


# --------------------------------------------------------------------------- cleaning


def clean_hourly(
    raw: pd.Series,
    *,
    min_fraction: float = _DEFAULT_MIN_FRACTION,
    duplicate_tolerance: float = DUPLICATE_TOLERANCE,
    allow_conflicting_duplicates: bool = False,
    max_gap_hours: int = MAX_GAP_HOURS,
    allow_long_gaps: bool = False,
    min_hours: int = 1,
    source: str | None = None,
) -> tuple[pd.Series, PowerReport]:
    """Sort, deduplicate, screen and fill a raw load series onto a regular hourly grid.

    See the module's docstring for why each step is done as it is, and
    :mod:`~rnnlib.datasets.power_checks` for the checks made before merging and filling.

    Args:
        raw: loads on a :class:`pandas.DatetimeIndex`, in any order (:func:`.read_power_csv`).
        min_fraction: loads below this fraction of the median are implausible (in ``[0, 1)``).
        duplicate_tolerance: rows of one timestamp may differ by this fraction of their mean
            (default 10 %); more is an error unless ``allow_conflicting_duplicates``.
        allow_conflicting_duplicates: keep the mean of conflicting rows too, and list their
            timestamps in the report.
        max_gap_hours: the longest run of missing or implausible hours to fill (default 6);
            a longer one is an error unless ``allow_long_gaps``.
        allow_long_gaps: fill longer gaps too, and list them in the report.
        min_hours: the fewest hours the cleaned series may have (default 1).
        source: what to call the data in messages (the file); default the series' name.

    Returns:
        ``(series, report)``: the series, named ``"load_mw"``, on a regular hourly
        :class:`pandas.DatetimeIndex` (``freq="h"``) from the first to the last timestamp,
        with no NaN; and the :class:`.PowerReport` of what was found and done.

    Raises:
        TypeError: ``raw`` is not a series on a DatetimeIndex.
        ValueError: ``raw`` is empty, holds NaN, its timestamps are not on whole hours, no
            value is plausible, or an option is out of range.
        rnnlib.core.registry.DataQualityError: (a ``ValueError``) conflicting duplicates, a
            gap longer than ``max_gap_hours``, or fewer than ``min_hours`` hours; the message
            lists them and names the option that accepts them.
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
    check_options(duplicate_tolerance, max_gap_hours, min_hours)
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
    source = source or column
    order_breaks = int((np.diff(raw.index.asi8) < 0).sum())
    ordered = values.sort_index(kind="mergesort")
    conflicts = conflicting_duplicates(ordered, duplicate_tolerance)
    if not allow_conflicting_duplicates:
        raise_conflicts(source, conflicts, duplicate_tolerance)
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
    too_long = long_gaps(gaps, grid, max_gap_hours)
    if not allow_long_gaps:
        raise_long_gaps(source, too_long, max_gap_hours)
    raise_too_short(source, len(grid), grid[0], grid[-1], min_hours)
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
        longest_gap_hours=longest_run(gaps),
        hours=len(series),
        first=grid[0],
        last=grid[-1],
        duplicate_tolerance=duplicate_tolerance,
        conflicting_duplicates=tuple(conflicts),
        max_gap_hours=max_gap_hours,
        long_gaps=too_long,
    )
    return series, report


def load_power(
    region: str = "PJME",
    *,
    min_hours: int = MIN_HOURS,
    allow_conflicting_duplicates: bool = False,
    allow_long_gaps: bool = False,
    registry: Mapping[str, DatasetSpec] | None = None,
) -> tuple[pd.Series, PowerReport]:
    """Fetch, read and clean one region's hourly load.

    Args:
        region: one of :data:`REGIONS` (case-sensitive: ``"PJM_Load"``).
        min_hours: the fewest hours the series may have: at least one input window and the
            hours a forecast looks ahead (chapter 6: ``90 + 24``); default one week
            (:data:`MIN_HOURS`). A shorter file is refused here, not when cutting windows.
        allow_conflicting_duplicates, allow_long_gaps: accept what :func:`clean_hourly`
            refuses by default (the report lists it). PJME, the chapter's region, needs
            neither; DEOK needs ``allow_conflicting_duplicates=True`` (2017-11-05 02:00).
        registry: the registry to look in (tests pass their own); default
            :data:`rnnlib.core.catalog.REGISTRY`.

    Returns:
        ``(series, report)`` as :func:`clean_hourly` returns them.

    Raises:
        ValueError: unknown region, or a file that :func:`.read_power_csv` rejects or whose
            load column is not ``<region>_MW``.
        rnnlib.core.registry.DataQualityError: (a ``ValueError``) fewer than ``min_hours``
            hours, conflicting duplicates or a long gap (see :func:`clean_hourly`).
        rnnlib.core.registry.DataUnavailableError: the file is not in the mirror or the cache and could not be
            downloaded; for NI and PJM_Load, which have no public copy, the message says
            so and names ``RNNLIB_DATA_MIRROR``.
        rnnlib.core.registry.DataError: the other errors of :func:`rnnlib.core.data.fetch_file`.
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
        raise DataFormatError(
            f"{local} holds the column {raw.name!r}, expected '{region}_MW': the file is not "
            f"{region}'s. Replace it with the original {region}_hourly.csv."
        )
    return clean_hourly(
        raw,
        allow_conflicting_duplicates=allow_conflicting_duplicates,
        allow_long_gaps=allow_long_gaps,
        min_hours=min_hours,
        source=str(local),
    )
