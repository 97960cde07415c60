"""Showing rnnlib's code inside a chapter, so a model derived there is read where it lives.

rnnlib's docstrings cross-reference each other with Sphinx roles (``:class:`Forecaster```),
which the API pages turn into links. In a listing printed on a chapter page nothing would
render them, so :func:`show_source` shows each role as the plain name it points to, in
backticks (``Forecaster``); the code itself is shown exactly as it is.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from IPython.display import Code

__all__ = ["plain_roles", "show_source"]

#: A Sphinx cross-reference role: ``:func:`name```, ``:py:class:`~pkg.mod.Name```,
#: ``:doc:`the text <target>```.
_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`(?P<tilde>~?)(?P<body>[^`<>]*?)\s*(?:<[^`>]*>)?`")


def _plain(match: re.Match[str]) -> str:
    body = match["body"].strip()
    if match["tilde"]:
        body = body.rsplit(".", 1)[-1]
    return f"`{body}`"


def plain_roles(text: str) -> str:
    """``text`` with every Sphinx role written as its name in backticks.

    ``:class:`PackedSequence``` becomes ```PackedSequence```, ``:func:`~rnnlib.core.data.fetch```
    becomes ```fetch``` (the tilde asks for the last part only, as Sphinx shows it), and
    ``:doc:`the chapter <chapters/x>``` becomes ```the chapter```.
    """
    return _ROLE.sub(_plain, text)


def show_source(obj: Any) -> Code:
    """Syntax-highlighted source of a class or function, for display in a notebook, with the
    Sphinx roles of its docstrings shown as plain names (:func:`plain_roles`).

    Raises:
        TypeError: ``obj`` has no source to show (a built-in, an instance, ...).
    """
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise TypeError(f"Cannot show the source of {obj!r}: pass a class or function ({exc}).") from None
    return Code(plain_roles(source), language="python")
