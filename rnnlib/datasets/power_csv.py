"""Reading one PJM load CSV, strictly: every problem is an error naming the file, the line and the fix.

The files (Rob Mulla's Kaggle dataset "Hourly Energy Consumption", one per PJM region) have
the header ``Datetime,<REGION>_MW`` and rows such as ``2004-12-31 01:00:00,13478.0``, in
UTF-8 (ASCII in fact). :func:`read_power_csv` keeps them as they are, in file order:
sorting, merging duplicates and filling gaps is :func:`rnnlib.datasets.power.clean_hourly`'s
job. Nothing is skipped or guessed: a spreadsheet re-save (``31-12-2004 01:00``), a second
load column, a blank line in the middle, a non-numeric load or a byte that is not UTF-8
raises a :class:`~rnnlib.core.registry.DataFormatError` (a ``ValueError``) naming the line,
instead of becoming a silent NaN, a dropped row or a bare ``UnicodeDecodeError``.
"""

from __future__ import annotations

import os
from typing import IO

import numpy as np
import pandas as pd

from rnnlib.core.files import decode_utf8, read_data_bytes
from rnnlib.core.registry import DataFormatError

__all__ = ["DATETIME_FORMAT", "read_power_csv"]

#: The timestamp format of the files (``2004-12-31 01:00:00``).
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_FIX = "Fix: replace it with the original file (rnnlib.datasets.power.load_power fetches and checks it)."


def _read_text(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> tuple[str, str]:
    """The text of ``source`` and a name for it in messages.

    Raises:
        rnnlib.core.registry.DataFileError: a path that is missing, a folder or unreadable.
        DataFormatError: bytes that are not UTF-8 (the message names the line).
    """
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        data = read_data_bytes(source, "Fix: check the path, or let load_power() find the file.")
        return decode_utf8(data, name, _FIX), name
    name = str(getattr(source, "name", "the CSV"))
    try:
        content = source.read()
    except UnicodeDecodeError as exc:  # a text stream opened with the wrong encoding
        raise DataFormatError(
            f"{name}: the stream's bytes are not in its encoding ({exc}). Fix: open the file in "
            "binary mode (open(path, 'rb')) or pass its path, so that rnnlib reads it as UTF-8 "
            "and names the line of a bad byte."
        ) from None
    if isinstance(content, bytes):
        return decode_utf8(content, name, _FIX), name
    return content, name


def read_power_csv(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> pd.Series:
    """Read one ``Datetime,<REGION>_MW`` CSV into a series, in the file's row order.

    Nothing is sorted, merged or dropped here (that is
    :func:`~rnnlib.datasets.power.clean_hourly`'s job), and nothing is silently skipped:
    every row must hold a timestamp ``YYYY-mm-dd HH:MM:SS`` and a finite number. Trailing
    blank lines are allowed; blank lines elsewhere are not.

    Args:
        source: a path, or an open file (text or binary, UTF-8).

    Returns:
        The loads in MW (float64), named after the load column (``"PJME_MW"``), on a
        :class:`pandas.DatetimeIndex` named ``"Datetime"``.

    Raises:
        rnnlib.core.registry.DataFileError: ``source`` is a path that is missing, a folder
            or unreadable.
        DataFormatError: (a ``ValueError``) a byte that is not UTF-8; the file is empty or has
            a header only; the header is not ``Datetime`` and exactly one ``*_MW`` column; a
            row has the wrong number of fields, an unparsable timestamp or a non-numeric load
            (the message names the line number, counting the header as line 1, and the
            line's text).
    """
    text, name = _read_text(source)
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataFormatError(
            f"{name} is empty. Expected a header 'Datetime,<REGION>_MW' and one row per hour; "
            "fetch the file again (rnnlib.core.data checks its SHA-256)."
        )
    header = [column.strip() for column in lines[0].split(",")]
    loads = [column for column in header if column.endswith("_MW")]
    if len(header) != 2 or header[0] != "Datetime" or len(loads) != 1:
        raise DataFormatError(
            f"{name}: unexpected header {lines[0]!r} (line 1). Expected exactly two columns, "
            "'Datetime' and one load column ending in '_MW', e.g. 'Datetime,PJME_MW'. A file with "
            "several regions (Kaggle's pjm_hourly_est.csv) is not read here: select one region first."
        )
    column = loads[0]
    rows = lines[1:]
    if not rows:
        raise DataFormatError(f"{name} has a header ({lines[0]!r}) but no rows: the file is truncated.")
    stamps: list[str] = []
    values: list[str] = []
    for number, line in enumerate(rows, start=2):
        fields = line.split(",")
        if len(fields) != 2:
            what = "is blank" if not line.strip() else f"has {len(fields)} fields, expected 2"
            raise DataFormatError(
                f"{name}, line {number} {what}: {line!r}. Every row must be '<timestamp>,<MW>'."
            )
        stamps.append(fields[0].strip())
        values.append(fields[1].strip())

    times = pd.to_datetime(pd.Series(stamps), format=DATETIME_FORMAT, errors="coerce")
    bad_time = np.flatnonzero(times.isna().to_numpy())
    if bad_time.size:
        i = int(bad_time[0])
        raise DataFormatError(
            f"{name}, line {i + 2}: cannot parse the timestamp {stamps[i]!r} (line {rows[i]!r}); "
            f"expected the form 2004-12-31 01:00:00 ({DATETIME_FORMAT}). A file re-saved by a "
            f"spreadsheet (31-12-2004 01:00) must be replaced by the original. "
            f"{bad_time.size} row(s) in all have this problem."
        )
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    bad_value = np.flatnonzero(~np.isfinite(numbers.to_numpy()))
    if bad_value.size:
        i = int(bad_value[0])
        raise DataFormatError(
            f"{name}, line {i + 2}: the load {values[i]!r} is not a finite number (line {rows[i]!r}); "
            f"every row needs a value in MW such as 13478.0. {bad_value.size} row(s) in all have "
            "this problem."
        )
    return pd.Series(
        numbers.to_numpy(), index=pd.DatetimeIndex(times.to_numpy(), name="Datetime"), name=column
    )
