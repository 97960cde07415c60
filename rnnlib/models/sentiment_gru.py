"""A small gated sentiment classifier whose GRU (written from scratch) returns its gates.

Explained in the chapter on gating and the GRU; :mod:`rnnlib.viz.gate_viz` draws its gates.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlib.core.checks import check_sizes
from rnnlib.models.gru import GRU, Convention

__all__ = ["GatedSentimentGRU"]


class GatedSentimentGRU(nn.Module):
    """Word embedding → one :class:`rnnlib.models.gru.GRU` layer (gates visible) → ``Linear(hidden, 2)``.

    ``forward`` takes ``(padded word indices (batch, time), lengths (batch,))``, the inputs
    of :func:`rnnlib.datasets.sentiment.torchdata.collate_for_sentiment`, and classifies each review from the
    hidden state after its *own* last word (never from padding).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int = 64,
        hidden_size: int = 32,
        *,
        convention: Convention = "lecture",
    ) -> None:
        super().__init__()
        check_sizes(vocab_size=vocab_size, embed_dim=embed_dim, hidden_size=hidden_size)
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.gru = GRU(embed_dim, hidden_size, convention=convention)
        self.head = nn.Linear(hidden_size, 2)

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Class scores (logits) of shape ``(batch, 2)``."""
        padded, lengths = inputs
        if padded.ndim != 2 or lengths.shape != (padded.shape[0],):
            raise ValueError(
                f"Expected (padded indices (batch, time), lengths (batch,)), got {tuple(padded.shape)} "
                f"and {tuple(lengths.shape)}: batch with rnnlib.datasets.sentiment.collate_for_sentiment."
            )
        if (lengths < 1).any() or (lengths > padded.shape[1]).any():
            raise ValueError("Every length must be between 1 and the padded length.")
        outputs, _ = self.gru(self.embed(padded))
        last = outputs[torch.arange(padded.shape[0]), lengths.to(outputs.device) - 1]
        return self.head(last)
