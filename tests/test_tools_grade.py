"""tools.otter_common and tools.grade, without otter: a fake ``otter`` program stands in for it.

The fake (written by :func:`fake_otter`) answers ``otter run`` from the submitted notebook:
``fake_scores`` in its metadata become otter's results.json, a notebook whose text says
``LOOP`` never ends, one that says ``CRASH`` exits with 3, and anything that is not JSON
fails as otter would. The real otter pipeline is tested by tests/grading (``make grading``).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from tools import grade, otter_common
from tools.otter_common import (
    OtterError,
    QuestionResult,
    SubmissionResult,
    assignment_of,
    autograder_zip,
    find_assignments,
    grade_notebook,
    otter_assign,
    parse_results,
    read_questions,
)


def notebook(
    path: Path, *, assignment: str | None = "ex", scores: dict | None = None, text: str = ""
) -> Path:
    meta: dict = {"fake_scores": scores or {}}
    if assignment is not None:
        meta["otter"] = {"assignment_name": assignment}
    nb = {"cells": [{"cell_type": "code", "source": text, "metadata": {}, "outputs": []}], "metadata": meta}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def built_assignment(root: Path, name: str = "ex", questions: dict | None = None) -> Path:
    chapter = root / f"ch_{name}"
    (chapter / "autograder").mkdir(parents=True)
    (chapter / "autograder" / "otter_config.json").write_text(json.dumps({"assignment_name": name}))
    (chapter / "autograder" / f"{name}-autograder_1.zip").write_bytes(b"PK")
    (chapter / "autograder" / f"{name}-autograder_2.zip").write_bytes(b"PK")
    questions = {"q1": 2, "q2": 3} if questions is None else questions
    (chapter / "autograder" / "questions.json").write_text(json.dumps(questions))
    return chapter


# --------------------------------------------------------------------------------------------
# otter_common: pure pieces


def test_parse_results_keeps_scored_questions_only() -> None:
    data = {
        "tests": [
            {"name": "q1", "score": 1, "max_score": 2},
            {"name": "q2", "score": "3", "max_score": 3.0},
            {"name": "Public Tests", "score": 5, "max_score": 5},
            {"name": "unscored"},
            "garbage",
        ]
    }
    assert parse_results(data) == {"q1": QuestionResult(1.0, 2.0), "q2": QuestionResult(3.0, 3.0)}


@pytest.mark.parametrize("data", [{}, [], {"tests": "no"}, None])
def test_parse_results_refuses_other_shapes(data: object) -> None:
    with pytest.raises(ValueError, match="no list of 'tests'"):
        parse_results(data)


def test_parse_results_refuses_a_test_without_max_score() -> None:
    with pytest.raises(ValueError, match="no name, score and max_score"):
        parse_results({"tests": [{"name": "q1", "score": 1}]})


def test_submission_totals() -> None:
    r = SubmissionResult("ann", "ex", "ok", {"q1": QuestionResult(1, 2), "q2": QuestionResult(3, 3)})
    assert (r.points, r.possible) == (4, 5)
    assert (SubmissionResult("bob", "ex", "ok").points, SubmissionResult("bob", "ex", "ok").possible) == (
        0,
        0,
    )


def test_otter_command_is_next_to_this_python() -> None:
    assert otter_common.otter_command() == [str(Path(sys.executable).with_name("otter"))]


def test_assignment_of_reads_the_metadata(tmp_path: Path) -> None:
    assert assignment_of(notebook(tmp_path / "a.ipynb", assignment="char")) == "char"
    assert assignment_of(notebook(tmp_path / "b.ipynb", assignment=None)) is None
    (tmp_path / "c.ipynb").write_text("not json")
    assert assignment_of(tmp_path / "c.ipynb") is None
    (tmp_path / "d.ipynb").write_text('{"metadata": {"otter": {"assignment_name": 3}}}')
    assert assignment_of(tmp_path / "d.ipynb") is None
    (tmp_path / "e.ipynb").write_text("[1, 2]")
    assert assignment_of(tmp_path / "e.ipynb") is None
    assert assignment_of(tmp_path / "missing.ipynb") is None


def test_built_assignment_lookups(tmp_path: Path) -> None:
    chapter = built_assignment(tmp_path, "ex")
    assert find_assignments(tmp_path) == {"ex": chapter}
    assert autograder_zip(chapter).name == "ex-autograder_2.zip"  # the newest
    assert read_questions(chapter) == {"q1": 2.0, "q2": 3.0}


def test_built_assignment_errors_say_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make assignments"):
        autograder_zip(tmp_path)
    with pytest.raises(FileNotFoundError, match="make assignments"):
        read_questions(tmp_path)
    (tmp_path / "autograder").mkdir()
    (tmp_path / "autograder" / "questions.json").write_text("{oops")
    with pytest.raises(ValueError, match="not JSON"):
        read_questions(tmp_path)
    (tmp_path / "autograder" / "questions.json").write_text("[1]")
    with pytest.raises(ValueError, match="map each question"):
        read_questions(tmp_path)
    bad = tmp_path / "books" / "ch" / "autograder"
    bad.mkdir(parents=True)
    (bad / "otter_config.json").write_text("{}")
    with pytest.raises(ValueError, match="assignment_name"):
        find_assignments(tmp_path / "books")


# --------------------------------------------------------------------------------------------
# otter_common: one graded run, with the fake otter


def test_grade_notebook_reads_otters_results(tmp_path: Path, fake_otter: Path) -> None:
    sub = notebook(tmp_path / "ann.ipynb", scores={"q2": [1, 3], "q1": [2, 2]})
    res = grade_notebook(sub, tmp_path / "ex.zip", tmp_path / "run", questions={"q1": 2, "q2": 3, "q3": 4})
    assert res.student == "ann" and res.status == "ok"
    assert list(res.questions) == ["q1", "q2", "q3"]  # sorted; q3 unreported: 0 out of 4
    assert res.questions["q3"] == QuestionResult(0.0, 4.0)
    assert (res.points, res.possible) == (3.0, 9.0)
    assert "fake otter grading" in (tmp_path / "run" / "otter.log").read_text()


def test_grade_notebook_stops_a_submission_that_never_ends(tmp_path: Path, fake_otter: Path) -> None:
    sub = notebook(tmp_path / "loop.ipynb", text="LOOP")
    res = grade_notebook(sub, tmp_path / "ex.zip", tmp_path / "run", timeout=0.5, questions={"q1": 2})
    assert res.status.startswith("timeout after")
    assert res.questions == {"q1": QuestionResult(0.0, 2.0)}


def test_grade_notebook_reports_a_crash_and_stale_results_do_not_count(
    tmp_path: Path, fake_otter: Path
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text(json.dumps({"tests": [{"name": "q1", "score": 2, "max_score": 2}]}))
    res = grade_notebook(notebook(tmp_path / "crash.ipynb", text="CRASH"), tmp_path / "ex.zip", run)
    assert res.status.startswith("error: otter run exited with 3")
    assert res.questions == {}


def test_grade_notebook_reports_unreadable_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "writes_garbage.py"
    script.write_text(
        "import pathlib, sys\n"
        "out = pathlib.Path(sys.argv[sys.argv.index('-o') + 1])\n"
        "(out / 'results.json').write_text('{\"no\": 1}')\n"
    )
    monkeypatch.setattr(otter_common, "otter_command", lambda: [sys.executable, str(script)])
    res = grade_notebook(notebook(tmp_path / "x.ipynb"), tmp_path / "ex.zip", tmp_path / "run")
    assert res.status.startswith("error: unreadable") and "tests" in res.status


def test_otter_assign_failure_is_an_otter_error(tmp_path: Path, fake_otter: Path) -> None:
    master = notebook(tmp_path / "m.ipynb", text="BROKEN")
    with pytest.raises(OtterError, match="otter assign"):
        otter_assign(master, tmp_path / "out")


# --------------------------------------------------------------------------------------------
# grade: a folder of submissions


def test_student_is_the_file_name() -> None:
    assert grade.student_of(Path("subs/jane.doe.ipynb")) == "jane.doe"


def test_pick_assignment(tmp_path: Path) -> None:
    one = {"ex": tmp_path}
    two = {"ex": tmp_path, "other": tmp_path}
    (tmp_path / "garbage.ipynb").write_text("not a notebook")
    assert grade.pick_assignment(notebook(tmp_path / "a.ipynb", assignment="ex"), two) == "ex"
    assert grade.pick_assignment(tmp_path / "garbage.ipynb", one) == "ex"  # graded, against the only one
    assert grade.pick_assignment(tmp_path / "garbage.ipynb", two) is None
    assert grade.pick_assignment(notebook(tmp_path / "b.ipynb", assignment="nope"), one) is None


def results() -> list[SubmissionResult]:
    return [
        SubmissionResult("ann", "ex", "ok", {"q1": QuestionResult(2, 2), "q2": QuestionResult(1.5, 3)}),
        SubmissionResult("bob", "ex", "timeout after 600 s", {"q1": QuestionResult(0, 2)}),
        SubmissionResult("cy", "nope", "error: unknown assignment 'nope'"),
    ]


def test_csv_rows_one_per_student_and_question() -> None:
    assert grade.csv_rows(results()) == [
        ["student", "assignment", "question", "points", "total", "status"],
        ["ann", "ex", "q1", "2", "2", "ok"],
        ["ann", "ex", "q2", "1.5", "3", "ok"],
        ["bob", "ex", "q1", "0", "2", "timeout after 600 s"],
    ]


def test_summary_table() -> None:
    lines = grade.summary_lines(results())
    assert lines[:4] == ["# Grades", "", "| student | q1 | q2 | total | status |", "|---|---|---|---|---|"]
    assert lines[4] == "| ann | 2/2 | 1.5/3 | 3.5/5 | ok |"
    assert lines[5] == "| bob | 0/2 | - | 0/2 | timeout after 600 s |"
    assert lines[6] == "| cy | - | - | 0/0 | error: unknown assignment 'nope' |"
    assert lines[-1].startswith("3 submissions graded.")


def test_write_reports(tmp_path: Path) -> None:
    grade.write_reports(results(), tmp_path / "out")
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == grade.csv_rows(results())
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert summary == "\n".join(grade.summary_lines(results())) + "\n"


def test_grade_folder_end_to_end(
    tmp_path: Path, fake_otter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built_assignment(tmp_path / "built", "ex", {"q1": 2, "q2": 3})
    subs = tmp_path / "subs"
    notebook(subs / "bob.ipynb", scores={"q1": [2, 2], "q2": [0, 3]})
    notebook(subs / "ann.ipynb", scores={"q1": [2, 2], "q2": [3, 3]})
    notebook(subs / "cy.ipynb", assignment="unknown")
    (subs / "dee.ipynb").write_text("not a notebook")  # graded against the only assignment: zero
    (subs / "notes.txt").write_text("not a submission")
    out = tmp_path / "grades"
    got = grade.grade_folder(subs, tmp_path / "built", out, timeout=30, jobs=2)
    assert [r.student for r in got] == ["ann", "bob", "cy", "dee"]
    assert [r.points for r in got] == [5, 2, 0, 0]
    assert got[2].status == "error: unknown assignment 'unknown'"
    assert got[3].status.startswith("error: otter run exited") and got[3].possible == 5
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1] == "ann,ex,q1,2,2,ok" and len(rows) == 1 + 2 + 2 + 2
    assert (out / "runs" / "ann" / "otter.log").exists()
    assert "cy.ipynb: unknown assignment 'unknown'" in capsys.readouterr().out


def test_grade_folder_refuses_bad_input_clearly(tmp_path: Path) -> None:
    subs, built = tmp_path / "subs", tmp_path / "built"
    subs.mkdir()
    with pytest.raises(ValueError, match="--jobs 0"):
        grade.grade_folder(subs, built, tmp_path / "out", 10, jobs=0)
    with pytest.raises(ValueError, match="--timeout 0"):
        grade.grade_folder(subs, built, tmp_path / "out", 0)
    with pytest.raises(FileNotFoundError, match="no built assignment"):
        grade.grade_folder(subs, built, tmp_path / "out", 10)
    built_assignment(built)
    with pytest.raises(FileNotFoundError, match=r"no \.ipynb submission"):
        grade.grade_folder(subs, built, tmp_path / "out", 10)


def test_main_grades_and_reports(
    tmp_path: Path, fake_otter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built_assignment(tmp_path / "built", "ex", {"q1": 2})
    notebook(tmp_path / "subs" / "ann.ipynb", scores={"q1": [1, 2]})
    out = tmp_path / "grades"
    argv = [str(tmp_path / "subs"), "--assignments", str(tmp_path / "built"), "--out", str(out)]
    assert grade.main([*argv, "--timeout", "30"]) == 0
    assert "(1 submissions)" in capsys.readouterr().out
    assert "| ann | 1/2 | 1/2 | ok |" in (out / "summary.md").read_text()


def test_main_turns_errors_into_exit_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert grade.main([str(tmp_path), "--assignments", str(tmp_path / "none")]) == 1
    assert "grade: no built assignment" in capsys.readouterr().err
