"""Showing rnnlib's code inside a chapter, so a model derived there is read where it lives."""

from __future__ import annotations

import inspect
from typing import Any

from IPython.display import Code

__all__ = ["show_source"]


def show_source(obj: Any) -> Code:
    """Syntax-highlighted source of a class or function, for display in a notebook."""
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise TypeError(f"Cannot show the source of {obj!r}: pass a class or function ({exc}).") from None
    return Code(source, language="python")
