"""The vocabulary of the data registry: what a dataset is, and what can go wrong.

- :class:`DataFile` -- one file of a dataset: its path, its SHA-256 and where it sits in
  the public archive;
- :class:`DatasetSpec` -- a dataset: its files and the archive they come from (a
  *description* of a dataset, not a :class:`torch.utils.data.Dataset`);
- the :class:`DataError` family, raised by :mod:`rnnlib.core.data` and the dataset
  modules, each with a message that names the problem and the fix:

  * :class:`UnknownDatasetError` -- no such dataset or file in the registry;
  * :class:`ChecksumError` -- a file's SHA-256 is not the registry's;
  * :class:`DataUnavailableError` -- files found nowhere and not downloaded;
  * :class:`CacheAccessError` -- the cache folder cannot be used (permissions, a full
    disk, a file where a folder should be or a folder where a file should be);
  * :class:`DataFileError` -- any other local file that cannot be read (the mirror's copy,
    a path given to a reader): missing, unreadable, a folder;
  * :class:`DownloadError` -- a download failed; :class:`SourceGoneError` (HTTP 4xx: the
    file has moved or is gone) and :class:`DownloadDeadlineError` (slower than the total
    deadline) say why;
  * :class:`ArchiveTooLargeError` -- an archive unpacks to more than the cap (a
    decompression bomb, or a cap set too low);
  * :class:`DataFormatError` -- a file's content is not the expected format (a byte that
    is not UTF-8, an unclosed field); :class:`DataQualityError` -- well-formed data that
    fails a check (conflicting duplicates, a long gap, too short a series).

  The last two also derive from :class:`ValueError`, which the dataset readers raised before.

The course's own entries are in :mod:`rnnlib.core.catalog`; finding and verifying the
files is :mod:`rnnlib.core.data`'s job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "CACHE_ENV",
    "ArchiveTooLargeError",
    "CacheAccessError",
    "ChecksumError",
    "DataError",
    "DataFile",
    "DataFileError",
    "DataFormatError",
    "DataQualityError",
    "DataUnavailableError",
    "DatasetSpec",
    "DownloadDeadlineError",
    "DownloadError",
    "SourceGoneError",
    "UnknownDatasetError",
]

#: The environment variable that names the download cache (read by :func:`rnnlib.core.local_data.cache_dir`).
CACHE_ENV = "RNNLIB_CACHE_DIR"


class DataError(RuntimeError):
    """Base class of every data-access error raised by rnnlib."""


class UnknownDatasetError(DataError):
    """The dataset (or one of its files) is not in the registry."""


class ChecksumError(DataError):
    """A file's SHA-256 differs from the one in the registry."""


