"""The pure parts of the Colab check (tools/colab_*.py), and its servers on the loopback.

The whole check (`make colab-check`) builds an environment and runs every notebook: it is not part
of `make test`. These tests run in seconds, without network: the package list and its parsing, the
comparison of two pip snapshots (a planted incompatibility must be named), the rebuilt dataset
archives (their members extract to files with the catalog's SHA-256), the intercepting proxy and
the git server, the insteadOf configuration and the notebook helpers.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
import tomllib

from rnnlib.core import download
from rnnlib.core.catalog import REGISTRY
from rnnlib.core.local_data import sha256_of
from rnnlib.core.registry import DataFile, DatasetSpec
from rnnlib.core.unpack import extract_member
from tools import EXIT_CANNOT_RUN, colab_check
from tools.colab_data import (
    ROOT_CLOSE,
    ROOT_OPEN,
    Route,
    build_archives,
    github_codeload,
    original_bytes,
    sha256,
)
from tools.colab_env import DROPPED, KERNEL, SHELL_MODULE, STAND_IN, STARTUP, ColabVenv, kernel_env
from tools.colab_notebooks import (
    Run,
    error_cell,
    failed_checks,
    fill_answers,
    install_errors,
    install_seconds,
    retarget,
    run_notebook,
)
from tools.colab_packages import (
    PACKAGES,
    PREINSTALLED,
    Changes,
    compare,
    direction,
    failures,
    mismatches_with_colab,
    new_problems,
    normalize,
    parse_freeze,
    parse_packages,
    parse_pip_list,
    requirement_name,
    same_release,
)
from tools.colab_repo import bare_copy, course_config, git, insteadof_config, plant, plant_pyproject
from tools.colab_report import Result, plant_detected, report
from tools.colab_servers import GitServer, InterceptProxy, make_certificates

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- the package list


def test_parse_packages_reads_versions_and_notes() -> None:
    text = (
        "# a comment\n\npip==24.1.2\nJinja2==3.1.6\n"
        "torch==2.13.0  # differs: Colab 2.11.0: only this one installs here\n"
        "overrides==7.7.0  # not on Colab: Python 3.11 only\n"
    )
    packages = parse_packages(text)
    assert [(p.name, p.version, p.key) for p in packages] == [
        ("pip", "24.1.2", "pip"),
        ("Jinja2", "3.1.6", "jinja2"),
        ("torch", "2.13.0", "torch"),
        ("overrides", "7.7.0", "overrides"),
    ]
    torch, overrides = packages[2], packages[3]
    assert torch.differs and torch.on_colab and torch.requirement == "torch==2.13.0"
    assert overrides.on_colab is False and not overrides.differs
    assert not packages[1].differs and packages[1].on_colab


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("numpy>=2\n", "line 1"),
        ("numpy==2.1.3\nNumPy==2.1.3\n", "listed twice"),
        ("numpy==2.1.3  # because\n", "a note must start"),
    ],
)
def test_parse_packages_refuses_bad_lines(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_packages(text)


def test_parse_freeze_reads_pins_wheel_urls_and_git_urls() -> None:
    text = (
        "# header\nnumpy==2.1.3\nsmart_open==8.0.1\n"
        "torch @ https://download.pytorch.org/whl/cpu/torch-2.11.0%2Bcpu-cp313-cp313-manylinux_2_28_x86_64.whl\n"
        "jupyter_kernel_gateway @ git+https://github.com/googlecolab/kernel_gateway@b134e99\n"
        "-e git+https://example.org/x#egg=x\n"
    )
    found = parse_freeze(text)
    assert found["numpy"] == "2.1.3" and found["smart-open"] == "8.0.1"
    assert found["torch"] == "2.11.0+cpu"
    assert found["jupyter-kernel-gateway"].startswith("git+https://")
    assert len(found) == 4


def test_parse_pip_list_normalizes_names() -> None:
    text = json.dumps([{"name": "Jinja2", "version": "3.1.6"}, {"name": "smart_open", "version": "8.0.1"}])
    assert parse_pip_list(text) == {"jinja2": "3.1.6", "smart-open": "8.0.1"}


def test_mismatches_with_colab_finds_each_kind() -> None:
    colab = {"numpy": "2.1.3", "torch": "2.11.0+cpu", "pandas": "2.2.3"}
    packages = parse_packages(
        "numpy==2.0.0\n"  # not Colab's, no note
        "torch==2.11.0+cpu  # differs: but it is Colab's\n"
        "pandas==2.2.3  # not on Colab: but Colab has it\n"
        "gensim==4.4.0\n"  # Colab lacks it, no note
    )
    problems = mismatches_with_colab(packages, colab)
    assert len(problems) == 4
    assert "numpy==2.0.0 but Colab has 2.1.3" in problems[0]
    assert "marked 'differs'" in problems[1] and "Colab has 2.2.3" in problems[2]
    assert "gensim is not in Colab's freeze" in problems[3]
    assert mismatches_with_colab(parse_packages("numpy==2.1.3\n"), colab) == []


def test_the_committed_list_is_colabs_and_says_where_it_comes_from() -> None:
    text = PACKAGES.read_text(encoding="utf-8")
    packages = parse_packages(text)
    colab = parse_freeze(PREINSTALLED.read_text(encoding="utf-8"))
    assert mismatches_with_colab(packages, colab) == []
    assert re.search(r"googlecolab/backend-info.*\n.*commit [0-9a-f]{40} of \d{4}-\d{2}-\d{2}", text)
    assert re.search(r"read on \d{4}-\d{2}-\d{2}", text)
    keys = {p.key: p for p in packages}
    assert keys["torch"].differs and keys["pip"].version == colab["pip"]
    # every dependency of rnnlib that Colab preinstalls is installed at Colab's version first
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["widgets"]]:
        name = normalize(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])
        if name in colab:
            assert name in keys, f"{name} is preinstalled on Colab but not in {PACKAGES.name}"
    # the kernel stack is there too, and gensim is not (Colab lacks it)
    assert {"ipykernel", "jupyter-client", "nbclient", "traitlets"} <= set(keys)
    assert "gensim" not in colab and "gensim" not in keys


# --------------------------------------------------------------------------- comparing snapshots

BASELINE = {"numpy": "2.1.3", "pandas": "2.2.3", "ipython": "7.34.0", "wrapt": "2.3.0", "pip": "24.1.2"}
COLAB = {**BASELINE, "parso": "0.8.7"}


def test_compare_finds_changed_removed_and_added() -> None:
    after = {"numpy": "2.1.3", "pandas": "1.5.3", "ipython": "9.19.1", "pip": "24.1.2", "rnnlib": "0.4.0"}
    changes = compare(BASELINE, after)
    assert changes.changed == {"ipython": ("7.34.0", "9.19.1"), "pandas": ("2.2.3", "1.5.3")}
    assert changes.removed == {"wrapt": "2.3.0"} and changes.added == {"rnnlib": "0.4.0"}
    assert changes and not compare(BASELINE, dict(BASELINE))


def test_failures_name_upgrades_downgrades_removals_and_gaps_in_the_list() -> None:
    after = {**BASELINE, "pandas": "1.5.3", "ipython": "9.19.1", "rnnlib": "0.4.0", "parso": "0.8.7"}
    del after["wrapt"]
    found = failures(compare(BASELINE, after), COLAB)
    assert "ipython upgraded from 7.34.0 to 9.19.1 (Colab preinstalls 7.34.0)" in found
    assert "pandas downgraded from 2.2.3 to 1.5.3 (Colab preinstalls 2.2.3)" in found
    assert "wrapt 2.3.0 was uninstalled" in found
    assert any(f.startswith("parso 0.8.7 was installed, but Colab preinstalls parso") for f in found)
    assert not any("rnnlib" in f for f in found), "a package Colab lacks may be added"
    assert failures(Changes(added={"gensim": "4.4.0"}), COLAB) == []


def test_direction_orders_versions() -> None:
    assert direction("7.34.0", "9.19.1") == "upgraded"
    assert direction("2.3.0", "1.17.3") == "downgraded"
    assert direction("2.10.0", "2.9.1") == "downgraded"  # numbers, not text
    assert direction("2.1", "2.1.0.post1") == "changed"
    assert direction("git+https://x", "1.0") == "changed"


def test_requirement_names_and_release_matches() -> None:
    assert requirement_name("pandas<2") == "pandas" and requirement_name("NumPy>=99") == "numpy"
    assert (
        requirement_name("gensim>=4.3,<5") == "gensim"
        and requirement_name("ipywidgets[x]>=7.7,<9") == "ipywidgets"
    )
    assert requirement_name('overrides>=5; python_version < "3.12"') == "overrides"
    with pytest.raises(ValueError, match="not a requirement"):
        requirement_name("<2")
    assert same_release("2.13.0+cpu", "2.13.0") and same_release("2.1.3", "2.1.3")
    assert not same_release("2.1.3", "2.1.30") and not same_release("2.13.0+cu128", "2.13.0+cpu")


def test_a_planted_incompatibility_is_detected_and_named() -> None:
    # what the check sees after a release that requires "pandas<2" is installed
    after = {**BASELINE, "pandas": "1.5.3", "numpy": "1.26.4", "rnnlib": "0.4.0"}
    problems = failures(compare(BASELINE, after), COLAB)
    planted = Result("chapters/x.ipynb", Run(True, 1.0), problems)
    clean = Result("chapters/y.ipynb", Run(True, 1.0), [])
    assert not planted.ok and clean.ok
    assert plant_detected([planted, clean], "pandas") == ["chapters/x.ipynb"]
    assert plant_detected([clean], "pandas") == []
    # a planted range no version satisfies: pip's error names it
    failed = Result("z", Run(True, 1.0), ["pip: ERROR: No matching distribution found for numpy>=99"])
    assert plant_detected([failed], "NumPy") == ["z"]
    text = report(["header"], [planted, clean], 120.0)
    assert "FAIL  chapters/x.ipynb" in text and "PASS  chapters/y.ipynb" in text
    assert "pandas downgraded from 2.2.3 to 1.5.3" in text and "1 passed, 1 failed" in text


def test_new_problems_are_the_pip_check_lines_not_seen_before() -> None:
    before = ["ipython 7.34.0 requires jedi, which is not installed."]
    after = [*before, "google-colab 1.0.0 has requirement ipython==7.34.0, but you have ipython 9.19.1."]
    assert new_problems(before, after) == after[1:]
    assert new_problems(after, before) == []


# --------------------------------------------------------------------------- the datasets' archives


def _entry(data: bytes, original: bytes | None = None) -> DataFile:
    alt = (sha256(original),) if original is not None else ()
    return DataFile("x/a.review", sha256(data), "sorted_data/a.review", alt_sha256=alt)


def test_original_bytes_removes_the_mirrors_root_lines_only_where_the_catalog_says_so() -> None:
    original = b"<review>\nfine\n</review>\n"
    wrapped = ROOT_OPEN + original + ROOT_CLOSE
    assert original_bytes(_entry(wrapped, original), wrapped) == original
    assert original_bytes(_entry(original), original) == original  # no alternative: unchanged
    with pytest.raises(ValueError, match="SHA-256"):
        original_bytes(_entry(wrapped, original), wrapped + b"x")
    with pytest.raises(ValueError, match="matches none"):
        original_bytes(_entry(wrapped, b"something else"), wrapped)
    with pytest.raises(ValueError, match="not wrapped"):
        original_bytes(_entry(original, b"x"), original)


def test_github_archive_urls_redirect_to_codeload() -> None:
    assert (
        github_codeload("https://github.com/O/R/archive/abc123.zip")
        == "https://codeload.github.com/O/R/zip/abc123"
    )
    assert (
        github_codeload("https://github.com/O/R/archive/v1.tar.gz")
        == "https://codeload.github.com/O/R/targz/v1"
    )
    assert github_codeload("https://download.pytorch.org/tutorial/data.zip") is None
    assert github_codeload("https://github.com/O/R/blob/main/x.zip") is None


def test_build_archives_from_a_small_mirror(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "n").mkdir(parents=True)
    (mirror / "n" / "a.txt").write_bytes(b"Abe\n")
    (mirror / "n" / "b.review").write_bytes(ROOT_OPEN + b"<review>\n</review>\n" + ROOT_CLOSE)
    files = (DataFile("n/a.txt", sha256(b"Abe\n"), "data/names/a.txt"),)
    wrapped = (mirror / "n" / "b.review").read_bytes()
    plain = b"<review>\n</review>\n"
    tarred_file = DataFile("n/b.review", sha256(wrapped), "sorted_data/b.review", (sha256(plain),))
    registry = {
        "zipped": DatasetSpec("zipped", "d", "https://github.com/O/R/archive/abc.zip", "zip", files),
        "tarred": DatasetSpec("tarred", "d", "https://www.example.edu/x/data.tar.gz", "tar", (tarred_file,)),
        "nowhere": DatasetSpec("nowhere", "d", "", "zip", files),
    }
    routes, unservable = build_archives(mirror, tmp_path / "out", registry)
    assert unservable == ["nowhere"]
    by_url = {r.url: r for r in routes}
    assert (
        by_url["https://github.com/O/R/archive/abc.zip"].redirect == "https://codeload.github.com/O/R/zip/abc"
    )
    zipped = by_url["https://codeload.github.com/O/R/zip/abc"].file
    tarred = by_url["https://www.example.edu/x/data.tar.gz"].file
    assert zipped is not None and tarred is not None
    extract_member(zipped, "zip", "data/names/a.txt", tmp_path / "a.txt")
    extract_member(tarred, "tar", "sorted_data/b.review", tmp_path / "b.review")
    assert (tmp_path / "a.txt").read_bytes() == b"Abe\n" and (tmp_path / "b.review").read_bytes() == plain
    assert tarred.read_bytes()[:2] == b"\x1f\x8b", "a .tar.gz URL serves gzip"


def test_every_public_archive_extracts_to_the_catalogs_files(mirror_root: Path, tmp_path: Path) -> None:
    routes, unservable = build_archives(mirror_root, tmp_path / "out")
    assert unservable == ["pjm_hourly_reconstructed"]
    files = {r.url: r.file for r in routes if r.file is not None}
    redirects = {r.url: r.redirect for r in routes if r.redirect}
    for dataset in REGISTRY.values():
        if not dataset.url:
            continue
        archive = files[redirects.get(dataset.url, dataset.url)]
        assert archive is not None
        for entry in dataset.files:
            dest = tmp_path / "x" / dataset.name / entry.path
            extract_member(archive, dataset.archive_format, entry.member, dest)
            digest = sha256_of(dest)
            assert entry.accepts(digest), f"{entry.member} in {dataset.url}"
            if entry.alt_sha256:  # the original lacks the mirror's <root> lines
                assert digest != entry.sha256 and not dest.read_bytes().startswith(ROOT_OPEN)


# --------------------------------------------------------------------------- the servers


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory):
    return make_certificates(
        tmp_path_factory.mktemp("tls"), ["download.pytorch.org", "codeload.github.com", "github.com"]
    )


def test_the_proxy_serves_archives_over_tls_with_the_throwaway_authority(
    certificates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "data.zip"
    archive.write_bytes(b"zip bytes")
    routes = [
        Route("https://download.pytorch.org/tutorial/data.zip", file=archive),
        Route("https://github.com/O/R/archive/abc.zip", redirect="https://codeload.github.com/O/R/zip/abc"),
        Route("https://codeload.github.com/O/R/zip/abc", file=archive),
    ]
    with InterceptProxy(routes, certificates) as proxy:
        # rnnlib's own downloader, with https_proxy set and the authority trusted, as in the kernel
        monkeypatch.setenv("https_proxy", proxy.url)
        monkeypatch.setattr(
            download, "_ssl_context", lambda: ssl.create_default_context(cafile=str(certificates.ca))
        )
        downloader = download.Downloader(timeout=10, deadline=30)
        downloader("https://download.pytorch.org/tutorial/data.zip", tmp_path / "got.zip")
        downloader("https://github.com/O/R/archive/abc.zip", tmp_path / "redirected.zip")
        assert (
            (tmp_path / "got.zip").read_bytes() == (tmp_path / "redirected.zip").read_bytes() == b"zip bytes"
        )
        with pytest.raises(download.SourceGoneError, match="404"):
            downloader("https://download.pytorch.org/not/there.zip", tmp_path / "no.zip")
        # without the authority the certificate is refused: only the check's environment trusts it
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"https": proxy.url}),
            urllib.request.HTTPSHandler(
                context=ssl.create_default_context(cafile=None, capath="/nonexistent")
            ),
        )
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            opener.open("https://download.pytorch.org/tutorial/data.zip", timeout=10)
        seen = proxy.take_requests()
    statuses = [(r.host, r.status) for r in seen if r.status]
    assert ("download.pytorch.org", 200) in statuses and ("github.com", 302) in statuses
    assert ("codeload.github.com", 200) in statuses and ("download.pytorch.org", 404) in statuses


def test_the_proxy_passes_other_hosts_through(certificates) -> None:
    upstream = socket.create_server(("127.0.0.1", 0))
    port = upstream.getsockname()[1]

    def echo() -> None:
        conn, _ = upstream.accept()
        with conn:
            conn.sendall(conn.recv(100).upper())

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    with (
        InterceptProxy([], certificates) as proxy,
        socket.create_connection(("127.0.0.1", proxy.port), 5) as c,
    ):
        c.settimeout(5)
        c.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert c.recv(100).startswith(b"HTTP/1.1 200")
        c.sendall(b"hello")
        assert c.recv(100) == b"HELLO"
        assert proxy.take_requests()[0].path.endswith("(passed through)")
    thread.join(5)
    upstream.close()


def _repo(path: Path) -> str:
    path.mkdir()
    (path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = [\n    "numpy>=1.24",\n]\n')
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    git("init", "--quiet", "-b", "main", cwd=path)
    git("add", ".", cwd=path)
    git("commit", "--quiet", "-m", "first", cwd=path, env={**env, "PATH": "/usr/bin:/bin"})
    return git("rev-parse", "HEAD", cwd=path)


def test_the_repository_is_served_and_reached_through_insteadof(tmp_path: Path) -> None:
    release = _repo(tmp_path / "src")
    (tmp_path / "git").mkdir()
    bare = bare_copy(tmp_path / "src", tmp_path / "git" / "course.git", release)
    planted = plant(bare, release, "pandas<2", tmp_path / "plant")
    with GitServer(tmp_path / "git") as server:
        config = tmp_path / "gitconfig"
        config.write_text(insteadof_config(server.url("course.git"), "https://github.com/example/course"))
        env = {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
        subprocess.run(
            ["git", "clone", "--quiet", "https://github.com/example/course", str(tmp_path / "clone")],
            check=True, timeout=60, env=env, capture_output=True,
        )  # fmt: skip
        assert server.served, "the clone went through the loopback server"
    assert git("rev-parse", "main", cwd=tmp_path / "clone") == release
    assert git("rev-parse", f"{planted}^", cwd=tmp_path / "clone") == release
    text = git("show", f"{planted}:pyproject.toml", cwd=tmp_path / "clone")
    assert '"pandas<2",  # planted' in text and '"numpy>=1.24"' in text  # added: the repo has no pandas


def test_a_release_missing_from_the_repository_cannot_be_served(tmp_path: Path) -> None:
    _repo(tmp_path / "src")
    (tmp_path / "git").mkdir()
    with pytest.raises(RuntimeError, match="not an ancestor"):
        bare_copy(tmp_path / "src", tmp_path / "git" / "course.git", "0" * 40)


def test_insteadof_config_text() -> None:
    assert insteadof_config(
        "http://127.0.0.1:8000/rnn-course.git", "https://github.com/rnn-course/rnn-course"
    ) == (
        '[url "http://127.0.0.1:8000/rnn-course.git"]\n\tinsteadOf = https://github.com/rnn-course/rnn-course\n'
    )


def test_a_planted_range_replaces_the_releases_own_for_that_package() -> None:
    text = 'dependencies = [\n    "numpy>=1.24",\n    "ipython>=8",\n]\nother = ["ipython"]\n'
    tried = plant_pyproject(text, "IPython>=7.34")
    assert '"IPython>=7.34",  # planted' in tried and '"ipython>=8"' not in tried and '"numpy>=1.24"' in tried
    assert 'other = ["ipython"]' in tried
    added = plant_pyproject(text, "gensim<5")
    assert added.index('"gensim<5"') < added.index('"numpy>=1.24"') and '"ipython>=8"' in added


def test_plant_pyproject_needs_a_dependency_list() -> None:
    assert '    "numpy>=99",  # planted' in plant_pyproject("dependencies = [\n]\n", "numpy>=99")
    with pytest.raises(ValueError, match="dependencies"):
        plant_pyproject("[project]\n", "numpy>=99")


def test_course_config_reads_the_url_and_the_release(tmp_path: Path) -> None:
    url, release = course_config()
    assert url == "https://github.com/rnn-course/rnn-course" and re.fullmatch(r"[0-9a-f]{40}", release)
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://x.org/r\ncourse:\n  rnnlib_release: main\n"
    )
    with pytest.raises(RuntimeError, match="40-hex"):
        course_config(tmp_path)


# --------------------------------------------------------------------------- the kernel's environment


def test_kernel_env_hides_the_mirror_and_puts_the_venv_first(tmp_path: Path) -> None:
    base = {"PATH": "/usr/bin", "RNNLIB_DATA_MIRROR": "/data", "http_proxy": "x", "HOME": "/root"}
    env = kernel_env(base, {"https_proxy": "http://127.0.0.1:1"}, tmp_path / "bin")
    assert "RNNLIB_DATA_MIRROR" not in env and "http_proxy" not in env and env["HOME"] == "/root"
    assert env["PATH"] == f"{tmp_path / 'bin'}:/usr/bin" and env["https_proxy"] == "http://127.0.0.1:1"
    assert "RNNLIB_DATA_MIRROR" in DROPPED


def test_the_stand_in_makes_the_shell_look_like_colabs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    colab = tmp_path / "google" / "colab"
    colab.mkdir(parents=True)
    (colab / "__init__.py").write_text(STAND_IN)
    (colab / "_shell.py").write_text(SHELL_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("google", "google.colab", "google.colab._shell"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    class ZMQInteractiveShell:
        pass

    shell = ZMQInteractiveShell()
    exec(STARTUP, {"get_ipython": lambda: shell})
    assert "google.colab" in sys.modules
    assert type(shell).__module__ == "google.colab._shell" and "google.colab" in str(shell)
    assert isinstance(shell, ZMQInteractiveShell)


# --------------------------------------------------------------------------- the notebooks


def _nb(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(source: str, *outputs: dict, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_fill_answers_keeps_the_public_tests_cell() -> None:
    student = _nb(
        _code("TESTS", tags=("otter_public_tests",)), _code("x = ..."), nbformat.v4.new_markdown_cell("m")
    )
    solved = _nb(_code("x = 1"))
    filled = fill_answers(student, solved)
    assert [c.source for c in filled.cells] == ["TESTS", "x = 1", "m"]
    with pytest.raises(ValueError, match="code cells"):
        fill_answers(_nb(_code("a"), _code("b")), solved)


def test_install_errors_are_found_in_pip_cells_only() -> None:
    nb = _nb(
        _code(
            '%pip install -q "rnnlib @ git+{REPO}@{RELEASE}"',
            _stream("ERROR: No matching distribution\nok\n"),
        ),
        _code('print("ERROR: not pip")', _stream("ERROR: not pip\n")),
        _code("%pip install -q x", _stream("\x1b[31mERROR: Could not build wheels for x\x1b[0m\x1b[31m\n")),
    )
    assert install_errors(nb) == ["ERROR: No matching distribution", "ERROR: Could not build wheels for x"]
    conflict = (
        "ERROR: Cannot install rnnlib==0.4.0 because these package versions have conflicting "
        "dependencies.\n\nThe conflict is caused by:\n    The user requested pandas<2\n"
        "    rnnlib 0.4.0 depends on pandas>=2.0\n\n"
        "To fix this you could try to:\n"
    )
    assert install_errors(_nb(_code("%pip install x", _stream(conflict))))[-1] == (
        "conflict: The user requested pandas<2; rnnlib 0.4.0 depends on pandas>=2.0"
    )


def test_failed_checks_and_error_cell() -> None:
    def result(text: str) -> dict:
        return {
            "output_type": "execute_result",
            "data": {"text/plain": text},
            "metadata": {},
            "execution_count": 1,
        }

    error = {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}
    nb = _nb(
        _code('grader.check("q1")', result("q1 passed!")),
        _code('grader.check("q2")', result("q2 results: failed")),
        _code('grader.check("q3")'),
        _code("\nraise ValueError('x')", error),
    )
    assert [f.split(":")[0] for f in failed_checks(nb)] == ["q2", "q3"]
    assert error_cell(nb) == "cell 3 (\"raise ValueError('x')\"): ValueError: x"
    assert error_cell(_nb(_code("1"))) == "no cell reported an error"


def test_retarget_replaces_the_release_wherever_it_is_written() -> None:
    old, new = "a" * 40, "b" * 40
    nb = _nb(_code(f'RELEASE = "{old}"\n%pip install "rnnlib @ git+https://x@{old}"'), _code("print(1)"))
    assert (
        retarget(nb, old, new) == 2 and old not in nb.cells[0].source and nb.cells[0].source.count(new) == 2
    )


def test_install_seconds_reads_nbclients_timing() -> None:
    cell = _code("%pip install -q x")
    cell.metadata["execution"] = {
        "iopub.execute_input": "2026-12-06T03:00:00.000000Z",
        "shell.execute_reply": "2026-12-06T03:00:12.500000Z",
    }
    assert install_seconds(_nb(_code("1"), cell)) == 12.5
    assert install_seconds(_nb(_code("1"))) is None


def test_main_cannot_run_without_a_mirror(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert colab_check.main(["--mirror", str(tmp_path / "none")]) == EXIT_CANNOT_RUN
    assert "no data mirror" in capsys.readouterr().err


def test_run_notebook_passes_fails_and_stops_at_the_time_limit(tmp_path: Path) -> None:
    # this environment's own kernel, through the kernel spec the check writes for its environment
    kernels = ColabVenv(Path(sys.prefix), tmp_path / "log").kernel_spec(tmp_path / "jupyter")
    env = kernel_env(os.environ, {"COLAB_CHECK_TEST": "yes"}, Path(sys.prefix) / "bin")
    good = _nb(_code("import os\nassert os.environ['COLAB_CHECK_TEST'] == 'yes'\nprint(os.getcwd())"))
    run = run_notebook(good, tmp_path, kernels, KERNEL, env, timeout=60)
    assert run.ok and run.error == "" and good.cells[0].outputs[0]["text"].strip() == str(tmp_path)
    bad = _nb(_code("x = 1"), _code("raise KeyError('no such file')"), _code("print('never')"))
    run = run_notebook(bad, tmp_path, kernels, KERNEL, env, timeout=60)
    assert not run.ok and run.error.startswith("cell 1 (\"raise KeyError('no such file')\"): KeyError")
    slow = _nb(_code("import time\ntime.sleep(120)"))
    run = run_notebook(slow, tmp_path, kernels, KERNEL, env, timeout=4)
    assert not run.ok and run.seconds < 60
    assert run.error == "ran past the limit of 4 s in cell 0 ('import time')"


def test_main_refuses_a_plant_that_is_not_a_requirement(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        colab_check.main(["--plant", "<2"])
    assert exited.value.code == EXIT_CANNOT_RUN and "not a requirement" in capsys.readouterr().err
