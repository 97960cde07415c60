"""The memory task of the chapter on gating: carry one bit across ``distance`` noisy steps.

Explained in the chapter on gating and the GRU. A sequence has ``distance + 1`` steps of two
input features. At step 0, feature 0 holds the bit (``+1`` or ``-1``); afterwards it is 0.
Feature 1 is Gaussian noise at every step, a distractor. The label is the bit, read by a linear
layer from the hidden state after the last step: to answer, the network must keep the bit for
``distance`` steps while noise keeps arriving.

Four recurrent encoders of the same hidden size are compared, trained the same way
(:func:`train_memory_task`): the GRU from scratch (:class:`rnnlib.models.gru.GRU`, lecture
convention), the same GRU with σ and tanh swapped (tanh gates, σ candidate), a tanh RNN
(``torch.nn.RNN``) and an LSTM (``torch.nn.LSTM``). Each can be given a good start: the gated
GRUs their update gate near *keep* (:func:`start_update_gate`), the LSTM its forget gate's bias
of 1 (:func:`rnnlib.models.lstm.start_forget_gate`), the tanh RNN an identity or a random
orthogonal recurrent matrix with zero biases (:func:`start_recurrence`, after Le et al., 2015).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal, cast, get_args

import torch
from torch import nn

from rnnlib.core.checks import check_sizes
from rnnlib.core.runtime import torch_threads
from rnnlib.core.training import eval_mode
from rnnlib.models.gru import GRU, GRUCell
from rnnlib.models.lstm import start_forget_gate

__all__ = [
    "MEMORY_MODELS",
    "RECURRENT_STARTS",
    "MemoryClassifier",
    "MemoryJob",
    "MemoryModel",
    "MemoryRun",
    "evaluate_memory",
    "memory_batch",
    "memory_test_set",
    "run_memory_job",
    "start_recurrence",
    "start_update_gate",
    "train_memory_task",
]

MemoryModel = Literal["gru", "swapped", "tanh_rnn", "lstm"]
#: The encoders :class:`MemoryClassifier` can build -- the GRU, the GRU with σ and tanh swapped,
#: a tanh RNN and an LSTM.
MEMORY_MODELS: tuple[str, ...] = get_args(MemoryModel)
RecurrentStart = Literal["default", "identity", "orthogonal"]
#: The starts of the tanh RNN's recurrent matrix -- ``nn.RNN``'s own, the identity, a random
#: orthogonal matrix (:func:`start_recurrence`).
RECURRENT_STARTS: tuple[str, ...] = get_args(RecurrentStart)


def memory_batch(n: int, distance: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` sequences of the task: ``x`` of shape ``(n, distance + 1, 2)`` and the bits ``y`` (0 or 1).

    ``x[:, 0, 0]`` is ``2 y - 1`` (the bit as ``±1``), ``x[:, 1:, 0]`` is 0, and ``x[:, :, 1]``
    is standard Gaussian noise. Everything random comes from ``generator``.

    Raises:
        ValueError: ``n`` or ``distance`` is not a whole number of at least 1.
    """
    check_sizes(n=n, distance=distance)
    bits = torch.randint(0, 2, (n,), generator=generator)
    x = torch.zeros(n, distance + 1, 2)
    x[:, 0, 0] = 2.0 * bits - 1
    x[:, :, 1] = torch.randn(n, distance + 1, generator=generator)
    return x, bits


