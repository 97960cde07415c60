"""Grade a folder of submitted exercise notebooks with ``otter run`` (``make grade``).

Usage: python tools/grade.py SUBMISSIONS [--assignments _build/assignments]
                             [--out _build/grades] [--timeout 600] [--jobs 1]

Each ``*.ipynb`` in SUBMISSIONS (one per student; the file name, without ``.ipynb``,
is the student's identifier) is graded by ``otter run`` against the autograder of its
assignment (found from the notebook's ``otter.assignment_name`` metadata), without
Docker, in a process of its own with a time limit. A submission that loops forever,
raises, or is not a notebook is stopped and graded zero where it earned nothing; it
never stops the batch. Writes ``grades.csv`` (student, assignment, question, points,
total, status) and a readable ``summary.md`` to the output folder. ``--jobs N`` grades N
submissions at a time; each time limit is wall-clock, so keep N at or below the number of
cores.

Runs in the grading environment (``.venv-grade``, see requirements-grading.txt).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    status: str  # "ok", "timeout" or "error: ..."
    questions: dict[str, QuestionResult] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions.values())

    @property
    def possible(self) -> float:
        return sum(q.possible for q in self.questions.values())


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def grade_notebook(
    submission: Path,
    autograder_zip: Path,
    out_dir: Path,
    *,
    timeout: float = 600,
    questions: dict[str, float] | None = None,
    assignment: str = "",
) -> SubmissionResult:
    """Run ``otter run`` on one notebook; never raises for a bad submission.

    Args:
        questions: question -> points; questions that the run did not report (a timeout, a
            crash) are listed with 0 points out of these.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    result_file = out_dir / "results.json"
    result_file.unlink(missing_ok=True)
    otter = Path(sys.executable).with_name("otter")
    cmd = [str(otter), "run", "-a", str(autograder_zip), "-o", str(out_dir), "--no-logo", str(submission)]
    result = SubmissionResult(submission.stem, assignment, "ok")
    with open(out_dir / "otter.log", "wb") as log:
        # A session of its own, so that a timeout also stops the notebook's kernel.
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            result.status = f"timeout after {timeout:.0f} s"
            code = None
    if code is not None and (code != 0 or not result_file.exists()):
        result.status = f"error: otter run exited with {code}; see {out_dir / 'otter.log'}"
    if result_file.exists() and code == 0:
        for test in json.loads(result_file.read_text())["tests"]:
            if "score" in test and test.get("name") != "Public Tests":
                result.questions[test["name"]] = QuestionResult(
                    float(test["score"]), float(test["max_score"])
                )
    for name, possible in (questions or {}).items():
        result.questions.setdefault(name, QuestionResult(0.0, float(possible)))
    result.questions = dict(sorted(result.questions.items()))
    return result


def assignment_of(notebook: Path) -> str | None:
    """The ``otter.assignment_name`` recorded in a notebook, or None if unreadable."""
    try:
        meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    return meta.get("otter", {}).get("assignment_name")


def find_assignments(root: Path) -> dict[str, Path]:
    """assignment name -> built chapter folder (from each autograder's otter_config.json)."""
    found = {}
    for config in sorted(root.glob("*/autograder/otter_config.json")):
        found[json.loads(config.read_text())["assignment_name"]] = config.parent.parent
    return found


def grade_folder(
    submissions: Path, assignments: Path, out: Path, timeout: float, *, jobs: int = 1
) -> list[SubmissionResult]:
    """Grade every notebook in ``submissions``, ``jobs`` at a time; write grades.csv and
    summary.md to ``out``. Results come in the order of the file names."""
    from assignments import autograder_zip  # same folder; imported late to avoid a cycle

    built = find_assignments(assignments)
    if not built:
        raise SystemExit(f"no built assignment under {assignments}: run `make assignments` first")
    notebooks = sorted(submissions.glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"no .ipynb submission in {submissions}")
    if jobs < 1:
        raise SystemExit(f"--jobs {jobs}: grade at least one submission at a time")

    def grade_one(nb: Path) -> SubmissionResult:
        name = assignment_of(nb)
        if name is None and len(built) == 1:
            name = next(iter(built))  # unreadable notebook: grade it (zero) against the only assignment
        if name not in built:
            print(f"{nb.name}: unknown assignment {name!r}; known: {sorted(built)}", flush=True)
            return SubmissionResult(nb.stem, str(name), f"error: unknown assignment {name!r}")
        chapter = built[name]
        questions = json.loads((chapter / "autograder" / "questions.json").read_text())
        res = grade_notebook(
            nb.resolve(),
            autograder_zip(chapter),
            out / "runs" / nb.stem,
            timeout=timeout,
            questions=questions,
            assignment=name,
        )
        print(f"{nb.name}: {res.points:g}/{res.possible:g} ({res.status})", flush=True)
        return res

    with ThreadPoolExecutor(max_workers=jobs) as pool:  # each grading is a process of its own
        results = list(pool.map(grade_one, notebooks))
    write_reports(results, out)
    return results


def write_reports(results: list[SubmissionResult], out: Path) -> None:
    """grades.csv (one row per student and question) and summary.md."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", "question", "points", "total", "status"])
        for r in results:
            for q, qr in r.questions.items():
                writer.writerow([r.student, r.assignment, q, f"{qr.points:g}", f"{qr.possible:g}", r.status])
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
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--assignments", type=Path, default=ROOT / "_build" / "assignments")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "grades")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per notebook (default 600)")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at a time (default 1)")
    args = parser.parse_args(argv)
    results = grade_folder(args.submissions, args.assignments, args.out, args.timeout, jobs=args.jobs)
    print(f"wrote {args.out / 'grades.csv'} and {args.out / 'summary.md'} ({len(results)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
