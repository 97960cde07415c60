"""Finding, downloading and checksum-verifying the course datasets.

Every dataset the course uses is listed in :data:`.REGISTRY` (:mod:`rnnlib.core.catalog`)
with, for each of its files, the path under a data root and the file's SHA-256. A file is
looked up in this order:

1. **a mirror directory** named by the environment variable ``RNNLIB_DATA_MIRROR``
   (CI and the course developers point it at ``../shared/data``, the folder beside the
   checkout; an instructor can point it at a USB stick or a shared drive for an offline
   classroom);
2. **the user cache** (``RNNLIB_CACHE_DIR``, default: the operating system's
   cache folder for ``rnnlib``), filled by earlier downloads;
3. **a download** of the dataset's canonical public archive (what a student on
   Colab gets), from which the file is extracted into the cache. The download has a
   timeout per read and a deadline for the whole (:mod:`rnnlib.core.download`:
   ``RNNLIB_DOWNLOAD_DEADLINE``, one hour by default), and the extraction a cap on the
   unpacked size (:mod:`rnnlib.core.unpack`: ``RNNLIB_MAX_UNPACKED_MB``, 1024 MiB).

Whatever the source, the file's SHA-256 is checked before its path is returned
(against the registry's digest, or one of the file's accepted alternatives
:attr:`.DataFile.alt_sha256`). A download that fails the check is removed, archive and
extracted file, so that the next call downloads afresh instead of reusing it.
Every failure raises a :class:`.DataError` subclass whose message names the
dataset, the places that were tried and what to do about it. Every file of a dataset
is looked for before a :class:`.DataUnavailableError` is raised, so that it lists all the
missing files at once (and names ``RNNLIB_OFFLINE`` when that kept rnnlib from
downloading), and what to do about the download's failure: connect to the internet, wait
for a server error to pass, allow more time, or report an address that answers 404. A
cache folder that cannot be written, or that holds a file where a folder should be (or
a folder where a file should be), raises :class:`.CacheAccessError`, which names the path
and how to choose another folder. The mirror's copy of a file that is unreadable or a
folder raises :class:`.DataFileError`, which names it and the fix.

The registry's types and errors live in :mod:`rnnlib.core.registry`, its entries in
:mod:`rnnlib.core.catalog`, the mirror and cache steps in :mod:`rnnlib.core.local_data`,
the download in :mod:`rnnlib.core.download` and the extraction in :mod:`rnnlib.core.unpack`;
what a chapter uses is re-exported here, so ``rnnlib.core.data`` is the one module it needs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rnnlib.core.catalog import AMAZON_REVIEWS, AMAZON_REVIEWS_UNPROCESSED, NAMES, REGISTRY
from rnnlib.core.download import (
    DEADLINE_ENV,
    DOWNLOAD_DEADLINE,
    DOWNLOAD_TIMEOUT,
    DOWNLOADS_FOLDER,
    archive_path,
    download_archive,
    download_deadline,
)
from rnnlib.core.env import env_flag
from rnnlib.core.local_data import (
    MIRROR_ENV,
    cache_dir,
    expected_digests,
    from_cache,
    from_mirror,
    is_cache_fault,
    mirror_dir,
    path_problem,
    remove_cached,
    sha256_of,
)
from rnnlib.core.registry import (
    CACHE_ENV,
    ArchiveTooLargeError,
    CacheAccessError,
    ChecksumError,
    DataError,
    DataFile,
    DataFileError,
    DataFormatError,
    DataQualityError,
    DatasetSpec,
    DataUnavailableError,
    DownloadDeadlineError,
    DownloadError,
    SourceGoneError,
    UnknownDatasetError,
)
from rnnlib.core.unpack import MAX_UNPACKED_ENV, extract_member, max_unpacked_bytes

OFFLINE_ENV = "RNNLIB_OFFLINE"
#: How many missing files an error names; past that, it names the first half of them and a count.
LISTED_FILES = 20

__all__ = [
    "AMAZON_REVIEWS",
    "AMAZON_REVIEWS_UNPROCESSED",
    "CACHE_ENV",
    "DEADLINE_ENV",
    "DOWNLOADS_FOLDER",
    "DOWNLOAD_DEADLINE",
    "DOWNLOAD_TIMEOUT",
    "LISTED_FILES",
    "MAX_UNPACKED_ENV",
    "MIRROR_ENV",
    "NAMES",
    "OFFLINE_ENV",
    "REGISTRY",
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
    "cache_dir",
    "fetch",
    "fetch_file",
    "get_dataset",
    "mirror_dir",
    "sha256_of",
]


def get_dataset(name: str, registry: Mapping[str, DatasetSpec] | None = None) -> DatasetSpec:
    """Return the registry entry of dataset ``name``.

    Args:
        name: the dataset's name, e.g. ``"names"``.
        registry: where to look; default :data:`.REGISTRY` (tests pass their own).

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


