"""Chapter 3's GRU from scratch, made fast enough to train: the batched GRU of chapter 5.

:class:`BatchedGRU` has the weights, conventions and outputs of :class:`rnnlib.models.gru.GRU`
(it *is* one, with another ``forward``), and differs only in how it computes them:

- the **input projection** ``W x_t + b_i`` of every time step is one matrix product,
  ``(batch * time, input) @ (input, 3 * hidden)``, before the loop over time: the loop keeps
  only what truly depends on the previous state (one product with ``U`` per step, two in the
  lecture's convention, where ``r`` multiplies ``h`` *before* ``U_n``);
- the two gates ``r`` and ``z`` share one ``sigmoid`` call on their stacked pre-activations;
- no gate values are stored (use ``GRU(..., return_gates=True)`` to look at them).

Padded batches: the state after a review's last real word is ``output[b, length_b - 1]``, and
the padding after it cannot change it (a recurrence only looks back), so :meth:`BatchedGRU.forward`
takes ``lengths`` and returns, in ``h_n``, each sequence's state at its own last element.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch

from rnnlib.models.gru import GRU, GRUCell

__all__ = ["BatchedGRU", "states_at_lengths"]


def states_at_lengths(output: torch.Tensor, lengths: torch.Tensor | Sequence[int]) -> torch.Tensor:
    """``output[b, lengths[b] - 1]`` for every ``b``: each sequence's state after its last element.

    Args:
        output: ``(batch, time, features)``, batch first.
        lengths: one length per sequence, each in ``1..time``.

    Raises:
        ValueError: ``output`` is not 3-D, or a length is missing or out of range.
    """
    if output.ndim != 3:
        raise ValueError(f"output must be (batch, time, features), got {tuple(output.shape)}.")
    lengths = torch.as_tensor(lengths, dtype=torch.long, device=output.device)
    batch, time = output.shape[0], output.shape[1]
    if lengths.shape != (batch,):
        raise ValueError(
            f"lengths must hold one length per sequence ({batch}), got shape {tuple(lengths.shape)}."
        )
    if batch and (int(lengths.min()) < 1 or int(lengths.max()) > time):
        raise ValueError(f"lengths must lie in 1..{time} (the padded length), got {lengths.tolist()}.")
    return output[torch.arange(batch, device=output.device), lengths - 1]


class BatchedGRU(GRU):
    """:class:`~rnnlib.models.gru.GRU` with the input projection hoisted out of the time loop.

    Same constructor, same parameters (so ``load_state_dict`` and
    :meth:`~rnnlib.models.gru.GRU.from_torch` work both ways), same outputs to rounding.
    Swapped activations are not supported here: they are chapter 3's experiment.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        if kwargs.get("swap_activations"):
            raise ValueError("BatchedGRU has the standard activations only: use rnnlib.models.gru.GRU.")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def forward(  # type: ignore[override]
        self,
        x: torch.Tensor,
        h0: torch.Tensor | None = None,
        *,
        lengths: torch.Tensor | Sequence[int] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (batch, time, input_size)`` → ``(output (batch, time, hidden), h_n (layers, batch, hidden))``.

        With ``lengths``, ``h_n`` holds each sequence's state after its own last element
        (the padding behind it is ignored); without, the state after the last time step.
        """
        if x.ndim != 3 or x.shape[1] == 0:
            raise ValueError(f"x must be (batch, time >= 1, features), got {tuple(x.shape)}.")
        cells = [cast(GRUCell, c) for c in self.cells]
        first = cells[0]
        if x.shape[2] != first.input_size:
            raise ValueError(
                f"x has {x.shape[2]} features per step but this GRU reads {first.input_size}: "
                "make input_size the width of the vectors you feed (e.g. the embedding's dimension)."
            )
        batch, steps = x.shape[0], x.shape[1]
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, batch, self.hidden_size)
        if h0.shape != (self.num_layers, batch, self.hidden_size):
            raise ValueError(
                f"h0 must be ({self.num_layers}, {batch}, {self.hidden_size}), got {tuple(h0.shape)}."
            )
        hidden = self.hidden_size
        layer_input, finals = x, []
        for cell, h in zip(cells, h0, strict=True):
            # Every time step's input projection in one product, time-major: (time, batch, 3 * hidden).
            # unbind, not projected[t]: indexing a step would make backward allocate a
            # full-size gradient per step; unbind's backward stacks them once.
            time_major = layer_input.transpose(0, 1).reshape(steps * batch, -1)
            projected = torch.addmm(cell.bias_ih, time_major, cell.weight_ih.T)
            steps_in = projected.view(steps, batch, 3 * hidden).unbind(0)
            w_hh, b_hh = cell.weight_hh, cell.bias_hh
            u_rz, b_rz = w_hh[: 2 * hidden], b_hh[: 2 * hidden]
            u_n, b_n = w_hh[2 * hidden :], b_hh[2 * hidden :]
            outputs: list[torch.Tensor] = []
            for gi in steps_in:
                if cell.convention == "pytorch":
                    gh = torch.addmm(b_hh, h, w_hh.T)
                    rz = torch.sigmoid(gi[:, : 2 * hidden] + gh[:, : 2 * hidden])
                    r, z = rz[:, :hidden], rz[:, hidden:]
                    n = torch.tanh(gi[:, 2 * hidden :] + r * gh[:, 2 * hidden :])
                    h = n + z * (h - n)  # (1 - z) n + z h
                else:
                    rz = torch.sigmoid(gi[:, : 2 * hidden] + torch.addmm(b_rz, h, u_rz.T))
                    r, z = rz[:, :hidden], rz[:, hidden:]
                    n = torch.tanh(gi[:, 2 * hidden :] + torch.addmm(b_n, r * h, u_n.T))
                    h = h + z * (n - h)  # (1 - z) h + z n
                outputs.append(h)
            layer_input = torch.stack(outputs, dim=1)
            finals.append(h if lengths is None else states_at_lengths(layer_input, lengths))
        return layer_input, torch.stack(finals)
