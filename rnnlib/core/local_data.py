"""The two local places of a data file: the mirror folder and the cache folder.

:mod:`rnnlib.core.data` looks for a file in the mirror (``RNNLIB_DATA_MIRROR``: read
only, never written), then in the cache (``RNNLIB_CACHE_DIR``: filled by downloads, and
cleaned of the copies that fail their checksum), then downloads it. This module is the
first two steps: each copy's SHA-256 is checked, and whatever stands in the way is named
with its fix, never passed over as "does not exist":

* the mirror's copy unreadable, or a folder -> :class:`~rnnlib.core.registry.DataFileError`;
* in the cache, a folder where a file should be, or a file where a folder should be
  (``RNNLIB_CACHE_DIR`` naming a file, say) -> :class:`~rnnlib.core.registry.CacheAccessError`,
  as for a cache that cannot be read or written. rnnlib deletes nothing it did not write.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import TypeGuard

import pooch

from rnnlib.core.registry import (
    CACHE_ENV,
    CacheAccessError,
    ChecksumError,
    DataError,
    DataFile,
    DataFileError,
    DatasetSpec,
)

__all__ = [
    "MIRROR_ENV",
    "cache_dir",
    "expected_digests",
    "from_cache",
    "from_mirror",
    "is_cache_fault",
    "mirror_dir",
    "path_problem",
    "remove_cached",
    "sha256_of",
]

#: The environment variable that names the data mirror (read by :func:`mirror_dir`).
MIRROR_ENV = "RNNLIB_DATA_MIRROR"

#: ``errno`` values that say the cache folder itself is the problem, not the network.
_CACHE_ERRNOS = frozenset(
    code
    for code in (
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
        getattr(errno, "EDQUOT", None),
    )
    if code is not None
)


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 of a file as lower-case hex.

    Raises:
        OSError: the file cannot be read (e.g. FileNotFoundError).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mirror_dir() -> Path | None:
    """Return the mirror directory named by ``RNNLIB_DATA_MIRROR``, or None if unset.

    Raises:
        DataError: the variable is set but names no directory.
    """
    value = os.environ.get(MIRROR_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise DataError(
            f"{MIRROR_ENV}={value!r} is not a directory. Point it at the folder that "
            f"holds the course data, e.g. {MIRROR_ENV}=/path/to/shared/data with the files "
            "below it at their registry paths (names/Arabic.txt, ...), or unset it to use the "
            "cache and downloads."
        )
    return path


def cache_dir() -> Path:
    """Return the download cache: ``RNNLIB_CACHE_DIR`` or the user's cache folder.

    The folder is not created here: :func:`rnnlib.core.data.fetch_file` creates it when it first writes.
    """
    value = os.environ.get(CACHE_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    return Path(pooch.os_cache("rnnlib"))


def is_cache_fault(error: BaseException) -> TypeGuard[OSError]:
    """Whether ``error`` comes from the cache's file system (not from the network or the archive).

    Network errors (``requests``' exceptions are OSErrors too) carry no errno, and a
    damaged archive raises ``BadZipFile``, ``tarfile.ReadError`` or an errno-less
    ``BadGzipFile``; pooch turns a cache folder it cannot create into an errno-less
    PermissionError, hence the separate test.
    """
    return isinstance(error, PermissionError) or (isinstance(error, OSError) and error.errno in _CACHE_ERRNOS)


def remove_cached(cache: Path, *paths: Path) -> None:
    """Delete ``paths`` (missing ones are fine).

    Raises:
        CacheAccessError: a file exists but cannot be deleted.
    """
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise CacheAccessError.about(cache, f"remove {path}, which must not be reused", exc) from exc


def path_problem(path: Path) -> str | None:
    """None if ``path`` is a regular file or absent; else what is in the way, as a clause.

    Raises nothing: a path that cannot even be examined is reported as such.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        blocker = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), path.parent)
        return f"{blocker} is a file, where a folder should be (it would hold {path})"
    except OSError as exc:
        return f"{path} cannot be examined ({type(exc).__name__}: {exc})"
    if stat.S_ISDIR(mode):
        return f"{path} is a folder, where a file should be"
    if not stat.S_ISREG(mode):
        return f"{path} is not a regular file"
    return None


