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
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def grade_notebook(
    submission: Path,
    autograder: Path,
    out_dir: Path,
    *,
    timeout: float = 600,
    questions: dict[str, float] | None = None,
    assignment: str = "",
) -> SubmissionResult:
    """Run ``otter run`` on one notebook, in a process group of its own with a time limit.

    Never raises for a bad submission: a timeout, a crash or unreadable results become the
    result's status. The student is the file name without ``.ipynb``.

    Args:
        autograder: the assignment's autograder zip.
        out_dir: where otter writes (``results.json``, and ``otter.log`` its output).
        questions: question -> points; questions that the run did not report (a timeout, a
            crash) are listed with 0 points out of these.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    result_file = out_dir / "results.json"
    result_file.unlink(missing_ok=True)
    cmd = [*otter_command(), "run", "-a", str(autograder), "-o", str(out_dir), "--no-logo", str(submission)]
    result = SubmissionResult(submission.stem, assignment, "ok")
    with open(out_dir / "otter.log", "wb") as log:
        # A session of its own, so that a timeout also stops the notebook's kernel.
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            result.status = f"timeout after {timeout:.0f} s"
            code = None
    if code is not None and (code != 0 or not result_file.exists()):
        result.status = f"error: otter run exited with {code}; see {out_dir / 'otter.log'}"
    if result_file.exists() and code == 0:
        try:
            result.questions = parse_results(json.loads(result_file.read_text(encoding="utf-8")))
        except ValueError as exc:
            result.status = f"error: unreadable {result_file}: {exc}"
    for name, possible in (questions or {}).items():
        result.questions.setdefault(name, QuestionResult(0.0, float(possible)))
    result.questions = dict(sorted(result.questions.items()))
    return result
