"""Batched recurrent classifiers, parameter counts and top-k prediction for names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pack_sequence

from rnnlib.core.checks import check_sizes
from rnnlib.core.training import eval_mode, move_to
from rnnlib.datasets.surnames import N_LETTERS, fold_to_ascii, line_to_indices
from rnnlib.models.features import final_features

__all__ = ["GRUClassifier", "NameClassifier", "count_parameters", "predict_language"]


class NameClassifier(Protocol):
    """Anything with ``classify(names) -> log-probabilities (len(names), n_classes)``."""

    def classify(self, names: Sequence[str]) -> torch.Tensor: ...


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) scalar parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


class GRUClassifier(nn.Module):
    """``nn.GRU`` over a whole batch of sequences, then a linear layer on the final state.

    The input is a :class:`PackedSequence` (or a ``(padded, lengths)`` pair with
    ``padded`` of shape ``(batch, time, input_size)``). For a bidirectional GRU the
    head sees the *final* forward state (after the last element) and the final
    backward state (after reading back to the first element), never the backward
    output at the last time step, which has seen a single element.
    """

    def __init__(
        self,
        input_size: int = N_LETTERS,
        hidden_size: int = 128,
        num_classes: int = 18,
        *,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_sizes(
            input_size=input_size, hidden_size=hidden_size, num_classes=num_classes, num_layers=num_layers
        )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout={dropout}: must be in [0, 1).")
        self.directions = 2 if bidirectional else 1
        self.gru = nn.GRU(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * self.directions, num_classes)

    def forward(self, inputs: PackedSequence | tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Class scores (logits) of shape ``(batch, num_classes)``."""
        if not isinstance(inputs, PackedSequence):  # a PackedSequence is a tuple too
            padded, lengths = inputs
            if padded.ndim != 3:
                raise ValueError(f"padded must be (batch, time, features), got {tuple(padded.shape)}.")
            inputs = pack_padded_sequence(padded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h_n = self.gru(inputs)  # (num_layers * directions, batch, hidden), in input order
        return self.head(self.dropout(final_features(self.gru, h_n)))

    @torch.no_grad()
    def classify(self, names: Sequence[str]) -> torch.Tensor:
        """Log-probabilities for a list of (already folded) names."""
        device = self.head.weight.device
        one_hots = [nn.functional.one_hot(line_to_indices(n), N_LETTERS).float() for n in names]
        with eval_mode(self):
            scores = self(move_to(pack_sequence(one_hots, enforce_sorted=False), device))
        return torch.log_softmax(scores, dim=1)


@torch.no_grad()
def predict_language(
    model: NameClassifier, name: str, languages: Sequence[str], k: int = 3
) -> list[tuple[str, float]]:
    """The ``k`` most likely languages of ``name`` with their probabilities.

    The name is folded to ASCII first (``"Schröder"`` → ``"Schroder"``).

    Raises:
        ValueError: the name is empty, has characters that cannot be folded into the
            alphabet (digits, ``@``...), or ``k`` is not between 1 and the number of languages.
    """
    if not 1 <= k <= len(languages):
        raise ValueError(f"k={k}: choose between 1 and {len(languages)}.")
    folded = fold_to_ascii(name).strip()  # "-" folds to " ": strip after folding
    if not folded:
        raise ValueError("The name is empty: type at least one letter.")
    log_probs = model.classify([folded])[0]
    if log_probs.shape[0] != len(languages):
        raise ValueError(
            f"The model scores {log_probs.shape[0]} classes but {len(languages)} languages were given."
        )
    top = torch.topk(log_probs, k)
    return [(languages[int(i)], float(v.exp())) for v, i in zip(top.values, top.indices, strict=True)]
