"""Environment variables, parsed in one place.

Every switch of the course (``RNNLIB_FAST``, ``RNNLIB_PROGRESS``, ``RNNLIB_OFFLINE``, ``CI``)
is read by :func:`env_flag`, so that ``RNNLIB_FAST=false`` means the same thing to rnnlib,
to the tools and to the tests, and a value nobody understands is an error, not a guess.
Every limit (``RNNLIB_DOWNLOAD_DEADLINE``, ``RNNLIB_MAX_UNPACKED_MB``) is read by
:func:`env_positive_number`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "env_flag", "env_positive_number"]

#: Values read as "on" (case and surrounding spaces ignored).
TRUE_WORDS: frozenset[str] = frozenset({"1", "true", "yes", "on"})
#: Values read as "off"; an unset or empty variable is its default instead.
FALSE_WORDS: frozenset[str] = frozenset({"0", "false", "no", "off"})


def env_flag(name: str, default: bool = False, *, environ: Mapping[str, str] | None = None) -> bool:
    """The yes/no value of the environment variable ``name``.

    Args:
        name: the variable, e.g. ``"RNNLIB_FAST"``.
        default: the value when the variable is unset or empty.
        environ: where to read it (default ``os.environ``).

    Raises:
        ValueError: the variable holds something other than a yes/no word; the message
            names the variable, its value and the words that are understood.
    """
    env = os.environ if environ is None else environ
    raw = env.get(name, "")
    value = raw.strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(
        f"{name}={raw!r} is not understood: use one of {sorted(TRUE_WORDS)} to turn it on, "
        f"one of {sorted(FALSE_WORDS)} to turn it off, or unset it."
    )


def env_positive_number(
    name: str,
    *,
    unit: str,
    fix: str,
    error: type[Exception] = ValueError,
    environ: Mapping[str, str] | None = None,
) -> float | None:
    """The positive, finite number held by the environment variable ``name``, or None when it
    is unset or empty (the caller's default applies).

    Args:
        name: the variable, e.g. ``"RNNLIB_DOWNLOAD_DEADLINE"``.
        unit: what the number counts, for the message (``"seconds"``).
        fix: the sentence that ends the message: what to set instead.
        error: the exception type to raise (a caller's own family, e.g. ``DataError``).
        environ: where to read it (default ``os.environ``).

    Raises:
        ValueError: (or ``error``) the variable holds anything else (text, zero, a negative
            number, ``inf``, ``nan``); the message names the variable, its value, the unit
            and ``fix``.
    """
    env = os.environ if environ is None else environ
    raw = env.get(name, "")
    if not raw.strip():
        return None
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if not 0 < number < float("inf"):
        raise error(f"{name}={raw.strip()!r} is not a positive number of {unit}. Fix: {fix}")
    return number
