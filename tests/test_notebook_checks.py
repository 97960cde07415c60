"""nbval's output checks really run: every marker in the notebooks is one nbval reads, checked
cells carry the outputs they are compared with, and a wrong committed output fails nbval.

nbval ignores a spelling it does not know without a word (a cell *tag* ``NBVAL_CHECK_OUTPUT`` is
never checked: tags must be ``nbval-check-output``), so these tests read nbval's own tables of
markers and fail on anything that looks like a marker but is not one of them. The course marks
cells with tags only (hidden from readers), never with ``# NBVAL_...`` comments in the code.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from nbval.plugin import comment_markers, metadata_tags

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("chapters/*/*.ipynb"), *ROOT.glob("exercises/*/*.ipynb")])
CHECK_TAG = "nbval-check-output"


def _normal(word: str) -> str:
    return word.strip().lower().replace("_", "-").lstrip("#").strip()


def marker_problems(notebook: dict) -> list[str]:
    """Every tag or comment that nbval would ignore although it looks like one of its markers,
    every ``# NBVAL_`` comment (the course uses hidden tags), and checked cells without outputs."""
    known = {_normal(k) for k in comment_markers} | set(metadata_tags)
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        tags = cell.get("metadata", {}).get("tags", [])
        if not isinstance(tags, list):
            problems.append(f"cell {index}: tags must be a list, got {tags!r}")
            continue
        for tag in tags:
            looks_like = "nbval" in tag.lower() or _normal(tag) in known
            if looks_like and tag not in metadata_tags:
                problems.append(f"cell {index}: tag {tag!r} is ignored by nbval (spell it {_normal(tag)!r})")
        source = "".join(cell.get("source", []))
        for line in source.splitlines():
            if line.strip().startswith("#") and "nbval" in line.lower():
                problems.append(
                    f"cell {index}: comment {line.strip()!r}: mark the cell with a tag instead "
                    "(comments show on the page; a misspelt one is ignored)"
                )
        if CHECK_TAG in tags and cell.get("cell_type") == "code" and not cell.get("outputs"):
            problems.append(f"cell {index}: tagged {CHECK_TAG} but has no committed output to compare")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_marker_is_one_nbval_reads(path: Path) -> None:
    assert marker_problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_every_chapter_checks_some_outputs() -> None:
    for path in ROOT.glob("chapters/*/*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert any(CHECK_TAG in c.get("metadata", {}).get("tags", []) for c in cells), path.name


def _cell(source: str, tags: list[str], outputs: list[dict] | None = None) -> dict:
    return {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {"tags": tags},
        "outputs": outputs or [],
        "source": source,
    }


def _stdout(text: str) -> dict:
    return {"name": "stdout", "output_type": "stream", "text": text}


def test_marker_problems_catches_the_spellings_nbval_ignores() -> None:
    nb = {
        "cells": [
            _cell("print(1)", ["NBVAL_CHECK_OUTPUT"], [_stdout("1\n")]),
            _cell("print(2)", ["nbval_check_output"], [_stdout("2\n")]),
            _cell("# NBVAL_CHECK_OUTPUT\nprint(3)", [], [_stdout("3\n")]),
            _cell("print(4)", [CHECK_TAG]),
            _cell("print(5)", [CHECK_TAG, "hide-input"], [_stdout("5\n")]),
        ]
    }
    problems = marker_problems(nb)
    assert [p.split(":")[0] for p in problems] == ["cell 0", "cell 1", "cell 2", "cell 3"]
    assert "spell it 'nbval-check-output'" in problems[0]


def _run_nbval(tmp_path: Path, committed: str, tag: str) -> subprocess.CompletedProcess[str]:
    nb = {
        "cells": [_cell("print(6 * 7)", [tag], [_stdout(committed)])],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "probe.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            str(path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def test_nbval_fails_a_checked_cell_whose_committed_output_is_wrong(tmp_path: Path) -> None:
    """The mechanism CI relies on, tried for real: the right tag catches a stale output,
    the upper-case tag the chapters used to carry lets it through."""
    wrong = _run_nbval(tmp_path, "41\n", CHECK_TAG)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert re.search(r"1 failed", wrong.stdout), wrong.stdout
    assert _run_nbval(tmp_path, "42\n", CHECK_TAG).returncode == 0
    assert _run_nbval(tmp_path, "41\n", "NBVAL_CHECK_OUTPUT").returncode == 0  # what nbval ignores


def _is_show_source(node: ast.AST) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return (isinstance(func, ast.Name) and func.id == "show_source") or (
        isinstance(func, ast.Attribute) and func.attr == "show_source"
    )


def source_cells(cells: list[dict]) -> tuple[list[tuple[str, str]], list[str]]:
    """``(listed, faults)`` of a notebook's cells: ``listed`` holds (expression, committed text)
    for every ``show_source(X)`` call; ``faults`` names each call a reader never sees (one
    that is not its cell's last expression is evaluated and thrown away) or that has no
    committed output."""
    listed, faults = [], []
    for number, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "show_source(" not in source:
            continue
        tree = ast.parse(source)
        calls = [node for node in ast.walk(tree) if _is_show_source(node)]
        last = tree.body[-1] if tree.body else None
        shown = isinstance(last, ast.Expr) and _is_show_source(last.value)
        if len(calls) != 1 or not shown:
            faults.append(f"cell {number}: show_source must be the cell's only and last expression")
            continue
        assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
        results = [o for o in cell.get("outputs", []) if o.get("output_type") == "execute_result"]
        if not results or "text/plain" not in results[0].get("data", {}):
            faults.append(f"cell {number}: the listing has no committed output; run the cell")
            continue
        expression = ast.unparse(last.value.args[0]) if last.value.args else ""
        listed.append((expression, "".join(results[0]["data"]["text/plain"])))
    return listed, faults


def test_source_cells_finds_listings_and_hidden_ones() -> None:
    def cell(source: str, text: str | None = None) -> dict:
        outputs = [] if text is None else [{"output_type": "execute_result", "data": {"text/plain": [text]}}]
        return {"cell_type": "code", "source": [source], "outputs": outputs}

    cells = [
        cell("listings.show_source(gru.GRUCell)", "class GRUCell: ..."),
        cell("show_source(f)", "def f(): ..."),
        cell("listings.show_source(gru.GRUCell)\nprint(1)"),  # evaluated, never displayed
        cell("x = 1\nlistings.show_source(gru.GRU)"),  # fine, but never run
        {"cell_type": "markdown", "source": ["show_source(gru.GRU)"]},
    ]
    listed, faults = source_cells(cells)
    assert listed == [("gru.GRUCell", "class GRUCell: ..."), ("f", "def f(): ...")]
    assert len(faults) == 2 and faults[0].startswith("cell 2: show_source must be")
    assert faults[1].startswith("cell 3: the listing has no committed output")


@pytest.mark.parametrize("path", sorted(ROOT.glob("chapters/*/*.ipynb")), ids=lambda p: p.stem)
def test_listed_source_is_the_code_of_today(path: Path) -> None:
    """A page that shows rnnlib's code shows the code rnnlib has (nbval does not compare these
    cells: their HTML depends on the Pygments version)."""
    import importlib
    import inspect
    import pkgutil

    import rnnlib
    from rnnlib.viz.listings import plain_roles

    found = [importlib.import_module(m.name) for m in pkgutil.walk_packages(rnnlib.__path__, "rnnlib.")]
    modules = {m.__name__.rsplit(".", 1)[-1]: m for m in found}
    assert len(modules) == len(found), "two rnnlib modules share a name: listings would be ambiguous"
    # A chapter shows `module.name` or a name it imported itself (`BatchedGRU.forward`).
    names = {k: v for m in modules.values() for k, v in vars(m).items() if k in getattr(m, "__all__", ())}
    listed, faults = source_cells(json.loads(path.read_text(encoding="utf-8"))["cells"])
    assert not faults, f"{path.name}: {faults}"
    for expression, committed in listed:
        head, _, rest = expression.partition(".")
        obj = modules[head] if head in modules else names[head]
        for part in rest.split(".") if rest else ():
            obj = getattr(obj, part)
        assert committed.rstrip("\n") == plain_roles(inspect.getsource(obj)).rstrip("\n"), (
            f"{path.name}: show_source({expression}) shows stale code; re-run that cell"
        )
