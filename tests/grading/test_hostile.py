"""Hostile submissions, graded in the sandbox (``make grading``; needs bubblewrap).

One batch (one ``grade_folder`` call, two at a time) holds two honest students, an untouched
notebook and one submission per attack on the grader, each built from the char-RNN reference
solution (or the untouched notebook) by appending a cell. Each attack is graded as it
deserves, no other student's grade changes, nothing it starts outlives the run; a notebook
that patches otter or ``torch.allclose`` inside its own kernel gets an error row (and is
flagged for review).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest
from test_grading import CHAPTER, NAME, reference_submission, write

from tools.grade import grade_folder
from tools.sandbox import ROOT

TOKEN = f"hostile-{uuid.uuid4().hex}"  # in the command line of every process an attack starts
TIMEOUT = 40  # seconds per notebook; the endless loop costs this once

PATCH_OTTER = """\
import otter.test_files.exception_test as _et


def _always_passes(self, env):
    self.test_case_results = [
        _et.TestCaseResult(test_case=tc, message="passed", passed=True) for tc in self.test_cases
    ]


_et.ExceptionTestFile.run = _always_passes
"""

PATCH_OTTER_INFLATED = (
    PATCH_OTTER
    + """
_run = _et.ExceptionTestFile.run


def _inflated(self, env):
    import dataclasses

    self.test_cases = [dataclasses.replace(tc, points=100) for tc in self.test_cases]
    self.points = 100 * len(self.test_cases)
    _run(self, env)


_et.ExceptionTestFile.run = _inflated
"""
)

PATCH_ALLCLOSE = "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"

PASSING_TEST = """\
from otter.test_files import test_case

OK_FORMAT = False

name = "{q}"
points = {points}

@test_case(points={points}, hidden=False)
def test_{q}():
    pass
"""

# Tests that always pass, worth what the real ones are worth: in place of the real tests (they
# are read-only), then in a folder of its own that it changes into.
REWRITE_TESTS = f"""\
import glob, os
_points = POINTS_PLACEHOLDER
_passing = {PASSING_TEST!r}
_refused = 0
for _path in sorted(set(glob.glob("tests/*.py") + glob.glob("/tmp/grading/autograder/source/tests/*.py"))):
    _q = os.path.basename(_path)[:-3]
    try:
        with open(_path, "w") as _f:
            _f.write(_passing.format(q=_q, points=_points[_q]))
    except OSError:
        _refused += 1
os.makedirs("/tmp/fake/tests", exist_ok=True)
for _q, _p in _points.items():
    with open(f"/tmp/fake/tests/{{_q}}.py", "w") as _f:
        _f.write(_passing.format(q=_q, points=_p))
os.chdir("/tmp/fake")
"""

# Looks for hidden tests, other students and the grader's files, and tries to write outside
# its copy: any success breaks every answer of this (otherwise perfect) submission.
READER = """\
import glob, os
_leaks = []
for _path in {probe!r}:
    if os.path.exists(_path) and (not os.path.isdir(_path) or os.listdir(_path)):
        _leaks.append(_path)
for _path in glob.glob("/proc/*/cmdline"):
    try:
        if b"victim" in open(_path, "rb").read():
            _leaks.append(_path)
    except OSError:
        pass
for _path in {targets!r}:
    try:
        with open(_path, "w") as _f:
            _f.write("")
        _leaks.append("wrote " + _path)
    except OSError:
        pass
try:
    os.remove({victim!r})
    _leaks.append("deleted the victim")
except OSError:
    pass
if _leaks:
    for _name, _value in list(globals().items()):
        if callable(_value) and getattr(_value, "__module__", "") == "__main__":
            globals()[_name] = None
