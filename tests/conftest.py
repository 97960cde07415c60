"""Shared fixtures of the rnnlib test suite.

Every test runs in an isolated environment (see ``_isolated_env``): no data
mirror, a throw-away cache, downloads switched off and progress bars silent.
Tests that need one of these switch it back on with ``monkeypatch``. The real
mirror is only reachable through the ``mirror`` / ``mirror_root`` fixtures.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import os
import re
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: no windows, same output everywhere

import matplotlib.pyplot as plt
import pytest

from rnnlib.core.data import CACHE_ENV, MIRROR_ENV, OFFLINE_ENV, DataFile, DatasetSpec
from rnnlib.core.env import env_flag
from rnnlib.core.progress import PROGRESS_ENV
from rnnlib.core.runtime import FAST_ENV
from rnnlib.datasets.sentiment import Review

#: Fixtures shared by several test modules (tests/fake_otter.py: a stand-in otter command).
pytest_plugins = ["fake_otter"]

#: The mirror named by the environment of the pytest process, read before any test changes it.
REAL_MIRROR = os.environ.get(MIRROR_ENV, "").strip()
#: Whether the suite runs in CI (then a missing mirror is a failure, not a skip).
IN_CI = env_flag("CI")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No mirror, a private cache, offline, no progress bars, no fast mode: for every test."""
    cache = tmp_path_factory.mktemp("rnnlib-cache")
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(cache))
    monkeypatch.setenv(OFFLINE_ENV, "1")
    monkeypatch.setenv(PROGRESS_ENV, "0")
    monkeypatch.delenv(FAST_ENV, raising=False)
    # The local test server must never be reached through a proxy.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return cache


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


# --------------------------------------------------------------------------- real mirror


def _require_mirror() -> Path:
    if not REAL_MIRROR:
        message = (
            f"{MIRROR_ENV} is not set, so the tests on the real datasets cannot run. "
            f"Set {MIRROR_ENV}=/path/to/shared/data."
        )
        if IN_CI:
            pytest.fail(f"{message} CI is set: these tests must not be skipped in CI.")
        pytest.skip(message)
    path = Path(REAL_MIRROR).expanduser()
    if not path.is_dir():
        pytest.fail(f"{MIRROR_ENV}={REAL_MIRROR!r} is not a directory.")
    return path


@pytest.fixture(scope="session")
def mirror_root() -> Path:
    """The real data mirror (skip outside CI, fail in CI, when it is not configured)."""
    return _require_mirror()


@contextmanager
def using_mirror(root: Path) -> Iterator[None]:
    """Read the real mirror, offline, inside a ``with`` block (for session-scoped fixtures)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MIRROR_ENV, str(root))
        mp.setenv("RNNLIB_OFFLINE", "1")
        yield


@pytest.fixture
def mirror(mirror_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``RNNLIB_DATA_MIRROR`` at the real mirror for one test."""
    monkeypatch.setenv(MIRROR_ENV, str(mirror_root))
    return mirror_root


# --------------------------------------------------------------------------- local HTTP server


@dataclass
class LocalServer:
    """A static file server on 127.0.0.1 and the paths it was asked for."""

    root: Path
    url: str
    requests: list[str] = field(default_factory=list)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[LocalServer]:
    """Serve ``tmp_path/www`` over HTTP on 127.0.0.1 from a background thread."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(_QuietHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield LocalServer(root=root, url=f"http://127.0.0.1:{server.server_port}", requests=requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- toy dataset

#: Contents of the toy dataset's files, by path below the data root.
TOY_FILES: dict[str, bytes] = {
    "toy/alpha.txt": b"Abbas\nAbel\n",
    "toy/beta.txt": b"Bach\nBeck\nBrahms\n",
}


#: The toy dataset's first file, as the tests name it.
ALPHA = "toy/alpha.txt"


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write ``{relative path: bytes}`` below ``root`` (a mirror or a cache, made by hand)."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def make_tar(path: Path, members: dict[str, bytes], *, directories: tuple[str, ...] = ()) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name in directories:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            tf.addfile(info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


@dataclass
class Toy:
    """A registry ``{"toy": dataset}`` whose archive the local server offers."""

    dataset: DatasetSpec
    registry: dict[str, DatasetSpec]
    server: LocalServer
    archive: Path


ToyFactory = Callable[..., Toy]


@pytest.fixture
def toy(http_server: LocalServer) -> ToyFactory:
    """Factory of toy datasets served by ``http_server``.

    Keyword arguments: ``fmt`` ("zip" or "tar"), ``archive_members`` (what the archive
    really holds; default: ``TOY_FILES`` under ``data/``), ``sha_override`` (registry
    digests that differ from the contents), ``archive_sha256``, ``url`` (instead of the
    local server's), ``tar_directories``.
    """

    def build(
        *,
        fmt: str = "zip",
        archive_members: dict[str, bytes] | None = None,
        sha_override: dict[str, str] | None = None,
        archive_sha256: str | None = None,
        url: str | None = None,
        tar_directories: tuple[str, ...] = (),
    ) -> Toy:
        members = (
            {f"data/{p}": d for p, d in TOY_FILES.items()} if archive_members is None else archive_members
        )
        name = "toy.zip" if fmt == "zip" else "toy.tar.gz"
        archive = http_server.root / name
        if fmt == "zip":
            make_zip(archive, members)
        else:
            make_tar(archive, members, directories=tar_directories)
        digests = {p: sha256_bytes(d) for p, d in TOY_FILES.items()}
        digests.update(sha_override or {})
        dataset = DatasetSpec(
            name="toy",
            description="two tiny files for the tests",
            url=url or f"{http_server.url}/{name}",
            archive_format=fmt,  # type: ignore[arg-type]
            files=tuple(DataFile(p, digests[p], f"data/{p}") for p in TOY_FILES),
            archive_sha256=archive_sha256,
        )
        return Toy(dataset=dataset, registry={"toy": dataset}, server=http_server, archive=archive)

    return build


# --------------------------------------------------------------------------- review parsing

_REFERENCE_FIELDS = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.DOTALL) for name in ("rating", "title", "review_text")
}


def reference_parse_reviews(text: str, category: str, sentiment: int) -> list[Review]:
    """The review parser as it was before the linear scan (regular expressions, quadratic on
    damaged files): the reference that well-formed files must still parse to."""

    def field(block: str, name: str) -> str | None:
        match = _REFERENCE_FIELDS[name].search(block)
        return None if match is None else html.unescape(match.group(1)).strip()

    def rating(value: str | None) -> float | None:
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    return [
        Review(
            category=category,
            sentiment=sentiment,
            rating=rating(field(block, "rating")),
            title=field(block, "title") or "",
            text=field(block, "review_text") or "",
        )
        for block in re.findall(r"<review>(.*?)</review>", text, re.DOTALL)
    ]


@pytest.fixture
def four_threads() -> Iterator[int]:
    """Torch set to 4 CPU threads (as on a many-core machine, whatever this one has), restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(4)
    yield 4
    torch.set_num_threads(before)
