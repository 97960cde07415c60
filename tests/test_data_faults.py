"""rnnlib.core.data under bad conditions: unreadable or misplaced files, dead links, slow
servers and decompression bombs. Each gives a DataError subclass that names the path and
the fix, within a second or two, and leaves nothing half-written behind.

Everything is local: a loopback HTTP server (``conftest.http_server``) or one defined here.
"""

from __future__ import annotations

import builtins
import errno
import gzip
import io
import os
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ALPHA, TOY_FILES, Toy, ToyFactory, write_tree

from rnnlib.core import download, unpack
from rnnlib.core.data import (
    CACHE_ENV,
    DEADLINE_ENV,
    MAX_UNPACKED_ENV,
    MIRROR_ENV,
    OFFLINE_ENV,
    ArchiveTooLargeError,
    CacheAccessError,
    DataError,
    DataFileError,
    DataUnavailableError,
    DownloadDeadlineError,
    DownloadError,
    SourceGoneError,
    cache_dir,
    fetch,
    fetch_file,
)


def make_unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Take away read permission from ``path``. As root, where chmod does not stop reads,
    ``open`` is made to refuse the file as the operating system would for another user."""
    path.chmod(0)
    if not os.access(path, os.R_OK):
        return
    real_open = builtins.open

    def refusing(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if isinstance(file, (str, os.PathLike)) and Path(file) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", refusing)


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OFFLINE_ENV, raising=False)


# --------------------------------------------------------------------------- the mirror


def test_unreadable_mirror_file_names_the_path_and_the_fix(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    mirror = tmp_path / "mirror"
    write_tree(mirror, TOY_FILES)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    make_unreadable(mirror / ALPHA, monkeypatch)
    try:
        with pytest.raises(DataFileError) as info:
            fetch_file("toy", ALPHA, registry=t.registry)
    finally:
        (mirror / ALPHA).chmod(0o644)
    message = str(info.value)
    assert f"{mirror / ALPHA} cannot be read: your user has no read permission" in message
    assert f"chmod a+r {mirror / ALPHA}" in message and f"or point {MIRROR_ENV} at" in message
    assert isinstance(info.value.__cause__, PermissionError)
    assert t.server.requests == []


def test_a_folder_in_the_mirror_where_a_file_should_be(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    mirror = tmp_path / "mirror"
    (mirror / ALPHA).mkdir(parents=True)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    with pytest.raises(DataFileError) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    message = str(info.value)
    assert f"{mirror / ALPHA} is a folder, where a file should be" in message
    assert "does not exist" not in message
    assert "Fix: make" in message and "unset it to use the cache" in message


def test_a_file_in_the_mirror_where_a_folder_should_be(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "toy").write_text("not a folder")
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    with pytest.raises(DataFileError, match=rf"{mirror / 'toy'} is a file, where a folder should be"):
        fetch_file("toy", ALPHA, registry=t.registry)


# --------------------------------------------------------------------------- the cache


@pytest.mark.parametrize("offline", [True, False])
def test_a_cache_folder_that_is_a_file(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: bool
) -> None:
    t = toy()
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_bytes(b"mine")
    monkeypatch.setenv(CACHE_ENV, str(not_a_folder))
    if not offline:
        monkeypatch.delenv(OFFLINE_ENV)
    with pytest.raises(CacheAccessError) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    message = str(info.value)
    assert f"{not_a_folder} is a file, where a folder should be" in message
    assert f"point rnnlib at another folder with {CACHE_ENV}=" in message
    assert not_a_folder.read_bytes() == b"mine"  # never deleted
    assert t.server.requests == []


def test_a_folder_in_the_cache_where_a_file_should_be(toy: ToyFactory, online: None) -> None:
    t = toy()
    (cache_dir() / ALPHA / "keep").mkdir(parents=True)
    with pytest.raises(CacheAccessError, match=r"alpha\.txt is a folder, where a file should be"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert (cache_dir() / ALPHA / "keep").is_dir()
    assert t.server.requests == []


def test_a_folder_where_the_downloaded_archive_goes(toy: ToyFactory, online: None) -> None:
    t = toy()
    (cache_dir() / download.DOWNLOADS_FOLDER / "toy-toy.zip").mkdir(parents=True)
    with pytest.raises(CacheAccessError, match=r"toy-toy\.zip is a folder, where a file should be"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert t.server.requests == []


def test_a_full_disk_while_downloading_is_the_caches_fault(
    toy: ToyFactory, online: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    real_open = builtins.open
    downloads = cache_dir() / download.DOWNLOADS_FOLDER

    def full(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if "w" in mode and isinstance(file, (str, os.PathLike)) and Path(file).is_relative_to(downloads):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", full)
    with pytest.raises(CacheAccessError, match=r"cannot store the download of .*toy\.zip in the cache"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert not list(downloads.iterdir())


# --------------------------------------------------------------------------- HTTP answers


@pytest.mark.parametrize("code", [403, 410])
def test_other_4xx_answers_say_the_file_is_gone(online: None, code: int) -> None:
    with answering(code) as url:
        toy_registry = _toy_at(url)
        with pytest.raises(DataUnavailableError) as info:
            fetch_file("toy", ALPHA, registry=toy_registry)
    message = str(info.value)
    assert f"SourceGoneError: {url} answered HTTP {code}" in message
    assert "Fix: report the broken address" in message and "connect to the internet" not in message


@pytest.mark.parametrize("code", [503, 429])
def test_a_server_error_says_to_try_again_later(online: None, code: int) -> None:
    with answering(code) as url:
        with pytest.raises(DataUnavailableError) as info:
            fetch_file("toy", ALPHA, registry=_toy_at(url))
    message = str(info.value)
    assert f"answered HTTP {code}" in message and "the server has a problem" in message
    assert "SourceGoneError" not in message
    assert "Fix: try again later, or set RNNLIB_DATA_MIRROR" in message


def _toy_at(url: str) -> dict[str, download.DatasetSpec]:
    from rnnlib.core.registry import DataFile, DatasetSpec

    spec = DatasetSpec("toy", "toy", url, "zip", (DataFile(ALPHA, "0" * 64, f"data/{ALPHA}"),))
    return {"toy": spec}


# --------------------------------------------------------------------------- slow servers

TRICKLE_BYTES = 10
TRICKLE_EVERY = 0.1
TRICKLE_FOR = 6.0  # then it hangs up: a test of the old, deadline-less code fails in seconds


class _Server:
    """A loopback HTTP server (in a thread) whose GET handler is ``handle``."""

    def __init__(self, handle: object) -> None:
        stop = threading.Event()
        self.stop = stop

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                handle(self, stop)  # type: ignore[operator]

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/toy.zip"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02})
        self.thread.daemon = True

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _trickle(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", str(10**6))
    handler.end_headers()
    end = time.monotonic() + TRICKLE_FOR
    try:
        while time.monotonic() < end and not stop.wait(TRICKLE_EVERY):
            handler.wfile.write(b"x" * TRICKLE_BYTES)
            handler.wfile.flush()
    except OSError:  # the client hung up: what the deadline does
        pass


def answering(code: int) -> _Server:
    def handle(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        handler.send_error(code)

    return _Server(handle)


def test_a_trickling_server_is_stopped_by_the_deadline(toy: ToyFactory, online: None) -> None:
    """10 bytes every 0.1 s never trips a 3 s read timeout; the 1 s deadline stops it."""
    with _Server(_trickle) as url:
        start = time.perf_counter()
        with pytest.raises(DataUnavailableError) as info:
            fetch_file("toy", ALPHA, registry=_toy_at(url), timeout=3.0, deadline=1.0)
        elapsed = time.perf_counter() - start
    assert elapsed < 2.5, elapsed
    message = str(info.value)
    assert f"DownloadDeadlineError: Downloading {url} took longer than the deadline of 1 s" in message
    assert "deleted the partial file" in message
    assert f"Fix: on a slow connection allow more time, e.g. `export {DEADLINE_ENV}=7200`" in message
    downloads = cache_dir() / download.DOWNLOADS_FOLDER
    assert not list(downloads.iterdir())  # no partial file is left


def test_the_deadline_from_the_environment(online: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEADLINE_ENV, "0.5")
    with _Server(_trickle) as url:
        start = time.perf_counter()
        with pytest.raises(DataUnavailableError, match=r"deadline of 0\.5 s"):
            fetch_file("toy", ALPHA, registry=_toy_at(url), timeout=3.0)
        assert time.perf_counter() - start < 2.0


def test_a_read_that_would_outlast_the_deadline_is_cut_short(online: None) -> None:
    """A server silent after its headers: the 1 s deadline, not the 5 s read timeout, ends it."""

    def silent(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.flush()
        stop.wait(6)

    with _Server(silent) as url:
        start = time.perf_counter()
        with pytest.raises(DownloadDeadlineError, match=r"longer than the deadline of 0\.6 s"):
            download.Downloader(5.0, 0.6)(url, str(cache_dir() / "out"))
        assert time.perf_counter() - start < 1.5


def test_a_body_cut_short_is_a_download_error(tmp_path: Path) -> None:
    def cut(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.write(b"only ten b")
        handler.wfile.flush()
        handler.close_connection = True

    with _Server(cut) as url:
        with pytest.raises(
            DownloadError, match=r"could not be downloaded \(IncompleteRead.*connect to the internet"
        ):
            download.Downloader(2.0, 5.0)(url, str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()  # the partial file is deleted


def test_an_empty_address_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"no address to download from.*RNNLIB_DATA_MIRROR"):
        download.Downloader(1.0, 1.0)("", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_source_gone_is_a_download_error() -> None:
    assert issubclass(SourceGoneError, DownloadError) and issubclass(DownloadDeadlineError, DownloadError)
    assert issubclass(DownloadError, DataError) and issubclass(ArchiveTooLargeError, DataError)


@pytest.mark.parametrize("value", ["soon", "0", "-3", "inf", "nan"])
def test_a_bad_deadline_variable_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(DEADLINE_ENV, value)
    with pytest.raises(DataError, match=rf"{DEADLINE_ENV}='{value}' is not a positive number of seconds"):
        download.download_deadline()


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), True, "10"])
def test_a_bad_deadline_argument(value: object) -> None:
    with pytest.raises(ValueError, match=r"deadline=.*positive number of seconds"):
        download.download_deadline(value)  # type: ignore[arg-type]


def test_deadline_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEADLINE_ENV, raising=False)
    assert download.download_deadline() == download.DOWNLOAD_DEADLINE == 3600.0
    monkeypatch.setenv(DEADLINE_ENV, "  ")
    assert download.download_deadline() == 3600.0
    assert download.download_deadline(7) == 7.0


# --------------------------------------------------------------------------- decompression bombs

BOMB = 50 * 2**20  # 50 MiB of zeros: about 50 KB as a zip or a tar.gz
CAP = 2**20


def bomb_members() -> dict[str, bytes]:
    return {f"data/{ALPHA}": bytes(BOMB), "data/toy/beta.txt": TOY_FILES["toy/beta.txt"]}


def deflated_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


def bomb_toy(toy: ToyFactory, fmt: str = "zip") -> Toy:
    t = toy(fmt=fmt, archive_members=bomb_members())
    if fmt == "zip":  # conftest's zip files are stored, not compressed
        deflated_zip(t.archive, bomb_members())
    assert t.archive.stat().st_size < 1_000_000
    return t


@pytest.mark.parametrize("fmt", ["zip", "tar"])
def test_a_decompression_bomb_stops_at_the_cap(toy: ToyFactory, online: None, fmt: str) -> None:
    t = bomb_toy(toy, fmt)
    start = time.perf_counter()
    with pytest.raises(ArchiveTooLargeError) as info:
        fetch_file("toy", ALPHA, registry=t.registry, max_bytes=CAP)
    assert time.perf_counter() - start < 1.5
    message = str(info.value)
    assert f"data/{ALPHA} in {cache_dir() / download.DOWNLOADS_FOLDER}" in message
    assert f"more than {CAP:,} bytes (1 MiB)" in message and "decompression bomb" in message
    assert f"export {MAX_UNPACKED_ENV}=4096" in message and "max_bytes=" in message
    assert not (cache_dir() / ALPHA).exists()
    assert not list(cache_dir().rglob("*.part"))
    # The archive is kept: with a cap raised by someone who trusts it, no new download.
    assert len(list((cache_dir() / download.DOWNLOADS_FOLDER).iterdir())) == 1


def test_the_cap_from_the_environment(toy: ToyFactory, online: None, monkeypatch: pytest.MonkeyPatch) -> None:
    t = bomb_toy(toy)
    monkeypatch.setenv(MAX_UNPACKED_ENV, "1")
    with pytest.raises(ArchiveTooLargeError, match=r"more than 1,048,576 bytes"):
        fetch("toy", registry=t.registry)
    assert not list(cache_dir().rglob("*.part"))


def test_files_under_the_cap_are_extracted(toy: ToyFactory, online: None) -> None:
    t = toy(fmt="tar")
    size = len(TOY_FILES[ALPHA])
    assert fetch_file("toy", ALPHA, registry=t.registry, max_bytes=size).read_bytes() == TOY_FILES[ALPHA]


def test_a_member_whose_declared_size_lies_is_stopped_while_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The declared size is checked first, the bytes as they come too: a header can lie."""
    archive = deflated_zip(tmp_path / "a.zip", {"m": bytes(3 * CAP)})
    monkeypatch.setattr(unpack, "_declared_size", lambda zf, member: 10)
    with pytest.raises(ArchiveTooLargeError, match=r"m in .*a\.zip unpacks to more than"):
        unpack.extract_member(archive, "zip", "m", tmp_path / "out" / "m", max_bytes=CAP)
    assert not list((tmp_path / "out").iterdir())


