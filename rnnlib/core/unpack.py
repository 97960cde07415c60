"""Unpacking archives under a cap: a decompression bomb stops at the cap, not at the full disk.

A few kilobytes of gzip or zip can unpack to gigabytes of zeros. Everything rnnlib
unpacks goes through here, streamed, with the number of bytes produced counted as they
come, never unpacked whole into memory first:

* :func:`extract_member` copies one file of a zip or tar archive (the download step of
  :mod:`rnnlib.core.data`), through a ``.part`` file that is removed on any failure;
* :func:`open_gzip` reads a gzip file as a stream (the DLStudio archives of
  :mod:`rnnlib.datasets.sentiment.archives`).

Past the cap, :class:`~rnnlib.core.registry.ArchiveTooLargeError` names the archive, the
cap and how to raise it. The cap is :data:`MAX_UNPACKED_MB` (1024 MiB) by default, the
environment variable ``RNNLIB_MAX_UNPACKED_MB`` (MiB) or a function's ``max_bytes``
argument (bytes): far above the course's files (the largest one rnnlib unpacks is under
5 MB), far below what fills a laptop's disk or a Colab session's memory. A member of a
tar archive is found by reading through (and discarding) what precedes it; only the
member itself is counted.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import IO, Protocol

from rnnlib.core.env import env_positive_number
from rnnlib.core.files import partial_path
from rnnlib.core.registry import ArchiveTooLargeError, DataError

__all__ = [
    "MAX_UNPACKED_ENV",
    "MAX_UNPACKED_MB",
    "ByteSource",
    "CappedReader",
    "copy_capped",
    "extract_member",
    "max_unpacked_bytes",
    "open_gzip",
]

#: The environment variable that sets the cap on unpacked data, in MiB.
MAX_UNPACKED_ENV = "RNNLIB_MAX_UNPACKED_MB"
#: The default cap on the bytes one archive (or archive member) may unpack to, in MiB.
MAX_UNPACKED_MB = 1024
_CHUNK = 1 << 20


class ByteSource(Protocol):
    """A binary stream: what :class:`CappedReader` reads."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


def max_unpacked_bytes(max_bytes: int | None = None) -> int:
    """The cap in bytes: ``max_bytes``, else ``RNNLIB_MAX_UNPACKED_MB`` MiB, else 1024 MiB.

    Raises:
        ValueError: ``max_bytes`` is not a positive int.
        DataError: ``RNNLIB_MAX_UNPACKED_MB`` is not a positive number.
    """
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes={max_bytes!r}: give a positive number of bytes, e.g. 2**30.")
        return max_bytes
    fix = (
        f"set it to the most an archive may unpack to, e.g. `export {MAX_UNPACKED_ENV}=4096`, "
        f"or unset it for the default ({MAX_UNPACKED_MB} MiB)."
    )
    mebibytes = env_positive_number(MAX_UNPACKED_ENV, unit="MiB", fix=fix, error=DataError)
    return MAX_UNPACKED_MB << 20 if mebibytes is None else max(1, int(mebibytes * (1 << 20)))


def _too_large(archive: str | os.PathLike[str], member: str | None, cap: int) -> ArchiveTooLargeError:
    what = f"{archive}" if member is None else f"{member} in {archive}"
    return ArchiveTooLargeError(
        f"{what} unpacks to more than {cap:,} bytes ({cap / (1 << 20):.3g} MiB), the cap on "
        "unpacked data: it may be a decompression bomb, so rnnlib stopped and removed what "
        "it had written. Fix: if you trust the archive, raise the cap, e.g. "
        f"`export {MAX_UNPACKED_ENV}=4096` (MiB; in a notebook os.environ[{MAX_UNPACKED_ENV!r}] "
        "= '4096' before loading data) or pass max_bytes=... to the function that read it."
    )