def _mirror_fix(path: Path) -> str:
    """What to do about the mirror's copy ``path`` that cannot be used."""
    return (
        f"Fix: make {path} the registry's file, readable by your user (e.g. `chmod a+r {path}`), "
        f"or point {MIRROR_ENV} at a good copy of the course's data, or unset it to use the "
        "cache and downloads."
    )


def _verify_mirror(dataset: DatasetSpec, entry: DataFile, path: Path) -> None:
    """Check the SHA-256 of the mirror's copy ``path`` of ``entry``.

    Raises:
        DataFileError: it cannot be read.
        ChecksumError: it is not the registry's file.
    """
    try:
        actual = sha256_of(path)
    except OSError as exc:
        context = f"It is dataset {dataset.name!r}'s file {entry.path} in the mirror."
        raise DataFileError.about(path, exc, f"{context} {_mirror_fix(path)}") from exc
    if not entry.accepts(actual):
        raise ChecksumError(
            f"Dataset {dataset.name!r}: {path} (from the mirror {MIRROR_ENV}) has SHA-256 {actual}, "
            f"expected {expected_digests(entry)}. The file is corrupt or a different version. "
            "Fix: replace it with the original file, or delete it so that rnnlib "
            "downloads it again."
        )


def expected_digests(entry: DataFile) -> str:
    """The SHA-256 ``entry`` accepts, for a message: its digest and any alternatives."""
    also = f" (or one of {', '.join(entry.alt_sha256)})" if entry.alt_sha256 else ""
    return f"{entry.sha256}{also}"


def from_mirror(dataset: DatasetSpec, entry: DataFile, tried: list[str]) -> Path | None:
    """The mirror's verified copy of ``entry``, or None (noted in ``tried``) if it has none.

    Raises:
        DataError: ``RNNLIB_DATA_MIRROR`` names no directory.
        DataFileError: the mirror's copy cannot be read, or is a folder (or lies below a file).
        ChecksumError: the mirror's copy has the wrong SHA-256.
    """
    mirror = mirror_dir()
    if mirror is None:
        tried.append(f"mirror: {MIRROR_ENV} is not set")
        return None
    candidate = mirror / entry.path
    problem = path_problem(candidate)
    if problem is not None:
        raise DataFileError(
            f"Dataset {dataset.name!r}: the mirror {MIRROR_ENV}={mirror} cannot hold "
            f"{entry.path}: {problem}. {_mirror_fix(candidate)}"
        )
    if not candidate.is_file():
        tried.append(f"mirror: {candidate} does not exist")
        return None
    _verify_mirror(dataset, entry, candidate)
    return candidate


def from_cache(entry: DataFile, cache: Path, tried: list[str]) -> Path | None:
    """The cached copy if it passes its checksum; a corrupt copy is deleted (and noted in ``tried``).

    Raises:
        CacheAccessError: the copy cannot be read, a corrupt copy cannot be deleted, or a
            folder stands where the file should be (or a file where a folder should be).
    """
    cached = cache / entry.path
    problem = path_problem(cached)
    if problem is not None:
        raise CacheAccessError.blocked(cache, problem)
    try:
        digest = sha256_of(cached) if cached.is_file() else None
    except OSError as exc:
        raise CacheAccessError.about(cache, f"read the cached copy {cached}", exc) from exc
    if digest is None:
        tried.append(f"cache: {cached} does not exist")
        return None
    if entry.accepts(digest):
        return cached
    remove_cached(cache, cached)  # a corrupt cached copy is replaced by a fresh download
    tried.append(f"cache: {cached} had a wrong checksum and was removed")
    return None
