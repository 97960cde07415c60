"""Chapter 2's controlled experiment: one run of a one-hot word classifier, from settings to
test predictions.

Four networks read the same reviews as word indices (one-hot words) and answer *negative* or
*positive* (:data:`NETWORKS`):

- ``"textnet"``: the lecture's TEXTnet on a padded batch (:class:`~rnnlib.models.textnet.BatchedTEXTnet`),
  with its own head and PyTorch's default ``Linear(V + H, H)`` initialisation;
- ``"linear"``, ``"tanh"``, ``"gru"``: :class:`~rnnlib.models.recurrences.OneHotRecurrentClassifier`,
  the same head (``Linear(H, 2)`` on the last state) and every weight uniform in ``±1/√H``: the
  linear recurrence and the tanh RNN differ in the nonlinearity only, the tanh RNN and the GRU
  in the gates only.

A run (:func:`train_onehot_run`) trains with Adam, gradient clipping and early stopping on the
validation loss, restores the best epoch's weights and predicts the test reviews. Everything a
run needs travels with it (:class:`OneHotSettings`, :class:`ReviewSplit`), so that
:func:`train_onehot_runs` can hand runs to worker processes
(:func:`rnnlib.core.parallel.parallel_map`) and a seed gives the same run either way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlib.core.batching import LengthBucketSampler
from rnnlib.core.checks import check_sizes
from rnnlib.core.parallel import parallel_map
from rnnlib.core.runtime import format_seconds, seed_everything
from rnnlib.core.training import History, fit, predict_classes
from rnnlib.datasets.sentiment.torchdata import IndexReviews, bucketed_loader
from rnnlib.models import recurrences, textnet
from rnnlib.studies import gradients

__all__ = [
    "DIVERGED_LOSS",
    "NETWORKS",
    "OneHotRun",
    "OneHotSettings",
    "ReviewSplit",
    "make_network",
    "recurrent_radius",
    "train_onehot_run",
    "train_onehot_runs",
]

#: The networks a run can train.
NETWORKS: tuple[str, ...] = ("textnet", "linear", "tanh", "gru")

#: A run whose mean training loss in some epoch exceeded this (or was not finite) diverged -- a
#: two-class NLL of 10 means probabilities of about e^-10 on the right class, far beyond the
#: log 2 ≈ 0.69 of a coin toss.
DIVERGED_LOSS = 10.0


@dataclass(frozen=True)
class ReviewSplit:
    """Reviews split for one experiment: rows of ``train`` to fit and to validate on, rows of ``test``.

    Attributes:
        train, test: the reviews as word indices (one vocabulary, the training reviews').
        fit_idx, val_idx: disjoint rows of ``train``: the reviews trained on, and those that pick
            the epoch (early stopping).
        test_idx: rows of ``test`` that are predicted.
    """

    train: IndexReviews
    test: IndexReviews
    fit_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray

    def __post_init__(self) -> None:
        if self.train.vocab != self.test.vocab:
            raise ValueError("train and test must share one vocabulary: build test with vocab=train.vocab.")
        for name, rows, data in (
            ("fit_idx", self.fit_idx, self.train),
            ("val_idx", self.val_idx, self.train),
            ("test_idx", self.test_idx, self.test),
        ):
            array = np.asarray(rows)
            if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
                raise ValueError(f"{name} must be a non-empty 1-D array of row numbers.")
            if int(array.min()) < 0 or int(array.max()) >= len(data):
                raise ValueError(f"{name} must lie in 0..{len(data) - 1}.")
        if np.intersect1d(self.fit_idx, self.val_idx).size:
            raise ValueError("fit_idx and val_idx overlap: a validation review must not be trained on.")


@dataclass(frozen=True)
class OneHotSettings:
    """How to train one network (all networks of a comparison share everything but ``network``
    and, when chosen on validation, ``lr``).

    Attributes:
        network: one of :data:`NETWORKS`.
        hidden_size: ``H``.
        lr: Adam's learning rate.
        seed: initial weights and batch order.
        max_epochs, patience: early stopping on the validation loss (best weights restored).
        batch_size: reviews per batch (batches of similar lengths).
        clip_grad: the gradient's norm is clipped to this.
        keep_weights: return the trained weights (``OneHotRun.state``) for a later look.
    """

    network: str
    hidden_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    max_epochs: int = 20
    patience: int = 3
    batch_size: int = 32
    clip_grad: float = 1.0
    keep_weights: bool = False

    def __post_init__(self) -> None:
        if self.network not in NETWORKS:
            raise ValueError(f"network={self.network!r}: choose one of {NETWORKS}.")
        check_sizes(
            hidden_size=self.hidden_size,
            max_epochs=self.max_epochs,
            patience=self.patience,
            batch_size=self.batch_size,
        )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r}: use a non-negative int.")
        if not (self.lr > 0 and math.isfinite(self.lr) and self.clip_grad > 0):
            raise ValueError(f"lr={self.lr!r} and clip_grad={self.clip_grad!r} must be positive.")


@dataclass(frozen=True)
class OneHotRun:
    """What one run gives back.

    Attributes:
        settings: the run's settings.
        history: per-epoch losses, updates, best epoch (:class:`~rnnlib.core.training.History`).
        truth, predicted: the test reviews' sentiments and the predictions, in ``test_idx`` order.
        rho_before, rho_after: the spectral radius of the recurrent ``H × H`` block (the GRU's
            candidate block ``U_n``) at the start and in the weights kept (NaN if not finite).
        seconds: wall time of the run.
        state: the trained weights when ``settings.keep_weights``, else None.
    """

    settings: OneHotSettings
    history: History
    truth: np.ndarray
    predicted: np.ndarray
    rho_before: float
    rho_after: float
    seconds: float
    state: dict[str, torch.Tensor] | None = None

    @property
    def highest_train_loss(self) -> float:
        """The highest mean training loss of any epoch."""
        return max(e.train_loss for e in self.history.epochs)

    @property
    def diverged(self) -> bool:
        """True when an epoch's mean training loss exceeded :data:`DIVERGED_LOSS` or was not finite."""
        loss = self.highest_train_loss
        return not math.isfinite(loss) or loss > DIVERGED_LOSS

    @property
    def accuracy(self) -> float:
        """The share of test reviews predicted right."""
        return float(np.mean(self.truth == self.predicted))


def make_network(network: str, vocab_size: int, hidden_size: int) -> nn.Module:
    """A fresh network of kind ``network`` (:data:`NETWORKS`) taking ``(padded, lengths)``.

    Raises:
        ValueError: an unknown network or bad sizes.
    """
    if network not in NETWORKS:
        raise ValueError(f"network={network!r}: choose one of {NETWORKS}.")
    if network == "textnet":
        return textnet.BatchedTEXTnet(textnet.TEXTnet(vocab_size, hidden_size))
    return recurrences.OneHotRecurrentClassifier(network, vocab_size, hidden_size)


def recurrent_radius(model: nn.Module) -> float:
    """ρ of the model's recurrent ``H × H`` block (TEXTnet's ``W_hh``, the GRU's ``U_n``); NaN
    when the block holds a non-finite number.

    Raises:
        ValueError: a model that is not a network of :func:`make_network`.
    """
    if isinstance(model, textnet.BatchedTEXTnet):
        block = textnet.hidden_to_hidden(model.net)
    elif isinstance(model, recurrences.OneHotRecurrentClassifier):
        block = model.recurrent_blocks()[-1]
    else:
        raise ValueError(f"No recurrent block known for {type(model).__name__}: use make_network().")
    return gradients.spectral_radius(block) if bool(torch.isfinite(block).all()) else math.nan


def train_onehot_run(settings: OneHotSettings, split: ReviewSplit) -> OneHotRun:
    """Train one network to its lowest validation loss and predict the test reviews (CPU).

    The seed sets the initial weights and the order of batches; the run is the same in this
    process or in a worker process.
    """
    start = time.perf_counter()
    seed_everything(settings.seed)
    model = make_network(settings.network, split.train.vocab_size, settings.hidden_size)
    rho_before = recurrent_radius(model)
    history = fit(
        model,
        bucketed_loader(
            split.train, settings.batch_size, rows=split.fit_idx, shuffle=True, seed=settings.seed
        ),
        loss_fn=nn.functional.nll_loss,
        optimizer=torch.optim.Adam(model.parameters(), lr=settings.lr),
        epochs=settings.max_epochs,
        device="cpu",
        val_loader=bucketed_loader(split.train, settings.batch_size, rows=split.val_idx, shuffle=False),
        clip_grad=settings.clip_grad,
        patience=settings.patience,
        restore_best=True,
        log=None,
    )
    test_loader = bucketed_loader(split.test, settings.batch_size, rows=split.test_idx, shuffle=False)
    truth, predicted = predict_classes(model, test_loader, "cpu")
    # the loader sorts by length: put the predictions back in test_idx order
    sampler = test_loader.batch_sampler
    assert isinstance(sampler, LengthBucketSampler)
    order = np.concatenate(sampler.batches(0))
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    state = {k: v.detach().clone() for k, v in model.state_dict().items()} if settings.keep_weights else None
    return OneHotRun(
        settings,
        history,
        truth[back],
        predicted[back],
        rho_before,
        recurrent_radius(model),
        time.perf_counter() - start,
        state,
    )


def _train_job(job: tuple[OneHotSettings, ReviewSplit]) -> OneHotRun:
    return train_onehot_run(*job)


def train_onehot_runs(
    jobs: Sequence[tuple[OneHotSettings, ReviewSplit]],
    *,
    workers: int | None = None,
    log: Callable[[str], None] | None = print,
) -> list[OneHotRun]:
    """:func:`train_onehot_run` for every ``(settings, split)``, several at a time (see
    :func:`rnnlib.core.parallel.parallel_map`), one line logged per finished run. Put the
    longest runs first: workers take the jobs in order.

    Returns:
        The runs, in the order of ``jobs``.

    Raises:
        ValueError: no job.
    """
    if not jobs:
        raise ValueError("No job given: pass (OneHotSettings, ReviewSplit) pairs.")

    def report(_: int, run: OneHotRun) -> None:
        if log is not None:
            s, h = run.settings, run.history
            log(
                f"{s.network:>7} lr {s.lr:.0e} seed {s.seed}: best epoch {h.best_epoch():>2} of "
                f"{h.epochs_run:>2}, {format_seconds(run.seconds)}"
            )

    return parallel_map(_train_job, list(jobs), workers=workers, on_result=report)
