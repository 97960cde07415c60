"""The exercise pipeline: otter assign, the student notebook on its own, and otter run grading.

These tests run in the grading environment (.venv-grade; `make grading`), because
otter-grader's pins must not enter the course environment.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from wrong_answers import CHAR_RNN, WRONG_ANSWERS

from tools.assignments import masters
from tools.grade import grade_folder
from tools.otter_common import autograder_zip

CHAPTER = CHAR_RNN  # the chapter whose submissions also test timeouts, crashes and garbage
NAME = "char_rnn_exercises"
MASTERS = masters()
NAMES = {m.parent.name: m.stem for m in MASTERS}
BANK_CHAPTERS = sorted({w.chapter for w in WRONG_ANSWERS})  # chapters with typical wrong answers


def reference_submission(built: Path, chapter: str = CHAPTER, name: str = NAME) -> nbformat.NotebookNode:
    """The student notebook with every code cell taken from the solutions (a perfect student)."""
    student = nbformat.read(built / chapter / "student" / f"{name}.ipynb", as_version=4)
    solved = nbformat.read(built / chapter / "autograder" / f"{name}.ipynb", as_version=4)
    solved_code = iter(c for c in solved.cells if c.cell_type == "code")
    for cell in student.cells:
        if cell.cell_type == "code" and "otter_public_tests" not in cell.metadata.get("tags", []):
            cell.source = next(solved_code).source
    return student


def write(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def edited(nb: nbformat.NotebookNode, old: str, new: str) -> nbformat.NotebookNode:
    copy = nbformat.from_dict(json.loads(json.dumps(nb)))
    hits = [c for c in copy.cells if c.cell_type == "code" and old in c.source]
    assert len(hits) == 1, f"the edit {old[:40]!r} must match exactly one cell"
    hits[0].source = hits[0].source.replace(old, new)
    return copy


def test_every_chapter_is_assigned(built: Path) -> None:
    for master in masters():
        chapter = built / master.parent.name
        assert (chapter / "student" / master.name).exists()
        assert autograder_zip(chapter).exists()
        questions = json.loads((chapter / "autograder" / "questions.json").read_text())
        assert len(questions) >= 4, "at least 4 auto-graded questions per chapter"


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.parent.name)
def test_no_hidden_test_text_reaches_students(built: Path, master: Path) -> None:
    chapter = master.parent.name
    student_dir = built / chapter / "student"
    student_text = "\n".join(p.read_text(encoding="utf-8") for p in student_dir.rglob("*") if p.is_file())
    hidden_tests = 0
    for test_file in (built / chapter / "autograder" / "tests").glob("*.py"):
        source = test_file.read_text(encoding="utf-8")
        for match in re.finditer(
            r"@test_case\(points=[^,]+, hidden=True[^)]*\)\n(def (\w+).*?)(?=\n@test_case|\Z)",
            source,
            flags=re.S,
        ):
            hidden_tests += 1
            assert match.group(2) not in student_text, f"hidden test {match.group(2)} is visible to students"
            body_lines = [
                ln.strip() for ln in match.group(1).splitlines()[1:] if ln.strip().startswith("assert")
            ]
            for line in body_lines:
                assert line not in student_text, f"a hidden assertion is visible to students: {line}"
    assert hidden_tests >= 4, "the hidden tests were not found: did the test-file format change?"
    assert "BEGIN SOLUTION" not in student_text and "grader.check(" in student_text


def run_in_fresh_dir(nb: nbformat.NotebookNode, tmp_path: Path, name: str) -> nbformat.NotebookNode:
    """Execute a notebook alone in an empty folder, as on Colab, and return it executed."""
    workdir = tmp_path / "colab"
    workdir.mkdir()
    path = write(nb, workdir / f"{name}.ipynb")
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    ).execute()
    nbformat.write(nb, path)
    return nb


def check_outputs(nb: nbformat.NotebookNode) -> dict[str, str]:
    out = {}
    for cell in nb.cells:
        m = re.fullmatch(r'grader\.check\("(q\d+)"\)', cell.source.strip())
        if cell.cell_type == "code" and m:
            out[m.group(1)] = json.dumps([o.get("data", o.get("text", "")) for o in cell.outputs])
    return out


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.parent.name)
def test_student_notebook_alone_runs_and_public_tests_reach_it(
    built: Path, tmp_path: Path, master: Path
) -> None:
    chapter, name = master.parent.name, master.stem
    student = nbformat.read(built / chapter / "student" / f"{name}.ipynb", as_version=4)
    checks = check_outputs(run_in_fresh_dir(student, tmp_path, name))
    questions = json.loads((built / chapter / "autograder" / "questions.json").read_text())
    assert set(checks) == set(questions)
    for q, text in checks.items():
        assert "failed" in text.lower() or "error" in text.lower(), f"{q}: the empty stub passed its checks"
    assert (tmp_path / "colab" / "tests" / "q1.py").exists(), "the public tests were not written"


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.parent.name)
def test_solved_student_notebook_passes_its_public_checks_alone(
    built: Path, tmp_path: Path, master: Path
) -> None:
    chapter, name = master.parent.name, master.stem
    checks = check_outputs(run_in_fresh_dir(reference_submission(built, chapter, name), tmp_path, name))
    assert checks and all("passed" in text for text in checks.values()), checks


@pytest.fixture(scope="module")
def graded(built: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One grading batch with every wrong answer (edits of its chapter's reference solution), a
    submission that never ends, one that raises and a file that is not a notebook. The
    references and untouched notebooks are graded in `graded_every_chapter`."""
    subs = tmp_path_factory.mktemp("submissions")
    references = {ch: reference_submission(built, ch, NAMES[ch]) for ch in BANK_CHAPTERS}
    reference = references[CHAPTER]
    for wrong in WRONG_ANSWERS:
        write(edited(references[wrong.chapter], wrong.old, wrong.new), subs / f"{wrong.name}.ipynb")
    write(
        edited(
            reference,
            "def rnn_step(x, h, W_ch, b_ch, W_co, b_co):\n",
            "while True:\n    pass\n\n\ndef rnn_step(x, h, W_ch, b_ch, W_co, b_co):\n",
        ),
        subs / "loops.ipynb",
    )
    write(
        edited(
            reference,
            "def rnn_step(x, h, W_ch, b_ch, W_co, b_co):\n",
            "raise RuntimeError('oops')\n\n\ndef rnn_step(x, h, W_ch, b_ch, W_co, b_co):\n",
        ),
        subs / "raises.ipynb",
    )
    (subs / "garbage.ipynb").write_text("this is not a notebook")
    out = tmp_path_factory.mktemp("grades")
    results = grade_folder(subs, built, out, timeout=60, jobs=2)
    return {"results": {r.student: r for r in results}, "out": out}


