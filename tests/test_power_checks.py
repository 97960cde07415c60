"""rnnlib.datasets.power on bad files: undecodable bytes, conflicting duplicates, long gaps,
series too short for a window. Each is an error naming the file (and line, or hours) and the
fix, by default; an explicit option accepts what can be accepted, and the report lists it.

The real-file tests need RNNLIB_DATA_MIRROR (skipped without it, except in CI).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnnlib.core.data import (
    MIRROR_ENV,
    REGISTRY,
    DataFileError,
    DataFormatError,
    DataQualityError,
    DatasetSpec,
)
from rnnlib.datasets import power_checks
from rnnlib.datasets.power import (
    DUPLICATE_TOLERANCE,
    MAX_GAP_HOURS,
    MIN_HOURS,
    clean_hourly,
    load_power,
    read_power_csv,
)

HEADER = b"Datetime,AEP_MW\n"


def rows(start: str, values: list[float]) -> bytes:
    stamps = pd.date_range(start, periods=len(values), freq="h")
    return b"".join(f"{t:%Y-%m-%d %H:%M:%S},{v}\n".encode() for t, v in zip(stamps, values, strict=True))


def hourly(start: str, values: list[float]) -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq="h", name="Datetime")
    return pd.Series(values, index=index, name="TEST_MW", dtype="float64")


def aep_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: bytes) -> dict[str, DatasetSpec]:
    """A mirror holding ``body`` as AEP's file, and a registry that accepts its digest."""
    real = REGISTRY["pjm_hourly"]
    entry = real.file("hourly_energy_consumption/AEP_hourly.csv")
    (tmp_path / "hourly_energy_consumption").mkdir(exist_ok=True)
    (tmp_path / entry.path).write_bytes(body)
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    digest = hashlib.sha256(body).hexdigest()
    return {real.name: replace(real, files=(replace(entry, sha256=digest),))}


# --------------------------------------------------------------------------- decoding


def test_a_latin1_byte_names_the_file_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "AEP_hourly.csv"
    path.write_bytes(HEADER + b"2004-12-31 01:00:00,13478.0\n2004-12-31 02:00:00,1347\xe9.0\n")
    with pytest.raises(DataFormatError) as info:
        read_power_csv(path)
    message = str(info.value)
    assert f"{path}, line 3 (byte offset " in message and "b'\\xe9' are not UTF-8" in message
    assert "Latin-1 or Windows-1252" in message and "Fix: replace it with the original file" in message
    assert isinstance(info.value, ValueError)  # as the reader's other errors
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_bad_byte_in_a_binary_stream_is_named_too() -> None:
    stream = io.BytesIO(HEADER + b"2004-12-31 01:00:00,1\xff\n")
    stream.name = "upload.csv"
    with pytest.raises(DataFormatError, match=r"upload\.csv, line 2 \(byte offset 37\)"):
        read_power_csv(stream)


def test_a_text_stream_in_the_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(HEADER + b"2004-12-31 01:00:00,1\xe9\n")
    with open(path, encoding="utf-8") as handle, pytest.raises(DataFormatError) as info:
        read_power_csv(handle)
    assert str(path) in str(info.value) and "open the file in binary mode" in str(info.value)


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_a_path_that_is_not_a_readable_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "AEP_hourly.csv"
    if kind == "folder":
        path.mkdir()
    what = "does not exist" if kind == "missing" else "is a folder, where a file should be"
    with pytest.raises(DataFileError, match=rf"{path} {what}.*Fix: check the path"):
        read_power_csv(path)


def test_the_file_order_and_values_are_kept_when_decoding_strictly(tmp_path: Path) -> None:
    body = HEADER + rows("2004-01-01 01:00", [1.0, 2.0]) + b"\r\n"
    path = tmp_path / "a.csv"
    path.write_bytes(body)
    assert list(read_power_csv(path)) == [1.0, 2.0]


# --------------------------------------------------------------------------- duplicates


