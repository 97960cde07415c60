"""The notebooks :mod:`tools.colab_check` runs, and running one as Colab would.

- the chapter notebooks as they are in this checkout (every notebook of ``_toc.yml`` under
  ``chapters/``);
- the student version of every chapter's exercises, built as ``make assignments`` builds it
  (``otter assign`` in the grading environment, then the public-tests cell of
  :func:`tools.assignments.embed_public_tests`), with every answer filled from the reference
  solutions (:func:`fill_answers`, as ``tests/grading`` makes a perfect submission).

:func:`run_notebook` executes one top to bottom in a fresh kernel (nbclient) with a time limit
for the whole notebook; :func:`install_errors` finds the pip errors that IPython's ``%pip``
prints without raising, and :func:`failed_checks` the ``grader.check`` cells that did not pass.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from tools.assignments import embed_public_tests, masters
from tools.book import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
_CHECK = re.compile(r'grader\.check\("(q\w+)"\)')
_PIP = re.compile(r"^\s*[%!]\s*pip\s+install\b|\bpip\s+install\b", re.M)


@dataclass(frozen=True)
class Job:
    """One notebook to run: its label, the notebook, and whether it is a solved exercise."""

    label: str
    notebook: nbformat.NotebookNode
    exercise: bool = False


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    """The chapters' notebooks in the book's order."""
    chapters = (root / "chapters").resolve()
    return [p for p in toc_notebooks(root / "_toc.yml") if chapters in p.resolve().parents]


def fill_answers(student: nbformat.NotebookNode, solved: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook with each code cell's source taken, in order, from the solved
    (autograder) notebook; the public-tests cell, which only the student version has, is kept.

    Raises:
        ValueError: the two do not have the same number of code cells.
    """
    ours = [
        c
        for c in student.cells
        if c.cell_type == "code" and "otter_public_tests" not in c.metadata.get("tags", [])
    ]
    theirs = [c for c in solved.cells if c.cell_type == "code"]
    if len(ours) != len(theirs):
        raise ValueError(f"the student notebook has {len(ours)} code cells, the solutions {len(theirs)}")
    for cell, answer in zip(ours, theirs, strict=True):
        cell.source = answer.source
    return student