def test_copy_capped_passes_exactly_the_cap_and_refuses_one_byte_more() -> None:
    out = io.BytesIO()
    assert unpack.copy_capped(io.BytesIO(bytes(100)), out, 100, "x") == 100
    assert out.getvalue() == bytes(100)
    with pytest.raises(ArchiveTooLargeError, match=r"^x unpacks to more than 100 bytes"):
        unpack.copy_capped(io.BytesIO(bytes(101)), io.BytesIO(), 100, "x")


def test_open_gzip_streams_under_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "z.gz"
    path.write_bytes(gzip.compress(bytes(BOMB)))
    with unpack.open_gzip(path, max_bytes=CAP) as stream:
        assert stream.read(1000) == bytes(1000)  # nothing is decompressed ahead of the reader
        with pytest.raises(ArchiveTooLargeError, match=r"z\.gz unpacks to more than"):
            stream.read()
    small = tmp_path / "s.gz"
    small.write_bytes(gzip.compress(b"hello"))
    with unpack.open_gzip(small) as stream:
        assert stream.read() == b"hello"


def test_a_tar_member_that_is_a_link_is_not_extracted(tmp_path: Path) -> None:
    import tarfile

    archive = tmp_path / "l.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    with pytest.raises(KeyError):
        unpack.extract_member(archive, "tar", "link", tmp_path / "out" / "link")
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("value", ["big", "0", "-1", "inf"])
def test_a_bad_cap_variable_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(MAX_UNPACKED_ENV, value)
    with pytest.raises(DataError, match=rf"{MAX_UNPACKED_ENV}='{value}' is not a positive number of MiB"):
        unpack.max_unpacked_bytes()


