"""Argument checks shared by the models: sizes that must be positive whole numbers, and padded
batches of word indices with their lengths."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch

__all__ = ["check_padded_indices", "check_sizes"]


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


def check_padded_indices(padded: torch.Tensor, lengths: torch.Tensor | Sequence[int]) -> torch.Tensor:
    """Check a padded batch of word indices ``(batch, time)`` and its lengths; return the lengths
    as a tensor on ``padded``'s device.

    Raises:
        ValueError: ``padded`` is not a 2-D integer tensor with at least one step, or ``lengths``
            does not give one length in ``1..time`` per row.
    """
    if padded.ndim != 2 or padded.shape[1] == 0 or padded.is_floating_point():
        raise ValueError(
            f"padded must hold word indices (batch, time >= 1), integer dtype, got {tuple(padded.shape)} "
            f"{padded.dtype}: pad the reviews' index tensors (collate_for_sentiment does)."
        )
    lengths = torch.as_tensor(lengths, device=padded.device)
    steps = padded.shape[1]
    if lengths.shape != (padded.shape[0],) or int(lengths.min()) < 1 or int(lengths.max()) > steps:
        raise ValueError(f"lengths must give one length in 1..{steps} per review, got {lengths.tolist()}.")
    return lengths