def build_exercise(master: Path, out: Path, otter: Path, timeout: float = 300) -> nbformat.NotebookNode:
    """``otter assign`` ``master`` into ``out``, add the public-tests cell and fill in the answers.
    (``--no-run-tests``: ``make assignments`` already grades the reference solutions.)

    Raises:
        RuntimeError: ``otter assign`` fails or runs past ``timeout`` seconds.
    """
    try:
        subprocess.run(
            [str(otter), "assign", "--no-run-tests", str(master), str(out)], capture_output=True, text=True,
            timeout=timeout, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        raise RuntimeError(f"otter assign {master.name} failed: {exc} {detail[-2000:]}") from exc
    student_path = out / "student" / master.name
    embed_public_tests(student_path)
    student = nbformat.read(student_path, as_version=4)
    solved = nbformat.read(out / "autograder" / master.name, as_version=4)
    return fill_answers(student, solved)


def exercise_masters(root: Path = ROOT) -> list[Path]:
    return masters(root / "exercises")


def retarget(nb: nbformat.NotebookNode, old: str, new: str) -> int:
    """Replace the commit ``old`` by ``new`` in every code cell (the planted release); the count."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and old in cell.source:
            count += cell.source.count(old)
            cell.source = cell.source.replace(old, new)
    return count


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _text(output: Any) -> str:
    """An output's text, without terminal colours (pip prints ``ERROR:`` in red)."""
    if output.get("output_type") == "stream":
        return _ANSI.sub("", str(output.get("text", "")))
    if output.get("output_type") == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    data = output.get("data", {})
    return str(data.get("text/plain", ""))


def _short(line: str, most: int = 300) -> str:
    return line if len(line) <= most else line[: most - 1] + "…"


def install_errors(nb: nbformat.NotebookNode) -> list[str]:
    """The ``ERROR:`` lines pip printed in the cells that run ``pip install`` (IPython's ``%pip``
    prints a failed install and goes on: nothing raises), and the requirements pip said clash."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code" and _PIP.search(cell.source):
            text = "".join(_text(output) for output in cell.get("outputs", []))
            found += [_short(ln.strip()) for ln in text.splitlines() if ln.lstrip().startswith("ERROR:")]
            cause = re.search(r"The conflict is caused by:\n((?:[ \t]+\S.*\n?)+)", text)
            if cause:  # which requirements clash, on the lines after the error
                found.append("conflict: " + "; ".join(ln.strip() for ln in cause.group(1).splitlines()))
    return found


def install_seconds(nb: nbformat.NotebookNode) -> float | None:
    """Wall time of the first cell that runs ``pip install`` (nbclient's timing metadata)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and _PIP.search(cell.source):
            timing = cell.metadata.get("execution", {})
            start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
            if start and end:
                return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return None


def failed_checks(nb: nbformat.NotebookNode) -> list[str]:
    """``grader.check("qN")`` cells whose output does not say the checks passed: ``"qN: <output>"``."""
    failed = []
    for cell in nb.cells:
        match = _CHECK.fullmatch(cell.source.strip()) if cell.cell_type == "code" else None
        if match:
            text = " ".join(_text(o) for o in cell.get("outputs", [])).strip()
            if "passed" not in text or "failed" in text.lower():
                failed.append(f"{match.group(1)}: {text[:300] or '(no output)'}")
    return failed


def error_cell(nb: nbformat.NotebookNode) -> str:
    """Where a notebook stopped: ``cell N (first line): Name: message`` for its first error output."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")[:80]
                return f"cell {index} ({first!r}): {output.get('ename')}: {str(output.get('evalue'))[:500]}"
    return "no cell reported an error"


def running_cell(nb: nbformat.NotebookNode) -> str:
    """The cell that started and never finished (nbclient's timing): ``cell N (first line)``."""
    for index, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {}) if cell.cell_type == "code" else {}
        if "iopub.execute_input" in timing and "shell.execute_reply" not in timing:
            first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")[:80]
            return f"cell {index} ({first!r})"
    return "an unknown cell"


@dataclass
class Run:
    """How one notebook's run ended."""

    ok: bool
    seconds: float
    error: str = ""


def run_notebook(
    nb: nbformat.NotebookNode, workdir: Path, kernels: Path, kernel: str, env: dict[str, str], timeout: float
) -> Run:
    """Execute ``nb`` in place, in ``workdir``, with the kernel ``kernel`` of the spec folder
    ``kernels`` (``<dir>/kernels``) and the environment ``env``; the whole notebook may take
    ``timeout`` seconds (then the kernel's process group is killed). nbclient starts the kernel and
    shuts it down; ``JUPYTER_PATH`` names ``<dir>`` while it looks the kernel up."""
    client = NotebookClient(
        nb, kernel_name=kernel, timeout=int(timeout), record_timing=True, startup_timeout=120,
        resources={"metadata": {"path": str(workdir)}},
    )  # fmt: skip
    killed: list[bool] = []
    watchdog = threading.Timer(timeout, lambda: killed.append(_kill(getattr(client, "km", None))))
    saved = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(kernels.parent), *([saved] if saved else [])])
    start = time.perf_counter()
    watchdog.start()
    try:
        client.execute(env=env)
    except CellExecutionError:
        return Run(False, time.perf_counter() - start, error_cell(nb))
    except (CellTimeoutError, DeadKernelError) as exc:
        if killed or isinstance(exc, CellTimeoutError):  # the watchdog or nbclient's own cell limit
            return Run(
                False,
                time.perf_counter() - start,
                f"ran past the limit of {timeout:g} s in {running_cell(nb)}",
            )
        return Run(False, time.perf_counter() - start, f"{type(exc).__name__}: {str(exc)[:300]}")
    except (RuntimeError, OSError, TimeoutError) as exc:
        return Run(False, time.perf_counter() - start, f"{type(exc).__name__}: {str(exc)[:500]}")
    finally:
        watchdog.cancel()
        if saved is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = saved
    return Run(True, time.perf_counter() - start)


def _kill(km: Any) -> bool:
    """Kill the kernel and everything it started (it leads a process group of its own)."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    pid = getattr(process, "pid", None)
    if pid is not None:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return True