def test_conflicting_duplicates_are_an_error_by_default() -> None:
    raw = pd.concat(
        [hourly("2004-01-01 01:00", [50_000.0, 99_999.0, 50_000.0]), hourly("2004-01-01 02:00", [30_000.0])]
    )
    with pytest.raises(DataQualityError) as info:
        clean_hourly(raw, source="PJME_hourly.csv")
    message = str(info.value)
    assert message.startswith("PJME_hourly.csv: 1 hour(s) appear more than once")
    assert "2004-01-01 02:00:00: 99,999.0 and 30,000.0 MW" in message
    assert "more than 10% of their mean" in message
    assert "allow_conflicting_duplicates=True" in message
    assert isinstance(info.value, ValueError)


def test_accepted_conflicting_duplicates_are_listed_in_the_report() -> None:
    raw = pd.concat(
        [hourly("2004-01-01 01:00", [50_000.0, 99_999.0, 50_000.0]), hourly("2004-01-01 02:00", [30_000.0])]
    )
    series, report = clean_hourly(raw, allow_conflicting_duplicates=True)
    assert series.iloc[1] == pytest.approx(64_999.5)  # the mean, as before
    assert report.conflicting_duplicates == (pd.Timestamp("2004-01-01 02:00"),)
    table = report.to_frame().set_index("what")["value"]
    assert table["duplicates differing by > 10% (mean kept)"] == "2004-01-01 02:00:00"
    # A larger tolerance accepts them without the option.
    _, lenient = clean_hourly(raw, duplicate_tolerance=2.0)
    assert lenient.conflicting_duplicates == () and lenient.duplicate_tolerance == 2.0


def test_daylight_saving_duplicates_within_the_tolerance_are_merged_quietly() -> None:
    # DAYTON's 2017 fall-back hour, the largest real difference (8.5 %).
    raw = pd.concat(
        [hourly("2017-11-05 01:00", [1400.0, 1449.0, 1300.0]), hourly("2017-11-05 02:00", [1331.0])]
    )
    series, report = clean_hourly(raw)
    assert series.iloc[1] == pytest.approx(1390.0)
    assert report.duplicate_timestamps == 1 and report.conflicting_duplicates == ()
    assert "duplicates differing" not in str(report)
    assert DUPLICATE_TOLERANCE == 0.10


def test_many_conflicts_are_counted_past_the_first_five() -> None:
    base = hourly("2004-01-01 01:00", [100.0] * 8)
    raw = pd.concat([base, base * 3])
    with pytest.raises(DataQualityError, match=r"8 hour\(s\) appear .*; and 3 more\."):
        clean_hourly(raw)


# --------------------------------------------------------------------------- gaps


def test_a_1000_hour_hole_is_an_error_listing_its_hours() -> None:
    values = [1000.0 + (i % 24) for i in range(1200)]
    raw = hourly("2010-01-01 01:00", values)
    raw = raw.drop(raw.index[100:1100])
    with pytest.raises(DataQualityError) as info:
        clean_hourly(raw, source="AEP_hourly.csv")
    message = str(info.value)
    assert "AEP_hourly.csv: 1 gap(s) of missing or implausible hours are longer than 6 hours" in message
    assert "2010-01-05 05:00:00 to 2010-02-15 20:00:00 (1,000 hours)" in message
    assert "allow_long_gaps=True" in message and "split_by_time" in message


def test_an_accepted_long_gap_is_filled_and_listed() -> None:
    raw = hourly("2010-01-01 01:00", [1000.0 + i for i in range(1200)])
    raw = raw.drop(raw.index[100:1100])
    series, report = clean_hourly(raw, allow_long_gaps=True)
    np.testing.assert_allclose(series.to_numpy(), np.arange(1000.0, 2200.0))  # a straight line, as before
    assert report.long_gaps == ((pd.Timestamp("2010-01-05 05:00"), 1000),)
    assert report.longest_gap_hours == 1000 and report.max_gap_hours == MAX_GAP_HOURS == 6
    row = report.to_frame().set_index("what")["value"]["gap over 6 hours (interpolated)"]
    assert row == "2010-01-05 05:00:00, 1,000 hours"


