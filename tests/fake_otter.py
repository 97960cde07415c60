"""A stand-in for the ``otter`` command, shared by the tests of tools.grade and
tools.assignments: it grades and assigns in milliseconds, and its fixture points
``tools.otter_common.otter_command`` at it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools import otter_common

FAKE_OTTER = r"""
import json, pathlib, sys, time
args = sys.argv[1:]
if args[0] == "run":
    out = pathlib.Path(args[args.index("-o") + 1])
    text = pathlib.Path(args[-1]).read_text()
    print("fake otter grading", args[-1])
    if "LOOP" in text:
        time.sleep(60)
    if "CRASH" in text:
        sys.exit(3)
    scores = json.loads(text)["metadata"]["fake_scores"]
    tests = [{"name": q, "score": s, "max_score": m} for q, (s, m) in scores.items()]
    tests.append({"name": "Public Tests"})
    (out / "results.json").write_text(json.dumps({"tests": tests}))
elif args[0] == "assign":
    master, out = pathlib.Path(args[1]), pathlib.Path(args[2])
    if "BROKEN" in master.read_text():
        sys.exit(1)
    name = master.stem
    (out / "student" / "tests").mkdir(parents=True)
    (out / "autograder").mkdir(parents=True)
    nb = json.loads(master.read_text())
    (out / "student" / master.name).write_text(json.dumps(nb))
    (out / "student" / "tests" / "q1.py").write_text("OK = {'name': 'q1'}\n")
    (out / "autograder" / master.name).write_text(json.dumps(nb))
    (out / "autograder" / f"{name}-autograder_2026_01_01.zip").write_bytes(b"PK")
    (out / "autograder" / "otter_config.json").write_text(json.dumps({"assignment_name": name}))
"""


@pytest.fixture
def fake_otter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "fake_otter.py"
    script.write_text(FAKE_OTTER, encoding="utf-8")
    monkeypatch.setattr(otter_common, "otter_command", lambda: [sys.executable, str(script)])
    return script
