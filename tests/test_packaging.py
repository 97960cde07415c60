"""pyproject.toml builds without a single setuptools deprecation or configuration warning.

setuptools announces the end of a configuration form (``license = { text = ... }``, license
classifiers, ``tool.setuptools.license-files`` ...) with a warning years before it refuses it,
and that warning scrolls by unnoticed inside ``pip install -e .``. Here the project's metadata
and wheel are built by setuptools' PEP 517 backend in a subprocess, on a copy of the project,
and the build must print no warning at all; a second test proves that the check fails on the
deprecated license table.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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
