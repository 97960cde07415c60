"""Grade a folder of submitted exercise notebooks with otter, one sandbox each (``make grade``).

Usage: python -m tools.grade SUBMISSIONS [--assignments _build/assignments]
                             [--out _build/grades] [--timeout 600] [--jobs 1]
                             [--assignment NAME] [--no-sandbox]

Every file in SUBMISSIONS gets rows in the grade book (one ``.ipynb`` per student; the file
name, without ``.ipynb``, is the student's identifier). A notebook is graded by otter against
the autograder of its assignment (``--assignment NAME``, else the notebook's
``otter.assignment_name`` metadata, else the only built assignment), inside a bubblewrap
sandbox of its own (:mod:`tools.sandbox`: another user, no network, nothing writable but a
copy of the submission, the hidden tests of every other assignment and every other student
out of sight, the whole process tree killed at the time limit). ``--no-sandbox`` runs otter
as your own user instead, with a warning. A submission that loops forever, raises, is not a
notebook, or whose results do not match its assignment (other questions, other maximum
points, a score above its maximum) gets 0 points on what it did not earn and an error
status; it never stops the batch. Code that reaches for the grader, the tests, other files
or processes, or patches a library, is flagged for review (:func:`tools.review.review_reasons`).

Writes to the output folder: ``grades.csv`` (student, assignment, question, points, total,
status), ``summary.md`` (points per question, assignment, status, review), and
``runs/<student>/report.json`` (points per question and the status: safe to hand back); the
full otter output, which quotes hidden tests, goes to ``instructor/<student>/`` (never hand
it out). ``--jobs N`` grades N submissions at a time; each time limit is wall-clock, so keep
N at or below the number of cores.

Exit status (the convention of every tool, see :mod:`tools`): 0 when every submission was
graded (whatever its points), 1 when grading failed on the way (the grade book could not be
written), 2 when grading could not start: a bad option, no built assignment, no submission, or
no ``bwrap`` (install bubblewrap or pass --no-sandbox).

Runs in the grading environment (``.venv-grade``, see requirements-grading.txt).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from tools.otter_common import (
    OtterError,
    QuestionResult,
    SubmissionResult,
    assignment_of,
    autograder_zip,
    find_assignments,
    grade_notebook,
    read_questions,
)
from tools.review import review_reasons, student_cells
from tools.sandbox import SandboxError, bwrap_path

ROOT = Path(__file__).resolve().parents[1]
CSV_HEADER = ["student", "assignment", "question", "points", "total", "status"]
NO_SANDBOX_WARNING = (
    "WARNING: grading WITHOUT a sandbox (--no-sandbox): each submission runs as your own user, "
    "next to everything; it can read the hidden tests, set its own grade and touch other files. "
    "Use it only for notebooks you trust."
)

# --------------------------------------------------------------------------------------------
# A folder of submissions


def student_of(submission: Path) -> str:
    """The student's identifier: the submitted file's name without ``.ipynb`` (any other
    file keeps its whole name, so that it cannot be taken for someone's notebook)."""
    return submission.stem if submission.suffix == ".ipynb" else submission.name


def read_notebook(path: Path) -> tuple[Any, str | None]:
    """(the notebook as JSON, None), or (None, why it is not a notebook that can be graded)."""
    if path.suffix != ".ipynb":
        return None, f"not a notebook ({path.suffix or 'no extension'}): hand in the .ipynb file"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable file ({exc.__class__.__name__})"
    if not text.strip():
        return None, "empty file"
    try:
        data = json.loads(text)
    except ValueError:
        return None, "not a notebook (not JSON)"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "not a notebook (no cells)"
    return data, None


def pick_assignment(notebook: Path, built: dict[str, Path], forced: str | None = None) -> str | None:
    """The assignment ``notebook`` is graded against: ``forced`` when given, else its
    ``otter.assignment_name``, or the only built assignment when the notebook names none
    (unreadable, metadata stripped), so that it is graded (zero) rather than skipped. None
    when it names an unknown one, or none among several."""
    if forced is not None:
        return forced
    name = assignment_of(notebook)
    if name is None and len(built) == 1:
        return next(iter(built))
    return name if name in built else None


def safe_report(result: SubmissionResult) -> dict[str, Any]:
    """What may go back to the student: the status and the points per question, nothing of
    otter's output (which quotes hidden tests and their failing assertions)."""
    status = result.status if result.status == "ok" or result.status.startswith("timeout") else "error"
    return {
        "student": result.student,
        "assignment": result.assignment,
        "status": status,
        "points": result.points,
        "possible": result.possible,
        "questions": {q: {"points": r.points, "possible": r.possible} for q, r in result.questions.items()},
    }


@dataclass(frozen=True)
class GradingPlan:
    """One grading run, checked by :func:`plan_grading` before anything is graded: the
    submitted files (sorted by name) and the built assignments by name, with the options."""

    submissions: Path
    assignments: Path
    files: list[Path]
    built: dict[str, Path]
    timeout: float
    jobs: int = 1
    assignment: str | None = None
    sandbox: bool = True


def plan_grading(
    submissions: Path,
    assignments: Path,
    timeout: float,
    *,
    jobs: int = 1,
    assignment: str | None = None,
    sandbox: bool = True,
) -> GradingPlan:
    """Check what a grading run needs, grading nothing: the options, the built assignments,
    at least one submitted file and, with ``sandbox``, ``bwrap``.

    Raises:
        FileNotFoundError: no built assignment under ``assignments``, or no submission.
        ValueError: ``jobs`` is below 1, ``timeout`` is not positive, or ``assignment`` is
            not built.
        tools.sandbox.SandboxError: ``sandbox`` and ``bwrap`` is missing.
    """
    if jobs < 1:
        raise ValueError(f"--jobs {jobs}: grade at least one submission at a time")
    if timeout <= 0:
        raise ValueError(f"--timeout {timeout:g}: the time limit must be positive")
    built = find_assignments(assignments)
    if not built:
        raise FileNotFoundError(f"no built assignment under {assignments}: run `make assignments` first")
    if assignment is not None and assignment not in built:
        raise ValueError(f"--assignment {assignment!r} is not built; built: {sorted(built)}")
    files = sorted(p for p in submissions.iterdir() if p.is_file()) if submissions.is_dir() else []
    if not files:
        raise FileNotFoundError(f"no submission in {submissions}")
    if sandbox:
        bwrap_path()
    return GradingPlan(submissions, assignments, files, built, timeout, jobs, assignment, sandbox)


def grade_folder(
    submissions: Path,
    assignments: Path,
    out: Path,
    timeout: float,
    *,
    jobs: int = 1,
    assignment: str | None = None,
    sandbox: bool = True,
) -> list[SubmissionResult]:
    """Grade every file in ``submissions``, ``jobs`` at a time, each in a sandbox of its own
    (:mod:`tools.sandbox`) unless ``sandbox`` is False; write grades.csv, summary.md, a
    student-safe ``runs/<student>/report.json`` and the full otter output (instructor only)
    under ``instructor/<student>/`` to ``out``. Every file gets a result, in the order of the
    file names: what cannot be graded (not a notebook, an unknown assignment) gets 0 points
    and an error status. :func:`plan_grading`, then :func:`grade_plan`.

    Args:
        assignment: grade every file against this assignment, whatever its metadata says.

    Raises:
        FileNotFoundError: no built assignment under ``assignments``, or no submission.
        ValueError: ``jobs`` is below 1, ``timeout`` is not positive, or ``assignment`` is
            not built.
        tools.sandbox.SandboxError: ``sandbox`` and ``bwrap`` is missing.
    """
    plan = plan_grading(submissions, assignments, timeout, jobs=jobs, assignment=assignment, sandbox=sandbox)
    return grade_plan(plan, out)


def grade_plan(plan: GradingPlan, out: Path) -> list[SubmissionResult]:
    """Grade the files of a checked ``plan`` and write the reports to ``out`` (see
    :func:`grade_folder`). A submission's failure is its status; an error raised here (the
    reports could not be written) stops the run."""
    built, files, timeout, jobs = plan.built, plan.files, plan.timeout, plan.jobs
    assignment, sandbox = plan.assignment, plan.sandbox
    if not sandbox:
        print(NO_SANDBOX_WARNING, file=sys.stderr, flush=True)
    hidden = [plan.submissions.resolve(), out.resolve(), plan.assignments.resolve()]
    # runs/ is what may go back to students: nothing from an earlier run (or an older version
    # of this tool, which kept otter's log there) may stay in it.
    shutil.rmtree(out / "runs", ignore_errors=True)

    def grade_one(path: Path) -> SubmissionResult:
        res = grade_file(path)
        report = out / "runs" / res.student / "report.json"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(safe_report(res), indent=2) + "\n", encoding="utf-8")
        flag = f"; review: {', '.join(res.review)}" if res.review else ""
        print(f"{path.name}: {res.points:g}/{res.possible:g} ({res.status}){flag}", flush=True)
        return res

    def grade_file(path: Path) -> SubmissionResult:
        student = student_of(path)
        name = pick_assignment(path, built, assignment)
        data, problem = read_notebook(path)
        if name is None:
            named = assignment_of(path)
            why = problem or (
                f"unknown assignment {named!r}"
                if named
                else f"names no assignment: pass --assignment (one of {sorted(built)})"
            )
            print(f"{path.name}: {why}", flush=True)
            return SubmissionResult(student, str(named or "-"), f"error: {why}")
        chapter = built[name]
        questions = read_questions(chapter)
        if problem is not None:
            res = SubmissionResult(
                student, name, f"error: {problem}", {q: QuestionResult(0.0, p) for q, p in questions.items()}
            )
        else:
            res = grade_notebook(
                path.resolve(),
                autograder_zip(chapter),
                out / "instructor" / student,
                timeout=timeout,
                questions=questions,
                assignment=name,
                student=student,
                force_assignment=True,
                sandbox_hidden=hidden if sandbox else None,
            )
            distributed = next(iter(sorted((chapter / "student").glob("*.ipynb"))), None)
            res.review = review_reasons(student_cells(data, distributed))
        return res

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each grading is a process of its own
        results = list(pool.map(grade_one, files))
    write_reports(results, out)
    return results


