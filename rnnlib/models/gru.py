"""A GRU from scratch, in the lecture's convention and in PyTorch's, with visible gates.

Explained in the chapter on gating and the GRU. A GRU layer has two gates, the reset gate
``r`` and the update gate ``z``, and a candidate state ``ñ``; both conventions compute

.. math::

    \\begin{aligned}
    r_t &= \\sigma(W_r x_t + b_{ir} + U_r h_{t-1} + b_{hr}), \\\\
    z_t &= \\sigma(W_z x_t + b_{iz} + U_z h_{t-1} + b_{hz}),
    \\end{aligned}

and differ in the last two equations:

- **lecture** (Kak and Bouman's slides, after Chung et al., 2014):
  ``ñ_t = tanh(W_n x_t + b_in + U_n (r_t ⊙ h_{t-1}) + b_hn)`` and
  ``h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ ñ_t``: ``z`` weighs the *candidate*;
- **pytorch** (``torch.nn.GRU``): ``ñ_t = tanh(W_n x_t + b_in + r_t ⊙ (U_n h_{t-1} + b_hn))``
  and ``h_t = (1 - z_t) ⊙ ñ_t + z_t ⊙ h_{t-1}``: ``z`` weighs the *old state*, as in Cho et
  al. (2014), who introduced the GRU, and in d2l; ``r`` multiplies ``U_n h + b_hn`` (after
  ``U_n``), the variant of cuDNN, where Cho et al. apply ``r`` to ``h`` before ``U_n``.

Weights are stored as ``nn.GRU`` stores them (``weight_ih`` = ``[W_r; W_z; W_n]``,
``weight_hh`` = ``[U_r; U_z; U_n]`` and the two bias vectors), so they can be copied both ways.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from rnnlib.core.checks import check_sizes

Convention = Literal["lecture", "pytorch"]

__all__ = ["GRU", "GRUCell", "gru_layer_parameter_count"]


class GRUCell(nn.Module):
    """One GRU step for a batch: ``(x (batch, input_size), h (batch, hidden_size)) -> h'``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        convention: Convention = "lecture",
        swap_activations: bool = False,
    ) -> None:
        """``swap_activations=True`` uses tanh for the gates and σ for the candidate (an experiment)."""
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size)
        if convention not in ("lecture", "pytorch"):
            raise ValueError(f"convention={convention!r}: use 'lecture' or 'pytorch'.")
        self.input_size, self.hidden_size, self.convention = input_size, hidden_size, convention
        self.gate, self.squash = (
            (torch.tanh, torch.sigmoid) if swap_activations else (torch.sigmoid, torch.tanh)
        )
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)  # nn.GRU's initialization
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Return ``(h', gates)`` with ``gates = {"r": r, "z": z, "n": candidate}``, each (batch, hidden)."""
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"x must be (batch, {self.input_size}), got {tuple(x.shape)}.")
        if h.shape != (x.shape[0], self.hidden_size):
            raise ValueError(f"h must be ({x.shape[0]}, {self.hidden_size}), got {tuple(h.shape)}.")
        gi = x @ self.weight_ih.T + self.bias_ih
        w_r, w_z, w_n = gi.chunk(3, dim=1)
        u_r, u_z, _ = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=1)
        r = self.gate(w_r + u_r)
        z = self.gate(w_z + u_z)
        u_n_weight = self.weight_hh[2 * self.hidden_size :]
        b_hn = self.bias_hh[2 * self.hidden_size :]
        if self.convention == "lecture":
            n = self.squash(w_n + (r * h) @ u_n_weight.T + b_hn)
            h_new = (1 - z) * h + z * n
        else:
            n = self.squash(w_n + r * (h @ u_n_weight.T + b_hn))
            h_new = (1 - z) * n + z * h
        return h_new, {"r": r, "z": z, "n": n}


class GRU(nn.Module):
    """A stack of :class:`GRUCell` over whole sequences, ``batch_first`` like the rest of rnnlib.

    Layer 1 reads ``input_size`` features; every later layer reads the ``hidden_size``
    outputs of the layer below (the stacking bug of one homework solution gave layer 2
    ``input_size``).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        convention: Convention = "lecture",
        swap_activations: bool = False,
    ) -> None:
        super().__init__()
        check_sizes(num_layers=num_layers)
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.cells = nn.ModuleList(
            GRUCell(
                input_size if i == 0 else hidden_size,
                hidden_size,
                convention=convention,
                swap_activations=swap_activations,
            )
            for i in range(num_layers)
        )

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor | None = None, *, return_gates: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor] | tuple[torch.Tensor, torch.Tensor, list[dict[str, torch.Tensor]]]:
        """``x (batch, time, input_size)`` → ``(output (batch, time, hidden), h_n (layers, batch, hidden))``.

        With ``return_gates=True`` a third value lists, per layer, the gates stacked over time
        (``{"r", "z", "n"}``, each (batch, time, hidden)).
        """
        if x.ndim != 3 or x.shape[1] == 0:
            raise ValueError(f"x must be (batch, time >= 1, features), got {tuple(x.shape)}.")
        batch = x.shape[0]
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, batch, self.hidden_size)
        if h0.shape != (self.num_layers, batch, self.hidden_size):
            raise ValueError(
                f"h0 must be ({self.num_layers}, {batch}, {self.hidden_size}), got {tuple(h0.shape)}."
            )
        layer_input, finals, all_gates = x, [], []
        for cell, h in zip(self.cells, h0, strict=True):
            outputs: list[torch.Tensor] = []
            gates: dict[str, list[torch.Tensor]] = {"r": [], "z": [], "n": []}
            for t in range(layer_input.shape[1]):
                h, step_gates = cell(layer_input[:, t], h)
                outputs.append(h)
                for name, value in step_gates.items():
                    gates[name].append(value)
            layer_input = torch.stack(outputs, dim=1)
            finals.append(h)
            all_gates.append({name: torch.stack(values, dim=1) for name, values in gates.items()})
        if return_gates:
            return layer_input, torch.stack(finals), all_gates
        return layer_input, torch.stack(finals)

    @classmethod
    def from_torch(cls, gru: nn.GRU) -> GRU:
        """A PyTorch-convention copy of a unidirectional ``nn.GRU`` (same weights, same outputs)."""
        if gru.bidirectional or not gru.bias or gru.proj_size:
            raise ValueError("from_torch copies unidirectional nn.GRU layers with biases and no projection.")
        ours = cls(gru.input_size, gru.hidden_size, gru.num_layers, convention="pytorch")
        reference = gru.all_weights[0][0]
        ours.to(dtype=reference.dtype, device=reference.device)
        with torch.no_grad():
            for k, cell in enumerate(ours.cells):
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(cell, name).copy_(getattr(gru, f"{name}_l{k}"))
        return ours


def gru_layer_parameter_count(input_size: int, hidden_size: int) -> int:
    """Parameters of one GRU layer: two gates and the candidate, each ``W`` (H×I), ``U`` (H×H), two biases."""
    check_sizes(input_size=input_size, hidden_size=hidden_size)
    return 3 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)