@pytest.mark.parametrize(("missing", "refused"), [(6, False), (7, True)])
def test_the_gap_limit_is_inclusive(missing: int, refused: bool) -> None:
    raw = hourly("2010-01-01 01:00", [100.0] * 20)
    raw = raw.drop(raw.index[5 : 5 + missing])
    if refused:
        with pytest.raises(DataQualityError, match=rf"\({missing} hours\)"):
            clean_hourly(raw)
    else:
        _, report = clean_hourly(raw)
        assert report.longest_gap_hours == missing and report.long_gaps == ()


def test_a_run_of_implausible_loads_counts_as_a_gap() -> None:
    values = [1000.0] * 10 + [0.0] * 8 + [1000.0] * 10
    with pytest.raises(DataQualityError, match=r"\(8 hours\)"):
        clean_hourly(hourly("2010-01-01 01:00", values))
    _, report = clean_hourly(hourly("2010-01-01 01:00", values), max_gap_hours=8)
    assert report.implausible == 8 and report.long_gaps == ()


# --------------------------------------------------------------------------- too short


def test_a_one_row_file_is_refused_at_load_with_the_hours_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = aep_mirror(tmp_path, monkeypatch, HEADER + b"2004-12-31 01:00:00,13478.0\n")
    with pytest.raises(DataQualityError) as info:
        load_power("AEP", registry=registry)
    message = str(info.value)
    assert str(tmp_path / "hourly_energy_consumption" / "AEP_hourly.csv") in message
    assert "covers only 1 hour(s)" in message and f"at least {MIN_HOURS:,} are needed" in message
    assert MIN_HOURS == 168
    series, _ = load_power("AEP", min_hours=1, registry=registry)
    assert len(series) == 1


def test_min_hours_is_the_window_the_caller_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = aep_mirror(tmp_path, monkeypatch, HEADER + rows("2004-01-01 01:00", [1.0] * 113))
    with pytest.raises(DataQualityError, match=r"covers only 113 hour\(s\).*at least 114 are needed"):
        load_power("AEP", min_hours=90 + 24, registry=registry)
    series, report = load_power("AEP", min_hours=113, registry=registry)
    assert len(series) == report.hours == 113


def test_load_power_names_the_file_of_a_conflict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = HEADER + rows("2004-01-01 01:00", [100.0] * 200) + b"2004-01-01 02:00:00,300.0\n"
    registry = aep_mirror(tmp_path, monkeypatch, body)
    with pytest.raises(DataQualityError, match=r"AEP_hourly\.csv: 1 hour\(s\) appear more than once"):
        load_power("AEP", registry=registry)
    _, report = load_power("AEP", allow_conflicting_duplicates=True, registry=registry)
    assert report.conflicting_duplicates == (pd.Timestamp("2004-01-01 02:00"),)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("duplicate_tolerance", -0.1),
        ("duplicate_tolerance", float("nan")),
        ("max_gap_hours", 0),
        ("max_gap_hours", 1.5),
        ("min_hours", 0),
        ("min_hours", True),
    ],
)
def test_bad_options(option: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"{option} must be"):
        clean_hourly(hourly("2004-01-01 01:00", [1.0, 2.0]), **{option: value})  # type: ignore[arg-type]


def test_runs_and_longest_run() -> None:
    mask = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1], dtype=bool)
    assert power_checks.runs(mask) == [(1, 2), (4, 1), (7, 3)]
    assert power_checks.longest_run(mask) == 3
    assert power_checks.longest_run(np.zeros(4, dtype=bool)) == 0 and power_checks.runs(np.array([])) == []


# --------------------------------------------------------------------------- the real files


def test_pjme_loads_with_the_defaults(mirror: Path) -> None:
    _, report = load_power("PJME")
    assert report.conflicting_duplicates == () and report.long_gaps == ()
    assert report.duplicate_timestamps == 4 and report.longest_gap_hours == 1


def test_deok_has_one_real_conflict(mirror: Path) -> None:
    with pytest.raises(DataQualityError, match=r"2017-11-05 02:00:00: 2,064\.0 and 1,044\.0 MW"):
        load_power("DEOK")
    series, report = load_power("DEOK", allow_conflicting_duplicates=True)
    assert report.conflicting_duplicates == (pd.Timestamp("2017-11-05 02:00"),)
    assert series[pd.Timestamp("2017-11-05 02:00")] == pytest.approx((2064.0 + 1044.0) / 2)
