"""Grade one submission inside a bubblewrap sandbox (``bwrap``), and the driver that runs there.

``make grade`` runs each submission's ``otter run`` through :func:`run_sandboxed`:

- another user (uid/gid 65534), its own process, network, IPC and UTS namespaces
  (``--unshare-all``): no network, and the submission sees only its own processes;
- the whole filesystem read-only (``--ro-bind / /``), with a private ``/tmp`` and the
  sensitive folders hidden behind empty tmpfs overlays (:func:`default_hidden`: the
  repository, with ``_build``, the exercise masters and their hidden tests, the home folder,
  the submissions and the grades); what the grading environment needs to run
  (:func:`default_visible`: ``.venv-grade``, ``rnnlib``, ``tools`` and the Python install)
  is bound back read-only;
- only a fresh private working copy writable: a temporary folder holding a copy of this one
  submission, bound at ``/tmp/grading``; the autograder's files are extracted on the host and
  bound read-only where otter reads them, so the kernel cannot rewrite the tests;
- ``--die-with-parent`` and a pid namespace: killing ``bwrap`` at the time limit kills every
  process of the submission, detached ones included (the namespace dies with its first
  process).

``python -m tools.sandbox drive /tmp/grading`` is the driver that runs inside: otter's own
grading steps (``otter.run.run_autograder.main``), with the tests read from that read-only
folder by absolute paths. Runs in the grading environment (``.venv-grade``).
"""

from __future__ import annotations

import glob as globlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tools import EXIT_CANNOT_RUN

__all__ = [
    "INSTALL_HINT",
    "SandboxError",
    "bwrap_command",
    "bwrap_path",
    "default_hidden",
    "default_visible",
    "drive",
    "extract_autograder",
    "kill_tree",
    "run_sandboxed",
    "tests_digest",
]

