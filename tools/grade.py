"""Grade a folder of submitted exercise notebooks with ``otter run`` (``make grade``).

Usage: python -m tools.grade SUBMISSIONS [--assignments _build/assignments]
                             [--out _build/grades] [--timeout 600] [--jobs 1]

Each ``*.ipynb`` in SUBMISSIONS (one per student; the file name, without ``.ipynb``,
is the student's identifier) is graded by ``otter run`` against the autograder of its
assignment (found from the notebook's ``otter.assignment_name`` metadata), without
Docker, in a process of its own with a time limit. A submission that loops forever,
raises, or is not a notebook is stopped and graded zero where it earned nothing; it
never stops the batch. Writes ``grades.csv`` (student, assignment, question, points,
total, status) and a readable ``summary.md`` to the output folder. ``--jobs N`` grades N
submissions at a time; each time limit is wall-clock, so keep N at or below the number of
cores. Exit status: 0 when every submission was graded, 1 when grading could not start.

Runs in the grading environment (``.venv-grade``, see requirements-grading.txt).
"""

from __future__ import annotations

import argparse
import csv
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.otter_common import (
    OtterError,
    SubmissionResult,
    assignment_of,
    autograder_zip,
    find_assignments,
    grade_notebook,
    read_questions,
)

ROOT = Path(__file__).resolve().parents[1]
CSV_HEADER = ["student", "assignment", "question", "points", "total", "status"]


def student_of(notebook: Path) -> str:
    """The student's identifier: the submitted file's name without ``.ipynb``."""
    return notebook.stem


def pick_assignment(notebook: Path, built: dict[str, Path]) -> str | None:
    """The assignment ``notebook`` is graded against: its ``otter.assignment_name``, or the
    only built assignment when the notebook names none (unreadable, metadata stripped), so
    that it is graded (zero) rather than skipped. None when it names an unknown one."""
    name = assignment_of(notebook)
    if name is None and len(built) == 1:
        return next(iter(built))
    return name if name in built else None


def grade_folder(
    submissions: Path, assignments: Path, out: Path, timeout: float, *, jobs: int = 1
) -> list[SubmissionResult]:
    """Grade every notebook in ``submissions``, ``jobs`` at a time; write grades.csv and
    summary.md to ``out``. Results come in the order of the file names.

    Raises:
        FileNotFoundError: no built assignment under ``assignments``, or no submission.
        ValueError: ``jobs`` is below 1 or ``timeout`` is not positive.
    """
    if jobs < 1:
        raise ValueError(f"--jobs {jobs}: grade at least one submission at a time")
    if timeout <= 0:
        raise ValueError(f"--timeout {timeout:g}: the time limit must be positive")
    built = find_assignments(assignments)
    if not built:
        raise FileNotFoundError(f"no built assignment under {assignments}: run `make assignments` first")
    notebooks = sorted(submissions.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no .ipynb submission in {submissions}")

    def grade_one(nb: Path) -> SubmissionResult:
        name = pick_assignment(nb, built)
        if name is None:
            named = assignment_of(nb)
            print(f"{nb.name}: unknown assignment {named!r}; known: {sorted(built)}", flush=True)
            return SubmissionResult(student_of(nb), str(named), f"error: unknown assignment {named!r}")
        chapter = built[name]
        res = grade_notebook(
            nb.resolve(),
            autograder_zip(chapter),
            out / "runs" / student_of(nb),
            timeout=timeout,
            questions=read_questions(chapter),
            assignment=name,
        )
        print(f"{nb.name}: {res.points:g}/{res.possible:g} ({res.status})", flush=True)
        return res

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each grading is a process of its own
        results = list(pool.map(grade_one, notebooks))
    write_reports(results, out)
    return results


def csv_rows(results: list[SubmissionResult]) -> list[list[str]]:
    """grades.csv's rows: a header, then one row per student and question."""
    rows = [list(CSV_HEADER)]
    for r in results:
        for q, qr in r.questions.items():
            rows.append([r.student, r.assignment, q, f"{qr.points:g}", f"{qr.possible:g}", r.status])
    return rows


def summary_lines(results: list[SubmissionResult]) -> list[str]:
    """summary.md: a table with one row per student and one column per question."""
    questions = sorted({q for r in results for q in r.questions})
    lines = [
        "# Grades",
        "",
        "| student | " + " | ".join(questions) + " | total | status |",
        "|---" * (len(questions) + 3) + "|",
    ]
    for r in results:
        cells = [
            f"{r.questions[q].points:g}/{r.questions[q].possible:g}" if q in r.questions else "-"
            for q in questions
        ]
        lines.append(
            f"| {r.student} | " + " | ".join(cells) + f" | {r.points:g}/{r.possible:g} | {r.status} |"
        )
    lines += [
        "",
        f"{len(results)} submissions graded. Questions marked `manual: true` in the master "
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
    args = parser.parse_args(argv)
    try:
        results = grade_folder(args.submissions, args.assignments, args.out, args.timeout, jobs=args.jobs)
    except (OSError, ValueError, OtterError) as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out / 'grades.csv'} and {args.out / 'summary.md'} ({len(results)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
