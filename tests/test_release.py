"""The release the notebooks install: one version, pinned once in _config.yml, equal to HEAD's
rnnlib; and tools/release.py, which writes the pin, tried on a scratch repository."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
from pathlib import Path

import pytest
import tomllib
import yaml

import rnnlib
from tools import EXIT_CANNOT_RUN, release

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
PIN = str(CONFIG["course"]["rnnlib_release"])
REPO = CONFIG["repository"]["url"]


def test_the_version_is_written_once() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", rnnlib.__version__)
    assert importlib.metadata.version("rnnlib") == rnnlib.__version__, "reinstall: pip install -e ."


def test_the_pin_is_a_commit_not_a_branch() -> None:
    assert re.fullmatch(r"[0-9a-f]{40}", PIN), (
        f"course.rnnlib_release={PIN!r}: pin a commit (`make release`), never a branch such as main."
    )


@pytest.mark.parametrize("path", release.notebooks(ROOT), ids=lambda p: p.stem)
def test_every_notebook_installs_the_pinned_release(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    setup = "".join(code[0]["source"])
    assert "google.colab" in setup, f"{path.name}: the first code cell must be the setup cell"
    assert f'REPO = "{REPO}"\n' in setup, f"{path.name}: the setup cell must name {REPO}"
    assert f'RELEASE = "{PIN}"' in setup, f"{path.name}: run `make release` to pin {PIN}"
    guard = setup.index('if "google.colab" in sys.modules:')
    assert setup.index(release.INSTALL_LINE[: len("%pip install -q")]) > guard
    assert release.INSTALL_LINE.split("-q ")[1] in setup, f"{path.name}: install with {release.INSTALL_LINE}"
    others = [m for c in nb["cells"] for m in re.findall(r"git\+\S+@[\w.{}-]+", "".join(c["source"]))]
    assert set(others) == {"git+{REPO}@{RELEASE}"}, others
    install = [line for line in setup.splitlines() if "REPO" in line or "RELEASE" in line]
    assert all(len(line) <= 80 for line in install), f"{path.name}: an install line is over 80 characters"


def test_ipython_expands_the_install_line() -> None:
    """The %pip line reads REPO and RELEASE: IPython must expand them as pip will see them."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.user_ns.update(REPO=REPO, RELEASE=PIN)
    expanded = shell.var_expand(release.INSTALL_LINE)
    assert expanded == f'%pip install -q "rnnlib @ git+{REPO}@{PIN}"'


def test_head_has_the_pinned_rnnlib() -> None:
    """A change to rnnlib on main must come with a new pin: otherwise Colab would run the
    notebooks with an rnnlib other than the one their outputs came from."""
    try:
        shallow = release.git("rev-parse", "--is-shallow-repository") == "true"
        commit = release.resolve_commit(PIN)
    except release.ReleaseError as err:
        if "shallow" in locals() and shallow:
            pytest.skip(f"shallow clone without the pinned commit {PIN}: fetch the history to check it")
        raise AssertionError(f"the pinned release {PIN} is not a commit of this repository: {err}") from err
    changed = release.git("diff", "--name-only", commit, "HEAD", "--", *release.PINNED_PATHS)
    assert not changed, f"rnnlib changed since the pinned release {PIN[:12]}: run `make release`:\n{changed}"


def _scratch_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "rnnlib").mkdir(parents=True)
    (root / "chapters" / "01_x").mkdir(parents=True)
    (root / "rnnlib" / "__init__.py").write_text("x = 1\n")
    (root / "requirements.txt").write_text("torch\n")
    (root / "_config.yml").write_text("course:\n  site_branch: gh-pages\n  rnnlib_release: main  # pin\n")
    setup = [
        'REPO = "https://github.com/o/r"\n',
        'RELEASE = "main"  # the rnnlib these outputs came from\n',
        '%pip install -q "rnnlib @ git+{REPO}@{RELEASE}"\n',
    ]
    nb = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": [*setup, "import rnnlib\n"]}]
    }
    (root / "chapters" / "01_x" / "x.ipynb").write_text(json.dumps(nb))
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def test_pin_writes_the_commit_everywhere(tmp_path: Path) -> None:
    root = _scratch_repo(tmp_path)
    commit = release.pin("HEAD", root)
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    assert f"rnnlib_release: {commit}  # pin" in (root / "_config.yml").read_text()
    nb = json.loads((root / "chapters" / "01_x" / "x.ipynb").read_text())
    assert nb["cells"][0]["source"] == [
        'REPO = "https://github.com/o/r"\n',
        f'RELEASE = "{commit}"  # the rnnlib these outputs came from\n',
        '%pip install -q "rnnlib @ git+{REPO}@{RELEASE}"\n',
        "import rnnlib\n",
    ]


def test_pin_refuses_uncommitted_rnnlib_and_unknown_refs(tmp_path: Path) -> None:
    root = _scratch_repo(tmp_path)
    with pytest.raises(release.ReleaseError, match="failed"):
        release.pin("no-such-tag", root)
    (root / "rnnlib" / "__init__.py").write_text("x = 2\n")
    with pytest.raises(release.ReleaseError, match="uncommitted changes in rnnlib"):
        release.pin("HEAD", root)


def test_pin_refuses_a_notebook_without_a_release_line(tmp_path: Path) -> None:
    root = _scratch_repo(tmp_path)
    (root / "exercises" / "01_x").mkdir(parents=True)
    lost = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import rnnlib\n"]}]}
    (root / "exercises" / "01_x" / "x_exercises.ipynb").write_text(json.dumps(lost))
    config = (root / "_config.yml").read_text()
    with pytest.raises(release.ReleaseError, match=r"no 'RELEASE = .*x_exercises\.ipynb"):
        release.pin("HEAD", root)
    assert (root / "_config.yml").read_text() == config  # nothing written


def test_pin_needs_the_config_line(tmp_path: Path) -> None:
    root = _scratch_repo(tmp_path)
    (root / "_config.yml").write_text("course:\n  site_branch: gh-pages\n")
    with pytest.raises(release.ReleaseError, match="no 'rnnlib_release:' line"):
        release.pin("HEAD", root)


def test_main_reports_errors_as_an_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(ref: str) -> str:
        raise release.ReleaseError("nope")

    monkeypatch.setattr(release, "pin", refuse)
    assert release.main(["--ref", "x"]) == EXIT_CANNOT_RUN  # nothing pinned: it could not start
    assert "error: nope" in capsys.readouterr().err
    monkeypatch.setattr(release, "pin", lambda ref: "a" * 40)
    assert release.main([]) == 0
    assert "pinned rnnlib release aaaa" in capsys.readouterr().out
