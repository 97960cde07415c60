"""Colab's package list and the comparison of two ``pip`` snapshots (pure functions).

Used by :mod:`tools.colab_check`. ``colab/colab-packages.txt`` lists the Colab packages the
check installs (``name==version``, a line that differs from Colab on purpose marked
``# differs: ...``, one Colab lacks ``# not on Colab: ...``); ``colab/colab-preinstalled.txt``
is Colab's whole ``pip freeze``. :func:`compare` tells what a notebook's ``%pip install``
changed in the environment, and :func:`failures` which of those changes would break Colab.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "colab" / "colab-packages.txt"
PREINSTALLED = ROOT / "colab" / "colab-preinstalled.txt"

_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s#]+)\s*(?:#\s*(?P<note>.*))?$")
#: ``name [extras] ranges ; marker`` (PEP 508 without URLs): group 1 is the name.
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~][^;]*)?(?:;.*)?")
DIFFERS = "differs:"
NOT_ON_COLAB = "not on Colab:"


def normalize(name: str) -> str:
    """A distribution name as pip compares them (PEP 503): ``Jinja2`` -> ``jinja2``, ``smart_open`` ->
    ``smart-open``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Package:
    """One line of the package list."""

    name: str
    version: str
    note: str = ""

    @property
    def key(self) -> str:
        return normalize(self.name)

    @property
    def differs(self) -> bool:
        """Installed at another version than Colab's, on purpose (the note says why)."""
        return self.note.startswith(DIFFERS)

    @property
    def on_colab(self) -> bool:
        return not self.note.startswith(NOT_ON_COLAB)

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


def parse_packages(text: str) -> list[Package]:
    """The packages of a list in ``colab-packages.txt``'s format.

    Raises:
        ValueError: a line that is not a comment, blank or ``name==version [# note]`` (the
            message names the line), a package listed twice, or a note that is neither
            ``differs: ...`` nor ``not on Colab: ...``.
    """
    packages: dict[str, Package] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"line {number}: {raw!r} is not `name==version` (optionally `# note`)")
        note = (match["note"] or "").strip()
        if note and not note.startswith((DIFFERS, NOT_ON_COLAB)):
            raise ValueError(
                f"line {number}: a note must start with {DIFFERS!r} or {NOT_ON_COLAB!r}: {raw!r}"
            )
        package = Package(match["name"], match["version"], note)
        if package.key in packages:
            raise ValueError(f"line {number}: {package.name} is listed twice")
        packages[package.key] = package
    return list(packages.values())


def _url_version(name: str, url: str) -> str:
    """The version in a wheel's file name (``torch @ https://.../torch-2.11.0%2Bcpu-cp313-...whl``),
    else the URL itself (a ``git+`` requirement has no version)."""
    filename = unquote(Path(urlparse(url).path).name)
    parts = filename.split("-")
    if filename.endswith(".whl") and len(parts) >= 3 and normalize(parts[0]) == normalize(name):
        return parts[1]
    return url


def parse_freeze(text: str) -> dict[str, str]:
    """name (normalized) -> version, from ``pip freeze`` output; ``name @ URL`` lines get the version
    in the wheel's file name (or the URL). Comments, blank lines and ``-e`` lines are skipped."""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        if " @ " in line:
            name, url = (part.strip() for part in line.split(" @ ", 1))
            found[normalize(name)] = _url_version(name, url)
        elif "==" in line:
            name, version = line.split("==", 1)
            found[normalize(name)] = version.strip()
    return found


def parse_pip_list(text: str) -> dict[str, str]:
    """name (normalized) -> version, from ``pip list --format=json``."""
    return {normalize(item["name"]): str(item["version"]) for item in json.loads(text)}


def mismatches_with_colab(packages: list[Package], colab: dict[str, str]) -> list[str]:
    """Why the list disagrees with Colab's freeze: a version that is not Colab's without a
    ``differs`` note, a ``differs`` note on Colab's own version, or a package Colab lacks that is not
    marked ``not on Colab`` (or one so marked that Colab has)."""
    problems = []
    for p in packages:
        colab_version = colab.get(p.key)
        if not p.on_colab:
            if colab_version is not None:
                problems.append(f"{p.name} is marked 'not on Colab' but Colab has {colab_version}")
        elif colab_version is None:
            problems.append(f"{p.name} is not in Colab's freeze: mark it 'not on Colab: <why>'")
        elif p.differs and colab_version == p.version:
            problems.append(f"{p.name}=={p.version} is Colab's version but is marked 'differs'")
        elif not p.differs and colab_version != p.version:
            problems.append(
                f"{p.name}=={p.version} but Colab has {colab_version}: fix it, or mark it 'differs: <why>'"
            )
    return problems


@dataclass
class Changes:
    """What happened to the installed packages between two snapshots."""

    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (before, after)
    removed: dict[str, str] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed or self.added)


def compare(before: dict[str, str], after: dict[str, str]) -> Changes:
    """The packages whose version changed, that disappeared and that appeared."""
    return Changes(
        changed={n: (v, after[n]) for n, v in sorted(before.items()) if n in after and after[n] != v},
        removed={n: v for n, v in sorted(before.items()) if n not in after},
        added={n: v for n, v in sorted(after.items()) if n not in before},
    )


def requirement_name(requirement: str) -> str:
    """The package a requirement names, normalized: ``"pandas<2"`` -> ``"pandas"``.

    Raises:
        ValueError: ``requirement`` is not ``name[extras] <version ranges>``.
    """
    match = _REQUIREMENT.fullmatch(requirement)
    if match is None:
        raise ValueError(f"{requirement!r} is not a requirement such as 'pandas<2'")
    return normalize(match.group(1))


def same_release(installed: str, listed: str) -> bool:
    """Whether ``installed`` matches ``==listed`` as pip reads it: equal, or the same version with a
    local label (``2.13.0+cpu`` for ``2.13.0``)."""
    return installed == listed or ("+" not in listed and installed.split("+", 1)[0] == listed)


def _release(version: str) -> tuple[int, ...] | None:
    match = re.match(r"(\d+(?:\.\d+)*)", version)
    if match is None:
        return None
    parts = [int(p) for p in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def direction(before: str, after: str) -> str:
    """'upgraded' or 'downgraded' by the release numbers (``7.34.0`` < ``9.19.1``), else 'changed'
    (the same release with another suffix, or a version that is not a number)."""
    old, new = _release(before), _release(after)
    if old is None or new is None or old == new:
        return "changed"
    return "upgraded" if new > old else "downgraded"


def failures(changes: Changes, colab: dict[str, str]) -> list[str]:
    """The changes that would break a Colab runtime: a preinstalled package upgraded, downgraded or
    removed; and a package the install added that Colab preinstalls although the check's list lacks
    it (then the list is incomplete and the check cannot tell what pip would do on Colab)."""
    found = [
        f"{name} {direction(old, new)} from {old} to {new} (Colab preinstalls {old})"
        for name, (old, new) in changes.changed.items()
    ]
    found += [f"{name} {old} was uninstalled" for name, old in changes.removed.items()]
    found += [
        f"{name} {new} was installed, but Colab preinstalls {name} {colab[name]}, which "
        "colab/colab-packages.txt lacks: add it there so that the check installs it first"
        for name, new in changes.added.items()
        if name in colab
    ]
    return found


def new_problems(before: list[str], after: list[str]) -> list[str]:
    """``pip check`` lines present after but not before (requirements a notebook's install broke)."""
    known = set(before)
    return [line for line in after if line not in known]
