"""rnnlib.core.progress: when bars show and what a disabled bar does."""

from __future__ import annotations

import pytest

from rnnlib.core.progress import PROGRESS_ENV, progress, progress_enabled


def _env(monkeypatch: pytest.MonkeyPatch, progress_value: str | None, ci: str | None) -> None:
    for name, value in ((PROGRESS_ENV, progress_value), ("CI", ci)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("progress_value", "ci", "expected"),
    [
        ("0", None, False),
        ("off", None, False),
        (" FALSE ", None, False),
        ("no", None, False),
        ("1", "true", True),  # an explicit 1 wins over CI
        ("on", "1", True),
        ("yes", None, True),
        (None, "true", False),
        (None, "1", False),
        (None, "YES", False),
        (None, None, True),
        (None, "false", True),
        ("", "true", False),
    ],
)
def test_progress_enabled(
    monkeypatch: pytest.MonkeyPatch, progress_value: str | None, ci: str | None, expected: bool
) -> None:
    _env(monkeypatch, progress_value, ci)
    assert progress_enabled() is expected


@pytest.mark.parametrize(("progress_value", "ci"), [("whatever", None), (None, "maybe")])
def test_a_value_nobody_understands_is_an_error(
    monkeypatch: pytest.MonkeyPatch, progress_value: str | None, ci: str | None
) -> None:
    _env(monkeypatch, progress_value, ci)
    with pytest.raises(ValueError, match="is not understood"):
        progress_enabled()


def test_disabled_bar_still_iterates(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, "0", None)
    bar = progress(range(3), desc="steps")
    assert bar.disable is True
    assert list(bar) == [0, 1, 2]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_enabled_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, "1", "true")
    bar = progress(range(2), desc="steps")
    try:
        assert bar.disable is False
        assert bar.leave is False
        assert bar.desc == "steps"
        assert list(bar) == [0, 1]
    finally:
        bar.close()


def test_explicit_kwargs_win(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, "0", None)
    bar = progress(range(2), disable=False, leave=True)
    try:
        assert bar.disable is False
        assert bar.leave is True
    finally:
        bar.close()


def test_progress_without_iterable_is_manual(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, "1", None)
    bar = progress(total=5)
    try:
        bar.update(2)
        assert bar.n == 2
        assert bar.total == 5
    finally:
        bar.close()
