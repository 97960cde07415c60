"""The lecture's pmGRU ("Poor Man's GRU", Heck and Salem's minimal gated unit) and a forecaster.

One gate, the *forget* gate ``f``, does the work of both GRU gates::

    f_t  = sigmoid(W_f x_t + U_f h_{t-1})              # project1 on cat[x, h]
    h~_t = tanh(W_h x_t + U_h (f_t * h_{t-1}))         # project2 on cat[x, f * h]
    h_t  = (1 - f_t) * h_{t-1} + f_t * h~_t

- :class:`PmGRUCell` -- one step, exactly the slide's code (``project1``, ``project2``), batched;
- :class:`LecturePmGRU` -- the lecture's whole module, with ``project3 = Linear + Tanh`` and
  ``forward(x, h, sequence_end=False)`` called once per time step;
- :class:`Forecaster` -- a window of hours in, one predicted value out, with a pmGRU (input
  projections hoisted out of the time loop), ``nn.GRU`` or ``nn.LSTM`` underneath.

In ``project1``'s ``Linear(I + H, H)`` the first ``I`` weight columns are ``W_f`` and the last
``H`` are ``U_f`` (``cat[x, h]`` puts ``x`` first); likewise ``W_h``, ``U_h`` in ``project2``.
"""

from __future__ import annotations

from typing import Literal, cast, get_args

import torch
from torch import nn

from rnnlib.core.checks import check_sizes

__all__ = ["CellKind", "Forecaster", "LecturePmGRU", "PmGRUCell"]

#: The recurrences :class:`Forecaster` can run.
CellKind = Literal["pmgru", "gru", "lstm"]


def _check_step(x: torch.Tensor, h: torch.Tensor, input_size: int, hidden_size: int) -> None:
    if x.ndim != 2 or x.shape[1] != input_size:
        raise ValueError(f"x must be (batch, {input_size}), got {tuple(x.shape)}.")
    if h.shape != (x.shape[0], hidden_size):
        raise ValueError(
            f"h must be (batch, hidden) = ({x.shape[0]}, {hidden_size}), got {tuple(h.shape)}: "
            "start from init_hidden(batch)."
        )