@pytest.mark.parametrize("wrong", WRONG_ANSWERS, ids=lambda w: w.name)
def test_wrong_answer_loses_points_on_its_question_only(graded: dict, wrong) -> None:
    result = graded["results"][wrong.name]
    assert result.status == "ok" and result.assignment == NAMES[wrong.chapter]
    for q, r in result.questions.items():
        if q == wrong.loses_on:
            assert r.points < r.possible, f"{wrong.name} kept all points on {q}"
            if wrong.keeps_at_most is not None:  # e.g. a hard-coded answer must get nothing
                assert r.points <= wrong.keeps_at_most, f"{wrong.name} kept {r.points:g} points on {q}"
        else:
            assert r.points == r.possible, f"{wrong.name} lost points on {q} too"


def test_endless_submission_is_stopped_and_graded(graded: dict) -> None:
    loops = graded["results"]["loops"]
    assert loops.status.startswith("timeout") and loops.points == 0 and loops.possible == 15


def test_raising_submission_is_graded(graded: dict) -> None:
    raises = graded["results"]["raises"]
    assert raises.status == "ok"
    assert raises.questions["q2"].points == 0
    assert all(r.points == r.possible for q, r in raises.questions.items() if q != "q2")


def test_broken_file_is_graded_zero(graded: dict) -> None:
    garbage = graded["results"]["garbage"]
    assert garbage.points == 0 and garbage.status.startswith("error")




@pytest.fixture(scope="module")
def graded_every_chapter(built: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The reference solutions and the untouched notebook of every chapter, graded in one batch."""
    subs = tmp_path_factory.mktemp("every_chapter")
    for master in MASTERS:
        chapter, name = master.parent.name, master.stem
        write(reference_submission(built, chapter, name), subs / f"{chapter}-reference.ipynb")
        shutil.copy(built / chapter / "student" / f"{name}.ipynb", subs / f"{chapter}-untouched.ipynb")
    out = tmp_path_factory.mktemp("every_chapter_grades")
    results = grade_folder(subs, built, out, timeout=120, jobs=2)
    return {"results": {r.student: r for r in results}, "out": out}


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.parent.name)
def test_every_chapter_reference_full_marks_and_untouched_zero(
    graded_every_chapter: dict, built: Path, master: Path
) -> None:
    chapter = master.parent.name
    reference = graded_every_chapter["results"][f"{chapter}-reference"]
    untouched = graded_every_chapter["results"][f"{chapter}-untouched"]
    questions = json.loads((built / chapter / "autograder" / "questions.json").read_text())
    assert reference.status == "ok" and set(reference.questions) == set(questions)
    assert reference.points == reference.possible == sum(questions.values()) > 0
    assert untouched.status == "ok" and untouched.points == 0 and untouched.possible == reference.possible


def test_reports_are_written(graded_every_chapter: dict) -> None:
    rows = (graded_every_chapter["out"] / "grades.csv").read_text().splitlines()
    assert rows[0] == "student,assignment,question,points,total,status"
    assert "01_char_rnn-reference,char_rnn_exercises,q4,4,4,ok" in rows
    summary = (graded_every_chapter["out"] / "summary.md").read_text()
    assert "| 01_char_rnn-reference |" in summary and "15/15" in summary


def test_grading_refuses_zero_jobs(built: Path, tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "someone.ipynb").write_text("not a notebook")
    with pytest.raises(ValueError, match="--jobs 0"):
        grade_folder(tmp_path / "subs", built, tmp_path / "out", timeout=10, jobs=0)
