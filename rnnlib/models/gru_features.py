"""Classifier features from a ``torch.nn.GRU``: the last layer's final state in each direction.

Used by every recurrent classifier of the course (:class:`rnnlib.models.surname_classifiers.GRUClassifier`)
and explained in the chapter on the ``torch.nn.GRU`` API (:mod:`rnnlib.studies.gru_api`
re-exports these functions beside the other helpers of that chapter).

:func:`reverse_within_lengths` and :func:`split_directions` give the backward direction of a
bidirectional GRU without packing (chapter 5): a forward GRU run on each review reversed
within its own length reads it from its last real word back to its first, exactly as the
backward direction does, at the speed of a padded batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "check_gru",
    "check_h_n",
    "check_lengths",
    "check_output",
    "final_features",
    "final_features_from_output",
    "num_directions",
    "reverse_within_lengths",
    "split_directions",
]


def num_directions(gru: nn.GRU) -> int:
    return 2 if gru.bidirectional else 1


def check_gru(gru: object) -> None:
    if not isinstance(gru, nn.GRU):
        raise TypeError(f"expected a torch.nn.GRU, got {type(gru).__name__}.")


def check_h_n(gru: nn.GRU, h_n: torch.Tensor) -> None:
    expected = gru.num_layers * num_directions(gru)
    if h_n.ndim != 3 or h_n.shape[0] != expected or h_n.shape[2] != gru.hidden_size:
        raise ValueError(
            f"h_n must be (num_layers * num_directions, batch, hidden_size) = ({expected}, batch, "
            f"{gru.hidden_size}) for this GRU, got {tuple(h_n.shape)}."
        )


def check_output(gru: nn.GRU, output: torch.Tensor) -> None:
    if not isinstance(output, torch.Tensor):
        raise TypeError(
            f"output must be a padded tensor, got {type(output).__name__}; "
            "unpack a PackedSequence with pad_packed_sequence first."
        )
    width = num_directions(gru) * gru.hidden_size
    if output.ndim != 3 or output.shape[2] != width:
        raise ValueError(
            f"output must have 3 axes with num_directions * hidden_size = {width} features, "
            f"got {tuple(output.shape)}."
        )


def check_lengths(lengths: torch.Tensor, batch: int, seq_len: int) -> None:
    if lengths.shape != (batch,):
        raise ValueError(
            f"lengths must hold one length per sequence ({batch}), got shape {tuple(lengths.shape)}."
        )
    if int(lengths.min()) < 1 or int(lengths.max()) > seq_len:
        raise ValueError(f"lengths must lie in 1..{seq_len} (the padded length), got {lengths.tolist()}.")


def final_features(gru: nn.GRU, h_n: torch.Tensor) -> torch.Tensor:
    """Classifier features ``(batch, num_directions * hidden_size)`` from ``h_n``.

    The last layer's final forward state (after the last element) and, for a bidirectional
    GRU, its final backward state (after reading back to the first element), concatenated.

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU``.
        ValueError: ``h_n`` does not have this GRU's shape.
    """
    check_gru(gru)
    check_h_n(gru, h_n)
    last_layer = h_n[-num_directions(gru) :]  # forward, then backward
    return torch.cat(list(last_layer), dim=1)


def final_features_from_output(
    gru: nn.GRU, output: torch.Tensor, lengths: torch.Tensor | Sequence[int]
) -> torch.Tensor:
    """The same features as :func:`final_features`, read from a padded ``output``.

    The forward half is taken at each sequence's last real element (``t = length - 1``), the
    backward half at ``t = 0``, where the backward direction has read the whole sequence.
    ``output`` must come from a packed call (or have no padding) for this to equal ``h_n``.

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU`` or ``output`` is a ``PackedSequence``.
        ValueError: shapes disagree, or a length is below 1 or beyond the padded length.
    """
    check_gru(gru)
    check_output(gru, output)
    if gru.batch_first:
        output = output.transpose(0, 1)  # (seq_len, batch, features) from here on
    lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()
    seq_len, batch = output.shape[0], output.shape[1]
    check_lengths(lengths, batch, seq_len)
    rows = torch.arange(batch)
    hidden = gru.hidden_size
    forward = output[lengths.to(output.device) - 1, rows.to(output.device), :hidden]
    if not gru.bidirectional:
        return forward
    return torch.cat([forward, output[0, :, hidden:]], dim=1)


def reverse_within_lengths(padded: torch.Tensor, lengths: torch.Tensor | Sequence[int]) -> torch.Tensor:
    """Reverse each sequence's first ``length`` elements; the padding behind them stays in place.

    ``padded`` is batch first, ``(batch, time)`` (word indices) or ``(batch, time, features)``.
    Row ``b`` becomes ``padded[b, lengths[b]-1], ..., padded[b, 0], <padding>``. Applying it twice
    gives the input back. A forward GRU run on the result reads every review from its last real
    word to its first: the backward direction of a bidirectional GRU, without a packed batch.

    Raises:
        ValueError: ``padded`` has fewer than 2 axes, or a length is missing or outside 1..time.
    """
    if padded.ndim < 2:
        raise ValueError(f"padded must be (batch, time, ...) batch first, got shape {tuple(padded.shape)}.")
    batch, steps = padded.shape[0], padded.shape[1]
    lengths = torch.as_tensor(lengths, dtype=torch.long).to(padded.device)
    check_lengths(lengths.cpu(), batch, steps)
    positions = torch.arange(steps, device=padded.device)[None, :]
    inside = positions < lengths[:, None]
    source = torch.where(inside, lengths[:, None] - 1 - positions, positions)  # (batch, time)
    if padded.ndim > 2:
        source = source.reshape(batch, steps, *([1] * (padded.ndim - 2))).expand_as(padded)
    return torch.gather(padded, 1, source)


def split_directions(bidirectional: nn.GRU) -> tuple[nn.GRU, nn.GRU]:
    """Two one-directional GRUs holding the forward and the backward weights of ``bidirectional``.

    The second, run on reviews reversed by :func:`reverse_within_lengths`, computes what the
    backward direction computes. Only single-layer GRUs can be split this way (a second layer
    of a bidirectional GRU reads both directions' outputs).

    Raises:
        TypeError: not an ``nn.GRU``.
        ValueError: not bidirectional, or more than one layer.
    """
    check_gru(bidirectional)
    if not bidirectional.bidirectional or bidirectional.num_layers != 1:
        raise ValueError(
            "split_directions needs a single-layer bidirectional nn.GRU, got "
            f"bidirectional={bidirectional.bidirectional}, num_layers={bidirectional.num_layers}."
        )
    weight = bidirectional.weight_ih_l0
    halves = []
    for suffix in ("", "_reverse"):
        gru = nn.GRU(
            bidirectional.input_size,
            bidirectional.hidden_size,
            bias=bidirectional.bias,
            batch_first=bidirectional.batch_first,
            device=weight.device,
            dtype=weight.dtype,
        )
        with torch.no_grad():
            for name, _ in gru.named_parameters():
                getattr(gru, name).copy_(getattr(bidirectional, f"{name}{suffix}"))
        halves.append(gru)
    return halves[0], halves[1]
