"""Build the student and autograder versions of every chapter's exercises (``make assignments``).

Layout: each chapter's exercises live in one otter-assign *master* notebook,
``exercises/<chapter>/<name>.ipynb`` (solutions and public + hidden tests together;
committed). For each master this writes, under ``_build/assignments/<chapter>/``:

- ``student/<name>.ipynb`` and ``student/tests/``: what students get. A cell is added at
  the top that writes the public tests next to the notebook, so that ``grader.check``
  works on Colab, where a student uploads (or opens) the notebook alone;
- ``autograder/<name>-autograder_*.zip``: what ``otter run`` grades against (all tests);
- ``autograder/questions.json``: the points of each auto-graded question, measured by
  grading the reference solutions, which must score full marks.

Runs in the grading environment (``.venv-grade``, see requirements-grading.txt).
Usage: python -m tools.assignments [--out _build/assignments] [MASTER ...]
Exit status (see :mod:`tools`): 0 when every master was built, 1 when one could not be, 2
when there is nothing to build (no master found, or a MASTER given that does not exist).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import nbformat

from tools import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from tools.otter_common import OtterError, autograder_zip, grade_notebook, otter_assign

ROOT = Path(__file__).resolve().parents[1]

PUBLIC_TESTS_CELL = """\
# Public tests for grader.check(), written next to this notebook so that the checks also
# work on Colab, where only the notebook is uploaded. (Added by `make assignments`.)
import os

PUBLIC_TESTS = {tests}
os.makedirs("tests", exist_ok=True)
for _name, _source in PUBLIC_TESTS.items():
    if not os.path.exists(os.path.join("tests", _name)):
        with open(os.path.join("tests", _name), "w", encoding="utf-8") as _file:
            _file.write(_source)"""


def masters(root: Path = ROOT / "exercises") -> list[Path]:
    """Every master notebook, one per chapter folder."""
    return sorted(p for p in root.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def public_tests_cell(tests: dict[str, str]) -> nbformat.NotebookNode:
    """The code cell that writes ``tests`` (file name -> source) into ``tests/``, tagged
    ``otter_public_tests``; a file already there is left alone."""
    cell = nbformat.v4.new_code_cell(PUBLIC_TESTS_CELL.format(tests=json.dumps(tests, indent=4)))
    cell.metadata["tags"] = ["otter_public_tests"]
    return cell


def embed_public_tests(student_nb: Path) -> None:
    """Insert the cell that materializes ``tests/`` before the notebook's first code cell.

    Raises:
        ValueError: the notebook has no code cell (there is nothing to test).
    """
    tests_dir = student_nb.parent / "tests"
    tests = {p.name: p.read_text(encoding="utf-8") for p in sorted(tests_dir.glob("*.py"))}
    nb = nbformat.read(student_nb, as_version=4)
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)
    if first_code is None:
        raise ValueError(f"{student_nb} has no code cell to put the public tests before")
    nb.cells.insert(first_code, public_tests_cell(tests))
    nbformat.write(nb, student_nb)


def build(master: Path, out: Path) -> Path:
    """Assign one master into ``out/<chapter>``; return that folder.

    Raises:
        OtterError: ``otter assign`` failed, or the reference solutions do not score full marks.
    """
    chapter_dir = out / master.parent.name
    shutil.rmtree(chapter_dir, ignore_errors=True)
    otter_assign(master, chapter_dir)
    student_nb = chapter_dir / "student" / master.name
    embed_public_tests(student_nb)
    reference = chapter_dir / "autograder" / master.name
    result = grade_notebook(reference, autograder_zip(chapter_dir), chapter_dir / "reference-grading")
    shortfall = {q: r for q, r in result.questions.items() if r.points != r.possible}
    if result.status != "ok" or shortfall or not result.questions:
        raise OtterError(f"{master}: the reference solutions do not score full marks: {result}")
    questions = {q: r.possible for q, r in result.questions.items()}
    (chapter_dir / "autograder" / "questions.json").write_text(json.dumps(questions, indent=2) + "\n")
    print(
        f"{master.parent.name}: {len(questions)} auto-graded questions, {sum(questions.values()):g} points; "
        f"reference solutions score full marks"
    )
    return chapter_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.assignments",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("masters", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "assignments")
    args = parser.parse_args(argv)
    todo = args.masters or masters()
    if not todo:
        print("assignments: no exercise notebook found under exercises/", file=sys.stderr)
        return EXIT_CANNOT_RUN
    missing = [str(m) for m in todo if not m.is_file()]
    if missing:
        print(f"assignments: no master notebook {', '.join(missing)}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        for master in todo:
            build(master.resolve(), args.out.resolve())
    except (OSError, ValueError, OtterError) as exc:
        print(f"assignments: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
