"""pyproject.toml builds without a single setuptools deprecation or configuration warning.

setuptools announces the end of a configuration form (``license = { text = ... }``, license
classifiers, ``tool.setuptools.license-files`` ...) with a warning years before it refuses it,
and that warning scrolls by unnoticed inside ``pip install -e .``. Here the project's metadata
and wheel are built by setuptools' PEP 517 backend in a subprocess, on a copy of the project,
and the build must print no warning at all; a second test proves that the check fails on the
deprecated license table.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

#: What the backend prints for a Python warning (``SetuptoolsDeprecationWarning: ...``,
#: ``UserWarning: Unknown distribution option``) or any deprecation notice.
WARNING = re.compile(r"Deprecat|SetuptoolsWarning|\b\w*Warning:")

#: Builds the metadata and the wheel with setuptools' PEP 517 backend, every warning shown.
BUILD = """
import sys, warnings
warnings.simplefilter("always")
from setuptools import build_meta
out = sys.argv[1]
print("METADATA", build_meta.prepare_metadata_for_build_wheel(out))
print("WHEEL", build_meta.build_wheel(out))
"""


def project_copy(dest: Path) -> Path:
    """What the build reads (pyproject.toml, README.md, rnnlib/), copied to ``dest``."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "rnnlib", dest / "rnnlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def build(project: Path, out: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the backend in ``project``; return the finished process and its output (both streams)."""
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", BUILD, str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc, proc.stdout + proc.stderr


def warnings_in(output: str) -> list[str]:
    return [line for line in output.splitlines() if WARNING.search(line)]


def test_build_system_requires_setuptools_with_spdx_licenses() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    requires = re.search(r"^requires = \[(.*)\]$", text, re.M)
    assert requires and '"setuptools>=77"' in requires.group(1)  # SPDX `license` strings: 77.0
    assert re.search(r'^license = "BSD-3-Clause"$', text, re.M)
    assert "License ::" not in text  # license classifiers are superseded by the expression


def test_metadata_and_wheel_build_without_warnings(tmp_path: Path) -> None:
    proc, output = build(project_copy(tmp_path / "project"), tmp_path / "out")
    assert proc.returncode == 0, output
    found = warnings_in(output)
    assert not found, "setuptools warned:\n" + "\n".join(found) + "\n\nfull output:\n" + output
    metadata = next((tmp_path / "out").glob("rnnlib-*.dist-info")) / "METADATA"
    headers = metadata.read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
    assert "License-Expression: BSD-3-Clause" in headers
    assert not any(h.startswith("License:") for h in headers)  # the deprecated field
    init = (ROOT / "rnnlib" / "__init__.py").read_text(encoding="utf-8")
    version = re.search(r'^__version__ = "([^"]+)"', init, re.M)
    assert version and f"Version: {version.group(1)}" in headers
    # The wheel carries every module of the package, and nothing from outside it.
    wheel = next((tmp_path / "out").glob("rnnlib-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        packaged = {n for n in zf.namelist() if n.endswith(".py")}
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "rnnlib").rglob("*.py")}
    assert packaged == sources


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'license = "BSD-3-Clause"',
            'license = { text = "BSD-3-Clause" }',
            "`project.license` as a TOML table",
        ),
        (
            "[tool.setuptools.dynamic]",
            '[tool.setuptools]\nlicense-files = ["README.md"]\n\n[tool.setuptools.dynamic]',
            "'tool.setuptools.license-files' is deprecated",
        ),
    ],
    ids=["license-table", "tool-license-files"],
)
def test_the_check_fails_on_a_deprecated_form(tmp_path: Path, old: str, new: str, expected: str) -> None:
    """The same build on a copy whose pyproject.toml uses a deprecated form: the check sees it."""
    project = project_copy(tmp_path / "project")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert text.count(old) == 1
    pyproject.write_text(text.replace(old, new), encoding="utf-8")
    _, output = build(project, tmp_path / "out")
    found = warnings_in(output)
    assert found, f"no warning detected in:\n{output}"
    assert expected in output and any("SetuptoolsDeprecationWarning" in line for line in found)


# --------------------------------------------------------------------------------------------
# One list of dependencies: pyproject.toml's, restated by requirements.txt; every import declared

#: The requirement files and, for the two environments, the files each is installed from.
RUNTIME = "requirements.txt"
ENVIRONMENTS = {
    ".venv": ("requirements-dev.txt", RUNTIME),
    ".venv-grade": ("requirements-grading.txt", RUNTIME),
}
#: Import names whose distribution is named otherwise (the rest: the import name, normalized).
DISTRIBUTION_OF = {
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
    "PIL": "pillow",
    "IPython": "ipython",
    "otter": "otter-grader",
}
FIRST_PARTY = {"rnnlib", "tools", "tests"}


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(text: str, where: str) -> tuple[dict[str, Requirement], list[str]]:
    """The requirements of one file by canonical name, and its ``-r`` includes.

    Raises:
        AssertionError: a package is listed twice (two lines that could disagree).
    """
    found: dict[str, Requirement] = {}
    includes = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith("-r"):
            includes.append(line[2:].strip())
        if not line or line.startswith(("#", "-")):
            continue
        requirement = Requirement(line)
        name = canonical(requirement.name)
        assert name not in found, f"{where} lists {name} twice: keep one line."
        found[name] = requirement
    return found, includes


def dependency_mismatches(pyproject: str, requirements: str) -> list[str]:
    """What requirements.txt says otherwise than pyproject.toml (the source of truth: its
    dependencies and the ``widgets`` extra), one sentence each; empty when they agree."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads(pyproject)["project"]
    declared = [*project["dependencies"], *project.get("optional-dependencies", {}).get("widgets", [])]
    truth = {canonical(Requirement(d).name): Requirement(d) for d in declared}
    listed, _ = read_requirements(requirements, RUNTIME)
    problems = [f"{n} ({truth[n]}) is missing from {RUNTIME}" for n in sorted(set(truth) - set(listed))]
    problems += [f"{n} is in {RUNTIME} but not in pyproject.toml" for n in sorted(set(listed) - set(truth))]
    problems += [
        f"{n}: {RUNTIME} says {listed[n].specifier or 'any'}, pyproject.toml {truth[n].specifier or 'any'}"
        for n in sorted(set(truth) & set(listed))
        if (listed[n].specifier, listed[n].extras, listed[n].marker)
        != (truth[n].specifier, truth[n].extras, truth[n].marker)
    ]
    return problems


def test_requirements_txt_restates_pyprojects_dependencies() -> None:
    problems = dependency_mismatches(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"), (ROOT / RUNTIME).read_text(encoding="utf-8")
    )
    assert not problems, "pyproject.toml is the source of truth; make requirements.txt agree:\n" + "\n".join(
        problems
    )


def test_the_comparison_sees_a_missing_package_and_another_range() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    runtime = (ROOT / RUNTIME).read_text(encoding="utf-8")
    assert runtime.count("\nscipy>=1.10\n") == 1 and runtime.count("\ntorch>=2.1,<3\n") == 1
    changed = runtime.replace("\nscipy>=1.10\n", "\n").replace("\ntorch>=2.1,<3\n", "\ntorch>=2.1\n")
    assert dependency_mismatches(pyproject, changed + "\nrequests\n") == [
        "scipy (scipy>=1.10) is missing from requirements.txt",
        "requests is in requirements.txt but not in pyproject.toml",
        "torch: requirements.txt says >=2.1, pyproject.toml <3,>=2.1",
    ]
    # the same ranges written in another order are the same ranges
    assert dependency_mismatches(pyproject, runtime.replace("torch>=2.1,<3", "torch<3, >=2.1")) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_environment_adds_to_the_runtime_packages_without_restating_them(environment: str) -> None:
    own, runtime = ENVIRONMENTS[environment]
    packages, includes = read_requirements((ROOT / own).read_text(encoding="utf-8"), own)
    assert includes == [runtime], f"{own} must start from the course's packages: `-r {runtime}`"
    base, _ = read_requirements((ROOT / runtime).read_text(encoding="utf-8"), runtime)
    restated = sorted(set(packages) & set(base))
    assert not restated, f"{own} restates {restated} of {runtime}: a second range that can disagree; drop it."


def code_of(path: Path) -> str:
    """A module's source, or a notebook's code cells with IPython's ``%`` and ``!`` lines made
    ``pass`` (so that an indented ``%pip install`` keeps its block)."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.M)


def _optional_imports(tree: ast.AST) -> set[ast.AST]:
    """The imports inside ``try:`` blocks that catch ImportError: code that runs without them."""
    optional: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in {"ImportError", "ModuleNotFoundError"}
            for h in node.handlers
        ):
            optional |= {n for statement in node.body for n in ast.walk(statement)}
    return optional


def third_party_imports(path: Path) -> set[str]:
    """The top-level names of the modules ``path`` needs that are neither the standard
    library's nor this repository's (relative imports are this repository's; an import under
    ``try: ... except ImportError`` is optional)."""
    names = set()
    tree = ast.parse(code_of(path), str(path))
    optional = _optional_imports(tree)
    for node in ast.walk(tree):
        if node in optional:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in FIRST_PARTY}


def grading_tools() -> set[str]:
    """The tools the Makefile runs in the grading environment, and every tool they import."""
    todo = re.findall(r"\$\(GBIN\)/python -m tools\.(\w+)", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert todo, "the Makefile runs no tool with $(GBIN): update grading_tools()"
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name in found or not (ROOT / "tools" / f"{name}.py").is_file():
            continue
        found.add(name)
        tree = ast.parse((ROOT / "tools" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "tools":
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tools."):
                todo.append(node.module.split(".")[1])  # type: ignore[union-attr]
    return found


def where_imports_run() -> dict[Path, tuple[str, ...]]:
    """Each scanned file and the requirement files of the environment it runs in: rnnlib and
    the chapters with the course's packages alone (Colab, a laptop); the exercises (otter) and
    the grading tools in ``.venv-grade``; the other tools in ``.venv``."""
    grading = grading_tools()
    files: dict[Path, tuple[str, ...]] = {p: (RUNTIME,) for p in sorted((ROOT / "rnnlib").rglob("*.py"))}
    files |= {p: (RUNTIME,) for p in sorted((ROOT / "chapters").rglob("*.ipynb"))}
    files |= {p: ENVIRONMENTS[".venv-grade"] for p in sorted((ROOT / "exercises").rglob("*.ipynb"))}
    for path in sorted((ROOT / "tools").glob("*.py")):
        files[path] = ENVIRONMENTS[".venv-grade" if path.stem in grading else ".venv"]
    return files


def test_every_third_party_import_is_declared_where_it_runs() -> None:
    declared: dict[str, set[str]] = {}
    for name in {RUNTIME, *(f for files in ENVIRONMENTS.values() for f in files)}:
        declared[name] = set(read_requirements((ROOT / name).read_text(encoding="utf-8"), name)[0])
    missing = []
    for path, requirement_files in where_imports_run().items():
        available = set().union(*(declared[f] for f in requirement_files))
        for module in sorted(third_party_imports(path)):
            distribution = canonical(DISTRIBUTION_OF.get(module, module))
            if distribution not in available:
                missing.append(f"{path.relative_to(ROOT)} imports {module}: declare {distribution} in "
                               f"{requirement_files[0]} (or map the import name in DISTRIBUTION_OF)")
    assert not missing, "\n".join(missing)


def test_the_import_scan_reads_notebooks_and_skips_the_standard_library(tmp_path: Path) -> None:
    notebook = tmp_path / "n.ipynb"
    setup = "import sys\nif 'google.colab' in sys.modules:\n    %pip install x"  # an indented magic
    imports = "!pip install y\nfrom sklearn.metrics import f1_score\nimport yaml, json\nfrom . import here\n"
    imports += "import rnnlib.core\ntry:\n    import certifi\nexcept ImportError:\n    pass\n"
    cells = [
        {"cell_type": "code", "source": setup},
        {"cell_type": "markdown", "source": ["import markdown_is_not_code\n"]},
        {"cell_type": "code", "source": imports.splitlines(keepends=True)},
    ]
    notebook.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    found = third_party_imports(notebook)
    assert found == {"sklearn", "yaml"}
    assert {canonical(DISTRIBUTION_OF.get(m, m)) for m in found} == {"scikit-learn", "pyyaml"}
    assert {"assignments", "grade", "otter_common", "sandbox"} <= grading_tools()
