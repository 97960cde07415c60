"""The datasets' public archives, rebuilt from the course's data mirror for :mod:`tools.colab_check`.

On Colab, rnnlib downloads each dataset's archive from its public source (``rnnlib.core.catalog``)
and extracts the files it needs. The check serves the same URLs on this machine: for every dataset
of the registry with a URL, :func:`build_archives` writes an archive in the source's format (zip,
tar.gz) whose members sit at the paths the catalog names (``data/names/Arabic.txt`` in
``data.zip``), holding the bytes the original would hold, and returns the routes a server answers
with. The mirror's unprocessed Amazon files carry a ``<root>`` first line and a ``</root>`` last line
that the originals lack (``shared/data/README.md``): :func:`original_bytes` removes them, and the
result must have one of the catalog's alternative digests. A dataset without a public URL (the
reconstructed PJM files) cannot be downloaded on Colab: it is returned by name, not served.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from rnnlib.core.catalog import REGISTRY
from rnnlib.core.registry import DataFile, DatasetSpec

#: What the mirror adds around an unprocessed review file (its README: not in the original).
ROOT_OPEN = b"<root>\n"
ROOT_CLOSE = b"\n</root>"
#: A fixed time stamp for every archive member: the same mirror gives the same archives.
MTIME = 1_200_000_000


@dataclass(frozen=True)
class Route:
    """What the dataset server answers for one URL: a file, or a redirect to another URL."""

    url: str
    file: Path | None = None
    redirect: str | None = None

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or ""

    @property
    def path(self) -> str:
        return urlparse(self.url).path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def original_bytes(entry: DataFile, data: bytes) -> bytes:
    """The bytes the public archive holds for ``entry``, given the mirror's copy ``data``.

    A file with alternative digests is one whose mirror copy differs from the original: the
    mirror's ``<root>`` / ``</root>`` wrapper lines are removed.

    Raises:
        ValueError: ``data`` is not the mirror's copy (wrong SHA-256), or the unwrapped bytes match
            none of the entry's alternative digests.
    """
    if sha256(data) != entry.sha256:
        raise ValueError(f"the mirror's {entry.path} does not have the catalog's SHA-256 {entry.sha256}")
    if not entry.alt_sha256:
        return data
    if not (data.startswith(ROOT_OPEN) and data.endswith(ROOT_CLOSE)):
        raise ValueError(f"the mirror's {entry.path} is not wrapped in <root> ... </root>")
    original = data[len(ROOT_OPEN) : -len(ROOT_CLOSE)]
    if sha256(original) not in entry.alt_sha256:
        raise ValueError(f"{entry.path} without its <root> lines matches none of the catalog's alternatives")
    return original


def github_codeload(url: str) -> str | None:
    """Where GitHub redirects an archive URL: ``https://github.com/O/R/archive/REF.zip`` ->
    ``https://codeload.github.com/O/R/zip/REF``; None for any other URL."""
    parsed = urlparse(url)
    parts = parsed.path.strip("/").split("/")
    if parsed.hostname != "github.com" or len(parts) != 4 or parts[2] != "archive":
        return None
    ref, dot, kind = parts[3].partition(".")
    if not dot or kind not in ("zip", "tar.gz"):
        return None
    return f"https://codeload.github.com/{parts[0]}/{parts[1]}/{kind.replace('.', '')}/{ref}"


def _tar_mode(url: str) -> str:
    name = urlparse(url).path
    if name.endswith((".tar.gz", ".tgz")):
        return "w:gz"
    if name.endswith((".tar.bz2", ".tbz2")):
        return "w:bz2"
    if name.endswith((".tar.xz", ".txz")):
        return "w:xz"
    return "w"


def write_archive(dataset: DatasetSpec, members: Mapping[str, bytes], dest: Path) -> Path:
    """Write ``members`` (path in the archive -> bytes) as ``dataset``'s archive format to ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dataset.archive_format == "zip":
        with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member, data in sorted(members.items()):
                info = zipfile.ZipInfo(member, date_time=(2008, 1, 10, 21, 20, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    elif dataset.archive_format == "tar":
        with tarfile.open(dest, _tar_mode(dataset.url)) as tf:  # type: ignore[call-overload]
            for member, data in sorted(members.items()):
                entry = tarfile.TarInfo(member)
                entry.size, entry.mtime, entry.mode = len(data), MTIME, 0o644
                tf.addfile(entry, io.BytesIO(data))
    else:
        raise ValueError(f"{dataset.name}: unknown archive format {dataset.archive_format!r}")
    return dest


def archive_members(dataset: DatasetSpec, mirror: Path) -> dict[str, bytes]:
    """member path -> original bytes, for every file of ``dataset``, read from ``mirror``.

    Raises:
        FileNotFoundError: a file is missing from the mirror.
        ValueError: see :func:`original_bytes`.
    """
    return {f.member: original_bytes(f, (mirror / f.path).read_bytes()) for f in dataset.files}


def build_archives(
    mirror: Path, out: Path, registry: Mapping[str, DatasetSpec] = REGISTRY
) -> tuple[list[Route], list[str]]:
    """Every dataset's public archive, rebuilt under ``out/<host>/<path>``.

    Returns:
        The routes to serve (an archive per URL, plus GitHub's redirect to codeload for archive
        URLs on github.com) and the names of the datasets that have no public URL.
    """
    routes: list[Route] = []
    unservable: list[str] = []
    for dataset in registry.values():
        if not dataset.url:
            unservable.append(dataset.name)
            continue
        served = github_codeload(dataset.url) or dataset.url
        parsed = urlparse(served)
        dest = out / (parsed.hostname or "host") / parsed.path.lstrip("/")
        write_archive(dataset, archive_members(dataset, mirror), dest)
        routes.append(Route(served, file=dest))
        if served != dataset.url:
            routes.append(Route(dataset.url, redirect=served))
    return routes, sorted(unservable)
