"""Progress bars that are widgets in notebooks, text in terminals and silent in CI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm.auto import tqdm

from rnnlib.core.env import env_flag

PROGRESS_ENV = "RNNLIB_PROGRESS"
T = TypeVar("T")

__all__ = ["PROGRESS_ENV", "progress", "progress_enabled"]


def progress_enabled() -> bool:
    """False when ``RNNLIB_PROGRESS`` is ``0``/``off`` or, unless it is ``1``/``on``, in CI.

    Full runs whose outputs are committed set ``RNNLIB_PROGRESS=0`` so that pages
    show the per-epoch log rather than a progress widget that a static site
    cannot display.

    Raises:
        ValueError: either variable holds something other than a yes/no word.
    """
    return env_flag(PROGRESS_ENV, default=not env_flag("CI"))


def progress(iterable: Iterable[T] | None = None, **kwargs: Any) -> tqdm:
    """A ``tqdm.auto`` progress bar, disabled by :func:`progress_enabled`."""
    kwargs.setdefault("disable", not progress_enabled())
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)
