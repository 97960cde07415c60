"""The Colab stand-in environment of :mod:`tools.colab_check`: a fresh virtual environment with Colab's
packages, a stand-in ``google.colab``, a kernel spec, and the kernel's environment variables.

:class:`ColabVenv` builds the environment (Colab's pip first, then every package of
``colab/colab-packages.txt`` with ``--no-deps``), makes it trust the check's throwaway certificate
authority (appended to *its own* certifi bundle, which rnnlib's downloads use), installs the
``google.colab`` stand-in and the IPython start-up file that imports it, takes snapshots
(:meth:`ColabVenv.snapshot`, :meth:`ColabVenv.pip_check`) and puts the environment back to its
first snapshot between notebooks (:meth:`ColabVenv.restore`), as a fresh Colab runtime would be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.colab_packages import Package, compare, parse_pip_list

#: Seconds one pip command may take (torch's wheel alone is ~190 MB).
PIP_TIMEOUT = 1200
#: The kernel's name in the check's kernel spec folder.
KERNEL = "colab-stand-in"

STAND_IN = '''"""A stand-in for Colab's own ``google.colab`` package, made by the course's Colab check
(tools/colab_check.py). On Colab this package is imported when the kernel starts, so
``"google.colab" in sys.modules`` holds in a notebook's first cell; that is all the stand-in does.
It has none of Colab's functions (drive, files, output, ...)."""

STAND_IN = True
'''

SHELL_MODULE = '''"""The stand-in of Colab's kernel shell class (``google.colab._shell.Shell``):
otter-grader tells that it runs on Colab by that name."""


def shell_class(base):
    class Shell(base):
        pass

    return Shell
