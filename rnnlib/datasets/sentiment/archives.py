"""DLStudio's archive format: write it, and read it without trusting pickle.

An archive ``sentiment_dataset_{split}_{n}.tar.gz`` is, despite its name, a gzip'd pickle
of ``(positive_dict, negative_dict, vocab_list)``. **Archives are pickles, and unpickling
runs code**: :func:`load_dlstudio_archive` loads only archives it knows (the digests in
:data:`KNOWN_ARCHIVE_SHA256`, and those :func:`save_dlstudio_archive` recorded in the
trust store :data:`TRUSTED_ARCHIVES_FILE` of the cache folder), and even those through an
unpickler that can build nothing but dicts, lists, tuples and strings.

A trusted archive can still be a decompression bomb (a megabyte of gzip that unpacks to a
gigabyte): it is decompressed as a stream, counted as it comes, and refused with an
:class:`~rnnlib.core.registry.ArchiveTooLargeError` past a cap (:mod:`rnnlib.core.unpack`:
1024 MiB, ``RNNLIB_MAX_UNPACKED_MB`` or ``max_bytes``), checked before anything is unpickled.
The course's largest (the training part of every review of the 8 categories) unpacks to
about 9 MB; 400 reviews per category and sentiment of DLStudio's 25 categories, to about 13 MB.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import zlib
from pathlib import Path
from typing import Any, cast

from rnnlib.core.data import CacheAccessError, DataError, cache_dir
from rnnlib.core.files import atomic_write_bytes, read_data_bytes
from rnnlib.core.unpack import max_unpacked_bytes, open_gzip
from rnnlib.datasets.sentiment.dlstudio import SentimentDataset

__all__ = [
    "KNOWN_ARCHIVE_SHA256",
    "TRUSTED_ARCHIVES_FILE",
    "ArchiveFormatError",
    "UnsafeArchiveError",
    "UntrustedArchiveError",
    "load_dlstudio_archive",
    "save_dlstudio_archive",
]

#: SHA-256 of DLStudio's published archives, by file name. Empty, as no copy of them could
#: be found (shared/data/README.md, "Not found"), so their digests are unknown. Add an
#: entry once a copy from DLStudio's site has been obtained and checked.
KNOWN_ARCHIVE_SHA256: dict[str, str] = {}
#: File in :func:`rnnlib.core.local_data.cache_dir` listing the digests of archives rnnlib wrote.
TRUSTED_ARCHIVES_FILE = "trusted_archives.json"
_PICKLE_PROTOCOL = 4


class UntrustedArchiveError(DataError):
    """An archive is neither a known DLStudio archive nor one that rnnlib wrote."""


class ArchiveFormatError(DataError, ValueError):
    """An archive is not a gzip'd pickle of ``(positive_dict, negative_dict, vocab_list)``."""


class UnsafeArchiveError(ArchiveFormatError):
    """An archive's pickle asks for a Python object other than a dict, list or string."""


def _trust_file() -> Path:
    return cache_dir() / TRUSTED_ARCHIVES_FILE


def _trusted() -> dict[str, str]:
    """``{sha256: path}`` of the archives rnnlib wrote (empty if it wrote none).

    Raises:
        rnnlib.core.registry.DataError: the trust store is damaged.
        rnnlib.core.registry.CacheAccessError: the trust store cannot be read.
    """
    path = _trust_file()
    try:
        raw = path.read_bytes() if path.is_file() else None
    except OSError as exc:
        raise CacheAccessError.about(path.parent, f"read the list of trusted archives {path}", exc) from exc
    if raw is None:
        return {}
    try:
        entries = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        entries = None
    if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
        raise DataError(
            f"{path} is not a JSON object of sha256 -> path: it is damaged. Fix: delete it; rnnlib "
            "then forgets the archives it wrote, so save them again or load them with trust=True."
        )
    return entries


def save_dlstudio_archive(dataset: SentimentDataset, path: str | os.PathLike[str]) -> str:
    """Write ``dataset`` as DLStudio does and return the file's SHA-256.

    The file is a gzip'd pickle of ``(positive_dict, negative_dict, vocab_list)``, which
    DLStudio reads with ``pickle.loads(gzip.open(path).read(), encoding='latin1')``. The
    bytes depend only on the data (no time stamp), and the digest is recorded in
    :data:`TRUSTED_ARCHIVES_FILE` so that :func:`load_dlstudio_archive` accepts the file.

    Raises:
        ArchiveFormatError: the dataset does not have DLStudio's structure.
        OSError: ``path`` cannot be written (it is left as it was).
        rnnlib.core.registry.DataError: the list of trusted archives is damaged.
        rnnlib.core.registry.CacheAccessError: the list of trusted archives, in the cache
            folder, cannot be read or written (the archive is written, but not trusted).
    """
    path = Path(path)
    payload = _check_payload(dataset.to_tuple(), f"the dataset to save as {path}")
    trusted = _trusted()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz:
        gz.write(pickle.dumps(payload, protocol=_PICKLE_PROTOCOL))
    raw = buffer.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    atomic_write_bytes(path, raw)
    trusted[digest] = str(path.resolve())
    store = _trust_file()
    try:
        atomic_write_bytes(store, json.dumps(trusted, indent=1, sort_keys=True).encode("utf-8"))
    except OSError as exc:
        raise CacheAccessError.about(
            store.parent, f"record {path} in the list of trusted archives {store}", exc
        ) from exc
    return digest


class _PlainDataUnpickler(pickle.Unpickler):
    """An unpickler that builds only built-in containers and strings: it resolves no global."""

    def find_class(self, module: str, name: str) -> Any:
        raise UnsafeArchiveError(f"{module}.{name}")


