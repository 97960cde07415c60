"""Pin the rnnlib release that the notebooks install on Colab.

Usage, from the repository root, after committing every change to ``rnnlib/``::

    python -m tools.release            # pin the current commit (HEAD)
    python -m tools.release --ref REF  # pin a tag or commit that exists in this repository

It writes the commit into ``_config.yml`` (``course.rnnlib_release``) and into the setup cell
of every chapter and exercise notebook, whose install line names the repository and the
release through two variables (so that it fits the page's 80 columns; IPython expands
``{...}`` in a ``%pip`` line)::

    REPO = "https://github.com/rnn-course/rnn-course"
    RELEASE = "<commit>"  # the rnnlib these outputs came from
    if "google.colab" in sys.modules:
        %pip install -q "rnnlib @ git+{REPO}@{RELEASE}"

Commit the result. A published page then keeps installing the rnnlib it was run with, whatever
happens on ``main`` later. ``tests/test_release.py`` fails while ``rnnlib/`` on HEAD differs
from the pinned commit, so a change to rnnlib cannot land without a new pin.

Exit status (see :mod:`tools`): 0 when the release was pinned, 2 when it could not be and
nothing was written (no git, an unknown REF, uncommitted changes to the pinned paths, no
``rnnlib_release:`` line in ``_config.yml``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from tools import EXIT_CANNOT_RUN, EXIT_OK

ROOT = Path(__file__).resolve().parents[1]
#: What a pin must leave unchanged between the release and HEAD.
PINNED_PATHS = ("rnnlib", "requirements.txt")
_CONFIG_LINE = re.compile(r"^(\s*rnnlib_release:\s*)(\S+)(.*)$", re.M)
#: The setup cell's line that names the release (see the module's docstring).
_RELEASE_LINE = re.compile(r'^(RELEASE = ")([^"\n]*)(")', re.M)
#: The install line itself, which must read the two variables.
INSTALL_LINE = '%pip install -q "rnnlib @ git+{REPO}@{RELEASE}"'

__all__ = ["INSTALL_LINE", "PINNED_PATHS", "ReleaseError", "git", "notebooks", "pin", "resolve_commit"]


class ReleaseError(RuntimeError):
    """The release cannot be pinned: the message says why and what to do."""


def git(*args: str, root: Path = ROOT) -> str:
    """Run ``git args`` in ``root`` and return its standard output, stripped.

    Raises:
        ReleaseError: git is missing or the command fails (its message is included).
    """
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError as err:
        raise ReleaseError("git is not installed: install it to pin a release.") from err
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def resolve_commit(ref: str, root: Path = ROOT) -> str:
    """The full commit hash that ``ref`` (tag, branch or hash) names in ``root``'s history."""
    return git("rev-parse", "--verify", f"{ref}^{{commit}}", root=root)


def notebooks(root: Path = ROOT) -> list[Path]:
    """Every chapter and exercise notebook (the files that install rnnlib)."""
    return sorted([*root.glob("chapters/*/*.ipynb"), *root.glob("exercises/*/*.ipynb")])


def _names_a_release(path: Path) -> bool:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return any(_RELEASE_LINE.search("".join(cell["source"])) for cell in nb["cells"])


def _pin_notebook(path: Path, commit: str) -> bool:
    nb = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        new = _RELEASE_LINE.sub(lambda m: f"{m.group(1)}{commit}{m.group(3)}", source)
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def pin(ref: str, root: Path = ROOT) -> str:
    """Pin ``ref`` in ``_config.yml`` and in every notebook's install line; return the commit.

    Raises:
        ReleaseError: ``ref`` is not a commit of this repository, ``rnnlib/`` has uncommitted
            changes (the pin would not contain them), a notebook has no ``RELEASE = "..."``
            line, or ``_config.yml`` has no ``rnnlib_release:`` line under ``course:``.
            Nothing is written then.
    """
    commit = resolve_commit(ref, root)
    dirty = git("status", "--porcelain", "--", *PINNED_PATHS, root=root)
    if dirty:
        raise ReleaseError(
            f"uncommitted changes in {', '.join(PINNED_PATHS)}:\n{dirty}\n"
            "commit them first: a release must contain the rnnlib the notebooks were run with."
        )
    unpinnable = [p.relative_to(root) for p in notebooks(root) if not _names_a_release(p)]
    if unpinnable:
        raise ReleaseError(
            f"no 'RELEASE = \"...\"' line in {', '.join(map(str, unpinnable))}: give each notebook's "
            "setup cell the REPO and RELEASE lines shown in tools/release.py's docstring."
        )
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    if not _CONFIG_LINE.search(text):
        raise ReleaseError(f"{config} has no 'rnnlib_release:' line under 'course:': add one.")
    config.write_text(_CONFIG_LINE.sub(lambda m: f"{m.group(1)}{commit}{m.group(3)}", text), encoding="utf-8")
    for path in notebooks(root):
        _pin_notebook(path, commit)
    return commit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ref", default="HEAD", help="tag or commit to pin (default: HEAD)")
    args = parser.parse_args(argv)
    try:
        commit = pin(args.ref)
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    print(f"pinned rnnlib release {commit} in _config.yml and {len(notebooks())} notebooks; commit them.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
