"""Four recurrences over one-hot words, and how far back their gradient reaches.

Explained in the chapter on sentiment with one-hot words (backpropagation through time).
A one-hot word ``x_t = e_w`` times an input matrix selects one column, ``W_ih x_t = W_ih[:, w]``,
so :class:`OneHotRecurrentClassifier` keeps its input matrix as an :class:`~torch.nn.Embedding`
of ``V`` rows (row ``w`` is column ``w`` of ``W_ih``): the same model as a recurrent layer fed
one-hot vectors (tested against :class:`~torch.nn.RNN`, :class:`~torch.nn.GRU` and
:class:`~torch.nn.LSTM`), at a cost that does not grow with the vocabulary. The kinds:

- ``"linear"``: ``h_t = W x_t + b_ih + U h_{t-1} + b_hh``, TEXTnet's recurrence (no activation, no gate);
- ``"tanh"``: the same inside a ``tanh``, PyTorch's :class:`~torch.nn.RNN`;
- ``"gru"``: :class:`~torch.nn.GRU` (two gates, reset ``r`` and update ``z``, and a candidate
  state: three input and three recurrent ``H × H`` blocks, PyTorch's order ``r, z, n``);
- ``"lstm"``: :class:`~torch.nn.LSTM` (input, forget and output gates and a candidate: four blocks).

Every weight starts as PyTorch's recurrent layers start, uniform in ``(-1/√H, 1/√H)``, so the
four kinds can be compared at the *same* initialisation scale. :func:`.state_gradient_norms`
measures ``‖∂L/∂h_t‖`` by distance from the state the loss reads; for the linear kind it is
``‖(Uᵀ)^d ∂L/∂h_T‖``, which shrinks like ``ρ(U)^d`` (:func:`.spectral_radius`).
:func:`.weight_hh_gradient` gives ``∂L/∂W_hh``, the sum over time of backpropagation through
time, exact or truncated to the last ``k`` steps (``states(..., truncate=k)``).
"""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import nn

from rnnlib.core.checks import check_padded_indices, check_sizes

__all__ = [
    "KINDS",
    "OneHotRecurrentClassifier",
]

