"""tools.sandbox: the bubblewrap command line, and (where ``bwrap`` is installed) what a
process inside can see, write and leave behind. otter itself is not needed: the commands
run are small Python scripts. The grading of real submissions in the sandbox is tested by
tests/grading/test_hostile.py (``make grading``, which installs bubblewrap)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from tools import EXIT_CANNOT_RUN, sandbox

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (make grading installs it)"
)


def in_sandbox(work: Path, code: str, *hidden: Path, timeout: float = 60) -> tuple[int | None, str]:
    cmd = sandbox.bwrap_command(
        [sys.executable, "-c", code],
        work,
        hidden=sandbox.default_hidden(*hidden),
        visible=sandbox.default_visible(),
        bwrap=sandbox.bwrap_path(),
    )
    log = work.parent / f"{work.name}.log"
    code_ = sandbox.run_sandboxed(cmd, log, timeout)
    return code_, log.read_text()


def test_command_hides_folders_and_binds_the_work_copy(tmp_path: Path) -> None:
    hidden_dir = Path("/var")
    under_tmp = tmp_path.parent / f"{tmp_path.name}-repo"  # e.g. a clone of the course in /tmp
    under_tmp.mkdir()
    cmd = sandbox.bwrap_command(
        ["python", "x.py"],
        tmp_path,
        hidden=[hidden_dir, under_tmp, Path("/does/not/exist"), Path("/var/lib")],
        visible=[Path("/var/lib"), Path("/usr")],
        read_only=[(tmp_path, sandbox.INSIDE / "ro")],
    )
    text = " ".join(cmd)
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--uid 65534", "--ro-bind / /"):
        assert flag in text
    assert "--tmpfs /var" in text and "--tmpfs /tmp" in text and "--tmpfs /var/lib" not in text
    assert "/does/not/exist" not in text  # missing: nothing to hide
    assert f"--tmpfs {under_tmp.resolve()}" in text and f"--remount-ro {under_tmp.resolve()}" in text
    assert "--ro-bind /var/lib /var/lib" in text and "--ro-bind /usr /usr" not in text
    assert f"--bind {tmp_path} {sandbox.INSIDE} --ro-bind {tmp_path} {sandbox.INSIDE / 'ro'}" in text
    assert cmd[-3:] == ["--", "python", "x.py"]


def test_command_refuses_to_hide_the_root(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot hide /"):
        sandbox.bwrap_command(["true"], tmp_path, hidden=[Path("/")], visible=[])


def test_missing_bwrap_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxError, match=r"apt-get install -y bubblewrap.*--no-sandbox"):
        sandbox.bwrap_path()


def test_extract_and_digest(tmp_path: Path) -> None:
    good = tmp_path / "ag.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("tests/q1.py", "OK = 1\n")
        zf.writestr("otter_config.json", "{}")
    sandbox.extract_autograder(good, tmp_path / "src")
    assert sandbox.folder_digest(tmp_path / "src" / "tests") == sandbox.tests_digest(good)
    (tmp_path / "src" / "tests" / "q1.py").write_text("OK = 2\n")
    assert sandbox.folder_digest(tmp_path / "src" / "tests") != sandbox.tests_digest(good)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escape.py", "")
    with pytest.raises(ValueError, match="outside the archive"):
        sandbox.extract_autograder(evil, tmp_path / "src2")
    (tmp_path / "bad.zip").write_text("no zip")
    with pytest.raises(ValueError, match="not a zip"):
        sandbox.extract_autograder(tmp_path / "bad.zip", tmp_path / "src3")


@needs_bwrap
def test_inside_another_user_sees_nothing_hidden_and_writes_only_its_copy(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    secret = Path.home() / f".sandbox-test-{uuid.uuid4().hex}"
    secret.write_text("secret")
    try:
        code, log = in_sandbox(
            work,
            f"""
import os, socket
print("uid", os.getuid())
print("repo", sorted(os.listdir({str(sandbox.ROOT)!r})))
print("secret", os.path.exists({str(secret)!r}))
for target in ({str(sandbox.ROOT / "x")!r}, "/etc/x", {str(sandbox.ROOT / "rnnlib" / "x")!r}):
    try:
        open(target, "w")
        print("wrote", target)
    except OSError as exc:
        print("refused", exc.errno)
open("mine.txt", "w").write("ok")
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    print("network")
except OSError:
    print("no network")
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
""",
        )
    finally:
        secret.unlink()
    assert code == 0, log
    assert "uid 65534" in log and "secret False" in log and "no network" in log
    repo_line = next(line for line in log.splitlines() if line.startswith("repo"))
    assert "exercises" not in repo_line and "_build" not in repo_line and "rnnlib" in repo_line
    assert "wrote" not in log and log.count("refused") == 3, log
    assert (work / "mine.txt").read_text() == "ok"
    pids = next(line for line in log.splitlines() if line.startswith("pids"))
    assert len(eval(pids[5:])) <= 3, pids  # its own pid namespace: bwrap's init, python


def surviving(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and token.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@needs_bwrap
def test_the_time_limit_kills_every_process_detached_ones_included(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    token = f"sandbox-token-{uuid.uuid4().hex}"
    child = (
        f"import time, pathlib  # {token}\n"
        "while True:\n"
        "    pathlib.Path('marker').touch()\n"
        "    time.sleep(0.1)\n"
    )
    code, _ = in_sandbox(
        work,
        f"""
import subprocess, sys, time  # {token}
subprocess.Popen(["setsid", sys.executable, "-c", {child!r}], start_new_session=True)
time.sleep(0.5)
sum(range(10**18))  # holds the interpreter lock
""",
        timeout=4,
    )
    assert code is None, "the loop was not stopped at the time limit"
    time.sleep(1)
    marker = work / "marker"
    assert marker.exists(), "the detached child never ran"
    before = marker.stat().st_mtime_ns
    time.sleep(1)
    assert marker.stat().st_mtime_ns == before, "a detached process still runs"
    assert surviving(token) == []


def test_run_sandboxed_without_bwrap_also_kills_its_group(tmp_path: Path) -> None:
    started = time.monotonic()
    code = sandbox.run_sandboxed([sys.executable, "-c", "sum(range(10**18))"], tmp_path / "log", 1)
    assert code is None and time.monotonic() - started < 10
    assert os.path.exists(tmp_path / "log")


@pytest.mark.parametrize("args", [[], ["drive"], ["run", "/tmp/grading"]], ids=["none", "no-dir", "other"])
def test_the_driver_refuses_other_arguments_with_exit_status_2(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", *args],
        cwd=sandbox.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_CANNOT_RUN == 2
    assert done.stderr.startswith("usage: python -m tools.sandbox drive WORKDIR")
