"""Execute course notebooks top to bottom in a fresh kernel and save their outputs.

``make full`` runs this at full scale (``RNNLIB_FAST`` unset) to produce the outputs
that the book shows. Each notebook runs in its own directory with a fresh
``python3`` kernel; progress widgets are switched off (``RNNLIB_PROGRESS=0``) so
that pages show the per-epoch log instead of a widget a static site cannot
display. Noisy metadata (execution timestamps, widget state) is stripped.

Usage: python -m tools.run_notebooks [NOTEBOOK ...] [--timeout SECONDS]
(default: every notebook listed in _toc.yml). Exit status (see :mod:`tools`): 0 when every
notebook ran, 1 when one failed (its outputs are not saved), 2 when nothing could run (a bad
option, no such notebook, a bad ``_toc.yml``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from rnnlib.core.runtime import fast_mode
from tools import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from tools.book import TocError, toc_notebooks

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_noise(nb: nbformat.NotebookNode) -> None:
    """Remove metadata that changes on every run and means nothing to a reader."""
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]
            cell.outputs = merge_streams(cell.outputs)


def merge_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive stream outputs of the same stream (one block per cell, not per line)."""
    merged: list[Any] = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == out.get("name")
        ):
            last["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def run(path: Path, timeout: int) -> float:
    """Execute one notebook in place; return the wall time in seconds.

    Raises:
        CellExecutionError, CellTimeoutError, DeadKernelError: a cell failed, ran past
            ``timeout`` or killed the kernel; the notebook file is left as it was.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    strip_noise(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.run_notebooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error(f"--timeout {args.timeout}: the time limit must be positive")
    os.environ.setdefault("RNNLIB_PROGRESS", "0")
    try:
        mode = "fast" if fast_mode() else "full"
        notebooks = args.notebooks or toc_notebooks()
        missing = [str(p) for p in notebooks if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"no such notebook: {', '.join(missing)}")
    except (OSError, ValueError, TocError) as exc:
        print(f"run_notebooks: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if not notebooks:
        print("run_notebooks: no notebook to run", file=sys.stderr)
        return EXIT_CANNOT_RUN
    for path in notebooks:
        print(f"running {path} ({mode} mode) ...", flush=True)
        try:
            seconds = run(path.resolve(), args.timeout)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            print(f"run_notebooks: {path} failed; its outputs were not saved:\n{exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"  done in {seconds:.0f} s", flush=True)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