def csv_rows(results: list[SubmissionResult]) -> list[list[str]]:
    """grades.csv's rows: a header, then one row per student and question (a submission that
    could not be matched to an assignment gets one row, question ``-``, 0 points)."""
    rows = [list(CSV_HEADER)]
    for r in results:
        for q, qr in r.questions.items():
            rows.append([r.student, r.assignment, q, f"{qr.points:g}", f"{qr.possible:g}", r.status])
        if not r.questions:
            rows.append([r.student, r.assignment, "-", "0", "0", r.status])
    return rows


def summary_lines(results: list[SubmissionResult]) -> list[str]:
    """summary.md: a table with one row per student and one column per question, the
    assignment, and the reasons to review a submission's code."""
    questions = sorted({q for r in results for q in r.questions})
    lines = [
        "# Grades",
        "",
        "| student | assignment | " + " | ".join(questions) + " | total | status | review |",
        "|---" * (len(questions) + 5) + "|",
    ]
    for r in results:
        cells = [
            f"{r.questions[q].points:g}/{r.questions[q].possible:g}" if q in r.questions else "-"
            for q in questions
        ]
        review = "; ".join(r.review).replace("|", "\\|")
        lines.append(
            f"| {r.student} | {r.assignment} | "
            + " | ".join(cells)
            + f" | {r.points:g}/{r.possible:g} | {r.status.replace('|', '/')} | {review} |"
        )
    flagged = sum(1 for r in results if r.review)
    lines += [
        "",
        f"{len(results)} submissions graded; {flagged} flagged for review (read their code: the "
        "review column says what it reaches for). Questions marked `manual: true` in the master "
        "notebook (written answers) are not auto-graded: grade them by hand.",
    ]
    return lines


def write_reports(results: list[SubmissionResult], out: Path) -> None:
    """grades.csv (one row per student and question) and summary.md."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(csv_rows(results))
    (out / "summary.md").write_text("\n".join(summary_lines(results)) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.grade",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--assignments", type=Path, default=ROOT / "_build" / "assignments")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "grades")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per notebook (default 600)")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at a time (default 1)")
    parser.add_argument("--assignment", help="grade every file against this assignment (name)")
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run otter without bubblewrap, as your own user (trusted notebooks only)",
    )
    args = parser.parse_args(argv)
    try:
        plan = plan_grading(
            args.submissions,
            args.assignments,
            args.timeout,
            jobs=args.jobs,
            assignment=args.assignment,
            sandbox=not args.no_sandbox,
        )
    except (OSError, ValueError, SandboxError) as exc:
        print(f"grade: cannot start: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        results = grade_plan(plan, args.out)
    except (OSError, ValueError, OtterError, SandboxError) as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {args.out / 'grades.csv'} and {args.out / 'summary.md'} ({len(results)} submissions)")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
