"""Fixtures for the grading tests: build the assignments once, into a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m tools.assignments`` run on every master; returns the output folder."""
    out = tmp_path_factory.mktemp("assignments")
    subprocess.run([sys.executable, "-m", "tools.assignments", "--out", str(out)], cwd=ROOT, check=True)
    return out