def _offline() -> bool:
    return env_flag(OFFLINE_ENV)


@dataclass
class _Limits:
    """One call's download settings, and the download's failure once it failed."""

    timeout: float
    deadline: float
    max_bytes: int
    failure: BaseException | None = None


def _from_download(
    dataset: DatasetSpec, entry: DataFile, cache: Path, limits: _Limits, tried: list[str]
) -> Path | None:
    """Download the archive, extract the file into the cache and verify it.

    Returns None (and notes why in ``tried``, and the error in ``limits.failure``) when the
    download or the extraction fails for a reason other than the cache folder; the broken
    archive is deleted so that the next call downloads it again.

    Raises:
        ChecksumError: the extracted file has the wrong SHA-256 (archive and file are
            deleted first).
        ArchiveTooLargeError: the file unpacks to more than the cap (the archive is kept,
            for a retry with a higher cap; nothing was extracted).
        CacheAccessError: the cache folder cannot be written or cleaned.
    """
    cached = cache / entry.path
    archive: Path | None = None
    problem = path_problem(archive_path(dataset, cache))
    if problem is not None:
        raise CacheAccessError.blocked(cache, problem)
    try:
        archive = download_archive(dataset, cache, limits.timeout, limits.deadline)
        extract_member(archive, dataset.archive_format, entry.member, cached, limits.max_bytes)
        actual = sha256_of(cached)
    except ArchiveTooLargeError:
        raise
    except Exception as exc:
        if is_cache_fault(exc):  # the archive may be fine: it is kept
            raise CacheAccessError.about(
                cache, f"store the download of {dataset.url} in the cache", exc
            ) from exc
        if archive is not None:
            remove_cached(cache, archive)  # never reuse a broken download
        reason = exc.problem if isinstance(exc, DownloadError) else str(exc)
        tried.append(f"download: {dataset.url} failed ({type(exc).__name__}: {reason})")
        limits.failure = exc
        return None
    if not entry.accepts(actual):
        remove_cached(cache, cached, archive)  # pooch would reuse the archive forever
        raise ChecksumError(
            f"Dataset {dataset.name!r}: {entry.path} (from the download of {dataset.url}) has "
            f"SHA-256 {actual}, expected {expected_digests(entry)}. The download was corrupt or the "
            "source now serves a different version; rnnlib deleted it, so the next call "
            "downloads it afresh. Fix: try again; if it fails again, set "
            f"{MIRROR_ENV} to a folder that holds the verified file at the same path below it "
            f"(e.g. {MIRROR_ENV}=/path/to/shared/data with /path/to/shared/data/{entry.path}) "
            "and report the new digest so rnnlib.core.catalog can be updated."
        )
    return cached


def _locate(
    dataset: DatasetSpec, entry: DataFile, *, download: bool, limits: _Limits, tried: list[str]
) -> Path | None:
    """The mirror's, the cache's or a fresh download's verified copy of ``entry``, or None.

    Every place looked in that does not have the file is noted in ``tried``. ``download``
    False skips the download (offline, or the archive already failed in this call).

    Raises:
        DataError: ``RNNLIB_DATA_MIRROR`` names no directory.
        DataFileError: the mirror's copy cannot be read, or is a folder.
        ChecksumError: the mirror's copy, or a fresh download, has the wrong SHA-256.
        ArchiveTooLargeError: the download unpacks to more than the cap.
        CacheAccessError: the cache folder cannot be created, written or cleaned.
    """
    found = from_mirror(dataset, entry, tried)
    if found is not None:
        return found
    cache = cache_dir()
    found = from_cache(entry, cache, tried)
    if found is None and download:
        found = _from_download(dataset, entry, cache, limits, tried)
    return found