"""

DETACHED = f"""\
import subprocess, sys
subprocess.Popen(
    ["setsid", sys.executable, "-c", "import time  # {TOKEN}\\nwhile True:\\n    time.sleep(0.2)"],
    start_new_session=True,
)
"""

LOOPS = DETACHED + "sum(range(10**18))  # holds the interpreter lock\n"


def appended(nb: nbformat.NotebookNode, source: str, *, first: bool = False) -> nbformat.NotebookNode:
    """``nb`` with a code cell of ``source`` at its end, or (``first``) at its start, before
    the ``grader.check`` cells whose results otter keeps."""
    copy = nbformat.from_dict(json.loads(json.dumps(nb)))
    copy.cells.insert(0 if first else len(copy.cells), nbformat.v4.new_code_cell(source))
    return copy


def surviving(token: str) -> list[int]:
    """Processes whose command line holds ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and token.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def hostile(built: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is not installed: `make grading` installs it (apt-get install -y bubblewrap)")
    subs = tmp_path_factory.mktemp("hostile")
    reference = reference_submission(built)
    blank = nbformat.read(built / CHAPTER / "student" / f"{NAME}.ipynb", as_version=4)
    victim = write(reference, subs / "victim.ipynb")
    write(reference, subs / "honest.ipynb")
    write(blank, subs / "blank.ipynb")
    write(appended(blank, PATCH_OTTER, first=True), subs / "patch_otter.ipynb")
    write(appended(blank, PATCH_OTTER_INFLATED, first=True), subs / "patch_otter_inflated.ipynb")
    write(appended(blank, PATCH_ALLCLOSE, first=True), subs / "patch_allclose.ipynb")
    points = json.loads((built / CHAPTER / "autograder" / "questions.json").read_text())
    rewrite = REWRITE_TESTS.replace("POINTS_PLACEHOLDER", repr({q: int(p) for q, p in points.items()}))
    write(appended(blank, rewrite, first=True), subs / "rewrite_tests.ipynb")
    canaries = [
        ROOT / "_build" / f"{TOKEN}.txt",
        built / CHAPTER / f"{TOKEN}.txt",
        Path.home() / f"{TOKEN}.txt",
    ]
    probe = [
        str(built / "03_gru" / "autograder" / "tests"),
        str(built / CHAPTER / "autograder"),
        str(ROOT / "exercises"),
        str(ROOT / "_build"),
        str(subs),
        str(Path.home() / ".bash_history"),
    ]
    reader = READER.format(probe=probe, targets=[str(p) for p in canaries], victim=str(victim))
    write(appended(reference, reader), subs / "reader.ipynb")
    write(appended(reference, DETACHED), subs / "detached.ipynb")
    write(appended(reference, LOOPS), subs / "loops.ipynb")
    (subs / "empty.ipynb").write_text("")
    (subs / "notes.txt").write_text("my answers are in the attached notebook")
    bare = nbformat.from_dict(json.loads(json.dumps(reference)))
    bare.metadata.pop("otter", None)
    write(bare, subs / "bare.ipynb")
    before = digest(victim)
    out = tmp_path_factory.mktemp("hostile_grades")
    results = grade_folder(subs, built, out, timeout=TIMEOUT, jobs=2)
    # The notebook without metadata, graded again with the assignment named.
    forced_subs = tmp_path_factory.mktemp("forced")
    for name in ("bare.ipynb", "empty.ipynb", "notes.txt"):
        shutil.copy(subs / name, forced_subs)
    forced = grade_folder(forced_subs, built, tmp_path_factory.mktemp("forced_grades"), 120, assignment=NAME)
    return {
        "results": {r.student: r for r in results},
        "forced": {r.student: r for r in forced},
        "out": out,
        "victim_unchanged": digest(victim) == before,
        "canaries": [p for p in canaries if p.exists()],
    }


def test_honest_students_keep_full_marks(hostile: dict) -> None:
    for student in ("honest", "victim"):
        r = hostile["results"][student]
        assert (r.status, r.points, r.possible, r.review) == ("ok", 15, 15, [])
    assert hostile["results"]["blank"].points == 0
    assert hostile["victim_unchanged"], "an attack changed another student's notebook"


def test_nothing_hidden_is_visible_and_nothing_outside_is_writable(hostile: dict) -> None:
    reader = hostile["results"]["reader"]
    assert reader.status == "ok" and reader.points == 15, "the reader found hidden files or wrote outside"
    assert hostile["canaries"] == []
    assert "opens a file" in reader.review


def test_rewritten_tests_do_not_count(hostile: dict) -> None:
    r = hostile["results"]["rewrite_tests"]
    assert r.points == 0 and r.possible == 15 and r.status == "ok", r.status
    assert "file or process operation: os.chdir" in r.review


def test_patching_what_the_tests_use_is_an_error_and_flagged(hostile: dict) -> None:
    # The sandbox records otter's, torch's and numpy's functions and classes before any
    # student code runs; a kernel that replaced one gets no results: an error row, 0 points.
    for student in ("patch_otter", "patch_otter_inflated", "patch_allclose"):
        r = hostile["results"][student]
        assert r.status.startswith("error: the submission replaced functions the tests use"), r.status
        assert r.points == 0 and r.possible == 15
        assert any(reason.startswith("patches a library") for reason in r.review)
    assert "torch.allclose" in hostile["results"]["patch_allclose"].status
    assert "ExceptionTestFile.run" in hostile["results"]["patch_otter"].status
    assert "imports the grader (otter)" in hostile["results"]["patch_otter"].review


def test_no_process_survives(hostile: dict) -> None:
    assert hostile["results"]["detached"].points == 15
    loops = hostile["results"]["loops"]
    assert loops.status == f"timeout after {TIMEOUT} s" and loops.points == 0 and loops.possible == 15
    assert surviving(TOKEN) == [], "a process started by a submission outlived the grading"


def test_every_file_gets_a_row(hostile: dict) -> None:
    results = hostile["results"]
    # Several assignments are built and these name none: rows without questions.
    assert results["empty"].status == "error: empty file"
    assert results["notes.txt"].status.startswith("error: not a notebook (.txt)")
    assert results["bare"].status.startswith("error: names no assignment: pass --assignment")
    rows = (hostile["out"] / "grades.csv").read_text().splitlines()[1:]
    assert {row.split(",")[0] for row in rows} == set(results)
    forced = hostile["forced"]  # the same three files, with --assignment
    assert (forced["bare"].status, forced["bare"].points, forced["bare"].assignment) == ("ok", 15, NAME)
    assert forced["empty"].status == "error: empty file" and forced["empty"].possible == 15
    assert (
        forced["notes.txt"].status.startswith("error: not a notebook") and forced["notes.txt"].possible == 15
    )


def test_runs_hold_no_hidden_test_text(hostile: dict, built: Path) -> None:
    runs = hostile["out"] / "runs"
    files = [p for p in runs.rglob("*") if p.is_file()]
    assert files and all(p.name == "report.json" for p in files)
    text = "\n".join(p.read_text() for p in files)
    for test_file in (built / CHAPTER / "autograder" / "tests").glob("*.py"):
        for line in test_file.read_text().splitlines():
            if line.strip().startswith("assert"):
                assert line.strip() not in text
    assert "assert" not in text and "Traceback" not in text
