"""The layering rule of ARCHITECTURE.md, enforced on the source: no import runs back up a
layer, no import cycle anywhere (rnnlib or tools/), no long module that ARCHITECTURE.md does
not list with its reason, no library code that ends the interpreter, and one import style in
the notebooks."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnnlib"
#: rnnlib's layers, lowest first: a module may import its own layer and the layers below.
LAYERS = ("core", "datasets", "models", "viz", "studies")
#: Over this many lines a module must be listed, with its reason, in ARCHITECTURE.md.
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


def long_modules_listed(text: str) -> dict[str, str]:
    """The rows ``| `path` | reason |`` of ARCHITECTURE.md's section "Long modules"."""
    section = text.split("## Long modules", 1)[1].split("\n## ", 1)[0] if "## Long modules" in text else ""
    rows = re.findall(r"^\| `([\w/.]+\.py)` \| (.+?) \|$", section, flags=re.M)
    return dict(rows)


def test_long_modules_are_listed_with_a_reason() -> None:
    files = [*RNNLIB_FILES, *python_files(ROOT / "tools")]
    lines = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in files}
    long = {path for path, count in lines.items() if count > MAX_LINES}
    listed = long_modules_listed((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    unlisted, stale = sorted(long - set(listed)), sorted(set(listed) - long)
    assert not unlisted, (
        f"{unlisted} have more than {MAX_LINES} lines: split them, or add a row with the reason a "
        "reviewer accepted to ARCHITECTURE.md's 'Long modules'."
    )
    assert not stale, f"{stale} are listed as long in ARCHITECTURE.md but are not (any more): drop the rows."
    thin = [path for path, reason in listed.items() if len(reason.split()) < 8]
    assert not thin, f"the reasons given for {thin} are too short to review: say why the module is one unit."


def test_long_module_list_is_read_from_its_own_section() -> None:
    text = (
        "# A\n| `rnnlib/x.py` | not in the section, so not listed at all here |\n"
        "## Long modules\n| module | why |\n| --- | --- |\n"
        "| `rnnlib/core/a.py` | one reason given in enough words to be read |\n## Next\n"
        "| `rnnlib/y.py` | after the section, so not listed at all here |\n"
    )
    assert long_modules_listed(text) == {"rnnlib/core/a.py": "one reason given in enough words to be read"}
    assert long_modules_listed("# no such section") == {}


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


#: The chapters. (An exercise notebook imports the names its questions hand the student, e.g.
#: ``line_to_tensor``; its graders' tests import what they check.)
NOTEBOOKS = sorted((ROOT / "chapters").rglob("*.ipynb"))


def notebook_tree(path: Path) -> ast.Module:
    """The code cells of a notebook as one module (IPython's ``%`` and ``!`` lines made ``pass``)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return ast.parse(re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.M))


def import_style_faults(tree: ast.Module, package: Path = PACKAGE) -> list[str]:
    """Where a notebook reaches rnnlib other than by ARCHITECTURE.md's one style: ``import rnnlib``
    (for ``rnnlib.__version__`` only) and ``from rnnlib.<layer> import <module>, ...``."""
    faults = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            faults += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.startswith("rnnlib.") or (a.name == "rnnlib" and a.asname)
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rnnlib":
            parts = (node.module or "").split(".")
            if len(parts) != 2 or parts[1] not in LAYERS:
                faults.append(f"line {node.lineno}: from {node.module} import ...")
                continue
            for alias in node.names:
                folder = package / parts[1]
                module = folder / alias.name
                if not (module.with_suffix(".py").is_file() or (module / "__init__.py").is_file()):
                    faults.append(f"line {node.lineno}: {alias.name} is not a module of {node.module}")
                if alias.asname:
                    faults.append(f"line {node.lineno}: {alias.name} renamed to {alias.asname}")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "rnnlib"
            and node.attr != "__version__"
        ):
            faults.append(f"line {node.lineno}: rnnlib.{node.attr}")
    return faults


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_reach_rnnlib_one_way(path: Path) -> None:
    faults = import_style_faults(notebook_tree(path))
    assert not faults, (
        f"{path.relative_to(ROOT)} reaches rnnlib other than by `from rnnlib.<layer> import <module>` "
        f"(ARCHITECTURE.md, 'The public contract'): {faults}"
    )


def test_import_style_checker_finds_each_fault() -> None:
    good = "import rnnlib\nfrom rnnlib.core import runtime, stats\nfrom rnnlib.datasets import sentiment\n"
    good += "print(rnnlib.__version__, runtime.format_seconds(1))\n"
    assert import_style_faults(ast.parse(good)) == []
    bad = {
        "from rnnlib.core.runtime import format_seconds": "from rnnlib.core.runtime import",
        "from rnnlib.core import format_seconds": "format_seconds is not a module of rnnlib.core",
        "from rnnlib.models import gru as g": "gru renamed to g",
        "import rnnlib.core.stats": "import rnnlib.core.stats",
        "import rnnlib\nrnnlib.seed_everything(0)": "rnnlib.seed_everything",
        "from rnnlib.teaching import gru_api": "from rnnlib.teaching import",
    }
    for code, fault in bad.items():
        found = import_style_faults(ast.parse(code))
        assert len(found) == 1 and fault in found[0], (code, found)
