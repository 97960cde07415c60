"""The lecture's word-level sentiment networks, TEXTnet and TEXTnetOrder2, and their tools.

Explained in the chapter on sentiment with one-hot words (Lecture sections 5 and 8).
Both networks read a review **one word at a time** as one-hot vectors, from a zero
hidden state per review, and classify it after the last word with a LogSoftmax:

.. math::

    c_t = [x_t; h_{t-1}], \\quad h_t = W_{ch} c_t + b_{ch}, \\quad
    m_t = \\operatorname{dropout}(\\operatorname{ReLU}(W_{cm} c_t + b_{cm})), \\quad
    \\hat y_t = \\operatorname{LogSoftmax}(W_{mo} m_t + b_{mo}).

TEXTnetOrder2 also concatenates a "cell" computed two steps earlier,
``cell_t = sigmoid(W_cell h_t + b_cell)``. This module also counts the parameters of
the one-hot GRU classifier behind the lecture's catch-22 and measures how the gradient
of the loss reaches words far from the end of a review (vanishing gradients).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlib.core.checks import check_sizes
from rnnlib.core.progress import progress
from rnnlib.core.runtime import torch_threads
from rnnlib.core.training import eval_mode
from rnnlib.models.gru import gru_layer_parameter_count

__all__ = [
    "REVIEW_LOOP_THREADS",
    "GRUOneHotClassifier",
    "SequentialRunLog",
    "TEXTnet",
    "TEXTnetOrder2",
    "gradient_norms_by_distance",
    "gru_onehot_parameter_count",
    "predict_reviews",
    "scan_review",
    "train_one_review_at_a_time",
]

#: Torch CPU threads for the one-review-at-a-time loops (:func:`train_one_review_at_a_time`,
#: :func:`predict_reviews`). Each word is a product with a 512 × 512 matrix, but each review
#: also updates every weight of the vocabulary's columns (millions of numbers), which a second
#: thread speeds up: two threads were faster than one on two idle cores, and many threads on
#: few cores much slower (``tools/bench_threads.py --loop textnet``).
REVIEW_LOOP_THREADS = 2


class TEXTnet(nn.Module):
    """The lecture's TEXTnet: no gate, no non-linearity on the hidden state."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 2) -> None:
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size, output_size=output_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.combined_to_hidden = nn.Linear(input_size + hidden_size, hidden_size)
        self.combined_to_middle = nn.Linear(input_size + hidden_size, 100)
        self.middle_to_out = nn.Linear(100, output_size)
        self.log_softmax = nn.LogSoftmax(dim=1)
        self.dropout = nn.Dropout(p=0.1)

    def forward(self, word: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One word ``(1, input_size)`` and the hidden state → (log-probabilities, next hidden)."""
        combined = torch.cat((word, hidden), dim=1)
        middle = self.dropout(torch.relu(self.combined_to_middle(combined)))
        return self.log_softmax(self.middle_to_out(middle)), self.combined_to_hidden(combined)

    def init_hidden(self) -> torch.Tensor:
        """A zero hidden state on the model's device."""
        return torch.zeros(1, self.hidden_size, device=self.combined_to_hidden.weight.device)


class TEXTnetOrder2(nn.Module):
    """TEXTnet with a "cell" from two steps back concatenated to its input (the lecture's
    stepping stone to gating)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 2) -> None:
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size, output_size=output_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.combined_to_hidden = nn.Linear(input_size + 2 * hidden_size, hidden_size)
        self.combined_to_middle = nn.Linear(input_size + 2 * hidden_size, 100)
        self.middle_to_out = nn.Linear(100, output_size)
        self.log_softmax = nn.LogSoftmax(dim=1)
        self.dropout = nn.Dropout(p=0.1)
        self.linear_for_cell = nn.Linear(hidden_size, hidden_size)

    def forward(
        self, word: torch.Tensor, hidden: torch.Tensor, cell: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One word, the hidden state and an older cell → (log-probabilities, hidden, new cell)."""
        combined = torch.cat((word, hidden, cell), dim=1)
        hidden = self.combined_to_hidden(combined)
        middle = self.dropout(torch.relu(self.combined_to_middle(combined)))
        out = self.log_softmax(self.middle_to_out(middle))
        return out, hidden, torch.sigmoid(self.linear_for_cell(hidden))

    def init_hidden(self) -> torch.Tensor:
        """A zero hidden state (and zero cell) on the model's device."""
        return torch.zeros(1, self.hidden_size, device=self.combined_to_hidden.weight.device)


def _split(linear: nn.Linear, vocab: int, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The word part of ``linear`` for every word at once, and the weights of the rest.

    A one-hot vector times a matrix selects one column, so ``W [e_w; r] + b`` is
    ``W[:, w] + W_r r + b``: the columns of the review's words are gathered once per
    review, and the cost of a step no longer grows with the vocabulary.
    """
    return linear.weight[:, indices].T + linear.bias, linear.weight[:, vocab:]


def _scan_indices(model: TEXTnet | TEXTnetOrder2, indices: torch.Tensor) -> torch.Tensor:
    vocab = model.input_size
    words_h, rest_h = _split(model.combined_to_hidden, vocab, indices)
    words_m, rest_m = _split(model.combined_to_middle, vocab, indices)
    hidden = model.init_hidden()
    cells = [model.init_hidden(), model.init_hidden()]  # [two steps back, one step back]
    output = None
    for t in range(len(indices)):
        rest = torch.cat((hidden, cells[0]), dim=1) if isinstance(model, TEXTnetOrder2) else hidden
        middle = model.dropout(torch.relu(words_m[t] + rest @ rest_m.T))
        output = model.log_softmax(model.middle_to_out(middle))
        hidden = words_h[t] + rest @ rest_h.T
        if isinstance(model, TEXTnetOrder2):
            cells = [cells[1], torch.sigmoid(model.linear_for_cell(hidden))]
    assert output is not None
    return output


def scan_review(model: TEXTnet | TEXTnetOrder2, review: torch.Tensor) -> torch.Tensor:
    """Feed a review word by word from zero states; return the log-probabilities after the last word.

    ``review`` is either one-hot, shape ``(words, input_size)`` as in the lecture, or the
    words' vocabulary indices, shape ``(words,)`` and integer dtype: the same computation
    (tested), much faster for a large vocabulary.
    For TEXTnetOrder2, step ``t`` receives the cell computed at step ``t - 2`` (zeros for
    the first two words), the bookkeeping of the lecture's ``cell_prev_2_prev``.
    """
    by_index = review.ndim == 1 and not review.is_floating_point()
    if review.shape[0] == 0 or not (by_index or (review.ndim == 2 and review.shape[1] == model.input_size)):
        raise ValueError(
            f"Expected a one-hot review of shape (words >= 1, {model.input_size}) or word indices of "
            f"shape (words >= 1,), got {tuple(review.shape)}: encode it with the dataset's vocabulary first."
        )
    if by_index:
        return _scan_indices(model, review)
    hidden = model.init_hidden()
    cells = [model.init_hidden(), model.init_hidden()]  # [two steps back, one step back]
    output = None
    for word in review:
        if isinstance(model, TEXTnetOrder2):
            output, hidden, cell = model(word.unsqueeze(0), hidden, cells[0])
            cells = [cells[1], cell]
        else:
            output, hidden = model(word.unsqueeze(0), hidden)
    assert output is not None
    return output


@dataclass(frozen=True)
class SequentialRunLog:
    """Mean loss per block of ``record_every`` reviews, and the wall time."""

    record_every: int
    losses: list[float]
    seconds: float


def train_one_review_at_a_time(
    model: TEXTnet | TEXTnetOrder2,
    reviews: Iterable[tuple[torch.Tensor, int]],
    optimizer: torch.optim.Optimizer,
    *,
    record_every: int = 100,
    threads: int | None = REVIEW_LOOP_THREADS,
) -> SequentialRunLog:
    """One pass of the lecture's training loop: per review, zero states, scan, NLLLoss, step.

    ``reviews`` yields ``(review, sentiment 0/1)`` pairs, the review one-hot ``(words, vocab)``
    or as word indices ``(words,)`` (see :func:`scan_review`). ``threads`` bounds torch's CPU
    threads during the loop (:func:`rnnlib.core.runtime.torch_threads`; default
    :data:`REVIEW_LOOP_THREADS`): each step reads one word, too little work for many threads;
    ``None`` leaves torch's setting alone.
    """
    if record_every < 1:
        raise ValueError(f"record_every={record_every}: must be at least 1.")
    device = model.combined_to_hidden.weight.device
    model.train()
    losses: list[float] = []
    running, count = 0.0, 0
    start = time.perf_counter()
    with torch_threads(threads):
        for review, sentiment in progress(reviews, desc="reviews"):
            optimizer.zero_grad()
            output = scan_review(model, review.to(device))
            loss = nn.functional.nll_loss(output, torch.tensor([int(sentiment)], device=device))
            loss.backward()
            optimizer.step()
            running, count = running + loss.item(), count + 1
            if count % record_every == 0:
                losses.append(running / record_every)
                running = 0.0
    if count == 0:
        raise ValueError("No review to train on: the dataset is empty.")
    return SequentialRunLog(record_every, losses, time.perf_counter() - start)


@torch.no_grad()
def predict_reviews(
    model: TEXTnet | TEXTnetOrder2,
    reviews: Iterable[tuple[torch.Tensor, int]],
    *,
    threads: int | None = REVIEW_LOOP_THREADS,
) -> tuple[np.ndarray, np.ndarray]:
    """(true sentiments, predicted sentiments) of ``(review, sentiment)`` pairs, dropout off.

    One review, one word at a time, with at most ``threads`` torch CPU threads (``None``: torch's
    setting), as in :func:`train_one_review_at_a_time`.
    """
    device = model.combined_to_hidden.weight.device
    truth, predicted = [], []
    with eval_mode(model), torch_threads(threads):
        for review, sentiment in reviews:
            truth.append(int(sentiment))
            predicted.append(int(scan_review(model, review.to(device)).argmax(dim=1)))
    if not truth:
        raise ValueError("No review to predict: the dataset is empty.")
    return np.asarray(truth), np.asarray(predicted)


def gru_onehot_parameter_count(
    vocab_size: int, hidden_size: int = 512, num_layers: int = 2, classes: int = 2
) -> int:
    """Parameters of ``nn.GRU(vocab_size, hidden_size, num_layers)`` + ``nn.Linear(hidden_size, classes)``.

    A GRU layer with input size ``I`` has three gates, each with ``W`` (H×I), ``U`` (H×H) and
    two biases: ``3 (H I + H H + 2 H)``. Layer 1 has ``I = vocab_size``, later layers ``I = H``.
    """
    check_sizes(vocab_size=vocab_size, hidden_size=hidden_size, num_layers=num_layers, classes=classes)
    first = gru_layer_parameter_count(vocab_size, hidden_size)
    later = (num_layers - 1) * gru_layer_parameter_count(hidden_size, hidden_size)
    return first + later + hidden_size * classes + classes


class GRUOneHotClassifier(nn.Module):
    """``nn.GRU`` over one-hot words of one review, then Linear + LogSoftmax on the last state
    (the gated counterpart of TEXTnet used to compare gradients)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 2) -> None:
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size, output_size=output_size)
        self.input_size = input_size
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, review: torch.Tensor) -> torch.Tensor:
        """``(words, input_size)`` → log-probabilities ``(1, output_size)``."""
        _, h_n = self.gru(review.unsqueeze(0))
        return torch.log_softmax(self.head(h_n[-1]), dim=1)