class DataUnavailableError(DataError):
    """Files of a dataset are in neither the mirror nor the cache and could not be downloaded.

    Attributes:
        dataset: the dataset's name (empty when not given).
        missing: the path below the data root of every file that could not be found, in the
            dataset's order (empty when not given).
    """

    def __init__(self, message: str, *, dataset: str = "", missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.missing = missing


class CacheAccessError(DataError):
    """The cache folder cannot be created, read, written or cleaned (permissions, full disk).

    Build one with :meth:`about`, which writes a message naming the folder and the fix.
    """

    @classmethod
    def about(cls, cache: str | os.PathLike[str], action: str, error: OSError) -> CacheAccessError:
        """The error for an ``OSError`` met while doing ``action`` in the cache folder ``cache``.

        Args:
            cache: the cache folder (:func:`rnnlib.core.local_data.cache_dir`).
            action: what rnnlib was doing, as a phrase: ``"remove the corrupt file X"``.
            error: the operating system's error; it is named in the message and should be
                chained (``raise CacheAccessError.about(...) from error``).
        """
        return cls(
            f"rnnlib cannot {action}: {type(error).__name__}: {error}. The cache folder {Path(cache)} "
            "is not writable (read-only, another user's, or a full disk). Fix: make it writable, "
            f"or point rnnlib at another folder with {CACHE_ENV}=<a writable folder> "
            f"(e.g. `export {CACHE_ENV}=$HOME/rnnlib-cache`, or os.environ[{CACHE_ENV!r}] = ... "
            "in a notebook before loading data)."
        )

    @classmethod
    def blocked(cls, cache: str | os.PathLike[str], problem: str) -> CacheAccessError:
        """The error for something in the cache folder that is in rnnlib's way.

        Args:
            cache: the cache folder.
            problem: what is wrong, as a clause naming the path: ``"X is a folder, where a
                file should be"``. rnnlib never deletes what it did not write, so the fix is
                the user's.
        """
        return cls(
            f"rnnlib cannot use the cache folder {Path(cache)}: {problem}. rnnlib does not delete "
            "what it did not write. Fix: move or delete that path yourself, or point rnnlib at "
            f"another folder with {CACHE_ENV}=<a writable folder> (e.g. `export "
            f"{CACHE_ENV}=$HOME/rnnlib-cache`, or os.environ[{CACHE_ENV!r}] = ... in a notebook "
            "before loading data)."
        )


class DataFileError(DataError):
    """A local data file cannot be read: it is missing, unreadable, or a folder.

    Raised for the mirror's copies and for paths given to the dataset readers; the
    message names the path and the fix. Build one with :meth:`about`.
    """

    @classmethod
    def about(cls, path: str | os.PathLike[str], error: OSError, fix: str) -> DataFileError:
        """The error for an ``OSError`` met while reading ``path``.

        Args:
            path: the file.
            error: the operating system's error (chain it: ``raise ... from error``).
            fix: what to do, as a sentence starting with ``"Fix: "``.
        """
        if isinstance(error, IsADirectoryError):
            what = "is a folder, where a file should be"
        elif isinstance(error, FileNotFoundError):
            what = "does not exist"
        elif isinstance(error, NotADirectoryError):
            what = "lies below a file, where a folder should be"
        elif isinstance(error, PermissionError):
            what = "cannot be read: your user has no read permission"
        else:
            what = "cannot be read"
        return cls(f"{Path(path)} {what} ({type(error).__name__}: {error}). {fix}")


class DownloadError(DataError):
    """A download failed (network, server, deadline); :attr:`fix` says what to do.

    Attributes:
        problem: what went wrong (the message without the fix).
        url: the address that was downloaded.
        fix: the advice, a clause starting with ``"Fix: "``; the message ends with it.
    """

    def __init__(self, problem: str, *, url: str = "", fix: str = "") -> None:
        super().__init__(f"{problem} {fix}." if fix else problem)
        self.problem = problem
        self.url = url
        self.fix = fix


class SourceGoneError(DownloadError):
    """The server answered 4xx (404 Not Found, 410 Gone, 403 Forbidden): the file has moved or is gone."""


class DownloadDeadlineError(DownloadError):
    """A download took longer than its total deadline; the partial file was removed."""


class ArchiveTooLargeError(DataError):
    """An archive unpacks to more bytes than the cap: a decompression bomb, or a cap set too low.

    The partial output is removed; the message names the archive, the cap and how to
    raise it.
    """


class DataFormatError(DataError, ValueError):
    """A data file's content is not the expected format; the message names the file and line."""


class DataQualityError(DataError, ValueError):
    """Well-formed data that fails a check (the message names the option that accepts it)."""


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset.

    Attributes:
        path: path below the data root, with ``/`` separators (``names/Arabic.txt``).
            The mirror and the cache both use this layout.
        sha256: the file's SHA-256, lower-case hex.
        member: the file's path inside the dataset's public archive.
        alt_sha256: other accepted SHA-256s, for a file whose known copies differ in
            bytes but not in content (e.g. the mirror's copy carries a wrapper line
            that the public archive's copy lacks). Empty for most files.
    """

    path: str
    sha256: str
    member: str
    alt_sha256: tuple[str, ...] = ()

    def accepts(self, digest: str) -> bool:
        """Whether ``digest`` is :attr:`sha256` or one of :attr:`alt_sha256`."""
        return digest == self.sha256 or digest in self.alt_sha256


@dataclass(frozen=True)
class DatasetSpec:
    """The description of a dataset: its files and the public archive they come from.

    Attributes:
        name: the key in the registry (``"names"``).
        description: one line for people: content, source and licence.
        url: the canonical public archive.
        archive_format: ``"zip"`` or ``"tar"`` (any compression :mod:`tarfile` reads).
        files: every file rnnlib uses from the archive.
        archive_sha256: the archive's SHA-256 if known (pooch then checks it), else None.
    """

    name: str
    description: str
    url: str
    archive_format: Literal["zip", "tar"]
    files: tuple[DataFile, ...]
    archive_sha256: str | None = None

    def file(self, path: str) -> DataFile:
        """Return the registry entry of ``path`` (e.g. ``"names/Arabic.txt"``).

        Raises:
            UnknownDatasetError: the dataset has no such file; the message lists its files.
        """
        for entry in self.files:
            if entry.path == path:
                return entry
        known = ", ".join(f.path for f in self.files)
        raise UnknownDatasetError(
            f"Dataset {self.name!r} has no file {path!r}. Its files are: {known}. "
            "Check the path (relative to the data root, with / separators)."
        )