ROOT = Path(__file__).resolve().parents[1]
#: Where the private working copy appears inside the sandbox.
INSIDE = Path("/tmp/grading")
INSTALL_HINT = (
    "install bubblewrap (`apt-get install -y bubblewrap`; `make grade` does it when `bwrap` is "
    "missing), or grade without a sandbox with --no-sandbox (make grade SANDBOX=0), which lets a "
    "submission read the hidden tests and set its own grade"
)
#: Environment variables passed into the sandbox (everything else is cleared).
PASSED_ENV = ("LANG", "LC_ALL", "TZ", "RNNLIB_FAST", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED")


class SandboxError(RuntimeError):
    """The sandbox cannot be used (``bwrap`` is missing or does not work here)."""


def bwrap_path() -> str:
    """The ``bwrap`` program; a :class:`SandboxError` saying how to get it when it is missing."""
    found = shutil.which("bwrap")
    if not found:
        raise SandboxError(f"`bwrap` (bubblewrap) is not installed: {INSTALL_HINT}")
    return found


def default_hidden(*extra: Path) -> list[Path]:
    """Folders the submission must not see: the repository (``_build``, ``exercises``, ...),
    the home folder and ``extra`` (the submissions, the grades, the built assignments)."""
    home = Path.home()
    return [ROOT, *([home] if home != Path("/") else []), *extra]


def default_visible() -> list[Path]:
    """What grading needs, bound back read-only inside the hidden folders: the grading
    environment, the editable ``rnnlib`` it imports, ``tools`` (the driver) and the Python
    install the environment's interpreter links to."""
    prefix = Path(sys.prefix)
    return [
        prefix,
        ROOT / "rnnlib",
        ROOT / "tools",
        Path(sys.base_prefix).resolve(),
        Path(sys.executable).resolve().parents[1],
    ]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def bwrap_command(
    argv: Sequence[str],
    work: Path,
    *,
    hidden: Iterable[Path],
    visible: Iterable[Path],
    read_only: Iterable[tuple[Path, Path]] = (),
    bwrap: str = "bwrap",
) -> list[str]:
    """The ``bwrap`` command line that runs ``argv`` in ``work`` (bound read-write at
    ``/tmp/grading``, the only writable place besides the rest of a private ``/tmp``).

    Args:
        hidden: folders replaced by empty read-only tmpfs overlays (missing ones are
            skipped; those under ``/tmp`` are overlaid inside the private ``/tmp``).
        visible: folders inside a hidden one that are bound back read-only.
        read_only: (host path, path inside) pairs bound read-only after ``work``, for
            instance the autograder's tests over the place otter reads them from.

    Raises:
        ValueError: ``work`` lies inside a hidden folder, or a hidden folder is ``/``.
    """
    tmp = Path("/tmp")
    hide = sorted({p.resolve() for p in hidden if p.exists()}, key=lambda p: len(p.parts))
    # Folders under /tmp are hidden too: the private /tmp would otherwise leave a writable,
    # empty place where the repository (say, a clone in /tmp) is expected to be read-only.
    # A folder inside another hidden one is hidden already (and a mount point would show it).
    hide = [p for p in hide if not any(_inside(p, q) and p != q for q in hide)]
    if any(p == Path("/") for p in hide):
        raise ValueError("the sandbox cannot hide / itself: name the folders to hide")
    roots = [tmp, *hide]
    cmd = [bwrap, "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534"]
    cmd += ["--die-with-parent", "--new-session", "--clearenv"]
    cmd += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in hide:
        cmd += ["--tmpfs", str(path)]
    back = sorted({p.resolve() for p in visible if p.exists()}, key=lambda p: len(p.parts))
    for path in back:
        if any(_inside(path, h) for h in roots):
            cmd += ["--ro-bind", str(path), str(path)]
    for path in hide:  # empty and read-only: nothing to read, nowhere to write
        cmd += ["--remount-ro", str(path)]
    cmd += ["--bind", str(work.resolve()), str(INSIDE)]
    for host, inside in read_only:
        cmd += ["--ro-bind", str(host.resolve()), str(inside)]
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        **{k: os.environ[k] for k in PASSED_ENV if k in os.environ},
    }
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--chdir", str(INSIDE), "--", *argv]
    return cmd


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``proc``'s process group and wait for it. For ``bwrap`` this ends the whole
    sandbox: its first process dies with its parent (``--die-with-parent``), and with it
    every process of its pid namespace, detached ones included."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_sandboxed(cmd: Sequence[str], log: Path, timeout: float) -> int | None:
    """Run ``cmd`` (a :func:`bwrap_command`, or a plain one) with its output in ``log``;
    its exit status, or None when it ran past ``timeout`` seconds and was killed."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            return None


def extract_autograder(zip_path: Path, dest: Path) -> None:
    """Extract an autograder zip into ``dest`` (on the host, before the sandbox starts).

    Raises:
        ValueError: the zip is unreadable or has a member outside ``dest``.
    """
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for name in zf.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise ValueError(f"{zip_path}: member {name!r} lies outside the archive")
            zf.extractall(dest)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{zip_path} is not a zip ({exc}): run `make assignments`") from exc


def tests_digest(zip_path: Path) -> dict[str, str]:
    """tests/<file> -> sha256 of every test file in an autograder zip."""
    with zipfile.ZipFile(zip_path) as zf:
        return {
            n: hashlib.sha256(zf.read(n)).hexdigest()
            for n in zf.namelist()
            if n.startswith("tests/") and not n.endswith("/")
        }


def folder_digest(folder: Path) -> dict[str, str]:
    """tests/<file> -> sha256 of every file under ``folder`` (an extracted ``tests``)."""
    return {
        f"tests/{p.relative_to(folder).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


#: Appended to otter's first cell (run before any student code), a ``str.format`` template
#: (no braces): records every function, class and method of the libraries the tests use.
SNAPSHOT_CELL = """

def _sandbox_snapshot():
    import sys, types
    import math, pickle, numpy, torch, torch.nn, torch.nn.functional
    import otter.execute, otter.test_files, otter.test_files.abstract_test, otter.test_files.exception_test
    watched = ("torch", "numpy", "math", "pickle", "otter")
    kinds = (classmethod, staticmethod, property)
    snap = dict()
    for name, mod in list(sys.modules.items()):
        if not isinstance(mod, types.ModuleType) or name.split(".")[0] not in watched:
            continue
        for key, value in list(vars(mod).items()):
            if callable(value) or isinstance(value, kinds):
                snap[(name, key, None)] = value
            if isinstance(value, type) and str(getattr(value, "__module__", "")).split(".")[0] in watched:
                for attr, member in list(vars(value).items()):
                    if callable(member) or isinstance(member, kinds):
                        snap[(name, key, attr)] = member

    def changed():
        out = []
        for (name, key, attr), value in snap.items():
            mod = sys.modules.get(name)
            now = vars(mod).get(key) if mod is not None else None
            if attr is not None:
                now = vars(now).get(attr) if isinstance(now, type) else None
            if now is not value:
                out.append(name + "." + key + ("." + attr if attr else ""))
        return out

    return changed


