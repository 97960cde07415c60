"""Data files on disk: atomic writes, and reads whose errors name the file, the line and the fix.

- :func:`atomic_write_bytes` -- a reader never sees half a file, a crash never leaves one behind;
- :func:`read_data_bytes` -- a file's bytes, or a :class:`~rnnlib.core.registry.DataFileError`
  that says whether it is missing, a folder or unreadable;
- :func:`decode_utf8` -- strict UTF-8: a byte that is not raises a
  :class:`~rnnlib.core.registry.DataFormatError` naming the file, the line and the byte,
  instead of a bare ``UnicodeDecodeError`` or a silent U+FFFD.
"""

from __future__ import annotations

import os
from pathlib import Path

from rnnlib.core.registry import DataFileError, DataFormatError

__all__ = ["atomic_write_bytes", "decode_utf8", "partial_path", "read_data_bytes"]


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


def read_data_bytes(path: str | os.PathLike[str], fix: str) -> bytes:
    """The bytes of the data file ``path``.

    Args:
        path: the file.
        fix: what to do if it cannot be read, a sentence starting with ``"Fix: "``.

    Raises:
        DataFileError: the file is missing, a folder or unreadable; the message names it,
            says which, and ends with ``fix``.
    """
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise DataFileError.about(path, exc, fix) from exc


def decode_utf8(data: bytes, source: str, fix: str) -> str:
    """``data`` decoded as UTF-8, strictly.

    Args:
        data: the bytes.
        source: what to call them in the message (a file name).
        fix: what to do about a bad byte, a sentence starting with ``"Fix: "``.

    Raises:
        DataFormatError: a byte sequence that is not UTF-8; the message names ``source``, the
            line (counted from 1), the byte's offset and value, and ends with ``fix``.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end]
        raise DataFormatError(
            f"{source}, line {line} (byte offset {exc.start:,}): the byte(s) {bad!r} are not UTF-8 "
            f"({exc.reason}), {_count_bad(data)} such place(s) in all. The file is damaged or was "
            f"saved in another encoding (Latin-1 or Windows-1252, e.g. by a spreadsheet). {fix}"
        ) from None


def _count_bad(data: bytes) -> int:
    """How many undecodable sequences ``data`` holds (each one U+FFFD with errors="replace")."""
    return data.decode("utf-8", errors="replace").count("\ufffd") - data.count("\ufffd".encode())