def _listing(paths: Sequence[str]) -> str:
    """``paths`` joined by commas; past :data:`LISTED_FILES`, the first few and a count."""
    if len(paths) <= LISTED_FILES:
        return ", ".join(paths)
    shown = LISTED_FILES // 2
    return f"{', '.join(paths[:shown])} and {len(paths) - shown} more"


def _unavailable(
    dataset: DatasetSpec,
    missing: Sequence[tuple[DataFile, list[str]]],
    wanted: int,
    offline: bool,
    failure: BaseException | None = None,
) -> DataUnavailableError:
    """The error for files that are in neither the mirror nor the cache and were not downloaded.

    Args:
        missing: each missing file with the places tried for it, in the dataset's order.
        wanted: how many files were asked for (the message says "N of M").
        offline: whether ``RNNLIB_OFFLINE`` kept rnnlib from downloading.
        failure: the download's error, if it was tried: a
            :class:`~rnnlib.core.registry.DownloadError` brings its own fix (a 404 is not
            cured by connecting to the internet).
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
    elif isinstance(failure, DownloadError) and failure.fix:
        fix = failure.fix
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
    deadline: float | None = None,
    max_bytes: int | None = None,
) -> Path:
    """Return a local, checksum-verified copy of one file of dataset ``name``.

    Args:
        name: dataset name (a key of :data:`.REGISTRY`).
        path: the file's path below the data root, e.g. ``"names/Arabic.txt"``.
        registry: the registry to look in (tests pass their own).
        timeout: seconds to wait for the download server to connect or to send more bytes.
        deadline: seconds the whole download may take; None for ``RNNLIB_DOWNLOAD_DEADLINE``,
            or one hour (:mod:`rnnlib.core.download`).
        max_bytes: the most bytes the file may unpack to; None for ``RNNLIB_MAX_UNPACKED_MB``
            MiB, or 1024 MiB (:mod:`rnnlib.core.unpack`).

    Raises:
        UnknownDatasetError: unknown dataset or file.
        DataError: ``RNNLIB_DATA_MIRROR`` names no directory, or a limit's variable is bad.
        DataFileError: the mirror's copy cannot be read, or is a folder.
        ChecksumError: the mirror's copy, or a fresh download, has the wrong SHA-256
            (a download that fails is deleted, so the next call downloads afresh).
        ArchiveTooLargeError: the file unpacks to more than ``max_bytes``.
        CacheAccessError: the cache folder cannot be created, written or cleaned, or a
            path in it is a file where a folder should be (or a folder where a file should be).
        DataUnavailableError: not in the mirror or cache, and the download failed (the
            message says why and what to do) or ``RNNLIB_OFFLINE`` forbade it.
    """
    return fetch(name, [path], registry=registry, timeout=timeout, deadline=deadline, max_bytes=max_bytes)[
        path
    ]


def fetch(
    name: str,
    paths: Sequence[str] | None = None,
    *,
    registry: Mapping[str, DatasetSpec] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
    deadline: float | None = None,
    max_bytes: int | None = None,
) -> dict[str, Path]:
    """Return files of dataset ``name`` as ``{path below the root: local path}``.

    The archive is downloaded at most once for all the files: once a download has failed,
    the other files are only looked for in the mirror and the cache. Every file is looked
    for before anything is reported, so that a :class:`.DataUnavailableError` lists all the
    missing files at once. See :func:`fetch_file` for the resolution order.

    Args:
        name: dataset name (a key of :data:`.REGISTRY`).
        paths: the files wanted, as paths below the data root; None for every file of
            the dataset.
        registry: the registry to look in (tests pass their own).
        timeout, deadline, max_bytes: the limits of the download, as in :func:`fetch_file`.

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
    limits = _Limits(timeout, download_deadline(deadline), max_unpacked_bytes(max_bytes))
    offline = _offline()
    download = not offline
    found: dict[str, Path] = {}
    missing: list[tuple[DataFile, list[str]]] = []
    for entry in entries:
        tried: list[str] = []
        path = _locate(dataset, entry, download=download, limits=limits, tried=tried)
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
        raise _unavailable(dataset, missing, len(entries), offline, limits.failure)
    return found
