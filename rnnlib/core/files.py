"""Atomic file writes: a reader never sees half a file, a crash never leaves one behind."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["atomic_write_bytes", "partial_path"]


def partial_path(dest: Path) -> Path:
    """Where a file is written before it is renamed to ``dest`` (same folder, ``.part`` added)."""
    return dest.with_name(dest.name + ".part")


def atomic_write_bytes(dest: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``dest`` through a ``.part`` file renamed into place.

    The folder is created if needed. On any error the ``.part`` file is removed and
    ``dest`` is left as it was.
    """
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(path)
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