def gradient_norms_by_distance(
    model: TEXTnet | TEXTnetOrder2 | GRUOneHotClassifier,
    reviews: Sequence[tuple[torch.Tensor, int]],
    max_distance: int,
) -> torch.Tensor:
    """Mean ``‖∂ loss / ∂ x_t‖`` over reviews, indexed by distance from the last word.

    Entry ``d`` averages over the reviews with more than ``d`` words the norm of the
    gradient of the NLL loss with respect to the one-hot input of the word ``d`` steps
    before the end (``d = 0``: the last word). Dropout is off (eval mode).
    Returns a tensor of length ``max_distance`` (NaN where no review is that long).
    """
    if max_distance < 1:
        raise ValueError(f"max_distance={max_distance}: must be at least 1.")
    if not reviews:
        raise ValueError("No review given: pass at least one (review, sentiment) pair.")
    sums = torch.zeros(max_distance, dtype=torch.float64)
    counts = torch.zeros(max_distance, dtype=torch.float64)
    with eval_mode(model):
        for review, sentiment in reviews:
            dtype = next(model.parameters()).dtype  # float64 models show gradients below 1e-38
            x = review.detach().clone().to(dtype).requires_grad_(True)
            output = model(x) if isinstance(model, GRUOneHotClassifier) else scan_review(model, x)
            loss = nn.functional.nll_loss(output, torch.tensor([int(sentiment)], device=output.device))
            (grad,) = torch.autograd.grad(loss, x)
            norms = grad.norm(dim=1).flip(0)[:max_distance].double().cpu()
            sums[: len(norms)] += norms
            counts[: len(norms)] += 1
    return torch.where(counts > 0, sums / counts.clamp(min=1), torch.full_like(sums, float("nan")))
