"""An LSTM from scratch, in PyTorch's (peephole-free) form, checked against ``torch.nn.LSTM``.

Explained in the chapter on gating and the GRU. An LSTM layer has three gates, the input gate
``i``, the forget gate ``f`` and the output gate ``o``, a candidate ``g`` and, besides the
hidden state ``h``, a *cell state* ``c``:

.. math::

    \\begin{aligned}
    i_t &= \\sigma(W_i x_t + b_{ii} + U_i h_{t-1} + b_{hi}), \\\\
    f_t &= \\sigma(W_f x_t + b_{if} + U_f h_{t-1} + b_{hf}), \\\\
    g_t &= \\tanh(W_g x_t + b_{ig} + U_g h_{t-1} + b_{hg}), \\\\
    o_t &= \\sigma(W_o x_t + b_{io} + U_o h_{t-1} + b_{ho}), \\\\
    c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t, \\\\
    h_t &= o_t \\odot \\tanh(c_t).
    \\end{aligned}

No gate reads the cell state (no *peepholes*): this is the form ``torch.nn.LSTM`` computes.
Weights are stored as ``nn.LSTM`` stores them, four blocks in the order ``i, f, g, o``
(``weight_ih`` = ``[W_i; W_f; W_g; W_o]``, ``weight_hh`` = ``[U_i; U_f; U_g; U_o]`` and two
bias vectors), so they can be copied both ways.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from rnnlib.core.checks import check_sizes

__all__ = ["GATE_ORDER", "LSTM", "LSTMCell", "lstm_layer_parameter_count", "start_forget_gate"]

#: The order of the four blocks in ``weight_ih``, ``weight_hh`` and the biases (as in ``nn.LSTM``).
GATE_ORDER: tuple[str, ...] = ("i", "f", "g", "o")


class LSTMCell(nn.Module):
    """One LSTM step for a batch: ``(x (batch, input_size), (h, c)) -> (h', c')``, like ``nn.LSTMCell``."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)  # nn.LSTM's initialization
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def gates(self, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
        """The gates ``i, f, o`` (σ) and the candidate ``g`` (tanh), each ``(batch, hidden)``."""
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"x must be (batch, {self.input_size}), got {tuple(x.shape)}.")
        if h.shape != (x.shape[0], self.hidden_size):
            raise ValueError(f"h must be ({x.shape[0]}, {self.hidden_size}), got {tuple(h.shape)}.")
        pre = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        a_i, a_f, a_g, a_o = pre.chunk(4, dim=1)
        return {
            "i": torch.sigmoid(a_i),
            "f": torch.sigmoid(a_f),
            "g": torch.tanh(a_g),
            "o": torch.sigmoid(a_o),
        }

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(h', c')`` after one step; ``state = (h, c)``, zeros when ``None`` (as in ``nn.LSTMCell``)."""
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            state = (zeros, zeros)
        h, c = state
        if c.shape != h.shape:
            raise ValueError(f"c must have the shape of h, {tuple(h.shape)}; got {tuple(c.shape)}.")
        gate = self.gates(x, h)
        c_new = gate["f"] * c + gate["i"] * gate["g"]  # keep part of the old cell, add part of g
        h_new = gate["o"] * torch.tanh(c_new)  # show part of the squashed cell
        return h_new, c_new


class LSTM(nn.Module):
    """A stack of :class:`LSTMCell` over whole sequences, ``batch_first`` like the rest of rnnlib.

    Layer 1 reads ``input_size`` features; every later layer reads the ``hidden_size`` outputs
    of the layer below.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1) -> None:
        super().__init__()
        check_sizes(num_layers=num_layers)
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.cells = nn.ModuleList(
            LSTMCell(input_size if k == 0 else hidden_size, hidden_size) for k in range(num_layers)
        )

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """``x (batch, time, input)`` → ``(output (batch, time, hidden), (h_n, c_n))``, each of
        ``h_n`` and ``c_n`` ``(layers, batch, hidden)``, as ``nn.LSTM(batch_first=True)`` returns."""
        if x.ndim != 3 or x.shape[1] == 0:
            raise ValueError(f"x must be (batch, time >= 1, features), got {tuple(x.shape)}.")
        shape = (self.num_layers, x.shape[0], self.hidden_size)
        if state is None:
            state = (x.new_zeros(shape), x.new_zeros(shape))
        if state[0].shape != shape or state[1].shape != shape:
            raise ValueError(
                f"h0 and c0 must both be {shape}, got {tuple(state[0].shape)} and {tuple(state[1].shape)}."
            )
        layer_input, finals_h, finals_c = x, [], []
        for cell, h, c in zip(self.cells, state[0], state[1], strict=True):
            outputs = []
            for t in range(layer_input.shape[1]):
                h, c = cell(layer_input[:, t], (h, c))
                outputs.append(h)
            layer_input = torch.stack(outputs, dim=1)
            finals_h.append(h)
            finals_c.append(c)
        return layer_input, (torch.stack(finals_h), torch.stack(finals_c))

    @classmethod
    def from_torch(cls, lstm: nn.LSTM) -> LSTM:
        """A copy of a unidirectional ``nn.LSTM`` (same weights, same outputs; ours is batch-first)."""
        if lstm.bidirectional or not lstm.bias or lstm.proj_size:
            raise ValueError("from_torch copies unidirectional nn.LSTM layers with biases and no projection.")
        ours = cls(lstm.input_size, lstm.hidden_size, lstm.num_layers)
        reference = lstm.all_weights[0][0]
        ours.to(dtype=reference.dtype, device=reference.device)
        with torch.no_grad():
            for k, cell in enumerate(ours.cells):
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(cell, name).copy_(getattr(lstm, f"{name}_l{k}"))
        return ours


def start_forget_gate(lstm: nn.LSTM | LSTM, bias: float = 1.0) -> None:
    """Start every layer's forget gate near *keep*: its bias becomes ``bias`` (Jozefowicz et al., 2015).

    The forget gate's part of ``bias_ih`` is set to ``bias`` and its part of ``bias_hh`` to 0,
    so the total bias is ``bias`` (``nn.LSTM`` adds the two). With ``bias = 1`` the gate starts
    near σ(1) ≈ 0.73 instead of about 0.5, and the cell keeps more of its value per step until
    training decides otherwise.

    Raises:
        ValueError: ``bias`` is not a finite number, or the module has no biases.
    """
    if not math.isfinite(bias):
        raise ValueError(f"bias={bias!r}: the forget gate's starting bias must be a finite number.")
    if isinstance(lstm, nn.LSTM):
        if not lstm.bias:
            raise ValueError("This nn.LSTM was built with bias=False: there is no forget-gate bias to set.")
        pairs = [
            (getattr(lstm, f"bias_ih_l{k}{s}"), getattr(lstm, f"bias_hh_l{k}{s}"))
            for k in range(lstm.num_layers)
            for s in (["", "_reverse"] if lstm.bidirectional else [""])
        ]
    else:
        pairs = [(cell.bias_ih, cell.bias_hh) for cell in lstm.cells]
    with torch.no_grad():
        for bias_ih, bias_hh in pairs:
            h = bias_ih.shape[0] // 4
            bias_ih[h : 2 * h].fill_(bias)  # blocks i, f, g, o: f is the second
            bias_hh[h : 2 * h].zero_()


def lstm_layer_parameter_count(input_size: int, hidden_size: int) -> int:
    """Parameters of one LSTM layer: four blocks (``i, f, g, o``), each ``W`` (H×I), ``U`` (H×H), 2 biases."""
    check_sizes(input_size=input_size, hidden_size=hidden_size)
    return 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)
