"""tools.assignments without otter: the public-tests cell, the masters, and build/main with a
fake ``otter`` (tests/test_tools_grade.py's). The real pipeline is tests/grading's."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from tools import EXIT_CANNOT_RUN, EXIT_FAILED, assignments
from tools.otter_common import OtterError


def master(path: Path, scores: dict | None = None, *, code: bool = True) -> Path:
    """A master notebook; ``scores`` are what the fake otter gives its reference solutions."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Exercises")]
    if code:
        nb.cells += [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("y = 2")]
    nb.metadata["fake_scores"] = scores if scores is not None else {"q1": [2, 2], "q2": [3, 3]}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_masters_one_per_chapter_folder(tmp_path: Path) -> None:
    master(tmp_path / "02_b" / "b.ipynb")
    master(tmp_path / "01_a" / "a.ipynb")
    master(tmp_path / "01_a" / ".ipynb_checkpoints" / "a-checkpoint.ipynb")
    master(tmp_path / "top.ipynb")
    assert assignments.masters(tmp_path) == [tmp_path / "01_a" / "a.ipynb", tmp_path / "02_b" / "b.ipynb"]


def test_the_repositorys_masters_are_found() -> None:
    found = assignments.masters()
    assert found and all(p.suffix == ".ipynb" and p.parent.parent.name == "exercises" for p in found)


def test_public_tests_cell_writes_missing_tests_only(tmp_path: Path) -> None:
    cell = assignments.public_tests_cell({"q1.py": "OK = 1\n", "q2.py": "OK = 2\n"})
    assert cell.cell_type == "code" and cell.metadata["tags"] == ["otter_public_tests"]
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "q2.py").write_text("kept\n")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        exec(compile(cell.source, "<cell>", "exec"), {})
    finally:
        os.chdir(cwd)
    assert (tmp_path / "tests" / "q1.py").read_text() == "OK = 1\n"
    assert (tmp_path / "tests" / "q2.py").read_text() == "kept\n"  # a file already there is left alone


def test_embed_public_tests_goes_before_the_first_code_cell(tmp_path: Path) -> None:
    nb_path = master(tmp_path / "student" / "ex.ipynb")
    (tmp_path / "student" / "tests").mkdir()
    (tmp_path / "student" / "tests" / "q1.py").write_text("OK = 1\n")
    (tmp_path / "student" / "tests" / "notes.txt").write_text("ignored")
    assignments.embed_public_tests(nb_path)
    cells = nbformat.read(nb_path, as_version=4).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "code", "code"]
    assert cells[1].metadata["tags"] == ["otter_public_tests"]
    assert '"q1.py": "OK = 1\\n"' in cells[1].source and "notes.txt" not in cells[1].source
    assert cells[2].source == "x = 1"


def test_embed_public_tests_needs_a_code_cell(tmp_path: Path) -> None:
    nb_path = master(tmp_path / "ex.ipynb", code=False)
    with pytest.raises(ValueError, match="no code cell"):
        assignments.embed_public_tests(nb_path)


def test_build_records_the_points_of_the_reference(tmp_path: Path, fake_otter: Path) -> None:
    m = master(tmp_path / "exercises" / "01_a" / "ex.ipynb")
    out = tmp_path / "out"
    (out / "01_a" / "stale").mkdir(parents=True)  # a previous build is removed first
    chapter = assignments.build(m, out)
    assert chapter == out / "01_a" and not (chapter / "stale").exists()
    assert json.loads((chapter / "autograder" / "questions.json").read_text()) == {"q1": 2.0, "q2": 3.0}
    student = nbformat.read(chapter / "student" / "ex.ipynb", as_version=4)
    assert "otter_public_tests" in student.cells[1].metadata["tags"]


@pytest.mark.parametrize(
    "scores", [{"q1": [1, 2], "q2": [3, 3]}, {}], ids=["short of full marks", "no question graded"]
)
def test_build_refuses_reference_solutions_without_full_marks(
    tmp_path: Path, fake_otter: Path, scores: dict
) -> None:
    m = master(tmp_path / "exercises" / "01_a" / "ex.ipynb", scores)
    with pytest.raises(OtterError, match="do not score full marks"):
        assignments.build(m, tmp_path / "out")


def test_main_builds_the_masters_given(
    tmp_path: Path, fake_otter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    m = master(tmp_path / "exercises" / "01_a" / "ex.ipynb")
    assert assignments.main([str(m), "--out", str(tmp_path / "out")]) == 0
    assert "01_a: 2 auto-graded questions, 5 points" in capsys.readouterr().out


def test_main_exits_2_when_there_is_nothing_to_build(
    tmp_path: Path, fake_otter: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = master(tmp_path / "exercises" / "01_a" / "ex.ipynb")
    missing = tmp_path / "nope.ipynb"
    assert assignments.main([str(good), str(missing), "--out", str(tmp_path / "out")]) == EXIT_CANNOT_RUN
    assert f"no master notebook {missing}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # checked before the first build: nothing half-built
    monkeypatch.setattr(assignments, "masters", lambda: [])
    assert assignments.main(["--out", str(tmp_path / "out")]) == EXIT_CANNOT_RUN
    assert "no exercise notebook" in capsys.readouterr().err


def test_main_exits_1_when_a_build_fails(
    tmp_path: Path, fake_otter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = master(tmp_path / "exercises" / "01_a" / "ex.ipynb")
    broken.write_text(broken.read_text().replace("x = 1", "BROKEN"))
    assert assignments.main([str(broken), "--out", str(tmp_path / "out")]) == EXIT_FAILED
    assert "otter assign" in capsys.readouterr().err
