"""tools.otter_common, tools.grade and tools.review, without otter: a fake ``otter`` program
stands in for it.

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

from tools import EXIT_CANNOT_RUN, EXIT_FAILED, grade, otter_common, review, sandbox
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
    res = grade_notebook(sub, tmp_path / "ex.zip", tmp_path / "run", questions={"q1": 2, "q2": 3})
    assert res.student == "ann" and res.status == "ok"
    assert list(res.questions) == ["q1", "q2"]  # sorted
    assert (res.points, res.possible) == (3.0, 5.0)
    assert "fake otter grading" in (tmp_path / "run" / "otter.log").read_text()


@pytest.mark.parametrize(
    ("scores", "why"),
    [
        ({"q1": [2, 2]}, "missing q2"),  # a question left out (its test file deleted)
        ({"q1": [2, 2], "q2": [3, 3], "q9": [1, 1]}, "unknown q9"),  # a test file added
        ({"q1": [100, 100], "q2": [3, 3]}, "q1 worth 100 instead of 2"),  # inflated points
        ({"q1": [3, 2], "q2": [3, 3]}, "q1 scored 3 out of 2"),
        ({"q1": [-1, 2], "q2": [3, 3]}, "q1 scored -1 out of 2"),
        ({"q1": ["nan", 2], "q2": [3, 3]}, "q1 scored nan out of 2"),
    ],
)
def test_results_that_do_not_match_the_assignment_are_an_error_not_a_grade(
    tmp_path: Path, fake_otter: Path, scores: dict, why: str
) -> None:
    sub = notebook(tmp_path / "eve.ipynb", scores=scores)
    res = grade_notebook(sub, tmp_path / "ex.zip", tmp_path / "run", questions={"q1": 2, "q2": 3})
    assert res.status.startswith(otter_common.RESULTS_MISMATCH) and why in res.status
    assert res.questions == {"q1": QuestionResult(0.0, 2.0), "q2": QuestionResult(0.0, 3.0)}


def test_check_results_accepts_the_assignment_itself() -> None:
    found = {"q1": QuestionResult(1.5, 2.0), "q2": QuestionResult(0.0, 3.0)}
    assert otter_common.check_results(found, {"q1": 2, "q2": 3}) is None


def test_stamped_copy_names_the_forced_assignment(tmp_path: Path) -> None:
    bare = notebook(tmp_path / "bare.ipynb", assignment=None)
    copy = otter_common.stamped_copy(bare, tmp_path / "out" / "bare.ipynb", "ex")
    assert assignment_of(copy) == "ex" and assignment_of(bare) is None
    other = notebook(tmp_path / "other.ipynb", assignment="zz")
    assert assignment_of(otter_common.stamped_copy(other, tmp_path / "o2.ipynb", None)) == "zz"
    (tmp_path / "junk.ipynb").write_text("junk")
    assert (
        otter_common.stamped_copy(tmp_path / "junk.ipynb", tmp_path / "j2.ipynb", "ex").read_text() == "junk"
    )


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
        ["cy", "nope", "-", "0", "0", "error: unknown assignment 'nope'"],  # still in the grade book
    ]


def test_summary_table() -> None:
    rs = results()
    rs[0].review = ["opens a file", "a | b"]
    lines = grade.summary_lines(rs)
    assert lines[:3] == ["# Grades", "", "| student | assignment | q1 | q2 | total | status | review |"]
    assert lines[3] == "|---|---|---|---|---|---|---|"
    assert lines[4] == "| ann | ex | 2/2 | 1.5/3 | 3.5/5 | ok | opens a file; a \\| b |"
    assert lines[5] == "| bob | ex | 0/2 | - | 0/2 | timeout after 600 s |  |"
    assert lines[6] == "| cy | nope | - | - | 0/0 | error: unknown assignment 'nope' |  |"
    assert lines[-1].startswith("3 submissions graded; 1 flagged for review")


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
    (subs / "dee.ipynb").write_text("not a notebook")  # against the only assignment: zero
    (subs / "ed.ipynb").write_text("")
    (subs / "fay.txt").write_text("a text file")
    notebook(subs / "gus.ipynb", assignment=None, scores={"q1": [2, 2], "q2": [3, 3]})  # no metadata
    notebook(subs / "hal.ipynb", scores={"q1": [2, 2], "q2": [30, 30]})  # inflated points
    notebook(subs / "ivy.ipynb", scores={"q1": [2, 2], "q2": [3, 3]}, text="import otter\nopen('x')")
    out = tmp_path / "grades"
    (out / "runs" / "ann").mkdir(parents=True)
    (out / "runs" / "ann" / "otter.log").write_text("stale, from an older run")
    got = grade.grade_folder(subs, tmp_path / "built", out, timeout=30, jobs=2, sandbox=False)
    assert [r.student for r in got] == ["ann", "bob", "cy", "dee", "ed", "fay.txt", "gus", "hal", "ivy"]
    assert [r.points for r in got] == [5, 2, 0, 0, 0, 0, 5, 0, 5]
    assert got[2].status == "error: unknown assignment 'unknown'"
    assert got[3].status == "error: not a notebook (not JSON)" and got[3].possible == 5
    assert got[4].status == "error: empty file" and got[4].possible == 5
    assert got[5].status.startswith("error: not a notebook (.txt)") and got[5].possible == 5
    assert got[7].status.startswith("error: results do not match the assignment: q2 worth 30")
    assert got[8].review == ["imports the grader (otter)", "opens a file"] and got[0].review == []
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1] == "ann,ex,q1,2,2,ok" and len(rows) == 1 + 2 + 2 + 1 + 2 * 6
    assert sorted({row.split(",")[0] for row in rows[1:]}) == [r.student for r in got]
    assert (out / "instructor" / "ann" / "otter.log").exists()
    runs = sorted(p.relative_to(out / "runs").as_posix() for p in (out / "runs").rglob("*") if p.is_file())
    assert runs == [f"{r.student}/report.json" for r in got]  # nothing else goes back to students
    report = json.loads((out / "runs" / "bob" / "report.json").read_text())
    assert report["questions"]["q2"] == {"points": 0.0, "possible": 3.0} and report["status"] == "ok"
    summary = (out / "summary.md").read_text()
    assert "| ivy | ex | 2/2 | 3/3 | 5/5 | ok | imports the grader (otter); opens a file |" in summary
    printed = capsys.readouterr()
    assert "cy.ipynb: unknown assignment 'unknown'" in printed.out
    assert "WITHOUT a sandbox" in printed.err


def test_grade_folder_forced_assignment(tmp_path: Path, fake_otter: Path) -> None:
    built_assignment(tmp_path / "built", "ex", {"q1": 2})
    built_assignment(tmp_path / "built", "other", {"q1": 5})
    subs = tmp_path / "subs"
    notebook(subs / "ann.ipynb", assignment=None, scores={"q1": [2, 2]})
    got = grade.grade_folder(subs, tmp_path / "built", tmp_path / "g1", timeout=30, sandbox=False)
    assert got[0].status.startswith("error: names no assignment: pass --assignment")
    assert grade.csv_rows(got)[1] == ["ann", "-", "-", "0", "0", got[0].status]
    got = grade.grade_folder(
        subs, tmp_path / "built", tmp_path / "g2", timeout=30, sandbox=False, assignment="ex"
    )
    assert (got[0].assignment, got[0].points, got[0].status) == ("ex", 2, "ok")
    with pytest.raises(ValueError, match="--assignment 'nope' is not built"):
        grade.grade_folder(subs, tmp_path / "built", tmp_path / "g3", 30, sandbox=False, assignment="nope")


def test_grade_folder_without_bwrap_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built_assignment(tmp_path / "built", "ex", {"q1": 2})
    notebook(tmp_path / "subs" / "ann.ipynb")
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxError, match=r"apt-get install -y bubblewrap.*--no-sandbox"):
        grade.grade_folder(tmp_path / "subs", tmp_path / "built", tmp_path / "out", 30)
    argv = [str(tmp_path / "subs"), "--assignments", str(tmp_path / "built"), "--out", str(tmp_path / "o")]
    assert grade.main(argv) == EXIT_CANNOT_RUN == 2
    assert "grade: cannot start: " in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing graded, nothing written


def test_read_notebook() -> None:
    assert grade.read_notebook(Path("x.py"))[1] == "not a notebook (.py): hand in the .ipynb file"
    assert grade.read_notebook(Path("missing.ipynb"))[1] == "unreadable file (FileNotFoundError)"


def test_safe_report_carries_no_otter_text() -> None:
    r = SubmissionResult(
        "ann", "ex", "error: otter run exited with 1; see /x/otter.log", {"q1": QuestionResult(0, 2)}
    )
    assert grade.safe_report(r) == {
        "student": "ann",
        "assignment": "ex",
        "status": "error",
        "points": 0,
        "possible": 2,
        "questions": {"q1": {"points": 0, "possible": 2}},
    }


# --------------------------------------------------------------------------------------------
# The review scan

ORDINARY = [
    "import torch\nimport torch.nn as nn\nimport numpy as np\nfrom torch.nn import functional as F\n",
    "def rnn_step(x, h, W, b):\n    h = torch.tanh(x @ W + h + b)\n    return h, F.softmax(h, dim=1)\n",
    "model.weight.data = torch.zeros(3)\nself_grad = [p.grad for p in model.parameters()]\n",
    "torch.manual_seed(0)\nnp.random.seed(0)\nx = np.array([1, 2])\nx.shape\n",
    "torch.backends.cudnn.deterministic = True\nopt.zero_grad()\nloss.backward()\n",
    'import string\nALPHABET = string.ascii_letters + " .,;\'"\n',
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n",
    "scores = {k: v for k, v in zip('ab', [1, 2])}\nprint(f'{scores}')\n",
    "if a != b:\n    c = a % b\n",
    'grader.check("q1")\ngrader.check_all()\n',
]


@pytest.mark.parametrize("source", ORDINARY)
def test_ordinary_student_code_is_not_flagged(source: str) -> None:
    assert review.review_reasons([source]) == []


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("torch.allclose = lambda *a, **k: True", "patches a library: torch.allclose"),
        ("import torch as T\nT.testing.assert_close = print", "patches a library: T.testing.assert_close"),
        ("setattr(torch, 'allclose', lambda *a, **k: True)", "patches a library: setattr(torch, ...)"),
        ("import numpy\nnumpy.isclose = None", "patches a library: numpy.isclose"),
        ("import otter", "imports the grader (otter)"),
        ("from otter.test_files import abstract_test", "imports the grader (otter)"),
        ("import sys\nsys.modules['otter'] = None", "touches sys.modules"),
        ("import builtins\nbuiltins.print = None", "touches builtins"),
        ("__import__('os').system('ls')", "calls __import__"),
        ("import ctypes", "uses ctypes"),
        ("_sandbox_changed = lambda: []", "names the grading sandbox: _sandbox_changed"),
        ("globals()['_sandbox_changed'] = list", "names a grader path: '_sandbox'"),
        ("otter.execute.Checker.check('/tmp/q1.py', None)", "uses the grader (otter)"),
        ("grader._ignore_log = True", "uses the grader's internals: grader._ignore_log"),
        ("import gc\ngc.get_objects()", "uses gc (reaches other objects)"),
        ("import inspect\ninspect.currentframe().f_back", "uses inspect (frames, sources)"),
        ("import sys\nsys._getframe(1).f_globals", "reads the call stack (sys._getframe)"),
        ("import os\nos.remove('x')", "file or process operation: os.remove"),
        ("import os\nos.system('sleep 100 &')", "file or process operation: os.system"),
        ("import os\nos.chdir('/tmp')", "file or process operation: os.chdir"),
        ("import subprocess\nsubprocess.Popen(['sleep', '9'])", "starts processes (subprocess)"),
        ("import shutil\nshutil.rmtree('x')", "file operations (shutil)"),
        ("from pathlib import Path\nPath('a').write_text('b')", "file operations (pathlib)"),
        ("with open('notes.txt') as f:\n    pass", "opens a file"),
        ("x = '/proc/1/cmdline'", "names a grader path: '/proc'"),
        ("x = 'tests/q1.py'", "names a grader path: 'tests/'"),
        ("!ls ../", "shell or magic: !"),
        ("%%bash\nls /", "shell or magic: %%bash"),
        ("def f(:\n    open('x')", "unparsable cell with 'open('"),
    ],
)
def test_tampering_is_flagged(source: str, reason: str) -> None:
    assert reason in review.review_reasons([source])


def test_review_skips_the_distributed_cells(tmp_path: Path) -> None:
    distributed = tmp_path / "student.ipynb"
    template = {"cells": [{"cell_type": "code", "source": ["import otter\n", "grader = otter.Notebook()"]}]}
    distributed.write_text(json.dumps(template))
    submitted = {
        "cells": [*template["cells"], {"cell_type": "code", "source": "open('x')"}, {"cell_type": "markdown"}]
    }
    assert review.student_cells(submitted, distributed) == ["open('x')"]
    assert review.student_cells(submitted, None) == ["import otter\ngrader = otter.Notebook()", "open('x')"]


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
    with pytest.raises(FileNotFoundError, match="no submission in"):
        grade.grade_folder(subs, built, tmp_path / "out", 10)


def test_main_grades_and_reports(
    tmp_path: Path, fake_otter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built_assignment(tmp_path / "built", "ex", {"q1": 2})
    notebook(tmp_path / "subs" / "ann.ipynb", scores={"q1": [1, 2]})
    out = tmp_path / "grades"
    argv = [str(tmp_path / "subs"), "--assignments", str(tmp_path / "built"), "--out", str(out)]
    assert grade.main([*argv, "--timeout", "30", "--no-sandbox"]) == 0
    assert "(1 submissions)" in capsys.readouterr().out
    assert "| ann | ex | 1/2 | 1/2 | ok |  |" in (out / "summary.md").read_text()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "no built assignment under"),
        (["--jobs", "0"], "--jobs 0: grade at least one submission at a time"),
        (["--timeout", "-1"], "--timeout -1: the time limit must be positive"),
    ],
)
def test_main_that_cannot_start_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    argv = [str(tmp_path), "--assignments", str(tmp_path / "none"), "--out", str(tmp_path / "out"), *options]
    assert grade.main(argv) == EXIT_CANNOT_RUN == 2
    assert f"grade: cannot start: {message}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_main_that_fails_on_the_way_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built_assignment(tmp_path / "built", "ex", {"q1": 2})
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "ann.ipynb").write_text("not JSON: graded 0 without otter")
    out = tmp_path / "out"
    out.write_text("a file where the grade book's folder should go")
    argv = [str(tmp_path / "subs"), "--assignments", str(tmp_path / "built"), "--out", str(out)]
    assert grade.main([*argv, "--no-sandbox"]) == EXIT_FAILED == 1
    err = capsys.readouterr().err
    assert "grade: " in err and "cannot start" not in err and str(out) in err


def test_grade_folder_is_the_plan_then_the_grading(tmp_path: Path) -> None:
    built_assignment(tmp_path / "built", "ex", {"q1": 2})
    notebook(tmp_path / "subs" / "b.ipynb")
    (tmp_path / "subs" / "a.txt").write_text("x")
    (tmp_path / "subs" / "folder").mkdir()
    plan = grade.plan_grading(tmp_path / "subs", tmp_path / "built", 30, jobs=2, sandbox=False)
    assert [p.name for p in plan.files] == ["a.txt", "b.ipynb"]  # files only, by name
    assert list(plan.built) == ["ex"] and (plan.jobs, plan.sandbox, plan.assignment) == (2, False, None)