def memory_test_set(distance: int, size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """The test sequences of :func:`train_memory_task` at ``distance``: the same for every model
    and seed (their generator is seeded with ``10_000 + distance``), never used in training.

    Raises:
        ValueError: ``distance`` or ``size`` is not a whole number of at least 1.
    """
    check_sizes(distance=distance, size=size)
    return memory_batch(size, distance, torch.Generator().manual_seed(10_000 + distance))


def start_update_gate(gru: GRU, z0: float) -> None:
    """Set the update-gate biases of every layer of ``gru`` so that ``z`` starts at about ``z0``.

    The update gate's bias becomes the inverse of the gate's activation at ``z0`` (``logit(z0)``
    for σ gates, ``atanh(z0)`` for tanh gates, in ``bias_ih``; ``bias_hh``'s part is set to 0), so
    with small weights every unit's gate starts near ``z0`` whatever the activation. In the
    lecture's convention a small ``z0`` (e.g. 0.05) means *keep the old state*: the same idea as
    starting an LSTM's forget gate open with a bias of 1 or more.

    Raises:
        ValueError: ``z0`` is not strictly between 0 and 1.
    """
    if not 0 < z0 < 1:
        raise ValueError(f"z0={z0!r}: the starting update-gate value must be strictly between 0 and 1.")
    with torch.no_grad():
        for module in gru.cells:
            cell = cast(GRUCell, module)
            h = cell.hidden_size
            bias = math.atanh(z0) if cell.gate is torch.tanh else math.log(z0 / (1 - z0))
            cell.bias_ih[h : 2 * h].fill_(bias)
            cell.bias_hh[h : 2 * h].zero_()


def start_recurrence(rnn: nn.RNN, start: RecurrentStart, *, seed: int | None = None) -> None:
    """Give a tanh RNN a recurrent matrix that keeps its state at the start (Le et al., 2015).

    ``"identity"`` sets every layer's ``weight_hh`` to the identity, ``"orthogonal"`` to a
    random orthogonal matrix (all eigenvalues on the unit circle: ``U h`` rotates the state and
    keeps its norm); both set the biases to zero, so a small state passes from step to step almost
    unchanged (tanh is close to the identity near 0). The input weights keep their start.
    ``"default"`` leaves ``nn.RNN``'s uniform start. ``seed`` fixes the orthogonal matrix
    (otherwise it is drawn from torch's global generator).

    Raises:
        ValueError: an unknown ``start``.
    """
    if start not in RECURRENT_STARTS:
        raise ValueError(f"start={start!r}: use one of {', '.join(map(repr, RECURRENT_STARTS))}.")
    if start == "default":
        return
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            if name.startswith("bias_"):
                p.zero_()
            elif name.startswith("weight_hh"):
                if start == "identity":
                    p.copy_(torch.eye(p.shape[0], dtype=p.dtype))
                else:
                    p.copy_(nn.init.orthogonal_(torch.empty(p.shape, dtype=p.dtype), generator=generator))


class MemoryClassifier(nn.Module):
    """A recurrent encoder and ``Linear(hidden, 2)`` on its state after the last step.

    ``model`` is ``"gru"`` (:class:`rnnlib.models.gru.GRU`, lecture convention), ``"swapped"``
    (the same with tanh gates and a σ candidate), ``"tanh_rnn"`` (``torch.nn.RNN``, tanh) or
    ``"lstm"`` (``torch.nn.LSTM``). The starts, each for its own model:

    - ``z0``: the gated GRUs start their update gate at ``z0`` (:func:`start_update_gate`);
      the other models have no update gate and ignore it;
    - ``recurrence``: the tanh RNN's recurrent matrix (:func:`start_recurrence`);
    - ``forget_bias``: the LSTM's forget-gate bias
      (:func:`rnnlib.models.lstm.start_forget_gate`); ``None`` keeps ``nn.LSTM``'s start.

    Raises:
        ValueError: an unknown ``model``, a size below 1, a ``z0`` outside (0, 1), or a
            ``recurrence`` or ``forget_bias`` given to a model that has none.
    """

    def __init__(
        self,
        model: MemoryModel,
        hidden_size: int = 16,
        *,
        z0: float | None = None,
        recurrence: RecurrentStart = "default",
        forget_bias: float | None = None,
    ) -> None:
        super().__init__()
        if model not in MEMORY_MODELS:
            raise ValueError(f"model={model!r}: use one of {', '.join(map(repr, MEMORY_MODELS))}.")
        check_sizes(hidden_size=hidden_size)
        if recurrence != "default" and model != "tanh_rnn":
            raise ValueError(f"recurrence={recurrence!r} starts a tanh RNN: use model='tanh_rnn'.")
        if forget_bias is not None and model != "lstm":
            raise ValueError(f"forget_bias={forget_bias!r} starts an LSTM: use model='lstm'.")
        self.model = model
        self.encoder: nn.Module
        if model == "tanh_rnn":
            rnn = nn.RNN(2, hidden_size, batch_first=True, nonlinearity="tanh")
            start_recurrence(rnn, recurrence)
            self.encoder = rnn
        elif model == "lstm":
            lstm = nn.LSTM(2, hidden_size, batch_first=True)
            if forget_bias is not None:
                start_forget_gate(lstm, forget_bias)
            self.encoder = lstm
        else:
            gru = GRU(2, hidden_size, swap_activations=model == "swapped")
            if z0 is not None:
                start_update_gate(gru, z0)
            self.encoder = gru
        self.head = nn.Linear(hidden_size, 2)

    def states(self, x: torch.Tensor) -> torch.Tensor:
        """The hidden state after every step, ``(batch, time, hidden)``, for ``x (batch, time, 2)``."""
        if x.ndim != 3 or x.shape[2] != 2 or x.shape[1] == 0:
            raise ValueError(
                f"x must be (batch, time >= 1, 2), as memory_batch makes it; got {tuple(x.shape)}."
            )
        return self.encoder(x)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (logits), ``(batch, 2)``, from the state after the last step."""
        return self.head(self.states(x)[:, -1])


@torch.no_grad()
def evaluate_memory(net: MemoryClassifier, distance: int, size: int = 1000) -> tuple[float, float]:
    """``(accuracy, largest ‖h_t‖)`` of ``net`` on :func:`memory_test_set` ``(distance, size)``.

    A sequence whose scores are not finite (the state overflowed) counts as wrong, and the
    largest norm is then ``nan``. The model's training mode is restored afterwards.

    Raises:
        ValueError: ``distance`` or ``size`` is not a whole number of at least 1.
    """
    x, y = memory_test_set(distance, size)
    with eval_mode(net):
        states = net.states(x)
        scores = net.head(states[:, -1])
    right = (scores.argmax(1) == y) & scores.isfinite().all(dim=1)
    norms = states.norm(dim=2)
    max_norm = norms.max().item() if norms.isfinite().all() else float("nan")
    return right.float().mean().item(), max_norm


@dataclass(frozen=True)
class MemoryRun:
    """One training run of :func:`train_memory_task`.

    Attributes:
        model, distance, seed: what was trained.
        accuracy: on fresh test sequences of the same distance (0.5 is a coin toss).
        long_accuracy: on sequences of ``long_steps`` steps (in the chapter: longer than any in
            training); a sequence whose scores overflowed (not finite) counts as wrong.
        max_state_norm: the largest ``‖h_t‖`` over those long sequences (``nan`` if the state
            overflowed).
        final_loss: the mean training loss of the last 20 updates (``nan`` if it diverged).
        seconds: wall time of the run.
    """

    model: str
    distance: int
    seed: int
    accuracy: float
    long_accuracy: float
    max_state_norm: float
    final_loss: float
    seconds: float


def train_memory_task(
    model: MemoryModel,
    distance: int,
    seed: int,
    *,
    updates: int = 300,
    hidden_size: int = 16,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip: float = 1.0,
    z0: float | None = 0.05,
    recurrence: RecurrentStart = "default",
    forget_bias: float | None = None,
    test_size: int = 1000,
    long_steps: int = 300,
) -> MemoryRun:
    """Train one :class:`MemoryClassifier` on the task at ``distance`` and test it.

    Every model gets the same budget: ``updates`` Adam steps (learning rate ``lr``) on fresh
    batches of ``batch_size`` sequences, gradients clipped to norm ``clip``. ``seed`` fixes the
    initial weights and the training batches (torch's global generator is left as it was); the
    test sequences depend only on ``distance``, so all models and seeds meet the same ones. The
    long test (accuracy and largest state norm) uses ``test_size`` sequences of ``long_steps``
    steps. Runs with one torch thread (tiny operations: more threads only add overhead).
    ``z0``, ``recurrence`` and ``forget_bias`` are the starts of :class:`MemoryClassifier`.

    Raises:
        ValueError: an unknown model, a size below 1, ``long_steps`` below 2, or a bad ``z0``,
            ``lr``, ``clip``, ``recurrence`` or ``forget_bias``.
    """
    check_sizes(
        distance=distance, updates=updates, batch_size=batch_size, test_size=test_size, long_steps=long_steps
    )
    if not (lr > 0 and clip > 0):
        raise ValueError(f"lr={lr!r}, clip={clip!r}: both must be positive numbers.")
    if long_steps < 2:
        raise ValueError(f"long_steps={long_steps}: the long test needs 2 steps or more (the bit and one).")
    start = time.perf_counter()
    with torch_threads(1), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = MemoryClassifier(model, hidden_size, z0=z0, recurrence=recurrence, forget_bias=forget_bias)
        batches = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.Adam(net.parameters(), lr=lr)
        losses: list[float] = []
        for _ in range(updates):
            x, y = memory_batch(batch_size, distance, batches)
            loss = nn.functional.cross_entropy(net(x), y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            optimizer.step()
            losses.append(loss.item())
        accuracy, _ = evaluate_memory(net, distance, test_size)
        long_accuracy, max_norm = evaluate_memory(net, long_steps - 1, test_size)
    tail = losses[-20:]
    return MemoryRun(
        model=model,
        distance=distance,
        seed=seed,
        accuracy=accuracy,
        long_accuracy=long_accuracy,
        max_state_norm=max_norm,
        final_loss=sum(tail) / len(tail),
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class MemoryJob:
    """The arguments of one :func:`train_memory_task` run, to send to a worker process.

    Attributes:
        model, distance, seed, updates: as in :func:`train_memory_task`.
        z0, recurrence, forget_bias: the model's start (:class:`MemoryClassifier`); ``z0`` is
            ``None`` here (no update-gate start) unless given.
    """

    model: MemoryModel
    distance: int
    seed: int
    updates: int = 300
    z0: float | None = None
    recurrence: RecurrentStart = "default"
    forget_bias: float | None = None


def run_memory_job(job: MemoryJob) -> MemoryRun:
    """:func:`train_memory_task` with the arguments of ``job`` (for
    :func:`rnnlib.core.parallel.parallel_map`, which needs a function of one argument).

    Raises:
        ValueError: as :func:`train_memory_task`.
    """
    return train_memory_task(
        job.model,
        job.distance,
        job.seed,
        updates=job.updates,
        z0=job.z0,
        recurrence=job.recurrence,
        forget_bias=job.forget_bias,
    )
