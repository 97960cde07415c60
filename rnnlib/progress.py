"""Progress bars that are widgets in notebooks, text in terminals and silent in CI."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm.auto import tqdm

PROGRESS_ENV = "RNNLIB_PROGRESS"
T = TypeVar("T")

__all__ = ["PROGRESS_ENV", "progress", "progress_enabled"]


def progress_enabled() -> bool:
    """False when ``RNNLIB_PROGRESS`` is ``0``/``off`` or, unless it is ``1``/``on``, in CI.

    Full runs whose outputs are committed set ``RNNLIB_PROGRESS=0`` so that pages
    show the per-epoch log rather than a progress widget that a static site
    cannot display.
    """
    value = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if value in {"0", "off", "false", "no"}:
        return False
    if value in {"1", "on", "true", "yes"}:
        return True
    return os.environ.get("CI", "").strip().lower() not in {"1", "true", "yes"}


def progress(iterable: Iterable[T] | None = None, **kwargs: Any) -> tqdm:
    """A ``tqdm.auto`` progress bar, disabled by :func:`progress_enabled`."""
    kwargs.setdefault("disable", not progress_enabled())
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)
