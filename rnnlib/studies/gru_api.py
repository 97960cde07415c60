"""``torch.nn.GRU`` made explicit: its shapes, stepping, directions, packing and speed.

Chapter 4 asserts every claim it makes about ``nn.GRU``; these helpers are the pieces
those assertions are built from:

- :func:`gru_shapes` -- the shapes ``nn.GRU`` expects and returns for a given call;
- :func:`step_through` -- feed a sequence one element at a time, as the lecture's loop does;
- :func:`split_directions` -- the forward and backward halves of a bidirectional output
  and ``h_n`` laid out as ``(num_layers, num_directions, batch, hidden_size)``;
- :func:`.final_features` and :func:`.final_features_from_output` -- the right features for
  a classifier head: the last layer's final forward state and final backward state;
- :func:`run_packed` and :func:`run_each_alone` -- a padded batch of variable-length
  sequences through ``pack_padded_sequence``, and the same sequences one by one;
- :func:`benchmark_modes` -- stepping vs whole-sequence vs batched calls, timed side by side.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnlib.core.checks import check_sizes

# re-exported for chapter 4, which counts nn.GRU's parameters by its formula
from rnnlib.models.gru import gru_layer_parameter_count
from rnnlib.models.gru_features import (
    check_gru,
    check_h_n,
    check_lengths,
    check_output,
    final_features,
    final_features_from_output,
    num_directions,
)

__all__ = [
    "Directions",
    "GRUShapes",
    "benchmark_modes",
    "final_features",
    "final_features_from_output",
    "gru_layer_parameter_count",
    "gru_shapes",
    "run_each_alone",
    "run_packed",
    "split_directions",
    "step_through",
]

Shape = tuple[int, ...]


def _check_input(gru: nn.GRU, inputs: torch.Tensor) -> None:
    """A batched input: 3 axes, the GRU's input_size on the last one, at least one step."""
    layout = "(batch, seq_len, input_size)" if gru.batch_first else "(seq_len, batch, input_size)"
    if inputs.ndim != 3:
        raise ValueError(
            f"inputs must have 3 axes {layout}, got shape {tuple(inputs.shape)}; "
            "add a batch axis with unsqueeze if you have a single sequence."
        )
    if inputs.shape[-1] != gru.input_size:
        raise ValueError(
            f"inputs have {inputs.shape[-1]} features per element but the GRU was built with "
            f"input_size={gru.input_size}: the last axis of the input must equal input_size."
        )
    if inputs.shape[1 if gru.batch_first else 0] == 0:
        raise ValueError("inputs hold sequences of length 0: a GRU needs at least one element.")


@dataclass(frozen=True)
class GRUShapes:
    """What ``nn.GRU`` expects and returns for one call on a batched input.

    ``batch_first`` changes ``input`` and ``output`` only: ``h0`` and ``h_n`` are always
    ``(num_layers * num_directions, batch, hidden_size)``.
    """

    input: Shape
    h0: Shape
    output: Shape
    h_n: Shape


def gru_shapes(gru: nn.GRU, seq_len: int, batch: int) -> GRUShapes:
    """The input, ``h0``, output and ``h_n`` shapes of ``gru`` on ``batch`` sequences of ``seq_len``.

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU``.
        ValueError: ``seq_len`` or ``batch`` is below 1.
    """
    check_gru(gru)
    check_sizes(seq_len=seq_len, batch=batch)
    directions = num_directions(gru)
    state = (gru.num_layers * directions, batch, gru.hidden_size)
    if gru.batch_first:
        return GRUShapes(
            (batch, seq_len, gru.input_size), state, (batch, seq_len, directions * gru.hidden_size), state
        )
    return GRUShapes(
        (seq_len, batch, gru.input_size), state, (seq_len, batch, directions * gru.hidden_size), state
    )


