"""Fixtures for the grading tests: the built assignments, made once per session.

``make grading`` builds them with ``make assignments`` (into ``_build/assignments``, the
folder the site publishes) and names that folder in ``RNNLIB_BUILT_ASSIGNMENTS``, so that
``make test`` builds them once for the tests and the site; the tests only read them. Run
without it (``pytest tests/grading``), the fixture builds its own into a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.assignments import masters

ROOT = Path(__file__).resolve().parents[2]
#: A folder that ``python -m tools.assignments --out`` has just filled (set by ``make grading``).
BUILT_ENV = "RNNLIB_BUILT_ASSIGNMENTS"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of ``python -m tools.assignments`` run on every master."""
    given = os.environ.get(BUILT_ENV, "").strip()
    if given:
        out = Path(given)
        missing = [
            m.parent.name
            for m in masters()
            if not (out / m.parent.name / "autograder" / "questions.json").is_file()
        ]
        if missing:
            pytest.fail(
                f"{BUILT_ENV}={given!r} holds no built assignment for {', '.join(missing)}: "
                f"run `make assignments`, or unset {BUILT_ENV} to let the tests build their own."
            )
        return out
    out = tmp_path_factory.mktemp("assignments")
    subprocess.run([sys.executable, "-m", "tools.assignments", "--out", str(out)], cwd=ROOT, check=True)
    return out
