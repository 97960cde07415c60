"""tools.draw_diagrams: regenerating chapters/figures/*.svg and checking that they are current."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure

from tools import draw_diagrams
from tools.draw_diagrams import DEFAULT_OUT, DIAGRAMS, differences, drawn_with, main, render

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    return render()


def test_the_three_diagrams_the_chapters_cite() -> None:
    assert sorted(DIAGRAMS) == ["gru_cell.svg", "textnet.svg", "unrolled_rnn.svg"]
    assert DEFAULT_OUT == Path("chapters/figures")


def test_committed_svgs_are_current(rendered: dict[str, bytes]) -> None:
    folder = ROOT / DEFAULT_OUT
    for name in DIAGRAMS:
        assert (folder / name).is_file(), f"{name} is missing: run python -m tools.draw_diagrams"
    versions = {drawn_with((folder / name).read_bytes()) for name in DIAGRAMS}
    if versions != {matplotlib.__version__}:
        pytest.skip(f"the SVGs were drawn with matplotlib {versions}, this is {matplotlib.__version__}")
    assert differences(folder, rendered) == [], "run python -m tools.draw_diagrams and commit the SVG files"


def test_write_then_check(
    tmp_path: Path, rendered: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == rendered
    assert main(["--out", str(tmp_path), "--check"]) == 0
    assert "3 diagram(s)" in capsys.readouterr().out

    (tmp_path / "textnet.svg").write_bytes(rendered["textnet.svg"].replace(b"TEXT", b"TEXT ", 1) + b"\n")
    (tmp_path / "gru_cell.svg").unlink()
    assert main(["--out", str(tmp_path), "--check"]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'textnet.svg'}: differs from a fresh drawing\n" in out
    assert f"{tmp_path / 'gru_cell.svg'}: missing" in out
    assert "Run `python -m tools.draw_diagrams`" in out
    assert not (tmp_path / "gru_cell.svg").exists()  # --check writes nothing


def test_a_difference_under_another_matplotlib_says_so(tmp_path: Path, rendered: dict[str, bytes]) -> None:
    data = rendered["unrolled_rnn.svg"]
    here = matplotlib.__version__
    assert drawn_with(data) == here
    old = data.replace(f"Matplotlib v{here}".encode(), b"Matplotlib v0.1.2")
    (tmp_path / "unrolled_rnn.svg").write_bytes(old)
    why = f"differs from a fresh drawing (drawn with matplotlib 0.1.2, this is {here})"
    assert differences(tmp_path, {"unrolled_rnn.svg": data}) == [f"{tmp_path / 'unrolled_rnn.svg'}: {why}"]
    assert drawn_with(b"<svg></svg>") is None


def _crowded() -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.text(0.2, 0.5, "one label")
    ax.text(0.25, 0.5, "another")
    return fig


def test_a_crowded_drawing_is_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match=re.escape("crowded.svg: texts overlap: 'one label' and 'another'")):
        render({"crowded.svg": _crowded})
    monkeypatch.setattr(draw_diagrams, "DIAGRAMS", {"crowded.svg": _crowded})
    assert main(["--out", str(tmp_path)]) == 1
    assert "Fix the drawing in rnnlib/viz/diagrams.py" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