#: The recurrences :class:`OneHotRecurrentClassifier` knows, with their number of ``H × H`` blocks.
KINDS = {"linear": 1, "tanh": 1, "gru": 3, "lstm": 4}

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class OneHotRecurrentClassifier(nn.Module):
    """One recurrent layer of ``kind`` over one-hot words (given as indices), then
    ``Linear(H, classes)`` and LogSoftmax on each review's state after its own last word.

    ``forward((padded, lengths))`` takes what
    :func:`rnnlib.datasets.sentiment.torchdata.collate_for_sentiment` gives: word indices
    ``(batch, time)`` padded with anything, and lengths ``(batch,)``; a state is only updated
    where ``t < length``, so padding never enters the recurrence.

    Attributes:
        input_projection: ``Embedding(V, blocks·H)``; row ``w`` is ``W_ih[:, w]``.
        bias_ih, weight_hh, bias_hh: as in PyTorch's layers (``weight_hh`` is ``(blocks·H, H)``).
    """

    def __init__(self, kind: str, vocab_size: int, hidden_size: int, classes: int = 2) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind={kind!r}: choose one of {sorted(KINDS)}.")
        check_sizes(vocab_size=vocab_size, hidden_size=hidden_size, classes=classes)
        self.kind, self.vocab_size, self.hidden_size = kind, vocab_size, hidden_size
        width = KINDS[kind] * hidden_size
        self.input_projection = nn.Embedding(vocab_size, width)
        self.bias_ih = nn.Parameter(torch.empty(width))
        self.weight_hh = nn.Parameter(torch.empty(width, hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(width))
        self.head = nn.Linear(hidden_size, classes)
        bound = 1.0 / math.sqrt(hidden_size)
        for weight in (self.input_projection.weight, self.bias_ih, self.weight_hh, self.bias_hh):
            nn.init.uniform_(weight, -bound, bound)

    @classmethod
    def from_torch(cls, layer: nn.RNN | nn.GRU | nn.LSTM, classes: int = 2) -> OneHotRecurrentClassifier:
        """A classifier whose recurrence has ``layer``'s weights (one layer, tanh RNNs only)."""
        projected = isinstance(layer, nn.LSTM) and layer.proj_size > 0
        if layer.num_layers != 1 or layer.bidirectional or projected:
            raise ValueError("from_torch copies one unidirectional layer: use num_layers=1.")
        if isinstance(layer, nn.GRU):
            kind = "gru"
        elif isinstance(layer, nn.LSTM):
            kind = "lstm"
        elif isinstance(layer, nn.RNN) and layer.nonlinearity == "tanh":
            kind = "tanh"
        else:
            raise ValueError(f"Cannot copy {type(layer).__name__}: give an nn.RNN (tanh), nn.GRU or nn.LSTM.")
        model = cls(kind, layer.input_size, layer.hidden_size, classes)
        names = ("weight_ih", "bias_ih", "weight_hh", "bias_hh")
        weights = {name: cast(torch.Tensor, getattr(layer, f"{name}_l0")) for name in names}
        with torch.no_grad():
            model.input_projection.weight.copy_(weights["weight_ih"].T)
            model.bias_ih.copy_(weights["bias_ih"])
            model.weight_hh.copy_(weights["weight_hh"])
            model.bias_hh.copy_(weights["bias_hh"])
        return model

    def recurrent_blocks(self) -> list[torch.Tensor]:
        """The ``H × H`` blocks of ``weight_hh`` (GRU: ``U_r, U_z, U_n``; LSTM: ``U_i, U_f, U_g, U_o``)."""
        return list(self.weight_hh.detach().split(self.hidden_size))

    def step(self, gi: torch.Tensor, state: State) -> State:
        """One step from the input projection ``gi = W_ih x_t + b_ih`` and the previous state."""
        hidden = self.hidden_size
        h, c = state if isinstance(state, tuple) else (state, None)
        gh = torch.addmm(self.bias_hh, h, self.weight_hh.T)
        if self.kind == "linear":
            return gi + gh
        if self.kind == "tanh":
            return torch.tanh(gi + gh)
        if self.kind == "gru":
            rz = torch.sigmoid(gi[:, : 2 * hidden] + gh[:, : 2 * hidden])
            r, z = rz[:, :hidden], rz[:, hidden:]
            n = torch.tanh(gi[:, 2 * hidden :] + r * gh[:, 2 * hidden :])
            return n + z * (h - n)  # (1 - z) n + z h: PyTorch's convention, z keeps the old state
        assert c is not None
        i, f, g, o = (gi + gh).split(hidden, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def states(
        self, padded: torch.Tensor, lengths: torch.Tensor, *, truncate: int | None = None
    ) -> list[torch.Tensor]:
        """The hidden states ``h_1 … h_T`` (each ``(batch, H)``) of a padded batch; after a
        review's last word its state stays as it was, so ``states[-1]`` is each review's final state.

        ``truncate=k`` is truncated backpropagation through time: only the last ``k`` steps are
        recorded for the backward pass; the steps before run without a graph
        (:func:`torch.no_grad`), so no gradient flows back more than ``k`` steps and their
        activations are not kept. It needs reviews of one length (cut them to a common length),
        so that "the last ``k`` words" is the same step for every review.

        Raises:
            ValueError: bad indices or lengths; ``truncate`` not a whole number >= 1, or given
                for reviews of different lengths.
        """
        lengths = check_padded_indices(padded, lengths)
        grad_from = 0
        if truncate is not None:
            if isinstance(truncate, bool) or not isinstance(truncate, int) or truncate < 1:
                raise ValueError(
                    f"truncate={truncate!r}: give the number of steps to backpropagate (>= 1), "
                    "or None for full backpropagation through time."
                )
            if bool((lengths != padded.shape[1]).any()):
                raise ValueError(
                    "truncate needs reviews of one length, with no padding: cut every review to "
                    "the same number of words first."
                )
            grad_from = max(0, padded.shape[1] - truncate)
        projected = (self.input_projection(padded) + self.bias_ih).unbind(1)
        zeros = projected[0].new_zeros(padded.shape[0], self.hidden_size)
        state: State = (zeros, zeros) if self.kind == "lstm" else zeros
        out = []
        recording = torch.is_grad_enabled()
        for t, gi in enumerate(projected):
            with torch.set_grad_enabled(recording and t >= grad_from):
                new = self.step(gi, state)
                live = (lengths > t).unsqueeze(1)
                if isinstance(new, tuple) and isinstance(state, tuple):
                    state = (torch.where(live, new[0], state[0]), torch.where(live, new[1], state[1]))
                    out.append(state[0])
                else:
                    assert isinstance(new, torch.Tensor) and isinstance(state, torch.Tensor)
                    state = torch.where(live, new, state)
                    out.append(state)
        return out

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``(padded (batch, time), lengths (batch,))`` → log-probabilities ``(batch, classes)``."""
        padded, lengths = inputs
        return torch.log_softmax(self.head(self.states(padded, lengths)[-1]), dim=1)

    def loss_and_states(self, indices: torch.Tensor, label: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The NLL loss of one review and its states ``h_1 … h_T`` (for :func:`.state_gradient_norms`)."""
        states = self.states(indices.unsqueeze(0), torch.tensor([len(indices)], device=indices.device))
        output = torch.log_softmax(self.head(states[-1]), dim=1)
        return nn.functional.nll_loss(output, torch.tensor([label], device=output.device)), states
