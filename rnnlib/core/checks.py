"""Argument checks shared by the models: sizes that must be positive whole numbers."""

from __future__ import annotations

import numbers

__all__ = ["check_sizes"]


def check_sizes(**sizes: int) -> None:
    """Check that every keyword argument is a whole number of at least 1.

    ``check_sizes(input_size=57, hidden_size=0)`` raises
    ``ValueError("hidden_size=0: must be a whole number of at least 1.")``.

    Raises:
        ValueError: one or more sizes are below 1, not whole numbers, or booleans; the
            message names each of them and its value.
    """
    bad = [
        f"{name}={value!r}"
        for name, value in sizes.items()
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1
    ]
    if bad:
        raise ValueError(f"{', '.join(bad)}: must be a whole number of at least 1.")
