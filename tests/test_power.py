"""rnnlib.datasets.power and the PJM registry entries: reading, cleaning, features, splits.

The parsing and cleaning tests use small CSVs written here; the tests on the real files
need ``RNNLIB_DATA_MIRROR`` (skipped without it, except in CI, where they fail).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import LocalServer, using_mirror

from rnnlib.core.catalog import PJM_SIZES
from rnnlib.core.data import (
    MIRROR_ENV,
    OFFLINE_ENV,
    REGISTRY,
    DataUnavailableError,
    cache_dir,
    fetch,
    sha256_of,
)
from rnnlib.datasets.power import (
    NO_PUBLIC_COPY,
    REGIONS,
    PowerReport,
    calendar_features,
    clean_hourly,
    load_power,
    read_power_csv,
    region_path,
    split_by_time,
)

PJM_DATASETS = ("pjm_hourly", "pjm_hourly_pjme", "pjm_hourly_reconstructed")


def csv(*rows: str, header: str = "Datetime,TEST_MW") -> io.StringIO:
    return io.StringIO("\n".join([header, *rows]) + "\n")


def hourly(start: str, values: list[float], name: str = "TEST_MW") -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq="h", name="Datetime")
    return pd.Series(values, index=index, name=name, dtype="float64")


# --------------------------------------------------------------------------- registry


def test_registry_has_the_12_pjm_files_once_each() -> None:
    paths = [entry.path for name in PJM_DATASETS for entry in REGISTRY[name].files]
    assert sorted(paths) == sorted(f"hourly_energy_consumption/{r}_hourly.csv" for r in REGIONS)
    assert len(REGIONS) == len(set(REGIONS)) == 12
    assert set(PJM_SIZES) == set(paths)
    for name in PJM_DATASETS:
        for entry in REGISTRY[name].files:
            assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
            assert entry.alt_sha256 == ()
    assert {Path(e.path).stem for e in REGISTRY["pjm_hourly_reconstructed"].files} == {
        f"{r}_hourly" for r in NO_PUBLIC_COPY
    }


def test_archive_members_sit_below_the_cited_commit() -> None:
    """GitHub's archive of <owner>/<repo>/archive/<commit>.zip holds <repo>-<commit>/..."""
    for name in ("pjm_hourly", "pjm_hourly_pjme"):
        dataset = REGISTRY[name]
        match = re.fullmatch(r"https://github\.com/[\w-]+/([\w.-]+)/archive/([0-9a-f]{40})\.zip", dataset.url)
        assert match, dataset.url
        assert dataset.archive_format == "zip"
        for entry in dataset.files:
            assert entry.member.startswith(f"{match.group(1)}-{match.group(2)}/")
            assert entry.member.endswith("/" + Path(entry.path).name)
    assert REGISTRY["pjm_hourly_reconstructed"].url == ""  # no public copy


