"""Execute course notebooks top to bottom in a fresh kernel and save their outputs.

``make full`` runs this at full scale (``RNNLIB_FAST`` unset) to produce the outputs
that the book shows. Each notebook runs in its own directory with a fresh
``python3`` kernel; progress widgets are switched off (``RNNLIB_PROGRESS=0``) so
that pages show the per-epoch log instead of a widget a static site cannot
display. Noisy metadata (execution timestamps, widget state) is stripped.

Usage: python tools/run_notebooks.py [NOTEBOOK ...] [--timeout SECONDS]
(default: every notebook listed in _toc.yml).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

from rnnlib.core.runtime import fast_mode

ROOT = Path(__file__).resolve().parents[1]


def toc_notebooks(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """Every notebook that _toc.yml lists, in order."""
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def strip_noise(nb: nbformat.NotebookNode) -> None:
    """Remove metadata that changes on every run and means nothing to a reader."""
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if "application/vnd.jupyter.widget-view+json" not in o.get("data", {})
            ]
            cell.outputs = merge_streams(cell.outputs)


def merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same stream (one block per cell, not per line)."""
    merged: list = []
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
    """Execute one notebook in place; return the wall time in seconds."""
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
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    args = parser.parse_args(argv)
    os.environ.setdefault("RNNLIB_PROGRESS", "0")
    notebooks = args.notebooks or toc_notebooks()
    if not notebooks:
        print("no notebook to run", file=sys.stderr)
        return 1
    mode = "fast" if fast_mode() else "full"
    for path in notebooks:
        print(f"running {path} ({mode} mode) ...", flush=True)
        print(f"  done in {run(path.resolve(), args.timeout):.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
