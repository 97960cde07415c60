"""Batched recurrent classifiers, parameter counts, class balancing and top-k prediction for names.

Class balancing (explained in the chapter "The language of origin of a surname"): a classifier
trained on imbalanced classes learns their frequencies, the prior ``p(y)``, along with what
the name says. Two remedies: weigh the loss of each class by ``1 / n_c**power``
(:func:`class_weights`), or, after training, subtract ``alpha * log p(y)`` from the
log-probabilities (:func:`prior_corrected`, :class:`PriorCorrected`), with ``alpha`` chosen on
validation names (:func:`choose_prior_alpha`). ``alpha = 1`` removes the training prior
entirely (Bayes' rule with equal priors); ``alpha = 0`` leaves the model as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from rnnlib.core.checks import check_sizes
from rnnlib.core.metrics import accuracy, macro_accuracy
from rnnlib.core.training import eval_mode, move_to
from rnnlib.datasets.surnames import N_LETTERS, fold_to_ascii, normalize_case, pack_names
from rnnlib.models.gru_features import final_features

__all__ = [
    "ALPHAS",
    "GRUClassifier",
    "NameClassifier",
    "PriorCorrected",
    "choose_prior_alpha",
    "class_weights",
    "log_prior",
    "predict_language",
    "prior_corrected",
]


class NameClassifier(Protocol):
    """Anything with ``classify(names) -> log-probabilities (len(names), n_classes)``."""

    def classify(self, names: Sequence[str]) -> torch.Tensor: ...


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
        with eval_mode(self):
            scores = self(move_to(pack_names(names), device))
        return torch.log_softmax(scores, dim=1)


def _class_counts(labels: Sequence[int] | np.ndarray, n_classes: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"labels must be a non-empty 1-D array of class indices, got shape {y.shape}.")
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must be in 0..{n_classes - 1}, got {y.min()}..{y.max()}.")
    counts = np.bincount(y, minlength=n_classes)
    if (counts == 0).any():
        raise ValueError(
            f"Classes {np.flatnonzero(counts == 0).tolist()} have no training example: their weight "
            "or prior is undefined. Drop those classes or give them examples."
        )
    return counts


def class_weights(labels: Sequence[int] | np.ndarray, n_classes: int, *, power: float = 1.0) -> torch.Tensor:
    """Loss weight of each class, ``w_c ∝ 1 / n_c**power``, for ``nn.CrossEntropyLoss(weight=...)``.

    ``power=1`` gives every class the same total weight (as if balanced); ``power=0.5`` goes
    half-way (on a log scale); ``power=0`` is the plain loss. The weights are scaled so that their
    average over the training examples is 1, which keeps the loss, and a learning rate tuned on
    the plain loss, on the same scale.

    Raises:
        ValueError: a class has no example, a label is out of range, or ``power < 0``.
    """
    if power < 0:
        raise ValueError(f"power={power}: use 0 (no weighting) to 1 (balanced classes).")
    counts = _class_counts(labels, n_classes).astype(float)
    weights = counts**-power
    weights *= counts.sum() / (weights * counts).sum()
    return torch.tensor(weights, dtype=torch.float32)


def log_prior(labels: Sequence[int] | np.ndarray, n_classes: int) -> np.ndarray:
    """``log p(y)``: the log of each class's share of the (training) labels.

    Raises:
        ValueError: a class has no example (its log-prior would be -inf) or a label is out of range.
    """
    counts = _class_counts(labels, n_classes)
    return np.log(counts / counts.sum())


def prior_corrected(
    log_probs: torch.Tensor | np.ndarray, prior: np.ndarray, alpha: float
) -> np.ndarray:
    """``log_probs - alpha * prior``, renormalised into log-probabilities, as a NumPy array.

    ``log_probs`` has shape ``(examples, classes)`` and ``prior`` (from :func:`log_prior`) one
    entry per class. The arg-max of the result is the prediction with the training prior removed
    to the power ``alpha``.

    Raises:
        ValueError: the shapes do not match, or ``alpha`` is negative.
    """
    if isinstance(log_probs, torch.Tensor):
        log_probs = log_probs.detach().cpu().numpy()
    scores = np.asarray(log_probs, dtype=float)
    prior = np.asarray(prior, dtype=float)
    if scores.ndim != 2 or prior.shape != (scores.shape[1],):
        raise ValueError(
            f"log_probs {scores.shape} must be (examples, classes) and the prior {prior.shape} have "
            "one entry per class."
        )
    if alpha < 0:
        raise ValueError(f"alpha={alpha}: use 0 (no correction) to 1 (the prior removed).")
    shifted = scores - alpha * prior
    return shifted - np.logaddexp.reduce(shifted, axis=1, keepdims=True)


#: The 31 alphas :func:`choose_prior_alpha` tries by default (0, 0.05, ..., 1.5).
#:
#: :meta hide-value:
ALPHAS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(31))


def choose_prior_alpha(
    log_probs: torch.Tensor | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    prior: np.ndarray,
    class_names: Sequence[str],
    *,
    alphas: Sequence[float] | np.ndarray = ALPHAS,
    min_accuracy: float = 0.0,
) -> tuple[float, pd.DataFrame]:
    """Pick ``alpha`` for :func:`prior_corrected` on **validation** names, never on test names.

    The choice: the highest macro accuracy among the ``alphas`` whose overall accuracy is at
    least ``min_accuracy`` (the smallest such alpha on a tie); if none is, the alpha with the
    highest overall accuracy.

    Returns:
        ``(alpha, table)``, the table giving, per alpha, ``accuracy`` and ``macro accuracy``.

    Raises:
        ValueError: no alpha, or a negative one (and the errors of :func:`prior_corrected`).
    """
    grid = [float(a) for a in alphas]
    if not grid or min(grid) < 0:
        raise ValueError(f"alphas={grid}: give at least one alpha, all of them >= 0.")
    rows = []
    for alpha in grid:
        predicted = prior_corrected(log_probs, prior, alpha).argmax(axis=1)
        rows.append(
            {
                "alpha": alpha,
                "accuracy": accuracy(labels, predicted),
                "macro accuracy": macro_accuracy(labels, predicted, class_names),
            }
        )
    table = pd.DataFrame(rows).set_index("alpha")
    allowed = table[table["accuracy"] >= min_accuracy]
    best = allowed["macro accuracy"].idxmax() if len(allowed) else table["accuracy"].idxmax()
    return float(best), table


class PriorCorrected:
    """A name classifier whose log-probabilities have ``alpha`` times the log-prior removed.

    It has the ``classify`` of the wrapped ``model`` (so :func:`predict_language` takes it), with
    :func:`prior_corrected` applied to its output.
    """

    def __init__(self, model: NameClassifier, prior: np.ndarray, alpha: float) -> None:
        if alpha < 0:
            raise ValueError(f"alpha={alpha}: use 0 (no correction) to 1 (the prior removed).")
        self.model = model
        self.prior = np.asarray(prior, dtype=float)
        self.alpha = float(alpha)

    def classify(self, names: Sequence[str]) -> torch.Tensor:
        """Prior-corrected log-probabilities ``(len(names), classes)``."""
        log_probs = self.model.classify(names)
        corrected = prior_corrected(log_probs, self.prior, self.alpha)
        return torch.as_tensor(corrected, dtype=torch.float32)


@torch.no_grad()
def predict_language(
    model: NameClassifier, name: str, languages: Sequence[str], k: int = 3
) -> list[tuple[str, float]]:
    """The ``k`` most likely languages of ``name`` with their probabilities.

    The name is prepared as the training names were: a name typed all in capitals or all in
    lower case gets the lists' capitalisation (:func:`rnnlib.datasets.surnames.normalize_case`:
    ``"SMITH"``, ``"smith"`` → ``"Smith"``, ``"O'BRIEN"`` → ``"O'Brien"``; ``"McDonald"`` is
    kept), then it is folded to ASCII (``"Schröder"`` → ``"Schroder"``). Without the first step
    a model trained on ``"Smith"`` reads ``"SMITH"`` as five letters it has almost never seen
    after a capital, and answers something else.

    Raises:
        ValueError: the name is empty, has characters that cannot be folded into the
            alphabet (digits, ``@``...), or ``k`` is not between 1 and the number of languages.
    """
    if not 1 <= k <= len(languages):
        raise ValueError(f"k={k}: choose between 1 and {len(languages)}.")
    fold_to_ascii(name)  # an unfoldable character is an error that names the name as typed
    folded = fold_to_ascii(normalize_case(name.strip())).strip()  # "-" folds to " ": strip again
    if not folded:
        raise ValueError("The name is empty: type at least one letter.")
    log_probs = model.classify([folded])[0]
    if log_probs.shape[0] != len(languages):
        raise ValueError(
            f"The model scores {log_probs.shape[0]} classes but {len(languages)} languages were given."
        )
    top = torch.topk(log_probs, k)
    return [(languages[int(i)], float(v.exp())) for v, i in zip(top.values, top.indices, strict=True)]