def step_through(
    gru: nn.GRU, inputs: torch.Tensor, h0: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``gru`` one element at a time (sequence length 1 per call), carrying the state.

    This is the lecture's loop: each call sees a slice of length 1 along the time axis
    and the hidden state of the previous call. The outputs of the calls, concatenated along
    the time axis, and the last state are returned in the same layout as ``gru(inputs, h0)``.

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU``.
        ValueError: the GRU is bidirectional (its backward direction reads the sequence from
            the end, so it cannot be stepped from the start), or ``inputs`` has the wrong shape.
    """
    check_gru(gru)
    if gru.bidirectional:
        raise ValueError(
            "a bidirectional GRU cannot be stepped one element at a time: its backward direction "
            "starts at the last element. Call it on the whole sequence instead."
        )
    _check_input(gru, inputs)
    time_axis = 1 if gru.batch_first else 0
    outputs = []
    state = h0
    for t in range(inputs.shape[time_axis]):
        out_t, state = gru(inputs.narrow(time_axis, t, 1), state)
        outputs.append(out_t)
    assert state is not None  # _check_input guarantees at least one step
    return torch.cat(outputs, dim=time_axis), state


class Directions(NamedTuple):
    """A GRU's results split by direction.

    ``forward`` and ``backward`` keep the output's layout with ``hidden_size`` features
    (``backward`` is ``None`` for a unidirectional GRU); ``h_n`` is
    ``(num_layers, num_directions, batch, hidden_size)``, direction 0 forward, 1 backward.
    """

    forward: torch.Tensor
    backward: torch.Tensor | None
    h_n: torch.Tensor


def split_directions(gru: nn.GRU, output: torch.Tensor, h_n: torch.Tensor) -> Directions:
    """Split ``gru``'s output into directions and lay ``h_n`` out by layer and direction.

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU`` or ``output`` is still a ``PackedSequence``.
        ValueError: ``output`` or ``h_n`` does not have this GRU's shape.
    """
    check_gru(gru)
    check_output(gru, output)
    check_h_n(gru, h_n)
    hidden = gru.hidden_size
    by_layer = h_n.view(gru.num_layers, num_directions(gru), h_n.shape[1], hidden)
    if not gru.bidirectional:
        return Directions(output, None, by_layer)
    return Directions(output[..., :hidden], output[..., hidden:], by_layer)


def run_packed(
    gru: nn.GRU,
    padded: torch.Tensor,
    lengths: torch.Tensor | Sequence[int],
    *,
    enforce_sorted: bool = False,
    h0: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pack a padded batch, run ``gru`` on it and pad the output again.

    Returns ``(output, h_n)``: ``output`` in ``gru``'s layout, with zeros after each
    sequence's length, and ``h_n`` with the batch in the *input* order, whatever
    ``enforce_sorted`` is.

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU``.
        ValueError: ``padded`` has the wrong shape; ``lengths`` has the wrong size or a length
            outside ``1..seq_len``; ``enforce_sorted=True`` with lengths that are not in
            decreasing order.
    """
    check_gru(gru)
    _check_input(gru, padded)
    lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()  # packing wants lengths on the CPU
    batch = padded.shape[0 if gru.batch_first else 1]
    seq_len = padded.shape[1 if gru.batch_first else 0]
    check_lengths(lengths, batch, seq_len)
    if enforce_sorted and bool((lengths[1:] > lengths[:-1]).any()):
        raise ValueError(
            f"enforce_sorted=True needs lengths in decreasing order, got {lengths.tolist()}: "
            "sort the batch by length first, or pass enforce_sorted=False."
        )
    packed = pack_padded_sequence(padded, lengths, batch_first=gru.batch_first, enforce_sorted=enforce_sorted)
    packed_output, h_n = gru(packed, h0)
    output, _ = pad_packed_sequence(packed_output, batch_first=gru.batch_first, total_length=seq_len)
    return output, h_n


def run_each_alone(gru: nn.GRU, sequences: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Run ``gru`` on each ``(length, input_size)`` sequence by itself (a batch of one, no padding).

    Returns the outputs, one ``(length, num_directions * hidden_size)`` tensor per sequence,
    and the final states stacked as ``h_n``: ``(num_layers * num_directions, len(sequences),
    hidden_size)``, the reference a padded or packed batch must reproduce.

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU``.
        ValueError: no sequences, or one is not ``(length >= 1, input_size)``.
    """
    check_gru(gru)
    if len(sequences) == 0:
        raise ValueError("sequences is empty: pass at least one (length, input_size) tensor.")
    batch_axis = 0 if gru.batch_first else 1
    outputs, states = [], []
    for i, seq in enumerate(sequences):
        if seq.ndim != 2 or seq.shape[0] < 1 or seq.shape[1] != gru.input_size:
            raise ValueError(
                f"sequence {i} has shape {tuple(seq.shape)}; each must be (length >= 1, "
                f"input_size={gru.input_size})."
            )
        out, h_n = gru(seq.unsqueeze(batch_axis))
        outputs.append(out.squeeze(batch_axis))
        states.append(h_n)
    return outputs, torch.cat(states, dim=1)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":  # pragma: no cover - needs a GPU
        torch.cuda.synchronize(device)


def benchmark_modes(gru: nn.GRU, inputs: torch.Tensor, *, repeats: int = 5) -> pd.DataFrame:
    """Time three ways of running ``gru`` over the same batch of sequences, side by side.

    - ``"step"``: each sequence alone, one element per call (``batch * seq_len`` calls);
    - ``"sequence"``: each sequence alone, whole sequence per call (``batch`` calls);
    - ``"batch"``: the whole batch in one call.

    The modes are interleaved (one of each per round, ``repeats`` rounds, after a warm-up
    round) so that a slower or faster moment of the machine affects all of them alike; the
    median round is reported. Runs without gradients on the GRU's device.

    Returns:
        One row per mode: ``calls``, ``seconds`` (median per batch), ``ms_per_sequence`` and
        ``speedup_vs_step`` (how many times faster than stepping).

    Raises:
        TypeError: ``gru`` is not an ``nn.GRU``.
        ValueError: the GRU is bidirectional, ``inputs`` has the wrong shape, or ``repeats < 1``.
    """
    check_gru(gru)
    if repeats < 1:
        raise ValueError(f"repeats={repeats}: time each mode at least once.")
    if gru.bidirectional:
        raise ValueError("benchmark_modes compares against stepping, which needs a unidirectional GRU.")
    _check_input(gru, inputs)
    device = next(gru.parameters()).device
    inputs = inputs.to(device)
    batch_axis = 0 if gru.batch_first else 1
    batch, seq_len = inputs.shape[batch_axis], inputs.shape[1 - batch_axis]
    singles = [inputs.narrow(batch_axis, b, 1) for b in range(batch)]

    def step() -> None:
        for single in singles:
            step_through(gru, single)

    def sequence() -> None:
        for single in singles:
            gru(single)

    def batched() -> None:
        gru(inputs)

    modes: dict[str, tuple[Callable[[], None], int]] = {
        "step": (step, batch * seq_len),
        "sequence": (sequence, batch),
        "batch": (batched, 1),
    }
    times: dict[str, list[float]] = {name: [] for name in modes}
    with torch.no_grad():
        for round_ in range(repeats + 1):
            for name, (run, _) in modes.items():
                _synchronize(device)
                start = time.perf_counter()
                run()
                _synchronize(device)
                if round_ > 0:  # round 0 warms up caches, kernels and allocators
                    times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(ts) for name, ts in times.items()}
    return pd.DataFrame(
        {
            "mode": list(modes),
            "calls": [calls for _, calls in modes.values()],
            "seconds": [median[n] for n in modes],
            "ms_per_sequence": [1000 * median[n] / batch for n in modes],
            "speedup_vs_step": [median["step"] / median[n] for n in modes],
        }
    ).set_index("mode")
