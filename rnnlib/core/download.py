"""Downloading a dataset's archive: a timeout per read, a deadline for the whole download.

:func:`download_archive` is the download step of :mod:`rnnlib.core.data` (mirror, cache,
download). It hands pooch (which keeps the archive in the cache, checks its SHA-256 when
the registry knows it, and deletes a half-written file) a :class:`Downloader` that bounds
the time in two ways:

* **timeout** (:data:`DOWNLOAD_TIMEOUT`, 20 s, the ``timeout`` argument of
  :func:`rnnlib.core.data.fetch`): the longest wait for the server to accept the
  connection or to send the next bytes. It catches a silent server, not a slow one: a
  server that trickles 10 bytes a second never waits that long.
* **deadline** (:data:`DOWNLOAD_DEADLINE`, one hour; the environment variable
  ``RNNLIB_DOWNLOAD_DEADLINE``, in seconds; the ``deadline`` argument of
  :func:`rnnlib.core.data.fetch`): the longest time the whole download may take. The
  course's largest archive (Blitzer et al.'s ``unprocessed.tar.gz``, about 1.5 GB) needs
  about 10 minutes at 2.5 MB/s. The deadline is checked after every read, and no read
  waits longer than the time left, so a download stops within a second or two of it.

Each failure is a :class:`~rnnlib.core.registry.DownloadError` whose ``fix`` says what to
do: :class:`~rnnlib.core.registry.SourceGoneError` for an HTTP 4xx answer (the file has
moved or is gone: retrying will not help), :class:`~rnnlib.core.registry.DownloadDeadlineError`
past the deadline, and a plain ``DownloadError`` for a network failure or a server error.
Errors of the cache's own file system (a full disk) are left as they are (``OSError``):
:mod:`rnnlib.core.data` reports them as the cache's.
"""

from __future__ import annotations

import http.client
import os
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pooch

from rnnlib.core.env import env_positive_number
from rnnlib.core.registry import (
    DataError,
    DatasetSpec,
    DownloadDeadlineError,
    DownloadError,
    SourceGoneError,
)

__all__ = [
    "DEADLINE_ENV",
    "DOWNLOADS_FOLDER",
    "DOWNLOAD_DEADLINE",
    "DOWNLOAD_TIMEOUT",
    "Downloader",
    "archive_path",
    "download_archive",
    "download_deadline",
]

#: Seconds to wait for a server to accept the connection or send more bytes (one read).
DOWNLOAD_TIMEOUT = 20.0
#: The environment variable that sets the deadline of a whole download, in seconds.
DEADLINE_ENV = "RNNLIB_DOWNLOAD_DEADLINE"
#: Seconds a whole download may take by default (one hour).
DOWNLOAD_DEADLINE = 3600.0
#: Folder of the cache where downloaded archives are kept.
DOWNLOADS_FOLDER = "_downloads"
#: Bytes asked for per read: a read returns what has arrived, up to this.
_CHUNK = 1 << 16
#: 4xx answers that say "not now" (Request Timeout, Too Many Requests), not "gone".
_TRANSIENT = frozenset({408, 429})


def download_deadline(deadline: float | None = None) -> float:
    """The deadline of a download in seconds: ``deadline``, else ``RNNLIB_DOWNLOAD_DEADLINE``, else one hour.

    Raises:
        ValueError: ``deadline`` is not a positive number.
        DataError: ``RNNLIB_DOWNLOAD_DEADLINE`` is set to something else than a positive
            number of seconds (the message names the variable and its value).
    """
    if deadline is not None:
        if (
            isinstance(deadline, bool)
            or not isinstance(deadline, (int, float))
            or not 0 < deadline < float("inf")
        ):
            raise ValueError(f"deadline={deadline!r}: give a positive number of seconds, e.g. 3600.")
        return float(deadline)
    fix = (
        f"set it to the longest time a download may take, e.g. `export {DEADLINE_ENV}=7200`, "
        f"or unset it for the default ({DOWNLOAD_DEADLINE:.0f} s)."
    )
    seconds = env_positive_number(DEADLINE_ENV, unit="seconds", fix=fix, error=DataError)
    return DOWNLOAD_DEADLINE if seconds is None else seconds