_sandbox_changed = _sandbox_snapshot()
del _sandbox_snapshot
"""
#: Inserted in otter's last cell, after the tests ran and before their results are saved.
VERIFY_CELL = f"""
_sandbox_patched = _sandbox_changed()
if _sandbox_patched:
    import json as _sandbox_json
    with open("{INSIDE}/autograder/results/patched.json", "w") as _sandbox_file:
        _sandbox_json.dump(_sandbox_patched[:20], _sandbox_file)
    raise RuntimeError("the submission replaced functions the tests use")
"""


def drive(work: Path) -> None:
    """Inside the sandbox: grade ``work/autograder/submission/*.ipynb`` with otter's own steps.

    ``work/autograder/source`` (the extracted autograder) and
    ``work/autograder/submission/tests`` are read-only binds made by the host, so otter's
    step that copies the tests into the submission folder is replaced by one that only adds
    the ``__init__.py`` files; the tests are named to the kernel by absolute paths, and the
    results the notebook's own ``grader.check`` calls registered are dropped before the final
    run of every test, so a submission that changes folder cannot substitute its own tests.
    """
    from otter.execute import preprocessor
    from otter.run.run_autograder import main as run_autograder_main
    from otter.run.run_autograder.runners import python_runner

    def prepare_files(self: object) -> None:
        files = Path("source/files")
        if files.is_dir():
            for item in files.iterdir():
                target = Path("submission") / item.name
                if item.is_dir() and not target.exists():
                    shutil.copytree(item, target)
                elif item.is_file():
                    shutil.copy(item, target)
        Path("__init__.py").touch()
        Path("submission/__init__.py").touch()

    def glob(pattern: str) -> list[str]:
        found = globlib.glob(pattern)
        return [os.path.abspath(p) for p in found] if pattern.startswith("./tests") else found

    original_grade = python_runner.grade_notebook

    def grade_notebook(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("test_dir"):
            kwargs["test_dir"] = os.path.abspath(kwargs["test_dir"])
        return original_grade(*args, **kwargs)

    python_runner.grade_notebook = grade_notebook
    # The grade comes from every test run again at the end, from the read-only folder: what
    # the notebook's own grader.check calls registered (tests it may have substituted) is
    # dropped. Before any student code runs, the functions and classes of the libraries the
    # tests use are recorded; after the tests, a submission that replaced one gets no results.
    preprocessor.INIT_CELL_SOURCE += SNAPSHOT_CELL
    export = preprocessor.EXPORT_CELL_SOURCE
    if "\nimport pickle\n" not in export:
        raise RuntimeError("otter's export cell changed: update tools/sandbox.py's drive()")
    preprocessor.EXPORT_CELL_SOURCE = (
        "from otter.execute import Checker\nChecker.clear_results()\n"
        + export.replace("\nimport pickle\n", "\n" + VERIFY_CELL + "\nimport pickle\n")
    )
    python_runner.PythonRunner.prepare_files = prepare_files
    # otter rewrites otter_config.json to drop Gradescope tokens: ours has none, and it is read-only.
    python_runner.PythonRunner.sanitize_tokens = lambda self: None
    python_runner.glob = glob
    ag_dir = work / "autograder"
    (ag_dir / "results").mkdir(parents=True, exist_ok=True)
    (ag_dir / "submission_metadata.json").write_text("{}")
    run_autograder_main(str(ag_dir), logo=False, debug=False, otter_run=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "drive":
        print(
            "usage: python -m tools.sandbox drive WORKDIR (run by tools.otter_common inside bwrap)",
            file=sys.stderr,
        )
        sys.exit(EXIT_CANNOT_RUN)
    drive(Path(sys.argv[2]))
