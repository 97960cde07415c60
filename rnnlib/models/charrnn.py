"""The lecture's character-level RNN and its one-name-at-a-time SGD training.

Explained in the chapter "The language of origin of a surname" (Lecture section 4,
after the PyTorch char-RNN tutorial). The network concatenates the one-hot letter
``x_t`` with the hidden state ``h_{t-1}`` and applies two linear maps:

.. math::

    h_t = W_{c2h} [x_t; h_{t-1}] + b_{c2h}, \\qquad
    \\hat y_t = \\operatorname{LogSoftmax}(W_{c2o} [x_t; h_{t-1}] + b_{c2o}).

The output after the last letter is the prediction. There is no non-linearity on
the hidden state, exactly as in the lecture.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlib.core.progress import progress
from rnnlib.core.runtime import torch_threads
from rnnlib.datasets.surnames import N_LETTERS, SurnameCorpus, line_to_tensor

__all__ = [
    "LECTURE_LOOP_THREADS",
    "LectureRNN",
    "SGDRunLog",
    "manual_sgd_step",
    "run_name",
    "sample_example",
    "train_lecture_rnn",
]

#: Torch CPU threads for :func:`train_lecture_rnn` -- a step is a few products of 185 numbers
#: with a 185 × 128 matrix, too small to share out. One thread was the fastest setting measured
#: by ``tools/bench_threads.py`` (also faster than two threads on two idle cores).
LECTURE_LOOP_THREADS = 1


class LectureRNN(nn.Module):
    """Input and hidden state concatenated → ``c2h`` (next hidden) and ``c2o`` → LogSoftmax."""

    def __init__(self, input_size: int = N_LETTERS, hidden_size: int = 128, output_size: int = 18) -> None:
        super().__init__()
        sizes = {"input_size": input_size, "hidden_size": hidden_size, "output_size": output_size}
        bad = [f"{name}={value}" for name, value in sizes.items() if value < 1]
        if bad:
            raise ValueError(f"{', '.join(bad)}: must be at least 1.")
        self.hidden_size = hidden_size
        self.c2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.c2o = nn.Linear(input_size + hidden_size, output_size)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, letter: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One step: ``letter`` (batch, input_size), ``hidden`` (batch, hidden_size).

        Returns (log-probabilities (batch, output_size), next hidden state).
        """
        combined = torch.cat((letter, hidden), dim=1)
        return self.log_softmax(self.c2o(combined)), self.c2h(combined)

    def init_hidden(self, batch: int = 1) -> torch.Tensor:
        """A zero hidden state on the model's device: every name starts from it."""
        return torch.zeros(batch, self.hidden_size, device=self.c2h.weight.device)

    def classify(self, names: Sequence[str]) -> torch.Tensor:
        """Log-probabilities ``(len(names), output_size)``, one name at a time."""
        device = self.c2h.weight.device
        return torch.cat([run_name(self, line_to_tensor(n).to(device)) for n in names])


def run_name(model: LectureRNN, line_tensor: torch.Tensor) -> torch.Tensor:
    """Feed one name ``(len, 1, input_size)`` letter by letter from a zero state.

    Returns the log-probabilities after the last letter, shape ``(1, output_size)``.
    """
    if line_tensor.ndim != 3 or line_tensor.shape[0] == 0:
        raise ValueError(
            f"Expected a name tensor of shape (letters, 1, {N_LETTERS}) with at least one "
            f"letter, got {tuple(line_tensor.shape)}; build it with line_to_tensor()."
        )
    hidden = model.init_hidden(line_tensor.shape[1])
    output = None
    for letter in line_tensor:
        output, hidden = model(letter, hidden)
    assert output is not None
    return output


def manual_sgd_step(
    model: LectureRNN,
    line_tensor: torch.Tensor,
    category_tensor: torch.Tensor,
    lr: float = 0.005,
) -> tuple[torch.Tensor, float]:
    """One training step as in the lecture: forward one name, NLLLoss, ``p -= lr * grad``.

    Returns (the log-probabilities, the loss). NLLLoss is right here because the
    model already outputs *log*-probabilities.
    """
    if lr <= 0:
        raise ValueError(f"lr={lr}: the learning rate must be positive.")
    model.zero_grad()
    output = run_name(model, line_tensor)
    loss = nn.functional.nll_loss(output, category_tensor)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= lr * p.grad
    return output, float(loss.item())


def sample_example(corpus: SurnameCorpus, rng: np.random.Generator, *, balanced: bool = True) -> int:
    """Index of a random training name.

    ``balanced=True`` is the lecture's ``randomTrainingExample``: pick a language
    uniformly, then a name of it, so Vietnamese is drawn as often as Russian.
    ``balanced=False`` picks a name uniformly (languages in their natural proportions).
    """
    if len(corpus) == 0:
        raise ValueError("Cannot sample from an empty corpus.")
    if not balanced:
        return int(rng.integers(len(corpus)))
    present = np.unique(corpus.labels)
    language = rng.choice(present)
    return int(rng.choice(np.flatnonzero(corpus.labels == language)))


@dataclass(frozen=True)
class SGDRunLog:
    """Loss averaged over each block of ``record_every`` steps, and the wall time."""

    steps: int
    record_every: int
    losses: list[float]
    seconds: float


def train_lecture_rnn(
    model: LectureRNN,
    corpus: SurnameCorpus,
    *,
    steps: int,
    lr: float = 0.005,
    record_every: int = 1000,
    balanced: bool = True,
    seed: int = 0,
    threads: int | None = LECTURE_LOOP_THREADS,
) -> SGDRunLog:
    """Train with one random name per step and the manual SGD update (the lecture's loop).

    ``threads`` bounds torch's CPU threads during the loop (:func:`rnnlib.core.runtime.torch_threads`;
    default :data:`LECTURE_LOOP_THREADS`): the steps are too small for threads to help, and torch's
    default of one thread per core made this loop take over 250 s on a 16-core machine against
    87 s on 2 cores.
    ``None`` leaves torch's setting alone.
    """
    if steps < 1 or record_every < 1:
        raise ValueError(f"steps={steps}, record_every={record_every}: both must be at least 1.")
    rng = np.random.default_rng(seed)
    device = model.c2h.weight.device
    model.train()
    losses: list[float] = []
    running = 0.0
    start = time.perf_counter()
    with torch_threads(threads):
        for step in progress(range(1, steps + 1), desc="SGD steps"):
            i = sample_example(corpus, rng, balanced=balanced)
            line = line_to_tensor(corpus.names[i]).to(device)
            target = torch.tensor([int(corpus.labels[i])], device=device)
            _, loss = manual_sgd_step(model, line, target, lr)
            running += loss
            if step % record_every == 0:
                losses.append(running / record_every)
                running = 0.0
    return SGDRunLog(steps, record_every, losses, time.perf_counter() - start)
