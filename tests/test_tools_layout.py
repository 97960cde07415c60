"""tools/ as a package: modules that import each other plainly (no ``sys.path`` edits) and
functions that raise exceptions; only the ``if __name__ == "__main__"`` line of a module turns
``main()``'s status into an exit. (Import cycles are tests/test_architecture.py's.)"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

import tools

TOOLS = Path(__file__).resolve().parents[1] / "tools"
MODULES = sorted(p for p in TOOLS.glob("*.py"))


def is_main_guard(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in node.test.comparators)
    )


def offending_lines(source: str) -> dict[str, list[int]]:
    """Lines, outside the ``__main__`` guard, that exit the interpreter or edit ``sys.path``."""
    tree = ast.parse(source)
    guarded = {id(n) for stmt in tree.body if is_main_guard(stmt) for n in ast.walk(stmt)}
    found: dict[str, list[int]] = {"exit": [], "sys.path": []}
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if (isinstance(node, ast.Name) and node.id == "SystemExit") or (
            isinstance(node, ast.Attribute) and node.attr == "exit" and getattr(node.value, "id", "") == "sys"
        ):
            found["exit"].append(node.lineno)
        if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
            found["sys.path"].append(node.lineno)
    return found


def test_tools_is_a_package() -> None:
    assert (TOOLS / "__init__.py").is_file()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_only_the_main_guard_exits_and_nothing_edits_sys_path(path: Path) -> None:
    found = offending_lines(path.read_text(encoding="utf-8"))
    assert not found["exit"], f"tools/{path.name} exits at lines {found['exit']}: raise an exception instead"
    assert not found["sys.path"], f"tools/{path.name} edits sys.path at lines {found['sys.path']}"


def test_the_checker_finds_what_it_looks_for() -> None:
    source = (
        "import sys\n"
        "sys.path.insert(0, 'x')\n"
        "def f():\n"
        "    raise SystemExit('no')\n"
        "def g():\n"
        "    sys.exit(1)\n"
        "if __name__ == '__main__':\n"
        "    sys.exit(f())\n"
    )
    assert offending_lines(source) == {"exit": [4, 6], "sys.path": [2]}


def test_the_package_docstring_lists_every_module() -> None:
    listed = set(re.findall(r":mod:`tools\.(\w+)`", tools.__doc__ or ""))
    present = {p.stem for p in MODULES if p.stem != "__init__"}
    assert not present - listed, f"tools/__init__.py does not list {sorted(present - listed)}: add a line"
    assert not listed - present, f"tools/__init__.py lists {sorted(listed - present)}, which are gone"


def literal_statuses(source: str) -> list[int]:
    """Lines where a ``main()`` returns a number instead of one of the EXIT_* statuses."""
    tree = ast.parse(source)
    mains = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "main"]
    return sorted(
        node.lineno
        for main in mains
        for node in ast.walk(main)
        if isinstance(node, ast.Return) and node.value is not None and any(
            isinstance(c, ast.Constant) and isinstance(c.value, int) for c in ast.walk(node.value)
        )
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_main_returns_one_of_the_three_statuses(path: Path) -> None:
    lines = literal_statuses(path.read_text(encoding="utf-8"))
    assert not lines, f"tools/{path.name}: main() returns a number at lines {lines}: use tools.EXIT_*"


def test_the_status_checker_finds_numbers() -> None:
    source = "def main():\n    if x:\n        return 1\n    return EXIT_OK if y else 2\n"
    source += "def other():\n    return 3\n"
    assert literal_statuses(source) == [3, 4]


def test_the_statuses_are_distinct_and_usage_is_argparses() -> None:
    assert (tools.EXIT_OK, tools.EXIT_FAILED, tools.EXIT_CANNOT_RUN) == (0, 1, 2)
    with pytest.raises(SystemExit) as exited:
        argparse.ArgumentParser().parse_args(["--no-such-option"])
    assert exited.value.code == tools.EXIT_CANNOT_RUN  # a bad option: argparse's own status
