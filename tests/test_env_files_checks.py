"""rnnlib.core.env, rnnlib.core.files and rnnlib.core.checks: the small helpers with one home."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rnnlib.core.checks import check_padded_indices, check_sizes
from rnnlib.core.env import env_flag
from rnnlib.core.files import atomic_write_bytes, partial_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        (" TRUE ", True),
        ("yes", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_env_flag_words(value: str, expected: bool) -> None:
    assert env_flag("X", default=not expected, environ={"X": value}) is expected


@pytest.mark.parametrize("environ", [{}, {"X": ""}, {"X": "   "}])
@pytest.mark.parametrize("default", [True, False])
def test_env_flag_unset_or_empty_is_the_default(environ: dict[str, str], default: bool) -> None:
    assert env_flag("X", default, environ=environ) is default


def test_env_flag_rejects_other_words_naming_variable_and_value() -> None:
    with pytest.raises(ValueError, match=r"RNNLIB_FAST='enabled' is not understood.*unset it"):
        env_flag("RNNLIB_FAST", environ={"RNNLIB_FAST": "enabled"})


def test_env_flag_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNLIB_TEST_FLAG", "false")
    assert env_flag("RNNLIB_TEST_FLAG", default=True) is False
    monkeypatch.delenv("RNNLIB_TEST_FLAG")
    assert env_flag("RNNLIB_TEST_FLAG", default=True) is True


def test_atomic_write_creates_folders_and_leaves_no_part(tmp_path: Path) -> None:
    dest = tmp_path / "a" / "b" / "file.bin"
    assert atomic_write_bytes(dest, b"one") == dest
    atomic_write_bytes(dest, b"two")
    assert dest.read_bytes() == b"two"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file.bin"]
    assert partial_path(dest) == dest.parent / "file.bin.part"


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"old")

    def broken_replace(self: Path, target: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(dest, b"new")
    assert dest.read_bytes() == b"old"
    assert not partial_path(dest).exists()


def test_check_sizes_accepts_positive_whole_numbers() -> None:
    check_sizes(a=1, b=512)


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "4", None])
def test_check_sizes_names_each_bad_size(bad: object) -> None:
    with pytest.raises(ValueError, match=rf"hidden_size={bad!r}: must be a whole number of at least 1"):
        check_sizes(input_size=3, hidden_size=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"a=0, b=-1: must be"):
        check_sizes(a=0, b=-1, c=2)


def test_check_padded_indices_returns_the_lengths_as_a_tensor() -> None:
    lengths = check_padded_indices(torch.zeros(3, 5, dtype=torch.long), [5, 1, 3])
    assert isinstance(lengths, torch.Tensor) and lengths.tolist() == [5, 1, 3]


@pytest.mark.parametrize(
    ("padded", "lengths", "match"),
    [
        (torch.zeros(2, 4), [4, 4], "word indices"),  # floats, not indices
        (torch.zeros(2, 0, dtype=torch.long), [1, 1], "word indices"),  # no time step
        (torch.zeros(8, dtype=torch.long), [1], "word indices"),  # not a batch
        (torch.zeros(2, 4, dtype=torch.long), [4], r"one length in 1\.\.4"),  # one length short
        (torch.zeros(2, 4, dtype=torch.long), [0, 4], r"one length in 1\.\.4"),  # empty review
        (torch.zeros(2, 4, dtype=torch.long), [5, 4], r"one length in 1\.\.4"),  # longer than the batch
    ],
)
def test_check_padded_indices_rejects_bad_batches(padded, lengths, match) -> None:
    with pytest.raises(ValueError, match=match):
        check_padded_indices(padded, lengths)