'''

STARTUP = """# Made by tools/colab_check.py: as on Colab, google.colab is imported when the kernel
# starts, and the kernel's shell is a class of google.colab._shell.
import google.colab
from google.colab import _shell as _colab_shell

_colab_ip = get_ipython()
if _colab_ip is not None:
    _colab_ip.__class__ = _colab_shell.shell_class(type(_colab_ip))
del _colab_ip, _colab_shell
"""

#: Variables of the caller's environment the kernel must not see (the data mirror above all).
DROPPED = (
    "RNNLIB_DATA_MIRROR",
    "RNNLIB_OFFLINE",
    "RNNLIB_CACHE_DIR",
    "RNNLIB_BUILT_ASSIGNMENTS",
    "RNNLIB_PROGRESS",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "JUPYTER_PATH",
    "JUPYTER_CONFIG_DIR",
    "IPYTHONDIR",
    "MPLBACKEND",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "PIP_REQUIRE_VIRTUALENV",
    "GIT_DIR",
    "GIT_WORK_TREE",
)


def run(
    cmd: Sequence[str | os.PathLike[str]], timeout: float, log: Path | None = None, cwd: Path | None = None
) -> str:
    """Run ``cmd`` in ``cwd``; its standard output. Its output is appended to ``log`` when given.

    Raises:
        RuntimeError: it fails or runs past ``timeout`` seconds (the message ends with its output).
    """
    try:
        done = subprocess.run(
            [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{' '.join(map(str, cmd))} ran past {timeout:g} s") from exc
    if log is not None:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"$ {' '.join(map(str, cmd))}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd[:5]))} ... failed:\n{(done.stdout + done.stderr)[-3000:]}"
        )
    return done.stdout


def kernel_env(base: Mapping[str, str], settings: Mapping[str, str], venv_bin: Path) -> dict[str, str]:
    """The kernel's environment: ``base`` without :data:`DROPPED`, the venv's ``bin`` first on PATH,
    and ``settings`` on top."""
    env = {k: v for k, v in base.items() if k not in DROPPED}
    env["PATH"] = os.pathsep.join([str(venv_bin), *[p for p in env.get("PATH", "").split(os.pathsep) if p]])
    env.update(settings)
    return env


class ColabVenv:
    """A virtual environment at ``path`` holding Colab's packages (see the module's docstring)."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.log = log
        self.python = path / "bin" / "python"
        self.baseline: dict[str, str] = {}
        self.baseline_check: list[str] = []

    def python_run(self, *args: str, timeout: float = 120) -> str:
        """This environment's ``python args``, run in its own folder (never in a checkout, whose
        ``rnnlib.egg-info`` would look installed), logged; its standard output."""
        return run([self.python, *args], timeout, self.log, cwd=self.path)

    def pip(self, *args: str, timeout: float = PIP_TIMEOUT) -> str:
        return self.python_run("-m", "pip", "--disable-pip-version-check", *args, timeout=timeout)

    def create(self, packages: Sequence[Package]) -> None:
        """Create it, pip first (at the list's version), then every other package with ``--no-deps``."""
        run([sys.executable, "-m", "venv", self.path], 300, self.log)
        first = [p.requirement for p in packages if p.key == "pip"]
        if first:
            self.pip("install", "-q", *first)
        requirements = self.path / "colab-requirements.txt"
        requirements.write_text(
            "".join(f"{p.requirement}\n" for p in packages if p.key != "pip"), encoding="utf-8"
        )
        self.pip("install", "-q", "--no-deps", "-r", str(requirements))

    def site_packages(self) -> Path:
        return Path(
            self.python_run("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
        )

    def trust(self, ca: Path) -> Path:
        """Append the certificate authority ``ca`` to this environment's certifi bundle; return the bundle."""
        bundle = Path(self.python_run("-c", "import certifi; print(certifi.where())").strip())
        with open(bundle, "a", encoding="ascii") as out:
            out.write("\n# The Colab check's throwaway authority (tools/colab_check.py)\n")
            out.write(ca.read_text(encoding="ascii"))
        return bundle

    def add_stand_in(self, ipython_dir: Path) -> None:
        """The ``google.colab`` stand-in package, and an IPython start-up file (in ``ipython_dir``, the
        kernel's ``IPYTHONDIR``) that imports it when the kernel starts."""
        colab = self.site_packages() / "google" / "colab"
        colab.mkdir(parents=True, exist_ok=True)  # google/ stays a namespace package
        (colab / "__init__.py").write_text(STAND_IN, encoding="utf-8")
        (colab / "_shell.py").write_text(SHELL_MODULE, encoding="utf-8")
        startup = ipython_dir / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-google-colab.py").write_text(STARTUP, encoding="utf-8")

    def kernel_spec(self, folder: Path) -> Path:
        """A kernel spec folder ``folder/kernels/<KERNEL>`` that starts this environment's ipykernel."""
        spec = folder / "kernels" / KERNEL
        spec.mkdir(parents=True, exist_ok=True)
        argv = [str(self.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "Colab stand-in", "language": "python"}, indent=1),
            encoding="utf-8",
        )
        return folder / "kernels"

    def snapshot(self) -> dict[str, str]:
        """name -> version of every installed distribution."""
        return parse_pip_list(self.pip("list", "--format=json", timeout=120))

    def pip_check(self) -> list[str]:
        """``pip check``'s complaints (broken or missing requirements), one per line."""
        done = subprocess.run(
            [str(self.python), "-m", "pip", "check"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.path,
        )
        return [line for line in done.stdout.splitlines() if line.strip() and "No broken" not in line]

    def record_baseline(self) -> None:
        self.baseline = self.snapshot()
        self.baseline_check = self.pip_check()

    def restore(self, now: Mapping[str, str], packages: Sequence[Package]) -> None:
        """Put the environment back to its baseline: uninstall what was added, reinstall what changed.

        Raises:
            RuntimeError: pip fails, or the environment still differs from the baseline afterwards.
        """
        changes = compare(self.baseline, dict(now))
        if changes.added:
            self.pip("uninstall", "-y", "-q", *changes.added)
        listed = {p.key: p.requirement for p in packages}
        back = [listed.get(n, f"{n}=={self.baseline[n]}") for n in [*changes.changed, *changes.removed]]
        if back:
            self.pip("install", "-q", "--no-deps", *back)
        left = compare(self.baseline, self.snapshot())
        if left:
            raise RuntimeError(f"the environment could not be put back to Colab's packages: {left}")