@pytest.mark.parametrize("value", [0, -5, 1.5, True])
def test_a_bad_cap_argument(value: object) -> None:
    with pytest.raises(ValueError, match=r"max_bytes=.*positive number of bytes"):
        unpack.max_unpacked_bytes(value)  # type: ignore[arg-type]


def test_cap_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAX_UNPACKED_ENV, raising=False)
    assert unpack.max_unpacked_bytes() == 1024 * 2**20 == unpack.MAX_UNPACKED_MB << 20
    monkeypatch.setenv(MAX_UNPACKED_ENV, "0.5")
    assert unpack.max_unpacked_bytes() == 2**19
    assert unpack.max_unpacked_bytes(7) == 7


# --------------------------------------------------------------------------- odd paths


def test_a_mirror_entry_that_is_not_a_regular_file(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    os.mkfifo(mirror / ALPHA)  # reading it would block forever
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    start = time.perf_counter()
    with pytest.raises(DataFileError, match=r"alpha\.txt is not a regular file"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert time.perf_counter() - start < 1


def test_a_cache_path_that_cannot_be_examined(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    real_stat = Path.stat
    target = cache_dir() / ALPHA

    def denied(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        if self == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "stat", denied)
    with pytest.raises(CacheAccessError, match=r"alpha\.txt cannot be examined \(PermissionError"):
        fetch_file("toy", ALPHA, registry=t.registry)


@pytest.mark.parametrize(
    ("error", "what"),
    [
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), "lies below a file, where a folder should be"),
        (OSError(errno.EIO, "Input/output error"), "cannot be read (OSError"),
        (PermissionError(errno.EACCES, "Permission denied"), "cannot be read: your user has no read"),
    ],
)
def test_data_file_error_says_what_is_wrong(error: OSError, what: str) -> None:
    message = str(DataFileError.about("/x/y.csv", error, "Fix: do this."))
    assert message.startswith(f"/x/y.csv {what}") and message.endswith("Fix: do this.")


def test_a_deadline_passed_between_two_reads(tmp_path: Path) -> None:
    times = iter([0.0, 0.0, 0.0, 100.0, 100.0])
    with _Server(_trickle) as url:
        with pytest.raises(DownloadDeadlineError, match=r"deadline of 5 s"):
            download.Downloader(2.0, 5.0, clock=lambda: next(times))(url, str(tmp_path / "out"))
