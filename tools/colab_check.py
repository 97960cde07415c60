"""Run every notebook as a student on Google Colab would, on this machine (``make colab-check``).

What it sets up, all on 127.0.0.1 and in a temporary folder removed at the end:

1. a fresh virtual environment holding Colab's preinstalled packages at Colab's versions
   (``colab/colab-packages.txt``; :mod:`tools.colab_env`), with a stand-in ``google.colab`` that
   the kernel imports when it starts, so the notebooks' ``if "google.colab" in sys.modules:``
   branch runs their ``%pip install`` line, unchanged;
2. this repository served over git's dumb HTTP protocol, the notebooks' repository URL
   (``repository.url`` in ``_config.yml``) redirected to it by git's ``insteadOf``
   (:mod:`tools.colab_repo`), so pip installs the pinned release (``course.rnnlib_release``);
3. every dataset's public archive rebuilt from the data mirror (:mod:`tools.colab_data`) and served
   at its public URL by an HTTPS-intercepting proxy (``https_proxy``; :mod:`tools.colab_servers`)
   whose throwaway authority only that environment trusts; pip's package index passes through.
   The kernel gets no ``RNNLIB_DATA_MIRROR`` and an empty ``RNNLIB_CACHE_DIR``.

Then each chapter notebook (``RNNLIB_FAST=1``) and the solved student version of each chapter's
exercises runs top to bottom in a fresh kernel (:mod:`tools.colab_notebooks`), the environment put
back to Colab's packages before each one, as in a new Colab runtime. A notebook fails when a cell
raises, pip reports an error, a public check of a solved exercise does not pass, its install
upgraded, downgraded or removed a package Colab preinstalls, or it broke a requirement ``pip check``
had found met (:mod:`tools.colab_packages`). Executed notebooks and the summary are written to
``_build/colab-check/``.

Usage: python -m tools.colab_check [--only TEXT ...] [--timeout S] [--plant REQ | --try REQ] [--keep]

``--plant 'pandas<2'`` serves a copy of the repository whose release requires that range instead of
its own for the package (or in addition to its ranges, for a package it does not name) and points
the notebooks' install line at it: the check must then fail and name the package, and with
``--plant`` the exit status is 0 when it did. ``--try 'ipython>=7.34'`` serves such a release too,
judged as usual: a fix tried before a release is cut.

The archives follow this checkout's ``rnnlib.core.catalog``; a pinned release whose catalog differs
shows up as a download answered 404 or a checksum error in the notebook, not as a pass.

Exit status (see :mod:`tools`): 0 every notebook passed, 1 one failed, 2 the check could not be set up.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from tools import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from tools.colab_data import build_archives
from tools.colab_env import KERNEL, ColabVenv, kernel_env
from tools.colab_notebooks import (
    Job,
    build_exercise,
    chapter_notebooks,
    exercise_masters,
    failed_checks,
    install_errors,
    install_seconds,
    retarget,
    run_notebook,
)
from tools.colab_packages import (
    PACKAGES,
    PREINSTALLED,
    Package,
    compare,
    failures,
    mismatches_with_colab,
    new_problems,
    parse_freeze,
    parse_packages,
    requirement_name,
    same_release,
)
from tools.colab_repo import RepoError, bare_copy, course_config, insteadof_config, plant
from tools.colab_report import Result, plant_detected, report
from tools.colab_servers import GitServer, InterceptProxy, make_certificates

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "colab-check"
OTTER = ROOT / ".venv-grade" / "bin" / "otter"
SERVED_NAME = "rnn-course.git"
#: Versions printed in the summary (all of them are in the package list).
SHOWN = (
    "python",
    "torch",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "ipython",
    "ipykernel",
    "ipywidgets",
    "traitlets",
    "jupyter-client",
    "nbclient",
    "tqdm",
    "pooch",
    "pip",
)


class CannotRun(RuntimeError):
    """The check cannot be set up (the message says what is missing)."""


@dataclass
class Harness:
    """What :func:`setup` made: the environment, its servers and what the notebooks install."""

    venv: ColabVenv
    packages: list[Package]
    colab: dict[str, str]
    proxy: InterceptProxy
    git_server: GitServer
    kernels: Path
    settings: dict[str, str]
    commit: str
    public_url: str
    unservable: list[str]
    note: str = ""


def mirror_dir(given: Path | None) -> Path:
    mirror = given or Path(os.environ.get("RNNLIB_DATA_MIRROR") or ROOT.parent / "shared" / "data")
    if not (mirror / "names").is_dir():
        raise CannotRun(
            f"no data mirror at {mirror}: give --mirror or set RNNLIB_DATA_MIRROR (the archives come from it)"
        )
    return mirror


def read_packages() -> tuple[list[Package], dict[str, str]]:
    packages = parse_packages(PACKAGES.read_text(encoding="utf-8"))
    colab = parse_freeze(PREINSTALLED.read_text(encoding="utf-8"))
    problems = mismatches_with_colab(packages, colab)
    if problems:
        raise CannotRun(f"{PACKAGES.name} disagrees with {PREINSTALLED.name}: " + "; ".join(problems))
    return packages, colab


def setup(args: argparse.Namespace, tmp: Path, stack: contextlib.ExitStack) -> Harness:
    """Everything the notebooks run in: servers, repository, environment (see the module's docstring)."""
    for tool in ("git", "openssl"):
        if shutil.which(tool) is None:
            raise CannotRun(f"the `{tool}` command is missing: install it")
    packages, colab = read_packages()
    public_url, release = course_config()
    routes, unservable = build_archives(mirror_dir(args.mirror), tmp / "archives")
    certificates = make_certificates(tmp / "tls", {r.host for r in routes})
    proxy = stack.enter_context(InterceptProxy(routes, certificates))
    (tmp / "git").mkdir()
    try:
        bare = bare_copy(ROOT, tmp / "git" / SERVED_NAME, release)
        changed = args.plant or args.try_
        commit = plant(bare, release, changed, tmp / "plant") if changed else release
    except RepoError as exc:
        raise CannotRun(str(exc)) from exc
    git_server = stack.enter_context(GitServer(tmp / "git"))
    git_config = tmp / "gitconfig"
    git_config.write_text(insteadof_config(git_server.url(SERVED_NAME), public_url), encoding="utf-8")
    print(f"building the Colab environment ({len(packages)} packages) in {tmp / 'venv'} ...", flush=True)
    venv = ColabVenv(tmp / "venv", tmp / "pip.log")
    venv.create(packages)
    venv.trust(certificates.ca)
    venv.add_stand_in(tmp / "ipython")
    venv.record_baseline()
    wrong = [
        f"{p.name} {venv.baseline.get(p.key)} (listed {p.version})"
        for p in packages
        if p.key not in venv.baseline or not same_release(venv.baseline[p.key], p.version)
    ]
    if wrong:
        raise CannotRun(f"the new environment does not hold the listed versions: {', '.join(wrong)}")
    settings = {
        "https_proxy": proxy.url,
        "HTTPS_PROXY": proxy.url,
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
        "GIT_CONFIG_GLOBAL": str(git_config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "IPYTHONDIR": str(tmp / "ipython"),
        "PIP_CACHE_DIR": str(tmp / "pip-cache"),
        "PIP_NO_INPUT": "1",
        # ipykernel 6.17's debugger warns about frozen modules on every start: noise, not a finding
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "RNNLIB_FAST": "1",
    }
    kernels = venv.kernel_spec(tmp / "jupyter")
    note = ""
    if changed:
        note = f" (the release {release[:12]} plus {'--try' if args.try_ else '--plant'} {changed!r})"
    return Harness(
        venv, packages, colab, proxy, git_server, kernels, settings, commit, public_url, unservable, note
    )


def select(labels: list[str], only: list[str]) -> list[str]:
    return [label for label in labels if not only or any(text in label for text in only)]


def jobs(args: argparse.Namespace, tmp: Path, release: str, commit: str) -> list[Job]:
    """The notebooks to run, as students get them (the planted commit in their install line if any)."""
    chapters = {str(p.relative_to(ROOT)): p for p in chapter_notebooks()}
    exercises = {str(p.relative_to(ROOT)): p for p in exercise_masters()}
    todo: list[Job] = []
    for label in select(list(chapters), args.only):
        todo.append(Job(label, nbformat.read(chapters[label], as_version=4)))
    wanted = select(list(exercises), args.only)
    if wanted and not OTTER.exists():
        raise CannotRun(
            f"{OTTER} is missing: run `make grade-env` (otter assign builds the student notebooks)"
        )
    for label in wanted:
        master = exercises[label]
        nb = build_exercise(master, tmp / "assign" / master.parent.name, OTTER)
        todo.append(Job(f"{label} (solved student version)", nb, exercise=True))
    if commit != release:
        for job in todo:
            if not retarget(job.notebook, release, commit):
                raise CannotRun(
                    f"{job.label} does not name the release {release}: cannot point it at the plant"
                )
    if not todo:
        raise CannotRun(f"no notebook matches --only {' '.join(args.only)}")
    return todo


def installed_rnnlib(venv: ColabVenv) -> dict[str, Any]:
    """pip's record (direct_url.json) of where the installed rnnlib came from; {} if none."""
    code = (
        "import importlib.metadata as m\n"
        "try:\n    print(m.distribution('rnnlib').read_text('direct_url.json') or '{}')\n"
        "except m.PackageNotFoundError:\n    print('{}')\n"
    )
    return dict(json.loads(venv.python_run("-c", code) or "{}"))


def check_one(job: Job, h: Harness, tmp: Path, timeout: float) -> Result:
    """Run one notebook from Colab's packages and judge what it did."""
    now = h.venv.snapshot()
    if compare(h.venv.baseline, now):
        h.venv.restore(now, h.packages)
    slug = re.sub(r"[^\w.-]+", "_", job.label.replace(".ipynb", "")).strip("_")
    workdir = tmp / "run" / slug
    workdir.mkdir(parents=True)
    env = kernel_env(
        os.environ, {**h.settings, "RNNLIB_CACHE_DIR": str(tmp / "cache" / slug)}, h.venv.python.parent
    )
    h.proxy.take_requests()
    run = run_notebook(job.notebook, workdir, h.kernels, KERNEL, env, timeout)
    OUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(job.notebook, OUT / f"{slug}.ipynb")
    result = Result(job.label, run)
    changes = compare(h.venv.baseline, h.venv.snapshot())
    result.problems += failures(changes, h.colab)
    result.problems += [f"pip: {line}" for line in install_errors(job.notebook)]
    result.problems += [
        f"pip check: {line}" for line in new_problems(h.venv.baseline_check, h.venv.pip_check())
    ]
    if job.exercise:
        result.problems += [f"public check did not pass: {line}" for line in failed_checks(job.notebook)]
    origin = installed_rnnlib(h.venv)
    vcs = origin.get("vcs_info")
    commit = vcs.get("commit_id") if isinstance(vcs, dict) else None
    if not origin:
        result.problems.append(
            "rnnlib is not installed after the run: its install failed or its Colab branch did not run"
        )
    elif origin.get("url") != h.public_url or commit != h.commit:
        result.problems.append(
            f"rnnlib came from {origin.get('url')} at {commit}, not {h.public_url}@{h.commit}"
        )
    if "RNNLIB_DATA_MIRROR" in run.error or "no public copy" in run.error:
        result.problems.append(
            f"needs a dataset without a public URL ({', '.join(h.unservable)}): it cannot run on Colab"
        )
    seen = h.proxy.take_requests()
    served = [r for r in seen if r.host in h.proxy.hosts]
    result.problems += [
        f"no archive for https://{r.host}{r.path} (HTTP {r.status})" for r in served if r.status == 404
    ]
    downloads = [f"{r.host}{r.path} ({r.size / 1e6:.1f} MB)" for r in served if r.status == 200]
    result.notes.append(f"datasets downloaded: {', '.join(downloads) or 'none'}")
    seconds = install_seconds(job.notebook)
    if seconds is not None:
        result.notes.append(f"install cell {seconds:.0f} s")
    added = [f"{n} {v}" for n, v in changes.added.items()]
    result.notes.append(f"the install added: {', '.join(added) or 'nothing'}")
    return result


def header(h: Harness) -> list[str]:
    source = re.search(r"commit ([0-9a-f]{40}) of (\d{4}-\d{2}-\d{2})", PACKAGES.read_text(encoding="utf-8"))
    versions = {"python": platform.python_version(), **h.venv.baseline}
    return [
        f"Colab's packages: {PACKAGES.relative_to(ROOT)} (googlecolab/backend-info "
        f"{source.group(1)[:12] if source else '?'} of {source.group(2) if source else '?'}); "
        f"Colab runs Python 3.13 and its own torch; here Python {platform.python_version()}, a CPU torch",
        "versions used: " + ", ".join(f"{name} {versions[name]}" for name in SHOWN if name in versions),
        f"rnnlib: {h.public_url}@{h.commit}{h.note}, served from {h.git_server.url(SERVED_NAME)}",
        f"datasets without a public URL (not served, as on Colab): {', '.join(h.unservable) or 'none'}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.colab_check",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="run the notebooks whose path contains TEXT",
    )
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds one notebook may take (default 900)"
    )
    changed = parser.add_mutually_exclusive_group()
    changed.add_argument(
        "--plant",
        metavar="REQUIREMENT",
        help="serve a release that requires this, e.g. 'pandas<2'; must fail",
    )
    changed.add_argument(
        "--try",
        dest="try_",
        metavar="REQUIREMENT",
        help="serve a release that requires this, e.g. 'ipython>=7.34', and judge it as usual",
    )
    parser.add_argument(
        "--mirror", type=Path, help="the data mirror (default: RNNLIB_DATA_MIRROR, else ../shared/data)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    planted = None
    for option, value in (("--plant", args.plant), ("--try", args.try_)):
        try:
            name = requirement_name(value) if value else None
        except ValueError as exc:
            parser.error(f"{option} {value!r}: {exc}")
        if option == "--plant":
            planted = name
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="colab-check-"))
    results: list[Result] = []
    try:
        with contextlib.ExitStack() as stack:
            h = setup(args, tmp, stack)
            todo = jobs(args, tmp, course_config()[1], h.commit)
            lines = header(h)
            shutil.rmtree(OUT, ignore_errors=True)  # the executed notebooks of this run only
            print("\n".join(lines), flush=True)
            for job in todo:
                print(f"running {job.label} ...", flush=True)
                results.append(check_one(job, h, tmp, args.timeout))
                print(report([], results[-1:], time.perf_counter() - start).rsplit("\n\n", 1)[0], flush=True)
    except (CannotRun, RepoError, FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"colab-check could not run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    text = report(["", "Summary", *lines], results, time.perf_counter() - start)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.txt").write_text(text + "\n", encoding="utf-8")
    if planted is not None:
        named = plant_detected(results, planted)
        print(f"planted {args.plant!r}: " + (f"detected in {', '.join(named)}" if named else "NOT detected"))
        return EXIT_OK if named else EXIT_FAILED
    return EXIT_OK if results and all(r.ok for r in results) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