def test_download_of_a_github_style_archive(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry's members extract from an archive laid out as GitHub's, and are checked."""
    body = "Datetime,PJME_MW\n2002-12-31 01:00:00,26498.0\n2002-12-31 02:00:00,25147.0\n"
    real = REGISTRY["pjm_hourly_pjme"]
    entry = real.files[0]
    with zipfile.ZipFile(http_server.root / "pjme.zip", "w") as zf:
        zf.writestr(entry.member, body)
    fake_entry = replace(entry, sha256=hashlib.sha256(body.encode()).hexdigest())
    registry = {real.name: replace(real, url=f"{http_server.url}/pjme.zip", files=(fake_entry,))}
    monkeypatch.delenv(OFFLINE_ENV)
    paths = fetch(real.name, registry=registry)
    assert paths[entry.path] == cache_dir() / entry.path
    raw = read_power_csv(paths[entry.path])
    assert list(raw) == [26498.0, 25147.0] and raw.name == "PJME_MW"


def test_mirror_files_match_their_sha256_and_size(mirror: Path) -> None:
    for name in PJM_DATASETS:
        for entry in REGISTRY[name].files:
            path = mirror / entry.path
            assert path.is_file(), path
            assert path.stat().st_size == PJM_SIZES[entry.path], entry.path
            assert sha256_of(path) == entry.sha256, entry.path
        files = fetch(name)  # the registry's own check, through the mirror
        assert set(files) == {e.path for e in REGISTRY[name].files}


@pytest.mark.parametrize("online", [False, True])
def test_reconstructed_region_without_mirror_names_the_mirror(
    online: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if online:  # the empty url fails at once, without the network
        monkeypatch.delenv(OFFLINE_ENV)
    with pytest.raises(DataUnavailableError) as info:
        load_power("NI")
    message = str(info.value)
    assert "has no public copy to download" in message
    assert f"export {MIRROR_ENV}=/path/to/shared/data" in message
    assert "hourly_energy_consumption/NI_hourly.csv" in message
    assert info.value.missing == ("hourly_energy_consumption/NI_hourly.csv",)


def test_downloadable_region_offline_keeps_the_registry_message() -> None:
    with pytest.raises(DataUnavailableError) as info:
        load_power("AEP")
    assert "no public copy" not in str(info.value)
    assert "RNNLIB_OFFLINE='1' is set" in str(info.value)


def test_unknown_region() -> None:
    with pytest.raises(ValueError, match=r"Unknown PJM region 'pjme'\. Did you mean 'PJME'\?.*AEP, COMED"):
        load_power("pjme")
    with pytest.raises(ValueError, match=r"Unknown PJM region 'XYZ'\. The regions are: AEP"):
        region_path("XYZ")


def test_load_power_rejects_another_regions_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = REGISTRY["pjm_hourly"]
    entry = real.file("hourly_energy_consumption/AEP_hourly.csv")
    body = b"Datetime,DOM_MW\n2005-12-31 01:00:00,9389.0\n"
    (tmp_path / "hourly_energy_consumption").mkdir()
    (tmp_path / entry.path).write_bytes(body)
    registry = {real.name: replace(real, files=(replace(entry, sha256=hashlib.sha256(body).hexdigest()),))}
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    with pytest.raises(ValueError, match=r"holds the column 'DOM_MW', expected 'AEP_MW'"):
        load_power("AEP", registry=registry)


# --------------------------------------------------------------------------- reading


def test_read_keeps_the_file_order_and_types(tmp_path: Path) -> None:
    text = "Datetime,PJME_MW\n2002-12-31 02:00:00,25147.0\n2002-12-31 01:00:00,26498.0\n"
    path = tmp_path / "PJME_hourly.csv"
    path.write_text(text)
    for source in (path, str(path), io.StringIO(text), io.BytesIO(text.encode())):
        raw = read_power_csv(source)
        assert raw.name == "PJME_MW"
        assert raw.index.name == "Datetime"
        assert list(raw.index) == [pd.Timestamp("2002-12-31 02:00"), pd.Timestamp("2002-12-31 01:00")]
        assert list(raw) == [25147.0, 26498.0]
        assert raw.dtype == np.float64


def test_read_allows_a_bom_and_trailing_blank_lines() -> None:
    raw = read_power_csv(io.StringIO("\ufeffDatetime,X_MW\r\n2004-01-01 01:00:00,5\r\n\r\n\n"))
    assert list(raw) == [5.0] and raw.name == "X_MW"


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_read_empty_file(text: str) -> None:
    with pytest.raises(ValueError, match=r"is empty\. Expected a header 'Datetime,<REGION>_MW'"):
        read_power_csv(io.StringIO(text))


def test_read_header_only() -> None:
    with pytest.raises(ValueError, match=r"has a header \('Datetime,PJME_MW'\) but no rows"):
        read_power_csv(io.StringIO("Datetime,PJME_MW\n"))


@pytest.mark.parametrize(
    "header",
    ["Datetime", "Date,PJME_MW", "Datetime,PJME", "Datetime,AEP_MW,DOM_MW", "PJME_MW,Datetime", "ds,y"],
)
def test_read_bad_header(header: str) -> None:
    with pytest.raises(ValueError, match=r"unexpected header .*\(line 1\)\. Expected exactly two columns"):
        read_power_csv(csv("2004-01-01 01:00:00,5.0", header=header))


def test_read_unparsable_date_names_line_and_text() -> None:
    source = csv("2004-12-31 01:00:00,1.0", "2004-12-31 02:00:00,2.0", "31-12-2004 03:00,3.0", "x,4")
    with pytest.raises(ValueError) as info:
        read_power_csv(source)
    message = str(info.value)
    assert "line 4: cannot parse the timestamp '31-12-2004 03:00'" in message
    assert "(line '31-12-2004 03:00,3.0')" in message
    assert "2 row(s) in all" in message


@pytest.mark.parametrize(
    "stamp",
    ["2004-02-30 01:00:00", "2004-12-31 01:00", "2004-12-31T01:00:00", "31/12/04 1:00", "2004-12-31"],
)
def test_read_impossible_or_re_saved_date(stamp: str) -> None:
    """Only the files' own form: a spreadsheet re-save (no seconds, day first) is refused."""
    with pytest.raises(ValueError, match=rf"line 2: cannot parse the timestamp '{stamp}'"):
        read_power_csv(csv(f"{stamp},1.0"))


@pytest.mark.parametrize("value", ["abc", "", "nan", "inf", "1,2"])
def test_read_non_numeric_load_names_line_and_text(value: str) -> None:
    source = csv("2004-12-31 01:00:00,1.0", f"2004-12-31 02:00:00,{value}")
    pattern = r"line 3" + (
        r" has 3 fields" if "," in value else rf": the load '{value}' is not a finite number"
    )
    with pytest.raises(ValueError, match=pattern):
        read_power_csv(source)


def test_read_blank_line_in_the_middle() -> None:
    with pytest.raises(ValueError, match=r"line 3 is blank"):
        read_power_csv(csv("2004-12-31 01:00:00,1.0", "", "2004-12-31 03:00:00,3.0"))


# --------------------------------------------------------------------------- cleaning


def test_clean_sorts_merges_duplicates_and_fills_gaps() -> None:
    # Out of order (a later block first), a DST-style duplicate of 02:00 (within 10 % of
    # each other: mean kept), and 05:00-06:00 missing (a two-hour gap, interpolated in time).
    raw = read_power_csv(
        csv(
            "2004-01-01 07:00:00,170.0",
            "2004-01-01 01:00:00,100.0",
            "2004-01-01 02:00:00,115.0",
            "2004-01-01 02:00:00,125.0",
            "2004-01-01 03:00:00,130.0",
            "2004-01-01 04:00:00,140.0",
        )
    )
    series, report = clean_hourly(raw)
    assert series.name == "load_mw"
    assert series.index.freqstr == "h"
    assert series.index[0] == pd.Timestamp("2004-01-01 01:00") == report.first
    assert series.index[-1] == pd.Timestamp("2004-01-01 07:00") == report.last
    assert list(series) == [100.0, 120.0, 130.0, 140.0, 150.0, 160.0, 170.0]
    assert report.rows == 6
    assert report.order_breaks == 1
    assert report.duplicate_timestamps == 1 and report.merged_rows == 1
    assert report.missing_hours == 2 and report.filled == 2 and report.longest_gap_hours == 2
    assert report.implausible == 0
    assert report.hours == 7
    assert report.column == "TEST_MW"


def test_clean_counts_separate_gaps_and_the_longest() -> None:
    raw = hourly("2004-01-01 01:00", [float(v) for v in range(100, 112)])
    raw = raw.drop(raw.index[[2, 5, 6, 7, 9]])
    series, report = clean_hourly(raw)
    assert report.missing_hours == 5 and report.longest_gap_hours == 3
    np.testing.assert_allclose(series.to_numpy(), np.arange(100.0, 112.0))


def test_clean_treats_zero_and_implausible_loads_as_missing() -> None:
    values = [1000.0, 1010.0, 0.0, 1030.0, 1040.0, 90.0, 1060.0, 1070.0, 300.0, 1090.0]
    series, report = clean_hourly(hourly("2011-06-01 01:00", values))
    assert report.implausible == 2  # 0.0 and 90.0 (< 20 % of the median); 300 is kept
    assert report.filled == 2 and report.missing_hours == 0 and report.longest_gap_hours == 1
    assert series.iloc[2] == pytest.approx(1020.0) and series.iloc[5] == pytest.approx(1050.0)
    assert series.iloc[8] == 300.0
    assert report.median_mw == pytest.approx(1020.0)  # the median of all 10 values
    assert report.threshold_mw == pytest.approx(204.0)
    # A stricter screen, as a parameter:
    _, strict = clean_hourly(hourly("2011-06-01 01:00", values), min_fraction=0.3)
    assert strict.implausible == 3


def test_clean_negative_and_edge_values_are_filled() -> None:
    series, report = clean_hourly(hourly("2004-01-01 01:00", [-5.0, 100.0, 110.0, 120.0, 0.0]))
    assert report.implausible == 2
    assert not series.isna().any()
    assert list(series) == [100.0, 100.0, 110.0, 120.0, 120.0]  # the ends take the nearest value


def test_clean_sorted_input_has_no_order_breaks_and_nothing_filled() -> None:
    series, report = clean_hourly(hourly("2004-01-01 01:00", [1.0, 2.0, 3.0]))
    counts = (report.order_breaks, report.duplicate_timestamps, report.missing_hours, report.filled)
    assert counts == (0, 0, 0, 0)
    assert report.longest_gap_hours == 0 and list(series) == [1.0, 2.0, 3.0]


def test_clean_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match=r"needs a pandas Series on a DatetimeIndex.*RangeIndex"):
        clean_hourly(pd.Series([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"is empty"):
        clean_hourly(hourly("2004-01-01", []))
    with pytest.raises(ValueError, match=r"holds 1 NaN load"):
        clean_hourly(hourly("2004-01-01", [1.0, math.nan]))
    with pytest.raises(ValueError, match=r"not on whole hours"):
        clean_hourly(pd.Series([1.0], index=pd.DatetimeIndex(["2004-01-01 01:30"])))
    with pytest.raises(ValueError, match=r"No plausible load"):
        clean_hourly(hourly("2004-01-01", [0.0, 0.0]))
    with pytest.raises(ValueError, match=r"min_fraction must be in \[0, 1\)"):
        clean_hourly(hourly("2004-01-01", [1.0]), min_fraction=1.0)


def test_report_display() -> None:
    _, report = clean_hourly(hourly("2004-01-01 01:00", [1.0, 2.0]))
    assert isinstance(report, PowerReport)
    frame = report.to_frame()
    assert list(frame.columns) == ["what", "value"]
    assert frame.set_index("what").loc["rows read", "value"] == "2"
    text = str(report)
    assert text.startswith("TEST_MW:\n") and "first hour" in text and "2004-01-01 01:00:00" in text


# --------------------------------------------------------------------------- features and splits


def test_calendar_features_integer_hand_checked() -> None:
    index = pd.DatetimeIndex(["2018-01-01 00:00", "2018-01-01 06:00", "2016-12-31 23:00", "2018-08-03 00:00"])
    features = calendar_features(index, "integer")
    assert list(features.columns) == ["hour", "dayofweek", "month", "dayofyear"]
    assert features.index.equals(index)
    assert features.to_numpy().tolist() == [
        [0, 0, 1, 1],  # 2018-01-01 is a Monday
        [6, 0, 1, 1],
        [23, 5, 12, 366],  # 2016 is a leap year; Dec 31 2016 a Saturday
        [0, 4, 8, 215],  # 2018-08-03 is a Friday
    ]
    assert (features.dtypes == np.int64).all()
    assert calendar_features(index).equals(features)  # integer is the default


def test_calendar_features_cyclic_hand_checked() -> None:
    index = pd.DatetimeIndex(["2018-01-01 00:00", "2018-01-01 06:00", "2018-04-04 18:00", "2016-12-31 12:00"])
    f = calendar_features(index, "cyclic")
    assert list(f.columns) == [
        "hour_sin",
        "hour_cos",
        "dayofweek_sin",
        "dayofweek_cos",
        "month_sin",
        "month_cos",
        "dayofyear_sin",
        "dayofyear_cos",
    ]
    assert f.loc[index[0]].tolist() == pytest.approx([0, 1, 0, 1, 0, 1, 0, 1], abs=1e-12)
    assert f.loc[index[1], "hour_sin"] == pytest.approx(1.0)
    assert f.loc[index[1], "hour_cos"] == pytest.approx(0.0, abs=1e-12)
    assert f.loc[index[2], "hour_sin"] == pytest.approx(-1.0)  # 18 h is three quarters of a day
    assert f.loc[index[2], "month_sin"] == pytest.approx(1.0)  # April: month 3 of 0-11, a quarter
    assert f.loc[index[2], "month_cos"] == pytest.approx(0.0, abs=1e-12)
    assert f.loc[index[2], "dayofweek_sin"] == pytest.approx(math.sin(2 * math.pi * 2 / 7))  # Wednesday
    # Dec 31 of a leap year is day 366: one step (1/366 of the circle) before Jan 1.
    assert f.loc[index[3], "dayofyear_sin"] == pytest.approx(math.sin(2 * math.pi * 365 / 366))
    assert np.all(np.abs(f.to_numpy()) <= 1.0)


def test_calendar_features_errors() -> None:
    with pytest.raises(TypeError, match=r"needs a pandas DatetimeIndex.*RangeIndex"):
        calendar_features(pd.RangeIndex(3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"encoding must be 'integer' or 'cyclic', got 'onehot'"):
        calendar_features(pd.DatetimeIndex(["2018-01-01"]), "onehot")  # type: ignore[arg-type]


def test_split_by_time_is_contiguous_and_complete() -> None:
    series = hourly("2004-01-01 00:00", [float(v) for v in range(48)])
    train, val, test = split_by_time(series, "2004-01-01 12:00", pd.Timestamp("2004-01-02 00:00"))
    assert len(train) == 12 and len(val) == 12 and len(test) == 24
    assert train.index[-1] < val.index[0] and val.index[-1] < test.index[0]
    assert pd.concat([train, val, test]).equals(series)
    frame = series.to_frame().join(calendar_features(series.index))
    parts = split_by_time(frame, "2004-01-01 12:00", "2004-01-02 00:00")
    assert [len(p) for p in parts] == [12, 12, 24] and isinstance(parts[0], pd.DataFrame)


@pytest.mark.parametrize(
    ("train_end", "val_end", "pattern"),
    [
        ("2004-01-02", "2004-01-01 12:00", r"must be earlier than val_end"),
        ("2004-01-01 12:00", "2004-01-01 12:00", r"must be earlier than val_end"),
        ("2003-12-01", "2004-01-01 12:00", r"The training part\(s\) would be empty: the data run from"),
        ("2004-01-01 12:00", "2004-01-05", r"The test part\(s\) would be empty"),
        ("2004-01-01 12:00:10", "2004-01-01 12:00:20", r"The validation part\(s\) would be empty"),
    ],
)
def test_split_by_time_errors(train_end: str, val_end: str, pattern: str) -> None:
    series = hourly("2004-01-01 00:00", [float(v) for v in range(48)])
    with pytest.raises(ValueError, match=pattern):
        split_by_time(series, train_end, val_end)


def test_split_by_time_needs_sorted_time() -> None:
    series = hourly("2004-01-01 00:00", [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"not sorted by time"):
        split_by_time(series.iloc[::-1], "2004-01-01 01:00", "2004-01-01 02:00")
    with pytest.raises(TypeError, match=r"needs data on a DatetimeIndex"):
        split_by_time(series.reset_index(drop=True), "2004-01-01 01:00", "2004-01-01 02:00")


# --------------------------------------------------------------------------- the real files


@pytest.fixture(scope="module")
def pjme(mirror_root: Path) -> tuple[pd.Series, PowerReport]:
    with using_mirror(mirror_root):
        return load_power("PJME")


def test_load_power_pjme_on_the_mirror(pjme: tuple[pd.Series, PowerReport]) -> None:
    series, report = pjme
    assert report.rows == 145366
    assert report.duplicate_timestamps == 4 and report.merged_rows == 4
    assert report.first == pd.Timestamp("2002-01-01 01:00") == series.index[0]
    assert report.last == pd.Timestamp("2018-08-03 00:00") == series.index[-1]
    assert report.hours == len(series) == (report.last - report.first) // pd.Timedelta("1h") + 1
    assert len(series) == report.rows - report.merged_rows + report.missing_hours
    assert 6 <= report.missing_hours <= 30  # the README: 6-30 missing hours per series
    assert report.implausible == 0
    assert series.name == "load_mw"
    assert series.index.freqstr == "h" and series.index.is_monotonic_increasing
    assert not series.isna().any()


@pytest.mark.parametrize(
    ("region", "rows", "duplicates"), [("FE", 62874, 4), ("PJMW", 143206, 4), ("NI", 58450, 0)]
)
def test_load_power_outliers_and_reconstructed_files(
    mirror: Path, region: str, rows: int, duplicates: int
) -> None:
    series, report = load_power(region)
    assert report.rows == rows and report.duplicate_timestamps == duplicates
    # FE's 0.0 MW and PJMW's 487 MW are screened out; NI has no outlier.
    assert report.implausible == (0 if region == "NI" else 1)
    assert series.min() > 0.2 * report.median_mw
    assert not series.isna().any()