def load_dlstudio_archive(
    path: str | os.PathLike[str], *, trust: bool = False, max_bytes: int | None = None
) -> SentimentDataset:
    """Read a DLStudio sentiment archive (or one :func:`save_dlstudio_archive` wrote).

    Unpickling a file can run arbitrary code, so only these are read: archives whose
    SHA-256 is in :data:`KNOWN_ARCHIVE_SHA256`, archives rnnlib wrote (listed in
    :data:`TRUSTED_ARCHIVES_FILE` in the cache folder), or any archive with
    ``trust=True``. Even then the pickle may build nothing but dicts, lists, tuples and
    strings (no class, no function): a file asking for more is refused. The gzip layer is
    decompressed as a stream, and refused past ``max_bytes`` before anything is unpickled.

    Args:
        path: the archive.
        trust: read it even if rnnlib does not know its digest.
        max_bytes: the most bytes it may unpack to; None for ``RNNLIB_MAX_UNPACKED_MB`` MiB,
            or 1024 MiB (:func:`rnnlib.core.unpack.max_unpacked_bytes`).

    Raises:
        rnnlib.core.registry.DataFileError: the file is missing, a folder or unreadable.
        UntrustedArchiveError: the archive is not known and ``trust`` is False.
        rnnlib.core.registry.ArchiveTooLargeError: it unpacks to more than ``max_bytes``
            (nothing was unpickled).
        UnsafeArchiveError: the pickle asks for a Python object (e.g. ``os.system``).
        ArchiveFormatError: not gzip, truncated, not a pickle, or not the tuple
            ``(dict, dict, list)`` of DLStudio's format.
        rnnlib.core.registry.DataError: the list of trusted archives is damaged
            (:class:`~rnnlib.core.registry.CacheAccessError`: it cannot be read).
    """
    path = Path(path)
    # Read once: the bytes checked are the bytes unpickled, even if the file changes meanwhile.
    raw = read_data_bytes(
        path, "Fix: check the path, or write the archive with save_dlstudio_archive()."
    )
    digest = hashlib.sha256(raw).hexdigest()
    if not trust and digest not in KNOWN_ARCHIVE_SHA256.values() and digest not in _trusted():
        raise UntrustedArchiveError(
            f"{path} has SHA-256 {digest}, which is neither a known DLStudio archive "
            f"(KNOWN_ARCHIVE_SHA256) nor one that rnnlib wrote (listed in {_trust_file()}). "
            "Loading a pickle can run code, so rnnlib refuses it. Fix: if you know where the "
            "file comes from, call load_dlstudio_archive(path, trust=True); otherwise rebuild "
            "it with build_datasets() and save_dlstudio_archive()."
        )
    fix = "Fix: write it again with save_dlstudio_archive(), or download it again."
    cap = max_unpacked_bytes(max_bytes)
    try:  # a first pass checks the gzip layer and its size, holding nothing but a block
        with open_gzip(raw, cap, name=str(path)) as stream:
            while stream.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise ArchiveFormatError(
            f"{path} is not a complete gzip file ({type(exc).__name__}: {exc}): it is corrupt or truncated. "
            f"{fix}"
        ) from None
    try:
        with open_gzip(raw, cap, name=str(path)) as stream:
            payload = _PlainDataUnpickler(stream, encoding="latin1").load()
    except UnsafeArchiveError as exc:
        raise UnsafeArchiveError(
            f"{path} asks the unpickler for {exc}, but a sentiment archive holds only dicts, lists and "
            "strings: it is not one, and may be malicious. rnnlib refuses it even with trust=True. "
            "Do not open it with pickle; rebuild the data with build_datasets()."
        ) from None
    except Exception as exc:  # a damaged pickle can fail in many ways; report each the same
        raise ArchiveFormatError(
            f"{path} holds gzip'd data that is not a readable pickle ({type(exc).__name__}: {exc}): "
            f"it is corrupt or truncated. {fix}"
        ) from None
    positive, negative, vocab = _check_payload(payload, str(path))
    return SentimentDataset(positive, negative, vocab)


def _structure_error(source: str, problem: str) -> ArchiveFormatError:
    return ArchiveFormatError(
        f"{source}: {problem}. A DLStudio sentiment archive holds the 3-tuple (positive_dict, "
        "negative_dict, vocab_list): two {category: [[word, ...], ...]} dicts and a list of words. "
        "Fix: rebuild it with build_datasets() and save_dlstudio_archive()."
    )


def _check_part(part: object, what: str, source: str) -> dict[str, list[list[str]]]:
    if not isinstance(part, dict):
        raise _structure_error(source, f"{what} is a {type(part).__name__}, not a dict")
    for category, docs in part.items():
        if not isinstance(category, str) or not isinstance(docs, list):
            raise _structure_error(
                source, f"{what} maps {category!r} to a {type(docs).__name__}: expected a str key and a list"
            )
        for i, doc in enumerate(docs):
            if not isinstance(doc, list) or not all(isinstance(w, str) for w in doc):
                raise _structure_error(source, f"{what}[{category!r}][{i}] is not a list of words (str)")
    return cast("dict[str, list[list[str]]]", part)


def _check_payload(
    payload: object, source: str
) -> tuple[dict[str, list[list[str]]], dict[str, list[list[str]]], list[str]]:
    if not isinstance(payload, tuple) or len(payload) != 3:
        size = f" of length {len(payload)}" if isinstance(payload, (tuple, list, dict)) else ""
        raise _structure_error(source, f"it holds a {type(payload).__name__}{size}, not a 3-tuple")
    positive = _check_part(payload[0], "positive_dict", source)
    negative = _check_part(payload[1], "negative_dict", source)
    vocab = payload[2]
    if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
        raise _structure_error(source, "vocab_list is not a list of words (str)")
    return positive, negative, vocab
