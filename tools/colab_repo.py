"""The course's repository as :mod:`tools.colab_check` serves it: a bare copy, and a planted release.

The notebooks install ``rnnlib @ git+<repository.url>@<course.rnnlib_release>`` (both in
``_config.yml``). The check serves a bare copy of this repository (:func:`bare_copy`) over git's dumb
HTTP protocol and redirects the public URL to it with git's ``url.<base>.insteadOf``
(:func:`insteadof_config`), so the notebooks' install line runs unchanged. :func:`plant` adds a
commit on top of the release whose ``pyproject.toml`` demands a range Colab does not satisfy: the
check must then fail and name the package. The same commit, with a range Colab satisfies, tries a
fix before a release is cut.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

from tools.colab_packages import requirement_name

ROOT = Path(__file__).resolve().parents[1]
#: The branch of the served copy that holds the planted commit.
PLANT_BRANCH = "colab-check-planted"
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


class RepoError(RuntimeError):
    """The repository cannot be served as asked (the message says why)."""


def git(*args: str, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None) -> str:
    """``git args`` in ``cwd``; its standard output, stripped.

    Raises:
        RepoError: git is missing, fails, or runs past ``timeout`` seconds.
    """
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except FileNotFoundError as exc:
        raise RepoError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise RepoError(f"git {' '.join(args)} ran past {timeout:g} s") from exc
    if done.returncode != 0:
        raise RepoError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def course_config(root: Path = ROOT) -> tuple[str, str]:
    """``(repository.url, course.rnnlib_release)`` from ``root/_config.yml``.

    Raises:
        RepoError: either is missing, or the release is not a 40-hex commit.
    """
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    url = str((config.get("repository") or {}).get("url") or "").rstrip("/")
    release = str((config.get("course") or {}).get("rnnlib_release") or "")
    if not url.startswith("https://"):
        raise RepoError(f"_config.yml has no https repository.url (found {url!r})")
    if not _HEX40.match(release):
        raise RepoError(f"_config.yml's course.rnnlib_release is not a 40-hex commit: {release!r}")
    return url, release


def insteadof_config(served: str, public: str) -> str:
    """The git configuration that makes every URL starting with ``public`` fetch from ``served``."""
    return f'[url "{served}"]\n\tinsteadOf = {public}\n'


def bare_copy(source: Path, dest: Path, release: str) -> Path:
    """A bare clone of ``source`` at ``dest``, ready for dumb HTTP; it must hold ``release``.

    Raises:
        RepoError: the clone fails, or ``release`` is not a commit reachable from its HEAD.
    """
    git("clone", "--quiet", "--bare", "--no-local", str(source), str(dest), cwd=dest.parent)
    try:
        git("merge-base", "--is-ancestor", release, "HEAD", cwd=dest)
    except RepoError as exc:
        raise RepoError(
            f"the pinned release {release} is not an ancestor of HEAD in {source}: commit or fetch it first"
        ) from exc
    git("update-server-info", cwd=dest)
    return dest


def plant_pyproject(text: str, requirement: str) -> str:
    """``pyproject.toml``'s text with ``requirement`` in ``[project] dependencies``: in place of the
    dependency on the same package if there is one (``pandas<2`` replaces ``pandas>=2.0``), else
    added first.

    Raises:
        ValueError: there is no ``dependencies = [`` line.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == "dependencies = ["), None)
    if start is None:
        raise ValueError("pyproject.toml has no `dependencies = [` line to plant a requirement in")
    entry = f'    "{requirement}",  # planted by tools.colab_check\n'
    for i in range(start + 1, len(lines)):
        if lines[i].strip() == "]":
            break
        match = re.match(r'\s*"([^"]+)"', lines[i])
        if match and requirement_name(match.group(1)) == requirement_name(requirement):
            lines[i] = entry
            return "".join(lines)
    lines.insert(start + 1, entry)
    return "".join(lines)


def plant(bare: Path, release: str, requirement: str, work: Path) -> str:
    """Commit, on top of ``release``, a ``pyproject.toml`` that requires ``requirement`` (see
    :func:`plant_pyproject`); push it to ``bare`` (branch :data:`PLANT_BRANCH`) and return the new
    commit."""
    git("clone", "--quiet", str(bare), str(work), cwd=work.parent)
    git("checkout", "--quiet", "--detach", release, cwd=work)
    pyproject = work / "pyproject.toml"
    text = plant_pyproject(pyproject.read_text(encoding="utf-8"), requirement)
    pyproject.write_text(text, encoding="utf-8")
    who = {"GIT_AUTHOR_NAME": "colab-check", "GIT_AUTHOR_EMAIL": "colab-check@localhost"}
    env = {
        **os.environ,
        **who,
        "GIT_COMMITTER_NAME": who["GIT_AUTHOR_NAME"],
        "GIT_COMMITTER_EMAIL": who["GIT_AUTHOR_EMAIL"],
    }
    git("commit", "--quiet", "--no-verify", "-am", f"Requires {requirement}", cwd=work, env=env)
    commit = git("rev-parse", "HEAD", cwd=work)
    git("push", "--quiet", "origin", f"HEAD:refs/heads/{PLANT_BRANCH}", cwd=work)
    git("update-server-info", cwd=bare)
    return commit
