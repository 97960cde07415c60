"""Finding, downloading and checksum-verifying the course datasets.

Every dataset the course uses is listed in :data:`REGISTRY` (:mod:`rnnlib.core.catalog`)
with, for each of its files, the path under a data root and the file's SHA-256. A file is
looked up in this order:

1. **a mirror directory** named by the environment variable ``RNNLIB_DATA_MIRROR``
   (CI and the course developers point it at ``../shared/data``, the folder beside the
   checkout; an instructor can point it at a USB stick or a shared drive for an offline
   classroom);
2. **the user cache** (``RNNLIB_CACHE_DIR``, default: the operating system's
   cache folder for ``rnnlib``), filled by earlier downloads;
3. **a download** of the dataset's canonical public archive (what a student on
   Colab gets), from which the file is extracted into the cache.

Whatever the source, the file's SHA-256 is checked before its path is returned
(against the registry's digest, or one of the file's accepted alternatives
:attr:`DataFile.alt_sha256`). A download that fails the check is removed, archive and
extracted file, so that the next call downloads afresh instead of reusing it.
Every failure raises a :class:`DataError` subclass whose message names the
dataset, the places that were tried and what to do about it. Every file of a dataset
is looked for before a :class:`DataUnavailableError` is raised, so that it lists all the
missing files at once (and names ``RNNLIB_OFFLINE`` when that kept rnnlib from
downloading). A cache folder that cannot be written raises :class:`CacheAccessError`,
which names the folder and how to choose another one.

The registry's types and errors live in :mod:`rnnlib.core.registry` and its entries in
:mod:`rnnlib.core.catalog`; both are re-exported here, so ``rnnlib.core.data`` is the
one module a chapter needs.

Long because: it is the whole resolution order (mirror, cache, download, extraction,
checksums, clean-up of bad downloads) and the messages that name each failure's fix, which
share one state per call; the types and errors are already in ``registry``, the entries in
``catalog``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeGuard

import pooch

from rnnlib.core.catalog import AMAZON_REVIEWS, AMAZON_REVIEWS_UNPROCESSED, NAMES, REGISTRY
from rnnlib.core.env import env_flag
from rnnlib.core.files import partial_path
from rnnlib.core.registry import (
    CACHE_ENV,
    CacheAccessError,
    ChecksumError,
    DataError,
    DataFile,
    DatasetSpec,
    DataUnavailableError,
    UnknownDatasetError,
)

MIRROR_ENV = "RNNLIB_DATA_MIRROR"
OFFLINE_ENV = "RNNLIB_OFFLINE"
#: Seconds to wait for a server to answer before a download is declared failed.
DOWNLOAD_TIMEOUT = 20.0
#: Folder of the cache where downloaded archives are kept.
DOWNLOADS_FOLDER = "_downloads"
#: How many missing files an error names; past that, it names the first half of them and a count.
LISTED_FILES = 20

__all__ = [
    "AMAZON_REVIEWS",
    "AMAZON_REVIEWS_UNPROCESSED",
    "CACHE_ENV",
    "DOWNLOADS_FOLDER",
    "DOWNLOAD_TIMEOUT",
    "LISTED_FILES",
    "MIRROR_ENV",
    "NAMES",
    "OFFLINE_ENV",
    "REGISTRY",
    "CacheAccessError",
    "ChecksumError",
    "DataError",
    "DataFile",
    "DataUnavailableError",
    "DatasetSpec",
    "UnknownDatasetError",
    "cache_dir",
    "fetch",
    "fetch_file",
    "get_dataset",
    "mirror_dir",
    "sha256_of",
]

#: ``errno`` values that say the cache folder itself is the problem, not the network.
_CACHE_ERRNOS = frozenset(
    code
    for code in (
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        getattr(errno, "EDQUOT", None),
    )
    if code is not None
)


def get_dataset(name: str, registry: Mapping[str, DatasetSpec] | None = None) -> DatasetSpec:
    """Return the registry entry of dataset ``name``.

    Args:
        name: the dataset's name, e.g. ``"names"``.
        registry: where to look; default :data:`REGISTRY` (tests pass their own).

    Raises:
        UnknownDatasetError: ``name`` is not registered; the message lists those that are.
    """
    registry = REGISTRY if registry is None else registry
    try:
        return registry[name]
    except KeyError:
        known = ", ".join(sorted(registry)) or "(none)"
        raise UnknownDatasetError(
            f"Unknown dataset {name!r}. Known datasets: {known}. "
            "Check the spelling, or register the dataset in rnnlib.core.catalog.REGISTRY."
        ) from None


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

    The folder is not created here: :func:`fetch_file` creates it when it first writes.
    """
    value = os.environ.get(CACHE_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    return Path(pooch.os_cache("rnnlib"))


def _offline() -> bool:
    return env_flag(OFFLINE_ENV)


def _is_cache_fault(error: BaseException) -> TypeGuard[OSError]:
    """Whether ``error`` comes from the cache's file system (not from the network or the archive).

    Network errors (``requests``' exceptions are OSErrors too) carry no errno, and a
    damaged archive raises ``BadZipFile``, ``tarfile.ReadError`` or an errno-less
    ``BadGzipFile``; pooch turns a cache folder it cannot create into an errno-less
    PermissionError, hence the separate test.
    """
    return isinstance(error, PermissionError) or (isinstance(error, OSError) and error.errno in _CACHE_ERRNOS)


def _remove(cache: Path, *paths: Path) -> None:
    """Delete ``paths`` (missing ones are fine).

    Raises:
        CacheAccessError: a file exists but cannot be deleted.
    """
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise CacheAccessError.about(cache, f"remove {path}, which must not be reused", exc) from exc


def _verify_mirror(dataset: DatasetSpec, entry: DataFile, path: Path) -> None:
    actual = sha256_of(path)
    if not entry.accepts(actual):
        raise ChecksumError(
            f"Dataset {dataset.name!r}: {path} (from the mirror {MIRROR_ENV}) has SHA-256 {actual}, "
            f"expected {_expected(entry)}. The file is corrupt or a different version. "
            "Fix: replace it with the original file, or delete it so that rnnlib "
            "downloads it again."
        )


def _expected(entry: DataFile) -> str:
    also = f" (or one of {', '.join(entry.alt_sha256)})" if entry.alt_sha256 else ""
    return f"{entry.sha256}{also}"


def _extract(archive: Path, fmt: str, member: str, dest: Path) -> None:
    """Copy ``member`` of ``archive`` to ``dest`` through a ``.part`` file.

    Raises:
        KeyError: the archive has no such file.
        zipfile.BadZipFile, tarfile.TarError, EOFError, OSError: the archive is damaged,
            or ``dest`` cannot be written.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(dest)
    try:
        if fmt == "zip":
            with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(tmp, "wb") as out:
                shutil.copyfileobj(src, out)
        else:
            with tarfile.open(archive) as tf:
                packed = tf.extractfile(member)
                if packed is None:
                    raise KeyError(member)
                with packed, open(tmp, "wb") as out:
                    shutil.copyfileobj(packed, out)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)


def _download_archive(dataset: DatasetSpec, cache: Path, timeout: float) -> Path:
    downloader = pooch.HTTPDownloader(progressbar=False, timeout=timeout)
    fname = f"{dataset.name}-{Path(dataset.url).name}"
    return Path(
        pooch.retrieve(
            dataset.url,
            known_hash=None if dataset.archive_sha256 is None else f"sha256:{dataset.archive_sha256}",
            fname=fname,
            path=cache / DOWNLOADS_FOLDER,
            downloader=downloader,
            progressbar=False,
        )
    )


def _from_cache(entry: DataFile, cache: Path, tried: list[str]) -> Path | None:
    """The cached copy if it passes its checksum; a corrupt copy is deleted (and noted in ``tried``).

    Raises:
        CacheAccessError: the copy cannot be read, or a corrupt copy cannot be deleted.
    """
    cached = cache / entry.path
    try:
        digest = sha256_of(cached) if cached.is_file() else None
    except OSError as exc:
        raise CacheAccessError.about(cache, f"read the cached copy {cached}", exc) from exc
    if digest is None:
        tried.append(f"cache: {cached} does not exist")
        return None
    if entry.accepts(digest):
        return cached
    _remove(cache, cached)  # a corrupt cached copy is replaced by a fresh download
    tried.append(f"cache: {cached} had a wrong checksum and was removed")
    return None


def _from_download(
    dataset: DatasetSpec, entry: DataFile, cache: Path, timeout: float, tried: list[str]
) -> Path | None:
    """Download the archive, extract the file into the cache and verify it.

    Returns None (and notes why in ``tried``) when the download or the extraction fails
    for a reason other than the cache folder; the broken archive is deleted so that the
    next call downloads it again.

    Raises:
        ChecksumError: the extracted file has the wrong SHA-256 (archive and file are
            deleted first).
        CacheAccessError: the cache folder cannot be written or cleaned.
    """
    cached = cache / entry.path
    archive: Path | None = None
    try:
        archive = _download_archive(dataset, cache, timeout)
        _extract(archive, dataset.archive_format, entry.member, cached)
        actual = sha256_of(cached)
    except Exception as exc:
        if _is_cache_fault(exc):  # the archive may be fine: it is kept
            raise CacheAccessError.about(
                cache, f"store the download of {dataset.url} in the cache", exc
            ) from exc
        if archive is not None:
            _remove(cache, archive)  # never reuse a broken download
        tried.append(f"download: {dataset.url} failed ({type(exc).__name__}: {exc})")
        return None
    if not entry.accepts(actual):
        _remove(cache, cached, archive)  # pooch would reuse the archive forever
        raise ChecksumError(
            f"Dataset {dataset.name!r}: {entry.path} (from the download of {dataset.url}) has "
            f"SHA-256 {actual}, expected {_expected(entry)}. The download was corrupt or the "
            "source now serves a different version; rnnlib deleted it, so the next call "
            "downloads it afresh. Fix: try again; if it fails again, set "
            f"{MIRROR_ENV} to a folder that holds the verified file at the same path below it "
            f"(e.g. {MIRROR_ENV}=/path/to/shared/data with /path/to/shared/data/{entry.path}) "
            "and report the new digest so rnnlib.core.catalog can be updated."
        )
    return cached


def _locate(
    dataset: DatasetSpec, entry: DataFile, *, download: bool, timeout: float, tried: list[str]
) -> Path | None:
    """The mirror's, the cache's or a fresh download's verified copy of ``entry``, or None.

    Every place looked in that does not have the file is noted in ``tried``. ``download``
    False skips the download (offline, or the archive already failed in this call).

    Raises:
        DataError: ``RNNLIB_DATA_MIRROR`` names no directory.
        ChecksumError: the mirror's copy, or a fresh download, has the wrong SHA-256.
        CacheAccessError: the cache folder cannot be created, written or cleaned.
    """
    mirror = mirror_dir()
    if mirror is None:
        tried.append(f"mirror: {MIRROR_ENV} is not set")
    else:
        candidate = mirror / entry.path
        if candidate.is_file():
            _verify_mirror(dataset, entry, candidate)
            return candidate
        tried.append(f"mirror: {candidate} does not exist")

    cache = cache_dir()
    found = _from_cache(entry, cache, tried)
    if found is None and download:
        found = _from_download(dataset, entry, cache, timeout, tried)
    return found


def _listing(paths: Sequence[str]) -> str:
    """``paths`` joined by commas; past :data:`LISTED_FILES`, the first few and a count."""
    if len(paths) <= LISTED_FILES:
        return ", ".join(paths)
    shown = LISTED_FILES // 2
    return f"{', '.join(paths[:shown])} and {len(paths) - shown} more"


def _unavailable(
    dataset: DatasetSpec, missing: Sequence[tuple[DataFile, list[str]]], wanted: int, offline: bool
) -> DataUnavailableError:
    """The error for files that are in neither the mirror nor the cache and were not downloaded.

    Args:
        missing: each missing file with the places tried for it, in the dataset's order.
        wanted: how many files were asked for (the message says "N of M").
        offline: whether ``RNNLIB_OFFLINE`` kept rnnlib from downloading.
    """
    paths = [entry.path for entry, _ in missing]
    first, tried = missing[0]
    places = "\n  - ".join(tried)
    if len(paths) == 1:
        head = f"Dataset {dataset.name!r}: cannot find {first.path}. Tried:"
        them, at = first.path, "at the same path"
    else:
        head = (
            f"Dataset {dataset.name!r}: cannot find {_listing(paths)} ({len(paths)} of {wanted} files).\n"
            f"Tried, for {first.path} (and the same places for the others):"
        )
        them, at = "these files", "at the same paths"
    if offline:
        fix = (
            f"{OFFLINE_ENV}={os.environ.get(OFFLINE_ENV, '')!r} is set, so rnnlib did not download. "
            f"Fix: unset {OFFLINE_ENV} to let rnnlib download {dataset.url} (`unset {OFFLINE_ENV}` "
            f"in a shell, `os.environ.pop({OFFLINE_ENV!r})` in a notebook before loading data)"
        )
    else:
        fix = f"Fix: connect to the internet so rnnlib can download {dataset.url}"
    mirror = mirror_dir()
    if mirror is None:
        fix += (
            f", or set {MIRROR_ENV} to a folder that holds {them} {at} below it, e.g. "
            f"`export {MIRROR_ENV}=/path/to/shared/data` with the file /path/to/shared/data/{first.path} "
            f"(in a notebook: `os.environ[{MIRROR_ENV!r}] = '/path/to/shared/data'`). The course's "
            "developers and CI use the folder shared/data beside the checkout (../shared/data; "
            "the Makefile sets it when that folder exists)."
        )
    else:
        fix += f", or put {them} into the mirror {MIRROR_ENV}={mirror} {at} below it ({mirror / first.path})."
    return DataUnavailableError(f"{head}\n  - {places}\n{fix}", dataset=dataset.name, missing=tuple(paths))


def fetch_file(
    name: str,
    path: str,
    *,
    registry: Mapping[str, DatasetSpec] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> Path:
    """Return a local, checksum-verified copy of one file of dataset ``name``.

    Args:
        name: dataset name (a key of :data:`REGISTRY`).
        path: the file's path below the data root, e.g. ``"names/Arabic.txt"``.
        registry: the registry to look in (tests pass their own).
        timeout: seconds to wait for the download server before giving up.

    Raises:
        UnknownDatasetError: unknown dataset or file.
        DataError: ``RNNLIB_DATA_MIRROR`` names no directory.
        ChecksumError: the mirror's copy, or a fresh download, has the wrong SHA-256
            (a download that fails is deleted, so the next call downloads afresh).
        CacheAccessError: the cache folder cannot be created, written or cleaned.
        DataUnavailableError: not in the mirror or cache, and the download failed or
            ``RNNLIB_OFFLINE`` forbade it.
    """
    return fetch(name, [path], registry=registry, timeout=timeout)[path]


def fetch(
    name: str,
    paths: Sequence[str] | None = None,
    *,
    registry: Mapping[str, DatasetSpec] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> dict[str, Path]:
    """Return files of dataset ``name`` as ``{path below the root: local path}``.

    The archive is downloaded at most once for all the files: once a download has failed,
    the other files are only looked for in the mirror and the cache. Every file is looked
    for before anything is reported, so that a :class:`DataUnavailableError` lists all the
    missing files at once. See :func:`fetch_file` for the resolution order.

    Args:
        name: dataset name (a key of :data:`REGISTRY`).
        paths: the files wanted, as paths below the data root; None for every file of
            the dataset.
        registry: the registry to look in (tests pass their own).
        timeout: seconds to wait for the download server before giving up.

    Raises:
        UnknownDatasetError: unknown dataset, or a path that is not one of its files.
        TypeError: ``paths`` is a single string.
        DataUnavailableError: files in neither the mirror nor the cache that could not be
            downloaded; the message lists them all (its ``missing`` attribute too).
        DataError: the other errors of :func:`fetch_file`, for the first file that has one.
    """
    if isinstance(paths, str):
        raise TypeError(
            f"paths must be a list of paths, not the string {paths!r}: use fetch_file for one file"
        )
    dataset = get_dataset(name, registry)
    entries = dataset.files if paths is None else tuple(dataset.file(p) for p in paths)
    offline = _offline()
    download = not offline
    found: dict[str, Path] = {}
    missing: list[tuple[DataFile, list[str]]] = []
    for entry in entries:
        tried: list[str] = []
        path = _locate(dataset, entry, download=download, timeout=timeout, tried=tried)
        if path is not None:
            found[entry.path] = path
            continue
        if offline:
            tried.append(f"download: skipped because {OFFLINE_ENV} is set")
        elif download:  # it failed (noted in ``tried``): the other files are not downloaded again
            download = False
        else:
            tried.append(f"download: not tried again (it failed for {missing[0][0].path})")
        missing.append((entry, tried))
    if missing:
        raise _unavailable(dataset, missing, len(entries), offline)
    return found
