"""Fixtures for the grading tests: build the assignments once, into a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tools/assignments.py`` run on every master; returns the output folder."""
    out = tmp_path_factory.mktemp("assignments")
    subprocess.run([sys.executable, str(ROOT / "tools" / "assignments.py"), "--out", str(out)], check=True)
    return out
