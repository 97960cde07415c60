"""The layering rule of ARCHITECTURE.md, enforced on the source: no import runs back up a
layer, no import cycle anywhere (rnnlib or tools/), no long module without a stated reason,
and no library code that ends the interpreter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnnlib"
#: rnnlib's layers, lowest first: a module may import its own layer and the layers below.
LAYERS = ("core", "datasets", "models", "viz", "teaching")
#: Over this many lines a module must say at its top why it is long ("Long because: ...").
MAX_LINES = 400


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module ``path`` imports, made absolute (``from . import x`` resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "rnnlib" or len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def graph(files: list[Path], known: set[str]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in files:
        name = module_name(path)
        targets = set()
        for imported in imported_modules(path):
            # "from rnnlib.core import data" names rnnlib.core.data: keep the longest known name
            while imported and imported not in known:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        edges[name] = targets
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None. Package ``__init__`` edges to their own
    submodules count too: a cycle through an ``__init__`` fails at import time just the same."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


RNNLIB_FILES = python_files(PACKAGE)
RNNLIB_MODULES = {module_name(p) for p in RNNLIB_FILES}


def test_every_module_sits_in_a_layer() -> None:
    strays = [m for m in RNNLIB_MODULES if m != "rnnlib" and layer_of(m) is None]
    assert not strays, f"modules outside the layers {LAYERS}: {strays}; move them into one."


@pytest.mark.parametrize("path", RNNLIB_FILES, ids=lambda p: module_name(p))
def test_no_import_runs_up_a_layer(path: Path) -> None:
    name = module_name(path)
    own = layer_of(name)
    ceiling = 0 if own is None else own  # rnnlib/__init__ may import the core only
    offending = sorted(
        m for m in imported_modules(path) if (lay := layer_of(m)) is not None and lay > ceiling
    )
    assert not offending, (
        f"{name} (layer {LAYERS[ceiling]}) imports {offending} from a higher layer; "
        "move the shared piece down a layer (see ARCHITECTURE.md)."
    )


def test_nothing_imports_the_teaching_layer() -> None:
    users = sorted(
        name
        for name, targets in graph(RNNLIB_FILES, RNNLIB_MODULES).items()
        if layer_of(name) != LAYERS.index("teaching") and any(layer_of(t) == 4 for t in targets)
    )
    assert not users, f"{users} import rnnlib.teaching: chapter helpers must not become dependencies."


def test_no_import_cycle_in_rnnlib() -> None:
    assert find_cycle(graph(RNNLIB_FILES, RNNLIB_MODULES)) is None


def test_no_import_cycle_in_tools() -> None:
    files = python_files(ROOT / "tools")
    assert find_cycle(graph(files, {module_name(p) for p in files})) is None


def test_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_layer_checker_resolves_relative_imports(tmp_path: Path) -> None:
    mod = tmp_path / "rnnlib" / "core" / "x.py"
    mod.parent.mkdir(parents=True)
    mod.write_text("from ..viz import plots\nfrom . import env\nimport rnnlib.models.gru\n")
    found = imported_modules(mod, tmp_path)
    assert {"rnnlib.viz.plots", "rnnlib.core.env", "rnnlib.models.gru"} <= found
    assert max(layer_of(m) or 0 for m in found) == LAYERS.index("viz")


@pytest.mark.parametrize(
    "path", [*RNNLIB_FILES, *python_files(ROOT / "tools")], ids=lambda p: str(p.relative_to(ROOT))
)
def test_long_modules_say_why(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if len(text.splitlines()) > MAX_LINES:
        head = "\n".join(text.splitlines()[:40])
        assert "Long because:" in head, (
            f"{path.relative_to(ROOT)} has {len(text.splitlines())} lines (> {MAX_LINES}): split it, "
            "or say at its top why it is long ('Long because: ...')."
        )


@pytest.mark.parametrize("path", RNNLIB_FILES, ids=lambda p: module_name(p))
def test_library_code_never_exits(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exits = [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name)
        and node.id == "SystemExit")
        or (isinstance(node, ast.Attribute)
        and node.attr == "exit"
        and getattr(node.value, "id", "") == "sys")
    ]
    assert not exits, f"{module_name(path)} raises SystemExit / calls sys.exit at lines {exits}."