class PmGRUCell(nn.Module):
    """One pmGRU step, as on the slide: ``x (B, I)``, ``h (B, H)`` → ``h' (B, H)``.

    Attributes:
        project1: ``Sequential(Linear(I + H, H), Sigmoid())`` on ``cat[x, h]``: the forget gate.
        project2: ``Sequential(Linear(I + H, H), Tanh())`` on ``cat[x, f * h]``: the candidate.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.project1 = nn.Sequential(nn.Linear(input_size + hidden_size, hidden_size), nn.Sigmoid())
        self.project2 = nn.Sequential(nn.Linear(input_size + hidden_size, hidden_size), nn.Tanh())

    def forward(
        self, x: torch.Tensor, h: torch.Tensor, return_gate: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The new state ``h'``, or ``(h', f)`` with ``return_gate=True``."""
        _check_step(x, h, self.input_size, self.hidden_size)
        forget_gate = self.project1(torch.cat((x, h), 1))
        candidate = self.project2(torch.cat((x, forget_gate * h), 1))
        new_h = (1 - forget_gate) * h + forget_gate * candidate
        return (new_h, forget_gate) if return_gate else new_h

    def linears(self) -> tuple[nn.Linear, nn.Linear]:
        """The two ``nn.Linear`` layers (of ``project1`` and ``project2``)."""
        return cast(nn.Linear, self.project1[0]), cast(nn.Linear, self.project2[0])

    def run(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The cell over a batch-first sequence ``x (B, T, I)`` → ``(outputs (B, T, H), h_T (B, H))``.

        Same numbers as calling the cell once per step, but the input halves ``W_f x_t + b_f``
        and ``W_h x_t + b_h`` of every step are two matrix products before the loop; the loop
        keeps only the products with ``U_f`` and ``U_h``, which need the previous state.
        """
        if x.ndim != 3 or x.shape[1] == 0 or x.shape[2] != self.input_size:
            raise ValueError(f"x must be (batch, time >= 1, {self.input_size}), got {tuple(x.shape)}.")
        batch, _, inputs = x.shape
        h = x.new_zeros(batch, self.hidden_size) if h0 is None else h0
        _check_step(x[:, 0], h, self.input_size, self.hidden_size)
        linear1, linear2 = self.linears()
        xf = nn.functional.linear(x, linear1.weight[:, :inputs], linear1.bias)
        xh = nn.functional.linear(x, linear2.weight[:, :inputs], linear2.bias)
        u_f, u_h = linear1.weight[:, inputs:], linear2.weight[:, inputs:]
        outputs = []
        for t in range(x.shape[1]):
            f = torch.sigmoid(xf[:, t] + h @ u_f.T)
            candidate = torch.tanh(xh[:, t] + (f * h) @ u_h.T)
            h = (1 - f) * h + f * candidate
            outputs.append(h)
        return torch.stack(outputs, 1), h


class LecturePmGRU(nn.Module):
    """The lecture's ``pmGRU`` module, called once per time step.

    ``forward(x, h)`` returns ``(h', h')``; with ``sequence_end=True`` it returns
    ``(y, y)`` with ``y = project3(h') = tanh(Linear(h'))``, the prediction ``(B, O)``. The
    lecture's ``batch_size`` constructor argument is gone: :meth:`init_hidden` takes the batch.
    The ``tanh`` bounds predictions to ``(-1, 1)``: fine for a target scaled to ``[0, 1]`` on
    the same data, but see :class:`Forecaster` for why that can hurt on later years.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size, output_size=output_size)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.project1 = nn.Sequential(nn.Linear(input_size + hidden_size, hidden_size), nn.Sigmoid())
        self.project2 = nn.Sequential(nn.Linear(input_size + hidden_size, hidden_size), nn.Tanh())
        self.project3 = nn.Sequential(nn.Linear(hidden_size, output_size), nn.Tanh())

    def forward(
        self, x: torch.Tensor, h: torch.Tensor, sequence_end: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of the lecture's code: ``x (B, I)``, ``h (B, H)``."""
        _check_step(x, h, self.input_size, self.hidden_size)
        combined1 = torch.cat((x, h), 1)
        forget_gate = self.project1(combined1)
        interim = forget_gate * h
        combined2 = torch.cat((x, interim), 1)
        output_interim = self.project2(combined2)
        output = (1 - forget_gate) * h + forget_gate * output_interim
        if not sequence_end:
            return output, output
        final_out = self.project3(output)
        return final_out, final_out

    def init_hidden(self, batch: int) -> torch.Tensor:
        """Zeros ``(batch, H)`` on the parameters' device and dtype."""
        check_sizes(batch=batch)
        weight = next(self.parameters())
        return weight.new_zeros(batch, self.hidden_size)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The lecture's training-loop stepping (Lines D to H) over ``x (B, T, I)`` → ``(B, O)``.

        Unlike the lecture's loop, no ``torch.squeeze`` of each step: that squeeze breaks a
        batch of one (or an input of one feature).
        """
        if x.ndim != 3 or x.shape[1] == 0:
            raise ValueError(f"x must be (batch, time >= 1, {self.input_size}), got {tuple(x.shape)}.")
        h = self.init_hidden(x.shape[0])
        out = h
        for t in range(x.shape[1]):
            out, h = self(x[:, t], h, sequence_end=t == x.shape[1] - 1)
        return out


class Forecaster(nn.Module):
    """A window of hours → one predicted value: a recurrence, then a linear head on its last state.

    ``forward(x)``: ``x (B, T, input_size)`` batch first → ``(B,)``.

    Args:
        input_size: features per hour (e.g. the scaled load and the datetime encoding).
        hidden_size: the state's width.
        cell: ``"pmgru"`` (:class:`PmGRUCell` stepped in a loop over time, input projections
            hoisted), ``"gru"`` (``nn.GRU``) or ``"lstm"`` (``nn.LSTM``).
        num_layers: stacked layers (each pmGRU layer feeds its states to the next).
        residual: predict the *change* from the window's last value instead of the value:
            ``forward(x) = x[:, -1, target_column] + head(state)``. The loss and the
            predictions stay in the target's units; only what the network must learn changes
            (a small correction to persistence, instead of the whole level).
        target_column: the input feature that holds the target series (for ``residual``).

    The head is a plain ``nn.Linear(hidden_size, 1)``, **without** the lecture's ``tanh``: with
    the scaler fitted on the training years only, a test year's load can go above the training
    maximum, so the scaled target can leave ``[0, 1]`` (and a ``tanh`` near its saturation
    learns slowly even inside it).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        cell: CellKind = "pmgru",
        num_layers: int = 1,
        *,
        residual: bool = False,
        target_column: int = 0,
    ) -> None:
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        if cell not in get_args(CellKind):
            raise ValueError(f"cell={cell!r}: choose one of {get_args(CellKind)}.")
        if isinstance(target_column, bool) or not isinstance(target_column, int) or not (
            0 <= target_column < input_size
        ):
            raise ValueError(
                f"target_column={target_column!r}: give the index (0..{input_size - 1}) of the input "
                "feature that holds the series being forecast."
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.residual, self.target_column = bool(residual), target_column
        self.cell: CellKind = cell
        self.rnn: nn.Module
        if cell == "pmgru":
            self.rnn = nn.ModuleList(
                PmGRUCell(input_size if layer == 0 else hidden_size, hidden_size)
                for layer in range(num_layers)
            )
        elif cell == "gru":
            self.rnn = nn.GRU(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        else:
            self.rnn = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def last_state(self, x: torch.Tensor) -> torch.Tensor:
        """The top layer's state after the window's last hour, ``(B, hidden_size)``."""
        if x.ndim != 3 or x.shape[1] == 0 or x.shape[2] != self.input_size:
            raise ValueError(
                f"x must be (batch, time >= 1, {self.input_size}) batch first, got {tuple(x.shape)}."
            )
        if isinstance(self.rnn, nn.ModuleList):
            sequence = x
            h = x.new_zeros(x.shape[0], self.hidden_size)
            for cell in self.rnn:
                sequence, h = cast(PmGRUCell, cell).run(sequence)
            return h
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(state, tuple) else state  # the LSTM returns (h_n, c_n)
        return cast(torch.Tensor, h_n[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (B, T, input_size)`` → one prediction per window, ``(B,)``."""
        prediction = cast(torch.Tensor, self.head(self.last_state(x)).squeeze(-1))
        if self.residual:
            prediction = prediction + x[:, -1, self.target_column]
        return prediction