class CappedReader(io.RawIOBase):
    """A binary stream that passes ``source`` through and fails once more than ``cap`` bytes came.

    Args:
        source: the stream to read (e.g. a :class:`gzip.GzipFile`).
        cap: the most bytes it may give.
        archive: the archive's name, for the message.
        member: the member's name inside the archive, if any.
        also_close: a stream to close with this one (the file under a
            :class:`gzip.GzipFile`, which leaves it open).

    Raises (when read):
        ArchiveTooLargeError: the stream holds more than ``cap`` bytes.
    """

    def __init__(
        self,
        source: ByteSource,
        cap: int,
        archive: str | os.PathLike[str],
        member: str | None = None,
        *,
        also_close: IO[bytes] | None = None,
    ) -> None:
        super().__init__()
        self._source = source
        self._cap = cap
        self._archive = archive
        self._member = member
        self._also_close = also_close
        self.count = 0

    def readable(self) -> bool:
        """Always True."""
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the source; fail past the cap."""
        view = memoryview(buffer).cast("B")
        # Ask for one byte more than the cap allows, so that a stream of exactly ``cap``
        # bytes passes and one byte more fails.
        room = min(len(view), self._cap - self.count + 1)
        data = self._source.read(room)
        self.count += len(data)
        if self.count > self._cap:
            raise _too_large(self._archive, self._member, self._cap)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Close this reader, its source and ``also_close``."""
        try:
            self._source.close()
            if self._also_close is not None:
                self._also_close.close()
        finally:
            super().close()


def copy_capped(
    source: ByteSource, out: IO[bytes], cap: int, archive: str | os.PathLike[str], member: str | None = None
) -> int:
    """Copy ``source`` to ``out`` in blocks; fail before writing byte ``cap + 1``.

    Returns:
        The number of bytes copied.

    Raises:
        ArchiveTooLargeError: ``source`` holds more than ``cap`` bytes (``out`` then holds
            the first blocks: the caller removes it).
    """
    reader = CappedReader(source, cap, archive, member)
    total = 0
    while block := reader.read(_CHUNK):
        out.write(block)
        total += len(block)
    return total


def _declared_size(zf: zipfile.ZipFile, member: str) -> int:
    """The size ``member`` of ``zf`` says it unpacks to (KeyError if it has no such member)."""
    return zf.getinfo(member).file_size


def extract_member(archive: Path, fmt: str, member: str, dest: Path, max_bytes: int | None = None) -> None:
    """Copy ``member`` of ``archive`` to ``dest`` through a ``.part`` file, under the cap.

    A member whose declared size is over the cap is refused before anything is written;
    the bytes are counted as they are written too, since a zip file's declared size can lie.

    Args:
        archive: a zip file (``fmt="zip"``) or a tar file, compressed or not (``"tar"``).
        member: the member's path inside the archive.
        dest: where to put it; its folder is created.
        max_bytes: the cap (:func:`max_unpacked_bytes`).

    Raises:
        ArchiveTooLargeError: the member unpacks to more than the cap (nothing is left).
        KeyError: the archive has no such file (or it is a folder).
        zipfile.BadZipFile, tarfile.TarError, EOFError, OSError: the archive is damaged,
            or ``dest`` cannot be written.
    """
    cap = max_unpacked_bytes(max_bytes)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(dest)
    try:
        if fmt == "zip":
            with zipfile.ZipFile(archive) as zf:
                if _declared_size(zf, member) > cap:
                    raise _too_large(archive, member, cap)
                with zf.open(member) as src, open(tmp, "wb") as out:
                    copy_capped(src, out, cap, archive, member)
        else:
            with tarfile.open(archive) as tf:
                info = tf.getmember(member)
                packed = tf.extractfile(info) if info.isfile() else None
                if packed is None:
                    raise KeyError(member)
                if info.size > cap:
                    raise _too_large(archive, member, cap)
                with packed, open(tmp, "wb") as out:
                    copy_capped(packed, out, cap, archive, member)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)


def open_gzip(
    source: str | os.PathLike[str] | bytes, max_bytes: int | None = None, *, name: str | None = None
) -> io.BufferedReader:
    """Open gzip data (a file, or its bytes already read) as a stream that fails past the cap.

    Nothing is decompressed until it is read. Close the result (``with``) to close the file.

    Args:
        source: the gzip file's path, or its bytes.
        max_bytes: the cap (:func:`max_unpacked_bytes`).
        name: what to call it in the message; default the path.

    Raises:
        OSError: ``source`` cannot be opened.
        ValueError, DataError: a bad cap (:func:`max_unpacked_bytes`).
        ArchiveTooLargeError: when read, past the cap; ``gzip.BadGzipFile``, ``EOFError``
            or ``zlib.error`` for a damaged file.
    """
    cap = max_unpacked_bytes(max_bytes)
    if isinstance(source, bytes):
        raw: IO[bytes] = io.BytesIO(source)
        label = name or "the gzip data"
    else:
        raw = open(source, "rb")  # closed with the returned reader
        label = name or os.fspath(source)
    stream = gzip.GzipFile(fileobj=raw, mode="rb")  # reads nothing yet: it cannot fail here
    return io.BufferedReader(CappedReader(stream, cap, label, also_close=raw), buffer_size=_CHUNK)
