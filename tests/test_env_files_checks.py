"""rnnlib.core.env, rnnlib.core.files and rnnlib.core.checks: the small helpers with one home."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlib.core.checks import (
    as_float_array,
    check_lengths,
    check_padded_batch,
    check_padded_indices,
    check_sizes,
)
from rnnlib.core.env import env_flag, env_positive_number
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


@pytest.mark.parametrize(
    "sizes",
    [{}, {"a": 1}, {"a": 1, "b": 512}, {"n": np.int64(3)}, {"n": np.uint8(1)}, {"huge": 2**40}],
    ids=["none", "one", "two", "numpy-int64", "numpy-uint8", "2**40"],
)
def test_check_sizes_accepts_positive_whole_numbers(sizes: dict[str, int]) -> None:
    # 1 is the smallest size; numpy's integers are whole numbers too (a size read from an array)
    try:
        check_sizes(**sizes)
    except ValueError as error:
        pytest.fail(f"check_sizes refused {sizes}: {error}")


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "4", None, np.float64(3.0), np.int64(0)])
def test_check_sizes_names_each_bad_size(bad: object) -> None:
    message = rf"hidden_size={re.escape(repr(bad))}: must be a whole number of at least 1"
    with pytest.raises(ValueError, match=message):
        check_sizes(input_size=3, hidden_size=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"a=0, b=-1: must be"):
        check_sizes(a=0, b=-1, c=2)


# --------------------------------------------------------------------------- check_lengths


@pytest.mark.parametrize(
    "lengths",
    [[3, 1, 7], (3, 1, 7), np.array([3, 1, 7], dtype=np.int32), np.array([3, 1, 7], dtype=np.uint8),
     torch.tensor([3, 1, 7])],
    ids=["list", "tuple", "int32", "uint8", "tensor"],
)  # fmt: skip
def test_check_lengths_returns_int64_lengths(lengths: object) -> None:
    array = check_lengths(lengths)  # type: ignore[arg-type]
    assert isinstance(array, np.ndarray) and array.dtype == np.int64 and array.tolist() == [3, 1, 7]


NOT_A_LIST = r"lengths must be a non-empty list with one length per example, got shape \("
NOT_WHOLE = r"Every length must be a whole number of at least 1: drop empty examples before batching \(got \["


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        ([], NOT_A_LIST),
        (np.array([], dtype=np.int64), NOT_A_LIST),
        (5, NOT_A_LIST),  # one number, not a list
        ([[1, 2], [3, 4]], NOT_A_LIST),  # 2-D
        ([3, 0, 2], NOT_WHOLE),  # an empty example
        ([3, -1], NOT_WHOLE),
        ([2.5, 3.0], NOT_WHOLE),
        ([2.0, 3.0], NOT_WHOLE),  # floats, even whole ones
        ([True, False], NOT_WHOLE),
        (["3", "4"], NOT_WHOLE),
        ([[1, 2], [3]], r"lengths must be a flat list of whole numbers, one per example"),  # ragged
    ],
)
def test_check_lengths_refuses_bad_lengths(lengths: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_lengths(lengths)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- check_padded_indices


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64])
def test_check_padded_indices_takes_any_integer_dtype(dtype: torch.dtype) -> None:
    lengths = check_padded_indices(torch.zeros(3, 5, dtype=dtype), [5, 1, 3])
    assert isinstance(lengths, torch.Tensor) and lengths.tolist() == [5, 1, 3]


def test_check_padded_indices_keeps_a_tensors_lengths() -> None:
    given = torch.tensor([2, 4], dtype=torch.int32)
    lengths = check_padded_indices(torch.zeros(2, 4, dtype=torch.long), given)
    assert lengths.dtype == torch.int32 and lengths.tolist() == [2, 4]
    assert lengths.device == torch.device("cpu")  # padded's device


def test_check_padded_indices_accepts_an_empty_batch() -> None:
    lengths = check_padded_indices(torch.zeros(0, 5, dtype=torch.long), [])
    assert lengths.shape == (0,)


LENGTHS = r"lengths must give one length in 1\.\.4 to each of the 2 reviews, got \[{}\]: a review with no"
INDICES = r"padded must hold word indices \(batch, time >= 1\) of an integer dtype, got {}: pad the reviews'"


@pytest.mark.parametrize(
    ("padded", "lengths", "match"),
    [
        (torch.zeros(2, 4), [4, 4], INDICES.format(r"\(2, 4\) torch\.float32")),
        (torch.zeros(2, 4, dtype=torch.bool), [4, 4], INDICES.format(r"\(2, 4\) torch\.bool")),
        (torch.zeros(2, 0, dtype=torch.long), [1, 1], INDICES.format(r"\(2, 0\) torch\.int64")),  # no step
        (torch.zeros(8, dtype=torch.long), [1], INDICES.format(r"\(8,\) torch\.int64")),  # not a batch
        ([[1, 2], [3, 4]], [2, 2], INDICES.format("list")),  # not a tensor
        (torch.zeros(2, 4, dtype=torch.long), [4], LENGTHS.format("4")),  # one length short
        (torch.zeros(2, 4, dtype=torch.long), [0, 4], LENGTHS.format("0, 4")),  # empty review
        (torch.zeros(2, 4, dtype=torch.long), [5, 4], LENGTHS.format("5, 4")),  # longer than the batch
        (torch.zeros(2, 4, dtype=torch.long), [[1, 4]], LENGTHS.format(r"\[1, 4\]")),  # 2-D lengths
        (torch.zeros(0, 4, dtype=torch.long), [1], r"in 1\.\.4 to each of the 0 reviews, got \[1\]"),
        (torch.zeros(2, 4, dtype=torch.long), [1.5, 4], LENGTHS.format(r"1\.5, 4\.0")),  # a fraction
        (torch.zeros(2, 4, dtype=torch.long), [True, True], LENGTHS.format("True, True")),
        (torch.zeros(2, 4, dtype=torch.long), [[1], [2, 3]], r"lengths must be one whole number per review"),
    ],
    ids=[
        "float",
        "bool",
        "no-step",
        "1-D",
        "list",
        "short",
        "zero",
        "too-long",
        "2-D-lengths",
        "0-batch",
        "fraction",
        "bool-lengths",
        "ragged",
    ],
)
def test_check_padded_indices_rejects_bad_batches(padded: object, lengths: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        check_padded_indices(padded, lengths)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- env_positive_number


@pytest.mark.parametrize(("raw", "number"), [("7200", 7200.0), (" 0.5 ", 0.5), ("1e3", 1000.0)])
def test_env_positive_number_reads_a_positive_number(raw: str, number: float) -> None:
    assert env_positive_number("LIMIT", unit="seconds", fix="x", environ={"LIMIT": raw}) == number


@pytest.mark.parametrize("environ", [{}, {"LIMIT": ""}, {"LIMIT": "  "}])
def test_env_positive_number_is_none_when_unset(environ: dict[str, str]) -> None:
    assert env_positive_number("LIMIT", unit="seconds", fix="x", environ=environ) is None


@pytest.mark.parametrize("raw", ["0", "-5", "inf", "nan", "ten", "1h"])
def test_env_positive_number_refuses_the_rest(raw: str) -> None:
    message = rf"LIMIT='{raw}' is not a positive number of MiB\. Fix: unset it\."
    with pytest.raises(ValueError, match=message):
        env_positive_number("LIMIT", unit="MiB", fix="unset it.", environ={"LIMIT": raw})


# --------------------------------------------------------------------------- as_float_array


@pytest.mark.parametrize(
    "values",
    [[1, 2.5], (1, 2.5), np.array([1, 2.5], dtype=np.float32), torch.tensor([1.0, 2.5], requires_grad=True)],
    ids=["list", "tuple", "float32", "tensor-with-grad"],
)
def test_as_float_array_reads_numbers(values: object) -> None:
    array = as_float_array(values, "actual")  # type: ignore[arg-type]
    assert isinstance(array, np.ndarray) and array.dtype == np.float64 and array.tolist() == [1.0, 2.5]


@pytest.mark.parametrize("values", [["a", "b"], [[1, 2], [3]], {"x": 1}], ids=["text", "ragged", "dict"])
def test_as_float_array_names_the_argument(values: object) -> None:
    with pytest.raises(ValueError, match=r"^predicted must be numbers, got (list|dict): "):
        as_float_array(values, "predicted")  # type: ignore[arg-type]


def test_env_positive_number_raises_the_callers_error() -> None:
    class LimitError(RuntimeError):
        pass

    with pytest.raises(LimitError, match=r"LIMIT='0' is not a positive number of seconds\. Fix: x"):
        env_positive_number("LIMIT", unit="seconds", fix="x", error=LimitError, environ={"LIMIT": "0"})


# --------------------------------------------------------------------------- check_padded_batch


def test_check_padded_batch_unpacks_a_pair() -> None:
    padded = torch.zeros(2, 3, dtype=torch.long)
    for pair in ((padded, [3, 1]), [padded, [3, 1]]):
        got, lengths = check_padded_batch(pair, "Model")
        assert got is padded and lengths.tolist() == [3, 1]


@pytest.mark.parametrize("inputs", [torch.zeros(2, 3, dtype=torch.long), (torch.zeros(1, 1),), None])
def test_check_padded_batch_names_the_model_and_the_fix(inputs: object) -> None:
    with pytest.raises(
        TypeError, match=r"^Model takes \(padded indices, lengths\), as collate_for_sentiment"
    ):
        check_padded_batch(inputs, "Model")


def test_check_padded_batch_checks_the_pair() -> None:
    with pytest.raises(ValueError, match=r"lengths must give one length in 1\.\.3"):
        check_padded_batch((torch.zeros(1, 3, dtype=torch.long), [4]), "Model")