def _ssl_context() -> ssl.SSLContext:
    """Certificates as ``requests`` (pooch's dependency) trusts them: certifi's, if installed."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with requests
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class Downloader:
    """A pooch downloader with a timeout per read and a deadline for the whole download.

    Args:
        timeout: seconds to wait for the connection or for the next bytes.
        deadline: seconds the whole download may take.
        clock: the monotonic clock (tests pass their own).

    Calling it (as pooch does: ``downloader(url, output_file, pooch)``) writes the body
    of ``url`` to ``output_file``; on any failure, ``output_file`` is deleted.

    Raises:
        SourceGoneError: HTTP 4xx.
        DownloadDeadlineError: the download took longer than ``deadline``.
        DownloadError: any other network or server failure, or an empty ``url``.
        OSError: ``output_file`` cannot be written.
    """

    def __init__(
        self, timeout: float, deadline: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self._clock = clock

    def __call__(self, url: str, output_file: str | os.PathLike[str], pooch_: object = None) -> None:
        start = self._clock()
        response = self._open(url, start)
        try:
            with response, open(output_file, "wb") as out:
                while chunk := self._read(response, url, start):
                    out.write(chunk)  # an OSError here is the cache's: it is not a DownloadError
                if response.length:  # the server hung up before the Content-Length it announced
                    raise DownloadError(
                        f"{url} could not be downloaded (IncompleteRead: the connection closed "
                        f"{response.length:,} bytes before the end).",
                        url=url,
                        fix=f"Fix: connect to the internet so rnnlib can download {url}",
                    )
        except BaseException:
            Path(output_file).unlink(missing_ok=True)  # never leave a partial file behind
            raise

    def _left(self, start: float) -> float:
        return self.deadline - (self._clock() - start)

    def _open(self, url: str, start: float) -> http.client.HTTPResponse:
        if not url:
            raise DownloadError(
                "There is no address to download from: the dataset has no public copy.",
                fix="Fix: get the files from the course's data folder (RNNLIB_DATA_MIRROR)",
            )
        request = urllib.request.Request(url, headers={"User-Agent": "rnnlib (Python urllib)"})
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=_ssl_context()))
        try:
            response = opener.open(request, timeout=max(min(self.timeout, self._left(start)), 0.001))
        except urllib.error.HTTPError as exc:
            exc.close()
            raise _http_error(url, exc.code, str(exc.reason)) from exc
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise self._network_error(url, exc, start) from exc
        return response

    def _read(self, response: http.client.HTTPResponse, url: str, start: float) -> bytes:
        left = self._left(start)
        if left <= 0:
            raise self._expired(url)
        if response.fp is not None:  # no read may wait past the deadline
            _set_read_timeout(response, min(self.timeout, left))
        try:
            return response.read1(_CHUNK)
        except (OSError, http.client.HTTPException) as exc:
            raise self._network_error(url, exc, start) from exc

    def _expired(self, url: str) -> DownloadDeadlineError:
        return DownloadDeadlineError(
            f"Downloading {url} took longer than the deadline of {self.deadline:g} s; rnnlib "
            "stopped and deleted the partial file.",
            url=url,
            fix=(
                f"Fix: on a slow connection allow more time, e.g. `export {DEADLINE_ENV}=7200` "
                f"(seconds; in a notebook os.environ[{DEADLINE_ENV!r}] = '7200' before loading "
                "data) or fetch(..., deadline=7200)"
            ),
        )

    def _network_error(self, url: str, error: BaseException, start: float) -> DownloadError:
        if self._left(start) <= 0:
            return self._expired(url)
        reason = getattr(error, "reason", None) or error
        return DownloadError(
            f"{url} could not be downloaded ({type(error).__name__}: {reason}).",
            url=url,
            fix=f"Fix: connect to the internet so rnnlib can download {url}",
        )


def _set_read_timeout(response: http.client.HTTPResponse, seconds: float) -> None:
    """Bound the next read of ``response`` to ``seconds`` (its socket's timeout)."""
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def _http_error(url: str, code: int, reason: str) -> DownloadError:
    if 400 <= code < 500 and code not in _TRANSIENT:
        return SourceGoneError(
            f"{url} answered HTTP {code} {reason}: the file has moved or is no longer there, "
            "so trying again will not help.",
            url=url,
            fix=(
                "Fix: report the broken address (an issue on the course's repository) so that "
                "rnnlib.core.catalog can be updated; until then, get the files from your "
                "instructor"
            ),
        )
    return DownloadError(
        f"{url} answered HTTP {code} {reason}: the server has a problem.",
        url=url,
        fix="Fix: try again later",
    )


def archive_path(dataset: DatasetSpec, cache: Path) -> Path:
    """Where the archive of ``dataset`` is kept in the cache folder ``cache``."""
    return cache / DOWNLOADS_FOLDER / f"{dataset.name}-{Path(dataset.url).name}"


def download_archive(dataset: DatasetSpec, cache: Path, timeout: float, deadline: float) -> Path:
    """Download the archive of ``dataset`` into the cache (once: a kept archive is reused).

    Args:
        dataset: the dataset whose :attr:`~rnnlib.core.registry.DatasetSpec.url` to download.
        cache: the cache folder.
        timeout: seconds one read may wait.
        deadline: seconds the whole download may take.

    Returns:
        :func:`archive_path`; its SHA-256 is checked when the registry knows it.

    Raises:
        DownloadError: see :class:`Downloader` (nothing is left behind).
        ValueError: the archive's SHA-256 is not the registry's (pooch deletes it).
        OSError: the cache folder cannot be written.
    """
    path = archive_path(dataset, cache)
    return Path(
        pooch.retrieve(
            dataset.url,
            known_hash=None if dataset.archive_sha256 is None else f"sha256:{dataset.archive_sha256}",
            fname=path.name,
            path=path.parent,
            downloader=Downloader(timeout, deadline),
            progressbar=False,
        )
    )
