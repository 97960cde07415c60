"""The lecture's word-level sentiment networks, TEXTnet and TEXTnetOrder2, and their tools.

Explained in the chapter on sentiment with one-hot words (Lecture sections 5 and 8).
Both networks read a review **one word at a time** as one-hot vectors, from a zero
hidden state per review, and classify it after the last word with a LogSoftmax:

.. math::

    \\begin{aligned}
    c_t &= [x_t; h_{t-1}], \\\\
    h_t &= W_{ch} c_t + b_{ch}, \\\\
    m_t &= \\operatorname{dropout}(\\operatorname{ReLU}(W_{cm} c_t + b_{cm})), \\\\
    \\hat y_t &= \\operatorname{LogSoftmax}(W_{mo} m_t + b_{mo}).
    \\end{aligned}

TEXTnetOrder2 also concatenates a "cell" computed two steps earlier,
``cell_t = sigmoid(W_cell h_t + b_cell)``. This module also counts the parameters of
the one-hot GRU classifier behind the lecture's catch-22, runs TEXTnet on padded batches
(:func:`scan_batch`, :class:`BatchedTEXTnet`: the computation of :func:`scan_review`, for many
reviews at once) and gives its hidden states for the gradient measurement of
:func:`rnnlib.studies.gradients.state_gradient_norms`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlib.core.checks import check_padded_indices, check_sizes
from rnnlib.core.progress import progress
from rnnlib.core.runtime import torch_threads
from rnnlib.core.training import eval_mode
from rnnlib.models.gru import gru_layer_parameter_count

__all__ = [
    "REVIEW_LOOP_THREADS",
    "BatchedTEXTnet",
    "SequentialRunLog",
    "TEXTnet",
    "TEXTnetOrder2",
    "gru_onehot_parameter_count",
    "hidden_to_hidden",
    "loss_and_states",
    "predict_reviews",
    "scan_batch",
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

    A GRU layer with input size ``I`` has two gates (reset, update) and a candidate state, each
    with an input matrix ``W`` (H×I), a recurrent matrix ``U`` (H×H) and two biases:
    ``3 (H I + H H + 2 H)``. Layer 1 has ``I = vocab_size``, later layers ``I = H``.
    """
    check_sizes(vocab_size=vocab_size, hidden_size=hidden_size, num_layers=num_layers, classes=classes)
    first = gru_layer_parameter_count(vocab_size, hidden_size)
    later = (num_layers - 1) * gru_layer_parameter_count(hidden_size, hidden_size)
    return first + later + hidden_size * classes + classes


def hidden_to_hidden(model: TEXTnet | TEXTnetOrder2) -> torch.Tensor:
    """The ``H × H`` block of ``combined_to_hidden.weight`` that multiplies ``h_{t-1}``: the matrix
    ``W_hh`` of the recurrence ``h_t = W_hx x_t + W_hh h_{t-1} + b``.

    A view: writing to it changes the model.
    """
    vocab, hidden = model.input_size, model.hidden_size
    return model.combined_to_hidden.weight[:, vocab : vocab + hidden]


def scan_batch(model: TEXTnet, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """:func:`scan_review` for a padded batch: log-probabilities ``(batch, classes)``, row ``b`` the
    output after review ``b``'s own last word.

    ``padded`` holds word indices ``(batch, time)`` (padding: any index), ``lengths`` the number of
    real words of each review. The hidden state is updated only where ``t < length - 1``: the
    head reads ``[x_T; h_{T-1}]``, the last word and the state *before* it, exactly as
    :func:`scan_review` does, so nothing after a review's end changes its output.

    Raises:
        ValueError: not a batch of indices, a TEXTnetOrder2, or lengths outside ``1..time``.
    """
    if not isinstance(model, TEXTnet):
        raise ValueError("scan_batch runs TEXTnet only: scan a TEXTnetOrder2 review by review (scan_review).")
    lengths = check_padded_indices(padded, lengths)
    vocab = model.input_size
    w_ch, b_ch = model.combined_to_hidden.weight, model.combined_to_hidden.bias
    words_h = (nn.functional.embedding(padded, w_ch[:, :vocab].T) + b_ch).unbind(1)  # W_hx x_t + b, all t
    rest_h = w_ch[:, vocab:]
    hidden = words_h[0].new_zeros(padded.shape[0], model.hidden_size)
    for t in range(int(lengths.max()) - 1):
        new = words_h[t] + hidden @ rest_h.T
        hidden = torch.where((lengths - 1 > t).unsqueeze(1), new, hidden)
    rows = torch.arange(padded.shape[0], device=padded.device)
    last_words = padded[rows, lengths - 1]
    w_cm, b_cm = model.combined_to_middle.weight, model.combined_to_middle.bias
    middle = w_cm[:, last_words].T + hidden @ w_cm[:, vocab:].T + b_cm
    middle = model.dropout(torch.relu(middle))
    return model.log_softmax(model.middle_to_out(middle))


class BatchedTEXTnet(nn.Module):
    """A TEXTnet (``.net``) that reads padded batches: ``model((padded, lengths))`` is
    :func:`scan_batch`, the input :func:`rnnlib.core.training.fit` passes from
    :func:`rnnlib.datasets.sentiment.torchdata.collate_for_sentiment`."""

    def __init__(self, net: TEXTnet) -> None:
        super().__init__()
        self.net = net

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``(padded (batch, time), lengths (batch,))`` → log-probabilities ``(batch, classes)``."""
        padded, lengths = inputs
        return scan_batch(self.net, padded, lengths)


def loss_and_states(
    model: TEXTnet, indices: torch.Tensor, label: int
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """One review's NLL loss (dropout off) and the hidden states ``h_1 … h_{T-1}`` its head depends on.

    The last state in the list is the one the head reads with the last word; a one-word review
    has none. For :func:`rnnlib.studies.gradients.state_gradient_norms`.
    """
    if indices.ndim != 1 or indices.shape[0] == 0 or indices.is_floating_point():
        raise ValueError(
            f"Expected word indices of shape (words >= 1,), got {tuple(indices.shape)} {indices.dtype}."
        )
    vocab = model.input_size
    w_ch, b_ch = model.combined_to_hidden.weight, model.combined_to_hidden.bias
    words_h, rest_h = w_ch[:, indices].T + b_ch, w_ch[:, vocab:]
    hidden = words_h.new_zeros(1, model.hidden_size)
    states = []
    for t in range(len(indices) - 1):
        hidden = words_h[t : t + 1] + hidden @ rest_h.T
        states.append(hidden)
    w_cm, b_cm = model.combined_to_middle.weight, model.combined_to_middle.bias
    middle = torch.relu(w_cm[:, indices[-1]] + hidden @ w_cm[:, vocab:].T + b_cm)  # dropout off
    output = model.log_softmax(model.middle_to_out(middle))
    return nn.functional.nll_loss(output, torch.tensor([label], device=output.device)), states
