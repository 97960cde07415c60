"""Regenerate the course's architecture diagrams, ``chapters/figures/*.svg``, from
:mod:`rnnlib.viz.diagrams`.

Usage, from the repository root::

    .venv/bin/python -m tools.draw_diagrams [--out chapters/figures] [--check]

Without ``--check`` the three SVG files are (re)written. With ``--check`` nothing is written:
the diagrams are drawn afresh and compared byte for byte with the files, and the exit status
is 1 when one is missing or differs (the drawing code changed without ``python -m
tools.draw_diagrams`` being run). The bytes depend on matplotlib's version, which each SVG names
in its metadata (``Matplotlib v3.x.y``): a difference under another version is reported as
such. A diagram whose labels overlap (:func:`rnnlib.viz.diagrams.layout_problems`) is
never written: the exit status is then 1 too. (Exit statuses: see :mod:`tools`; 2 for a bad
option.)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from rnnlib.core.files import atomic_write_bytes
from rnnlib.viz.diagrams import draw_gru_cell, draw_textnet, draw_unrolled_rnn, layout_problems, svg_bytes
from tools import EXIT_FAILED, EXIT_OK

#: Where the chapters find the diagrams (``../figures/<name>`` from a chapter's notebook).
DEFAULT_OUT = Path("chapters/figures")
#: Each committed file and the function that draws it.
DIAGRAMS: dict[str, Callable[[], Figure]] = {
    "unrolled_rnn.svg": draw_unrolled_rnn,
    "textnet.svg": draw_textnet,
    "gru_cell.svg": draw_gru_cell,
}
_CREATOR = re.compile(rb"Matplotlib v([0-9][^,<\s]*)")


def drawn_with(svg: bytes) -> str | None:
    """The matplotlib version named in an SVG's metadata (``None`` when it names none)."""
    found = _CREATOR.search(svg)
    return found.group(1).decode("ascii") if found else None


def render(diagrams: dict[str, Callable[[], Figure]] | None = None) -> dict[str, bytes]:
    """Draw every diagram and return its SVG bytes by file name.

    Raises:
        ValueError: a diagram has a layout problem (overlapping labels, text past an edge);
            the message lists them.
    """
    rendered: dict[str, bytes] = {}
    problems: list[str] = []
    for name, draw in (DIAGRAMS if diagrams is None else diagrams).items():
        fig = draw()
        problems.extend(f"{name}: {problem}" for problem in layout_problems(fig))
        rendered[name] = svg_bytes(fig)
    if problems:
        raise ValueError("Fix the drawing in rnnlib/viz/diagrams.py first:\n  " + "\n  ".join(problems))
    return rendered


def differences(folder: Path, rendered: dict[str, bytes]) -> list[str]:
    """One sentence per file of ``rendered`` that is missing from ``folder`` or differs there."""
    found = []
    here = matplotlib.__version__
    for name, data in rendered.items():
        path = folder / name
        if not path.is_file():
            found.append(f"{path}: missing")
            continue
        committed = path.read_bytes()
        if committed == data:
            continue
        version = drawn_with(committed)
        why = f" (drawn with matplotlib {version}, this is {here})" if version not in (None, here) else ""
        found.append(f"{path}: differs from a fresh drawing{why}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.draw_diagrams", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the SVG files")
    parser.add_argument("--check", action="store_true", help="compare with the files; write nothing")
    args = parser.parse_args(argv)
    try:
        rendered = render()
    except ValueError as exc:
        print(f"draw_diagrams: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.check:
        stale = differences(args.out, rendered)
        for line in stale:
            print(line)
        if stale:
            print("Run `python -m tools.draw_diagrams` and commit the SVG files.")
            return EXIT_FAILED
        print(f"{len(rendered)} diagram(s) in {args.out} are current.")
        return EXIT_OK
    for name, data in rendered.items():
        print(atomic_write_bytes(args.out / name, data))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
