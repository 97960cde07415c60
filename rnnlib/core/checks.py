"""Argument checks shared by the models: sizes that must be positive whole numbers, lists of
sequence lengths, padded batches of word indices with their lengths, and numbers read as
``float64`` arrays."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import torch

__all__ = ["as_float_array", "check_lengths", "check_padded_batch", "check_padded_indices", "check_sizes"]


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
    if (
        not isinstance(padded, torch.Tensor)
        or padded.ndim != 2
        or padded.shape[1] == 0
        or (padded.is_floating_point() or padded.dtype == torch.bool)
    ):
        got = type(padded).__name__
        if isinstance(padded, torch.Tensor):
            got = f"{tuple(padded.shape)} {padded.dtype}"
        raise ValueError(
            f"padded must hold word indices (batch, time >= 1) of an integer dtype, got {got}: pad "
            "the reviews' index tensors (collate_for_sentiment does)."
        )
    steps, batch = padded.shape[1], padded.shape[0]
    try:
        lengths = torch.as_tensor(lengths, device=padded.device)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(
            f"lengths must be one whole number per review, got {lengths!r} ({error}): pass the "
            "lengths collate_for_sentiment returns."
        ) from None
    if lengths.numel() == 0:  # torch reads [] as float32: an empty list is no length at all
        lengths = lengths.long()
    whole = not (lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool)
    if (
        not whole
        or lengths.shape != (batch,)
        or (batch and (int(lengths.min()) < 1 or int(lengths.max()) > steps))
    ):
        raise ValueError(
            f"lengths must give one length in 1..{steps} to each of the {batch} reviews, got "
            f"{lengths.tolist()}: a review with no known word cannot be read (drop it, or encode "
            "it with the vocabulary's words)."
        )
    return lengths


def check_padded_batch(inputs: object, owner: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Unpack one batch ``(padded, lengths)``, as ``collate_for_sentiment`` makes it, and check
    it with :func:`check_padded_indices`; ``owner`` (the model's name) starts the message.

    Raises:
        TypeError: ``inputs`` is not a pair (a tuple or a list of two).
        ValueError: as :func:`check_padded_indices`.
    """
    if not (isinstance(inputs, (tuple, list)) and len(inputs) == 2):
        raise TypeError(
            f"{owner} takes (padded indices, lengths), as collate_for_sentiment batches them; "
            f"got {type(inputs).__name__}."
        )
    padded, lengths = inputs
    return padded, check_padded_indices(padded, lengths)


def check_lengths(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """Check a list of sequence lengths (one per example, each a whole number >= 1) and return
    it as an ``int64`` array.

    Raises:
        ValueError: ``lengths`` is empty or not one-dimensional, or holds a length that is not
            a whole number of at least 1 (an empty example).
    """
    try:
        array = np.asarray(lengths)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"lengths must be a flat list of whole numbers, one per example ({error})."
        ) from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"lengths must be a non-empty list with one length per example, got shape {array.shape}."
        )
    if not np.issubdtype(array.dtype, np.integer) or int(array.min()) < 1:
        raise ValueError(
            "Every length must be a whole number of at least 1: drop empty examples before "
            f"batching (got {array.tolist()[:10]}, {array.dtype})."
        )
    return array.astype(np.int64)


def as_float_array(values: npt.ArrayLike | torch.Tensor, name: str) -> np.ndarray:
    """``values`` (numbers, an array or a tensor on any device) as a ``float64`` array.

    Raises:
        ValueError: ``values`` cannot be read as numbers (text, a ragged list); the message
            names the argument ``name`` and what it got.
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numbers, got {type(values).__name__}: {error}") from None
