"""The report of :func:`rnnlib.datasets.power.clean_hourly`: what it found in a load series and did.

Every row read is accounted for: sorted, merged into a duplicate, screened as implausible,
or kept; every hour of the grid is either read or filled. :meth:`PowerReport.to_frame` and
``str(report)`` show it on a page; the hours cleaning accepted only on request (conflicting
duplicates, long gaps: :mod:`~rnnlib.datasets.power_checks`) are listed, with their times.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rnnlib.datasets.power_checks import DUPLICATE_TOLERANCE, MAX_GAP_HOURS

__all__ = ["PowerReport"]


@dataclass(frozen=True)
class PowerReport:
    """What :func:`.clean_hourly` found and did, for the page and the tests.

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
        duplicate_tolerance: rows of one timestamp whose loads differ by more than this
            fraction of their mean conflict (:mod:`~rnnlib.datasets.power_checks`).
        conflicting_duplicates: the timestamps whose rows conflict, accepted with
            ``allow_conflicting_duplicates=True`` (their mean is kept); empty otherwise.
        max_gap_hours: the longest gap filled without ``allow_long_gaps``.
        long_gaps: ``(first hour, length)`` of each gap longer than ``max_gap_hours``,
            accepted with ``allow_long_gaps=True``; empty otherwise.
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
    duplicate_tolerance: float = DUPLICATE_TOLERANCE
    conflicting_duplicates: tuple[pd.Timestamp, ...] = ()
    max_gap_hours: int = MAX_GAP_HOURS
    long_gaps: tuple[tuple[pd.Timestamp, int], ...] = ()

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
        # Shown only when accepted, so that the usual report keeps its rows.
        if self.conflicting_duplicates:
            listed = ", ".join(str(t) for t in self.conflicting_duplicates)
            rows.append((f"duplicates differing by > {self.duplicate_tolerance:.0%} (mean kept)", listed))
        for first, length in self.long_gaps:
            rows.append((f"gap over {self.max_gap_hours} hours (interpolated)", f"{first}, {length:,} hours"))
        return pd.DataFrame(rows, columns=["what", "value"])

    def __str__(self) -> str:
        table = self.to_frame()
        width = max(len(w) for w in table["what"])
        body = "\n".join(f"  {w:<{width}}  {v}" for w, v in zip(table["what"], table["value"], strict=True))
        return f"{self.column}:\n{body}"
