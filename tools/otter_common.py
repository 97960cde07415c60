"""What the grading tools share: the ``otter`` command, the built assignments, one graded run.

``tools.assignments`` (``make assignments``) builds each chapter's assignment with
:func:`otter_assign` and grades the reference solutions with :func:`grade_notebook`;
``tools.grade`` (``make grade``) finds the built assignments with :func:`find_assignments`
and grades every submission with :func:`grade_notebook`. A built assignment is a folder
``<out>/<chapter>/`` holding ``student/``, ``autograder/<name>-autograder_*.zip``,
``autograder/otter_config.json`` and ``autograder/questions.json``.

Runs in the grading environment (``.venv-grade``, see requirements-grading.txt).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import sandbox


class OtterError(RuntimeError):
    """``otter`` failed, or what it built is not usable."""


@dataclass(frozen=True)
class QuestionResult:
    """Points earned on one question and the points it is worth."""

    points: float
    possible: float


@dataclass
class SubmissionResult:
    """The grading of one submission: per-question points and how the run ended."""

    student: str
    assignment: str
    status: str  # "ok", "timeout after N s" or "error: ..."
    questions: dict[str, QuestionResult] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)  # why an instructor should read the code

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions.values())

    @property
    def possible(self) -> float:
        return sum(q.possible for q in self.questions.values())


def otter_command() -> list[str]:
    """The ``otter`` program of this environment (next to its Python), as a command prefix."""
    return [str(Path(sys.executable).with_name("otter"))]


def otter_assign(master: Path, chapter_dir: Path) -> None:
    """``otter assign MASTER CHAPTER_DIR``; an :class:`OtterError` if it fails."""
    try:
        subprocess.run([*otter_command(), "assign", str(master), str(chapter_dir)], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise OtterError(f"otter assign {master} failed: {exc}") from exc


def autograder_zip(chapter_dir: Path) -> Path:
    """The autograder zip of a built assignment (the newest if there are several)."""
    zips = sorted((chapter_dir / "autograder").glob("*-autograder_*.zip"))
    if not zips:
        raise FileNotFoundError(f"no autograder zip in {chapter_dir / 'autograder'}: run `make assignments`")
    return zips[-1]


def read_questions(chapter_dir: Path) -> dict[str, float]:
    """question -> points of a built assignment (its ``autograder/questions.json``)."""
    path = chapter_dir / "autograder" / "questions.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{path} is missing: run `make assignments`") from exc
    except ValueError as exc:
        raise ValueError(f"{path} is not JSON ({exc}): run `make assignments`") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path} must map each question to its points, not hold {type(data).__name__}")
    return {str(q): float(p) for q, p in data.items()}


def find_assignments(root: Path) -> dict[str, Path]:
    """assignment name -> built chapter folder (from each autograder's otter_config.json)."""
    found: dict[str, Path] = {}
    for config in sorted(root.glob("*/autograder/otter_config.json")):
        try:
            name = json.loads(config.read_text(encoding="utf-8"))["assignment_name"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{config} names no assignment_name: run `make assignments` again") from exc
        found[str(name)] = config.parent.parent
    return found


def assignment_of(notebook: Path) -> str | None:
    """The ``otter.assignment_name`` recorded in a notebook, or None if there is none."""
    try:
        data = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    meta = data.get("metadata") if isinstance(data, dict) else None
    otter = meta.get("otter") if isinstance(meta, dict) else None
    name = otter.get("assignment_name") if isinstance(otter, dict) else None
    return name if isinstance(name, str) else None


def parse_results(data: Any) -> dict[str, QuestionResult]:
    """question -> result, from the ``results.json`` that ``otter run`` writes.

    Tests without a score and otter's summary entry "Public Tests" are not questions.

    Raises:
        ValueError: ``data`` does not have otter's shape (``{"tests": [{"name", "score",
            "max_score"}, ...]}``).
    """
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, list):
        raise ValueError("otter's results hold no list of 'tests'")
    questions: dict[str, QuestionResult] = {}
    for test in tests:
        if not isinstance(test, dict) or "score" not in test or test.get("name") == "Public Tests":
            continue
        try:
            questions[str(test["name"])] = QuestionResult(float(test["score"]), float(test["max_score"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"otter's result {test!r} has no name, score and max_score") from exc
    return questions


RESULTS_MISMATCH = "error: results do not match the assignment"


def check_results(found: dict[str, QuestionResult], expected: dict[str, float]) -> str | None:
    """Why ``found`` (parsed from a run's results) cannot be a grade of an assignment whose
    questions are worth ``expected`` points, or None when it can: the same questions, each with
    the same maximum, and every score a number between 0 and that maximum."""
    problems = []
    missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if extra:
        problems.append(f"unknown {', '.join(extra)}")
    for name in sorted(set(found) & set(expected)):
        r = found[name]
        if not math.isclose(r.possible, expected[name]):
            problems.append(f"{name} worth {r.possible:g} instead of {expected[name]:g}")
        if not (math.isfinite(r.points) and 0 <= r.points <= expected[name]):
            problems.append(f"{name} scored {r.points:g} out of {expected[name]:g}")
    return "; ".join(problems) or None


def stamped_copy(submission: Path, dest: Path, assignment: str | None) -> Path:
    """Copy ``submission`` to ``dest``; with ``assignment``, a notebook that names no
    assignment (or another one) gets ``metadata.otter.assignment_name`` set to it, so that
    otter grades it against the assignment the grader chose. Anything unreadable is copied as
    it is (otter then reports it)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(submission, dest)
    if assignment is None:
        return dest
    try:
        data = json.loads(submission.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return dest
    if not isinstance(data, dict):
        return dest
    meta = data.setdefault("metadata", {})
    if isinstance(meta, dict):
        otter = meta.setdefault("otter", {})
        if isinstance(otter, dict) and otter.get("assignment_name") != assignment:
            otter["assignment_name"] = assignment
            dest.write_text(json.dumps(data), encoding="utf-8")
    return dest


def _sandboxed_run(
    copy: Path, autograder: Path, tmp: Path, log: Path, timeout: float, hidden: Sequence[Path]
) -> tuple[int | None, Path, str | None]:
    """``otter``'s grading steps for ``copy`` inside bubblewrap (see :mod:`tools.sandbox`):
    the exit status (None: killed at the time limit), where the results are, and why the
    tests cannot be trusted (None when they match the autograder's)."""
    work, src = tmp / "work", tmp / "source"
    target = work / "autograder" / "submission" / "submission.ipynb"
    target.parent.mkdir(parents=True)
    shutil.move(copy, target)
    sandbox.extract_autograder(autograder, src)
    inside = sandbox.INSIDE / "autograder"
    read_only = [(src, inside / "source")]
    if (src / "tests").is_dir():
        read_only.append((src / "tests", inside / "submission" / "tests"))
    cmd = sandbox.bwrap_command(
        [sys.executable, "-m", "tools.sandbox", "drive", str(sandbox.INSIDE)],
        work,
        hidden=hidden,
        visible=sandbox.default_visible(),
        read_only=read_only,
        bwrap=sandbox.bwrap_path(),
    )
    code = sandbox.run_sandboxed(cmd, log, timeout)
    tampered = None
    patched = work / "autograder" / "results" / "patched.json"
    if patched.is_file():
        try:
            names = json.loads(patched.read_text(encoding="utf-8")[:10_000])
        except ValueError:
            names = ["?"]
        shown = ", ".join(str(n) for n in names[:5]) if isinstance(names, list) else "?"
        tampered = f"error: the submission replaced functions the tests use ({shown})"
    if (src / "tests").is_dir() and sandbox.folder_digest(src / "tests") != sandbox.tests_digest(autograder):
        tampered = "error: the autograder's tests were modified during the run"
    return code, work / "autograder" / "results" / "results.json", tampered


def grade_notebook(
    submission: Path,
    autograder: Path,
    out_dir: Path,
    *,
    timeout: float = 600,
    questions: dict[str, float] | None = None,
    assignment: str = "",
    student: str | None = None,
    force_assignment: bool = False,
    sandbox_hidden: Sequence[Path] | None = None,
) -> SubmissionResult:
    """Grade one notebook with otter, with a time limit that stops every process it started.

    Never raises for a bad submission: a timeout, a crash or unreadable results become the
    result's status. Results that do not match ``questions`` (other questions, other maximum
    points, a score above its maximum) are an error, never a grade.

    Args:
        autograder: the assignment's autograder zip.
        out_dir: where the full output goes (``results.json``, and ``otter.log``): for the
            instructor only, as it quotes hidden tests.
        questions: question -> points; questions that the run did not report (a timeout, a
            crash) are listed with 0 points out of these, and the results are checked
            against them.
        student: the student's identifier (default: the file name without its extension).
        force_assignment: grade against ``assignment`` even if the notebook names no
            assignment or another one.
        sandbox_hidden: run inside bubblewrap (:mod:`tools.sandbox`), with these folders
            hidden besides :func:`tools.sandbox.default_hidden`'s; None runs ``otter run``
            directly, as the grader's own user, next to everything (trusted notebooks only).

    Raises:
        tools.sandbox.SandboxError: a sandbox was asked for and ``bwrap`` is missing.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    result_file = out_dir / "results.json"
    result_file.unlink(missing_ok=True)
    log = out_dir / "otter.log"
    result = SubmissionResult(student or submission.stem, assignment, "ok")
    tampered = None
    produced = out_dir / "results.json"
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp_name:
        tmp = Path(tmp_name)
        copy = stamped_copy(
            submission, tmp / f"{submission.stem}.ipynb", assignment if force_assignment else None
        )
        if sandbox_hidden is None:
            cmd = [*otter_command(), "run", "-a", str(autograder), "-o", str(out_dir), "--no-logo", str(copy)]
            code = sandbox.run_sandboxed(cmd, log, timeout)
        else:
            try:
                code, produced, tampered = _sandboxed_run(
                    copy, autograder, tmp, log, timeout, sandbox.default_hidden(*sandbox_hidden)
                )
            except ValueError as exc:
                result.status = f"error: {exc}"
                code = -1
            if code == 0 and produced.is_file():
                shutil.copyfile(produced, result_file)
    if code is None:
        result.status = f"timeout after {timeout:.0f} s"
    elif tampered:
        result.status = tampered
    elif code != 0 or not result_file.exists():
        if result.status == "ok":
            result.status = f"error: otter run exited with {code}; see {log}"
    else:
        try:
            result.questions = parse_results(json.loads(result_file.read_text(encoding="utf-8")))
        except ValueError as exc:
            result.status = f"error: unreadable {result_file}: {exc}"
        problem = check_results(result.questions, questions) if questions is not None else None
        if problem and result.status == "ok":
            result.status = f"{RESULTS_MISMATCH}: {problem}"
            result.questions = {}
    for name, possible in (questions or {}).items():
        result.questions.setdefault(name, QuestionResult(0.0, float(possible)))
    result.questions = dict(sorted(result.questions.items()))
    return result
