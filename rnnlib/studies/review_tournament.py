"""Chapter 7's tournament: every contestant of the model battlefield trained the same way.

One function trains one contestant (a model of :mod:`rnnlib.models.review_architectures`) on
the reviews' training rows, stops it on the validation rows and scores it on the test reviews;
:func:`train_contestants` runs many of them in worker processes. Around it, the measurements a
fair comparison reports beside accuracy:

- :func:`build_contestant` -- a contestant by name (:data:`CONTESTANTS`), at the chapter's sizes;
- :func:`predict_in_order` -- the predicted class of every review, in the items' own order (so
  that two models' answers pair up review by review);
- :func:`inference_rate` -- test reviews scored per second (best of a few timed passes);
- :func:`training_memory` -- the bytes one training step holds: weights, gradients, Adam's
  two moments and the activations autograd saves for the backward pass (counted, not sampled
  from the operating system, so the number is the same on every machine).

Everything a run needs travels with it (:class:`TournamentSettings` and chapter 2's
:class:`~rnnlib.studies.onehot_runs.ReviewSplit`: the training, validation and test rows), so a
run gives the same result in this process or in a worker.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnlib.core.checks import check_sizes
from rnnlib.core.parallel import parallel_map
from rnnlib.core.runtime import format_seconds, pick_device, seed_everything
from rnnlib.core.training import History, count_parameters, eval_mode, fit
from rnnlib.datasets.sentiment import IndexReviews, bucketed_loader, collate_for_sentiment
from rnnlib.models.review_architectures import (
    CNNLSTM,
    BagOfWordsMLP,
    EmbeddingBagClassifier,
    EmbeddingFlattenMLP,
    KimCNN,
    RecurrentReader,
)
from rnnlib.studies.onehot_runs import ReviewSplit

__all__ = [
    "CONTESTANTS",
    "LABELS",
    "TournamentRun",
    "TournamentSettings",
    "build_contestant",
    "inference_rate",
    "predict_in_order",
    "train_contestant",
    "train_contestants",
    "training_memory",
]

#: The contestants, in the order a page lists them.
CONTESTANTS: tuple[str, ...] = ("bow", "flatten", "bag", "cnn", "tanh", "lstm", "gru", "cnnlstm")

#: What each of the 8 :data:`CONTESTANTS` is, in a few words, by name.
#:
#: :meta hide-value:
LABELS: dict[str, str] = {
    "bow": "bag of words + MLP",
    "flatten": "embeddings, flattened + MLP",
    "bag": "embedding bag (mean)",
    "cnn": "1-D CNN, max over time",
    "tanh": "tanh RNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "cnnlstm": "CNN + LSTM",
}


def build_contestant(
    name: str,
    num_words: int,
    max_length: int,
    *,
    embedding_dim: int = 32,
    hidden_size: int = 64,
    num_classes: int = 2,
) -> nn.Module:
    """The contestant ``name`` for reviews of at most ``max_length`` words from ``num_words`` words.

    Every contestant with word vectors learns ``embedding_dim``-dimensional ones; the hidden
    layers and recurrent states have ``hidden_size`` units; the CNN has 50 filters of each width
    3, 4 and 5 (Kim 2014's widths); the CNN+LSTM 32 filters of width 5, pooled by 4.

    Raises:
        ValueError: an unknown name (the message lists the known ones) or a size below 1.
    """
    if name not in CONTESTANTS:
        raise ValueError(f"contestant {name!r}: choose one of {', '.join(CONTESTANTS)}.")
    check_sizes(num_words=num_words, max_length=max_length)
    d, h, c = embedding_dim, hidden_size, num_classes
    if name == "bow":
        return BagOfWordsMLP(num_words, h, c)
    if name == "flatten":
        return EmbeddingFlattenMLP(num_words, d, max_length, h, c)
    if name == "bag":
        return EmbeddingBagClassifier(num_words, d, c)
    if name == "cnn":
        return KimCNN(num_words, d, filters=50, widths=(3, 4, 5), num_classes=c)
    if name == "cnnlstm":
        return CNNLSTM(num_words, d, filters=32, width=5, pool=4, hidden_size=h, num_classes=c)
    return RecurrentReader(num_words, name, d, h, c)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TournamentSettings:
    """Everything that defines one training run (the defaults are chapter 7's)."""

    contestant: str
    seed: int = 0
    max_length: int = 250
    embedding_dim: int = 32
    hidden_size: int = 64
    lr: float = 2e-3
    batch_size: int = 64
    max_epochs: int = 30
    patience: int = 3
    clip_grad: float = 1.0

    def __post_init__(self) -> None:
        if self.contestant not in CONTESTANTS:
            raise ValueError(f"contestant {self.contestant!r}: choose one of {', '.join(CONTESTANTS)}.")
        check_sizes(
            max_length=self.max_length, embedding_dim=self.embedding_dim, hidden_size=self.hidden_size,
            batch_size=self.batch_size, max_epochs=self.max_epochs, patience=self.patience,
        )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r}: use a non-negative int.")
        if not (self.lr > 0 and self.clip_grad > 0):
            raise ValueError(f"lr={self.lr!r}, clip_grad={self.clip_grad!r}: both must be positive.")

    @property
    def label(self) -> str:
        """``"gru seed 0"``."""
        return f"{self.contestant} seed {self.seed}"


@dataclass(frozen=True)
class TournamentRun:
    """What one run gives back.

    Attributes:
        settings: the run's settings.
        history: per-epoch losses and accuracies; its best epoch's weights are the model's.
        test_predictions: the predicted class of the test reviews ``split.test_idx``, in that order.
        parameters: trainable parameters.
        seconds_to_best: training time of the epochs up to and including the best one.
        seconds: wall time of the whole run (training, validation and test).
        state: the trained weights (the best epoch's), on the CPU.
    """

    settings: TournamentSettings
    history: History
    test_predictions: np.ndarray
    parameters: int
    seconds_to_best: float
    seconds: float
    state: dict[str, torch.Tensor]


def _batches_in_order(items: IndexReviews, rows: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Positions into ``rows``, sorted by their reviews' length (stable) and cut into batches:
    little padding per batch."""
    order = np.argsort(items.lengths[rows], kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _rows(items: IndexReviews, rows: Sequence[int] | np.ndarray | None) -> np.ndarray:
    chosen = np.arange(len(items)) if rows is None else np.asarray(rows)
    if chosen.ndim != 1 or chosen.size == 0 or not np.issubdtype(chosen.dtype, np.integer):
        raise ValueError("rows must be a non-empty 1-D array of item indices (None for every item).")
    if int(chosen.min()) < 0 or int(chosen.max()) >= len(items):
        low, high = int(chosen.min()), int(chosen.max())
        raise ValueError(f"rows must lie in 0..{len(items) - 1}, got {low}..{high}.")
    return chosen.astype(np.int64)


@torch.no_grad()
def predict_in_order(
    model: nn.Module,
    items: IndexReviews,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
    batch_size: int = 256,
    device: torch.device | str = "cpu",
) -> np.ndarray:
    """The predicted class of the reviews ``rows`` of ``items`` (None: all), in the order of
    ``rows`` (int64 array): two models' answers pair up review by review.

    Raises:
        ValueError: a bad ``batch_size``, or ``rows`` empty or outside the items.
    """
    check_sizes(batch_size=batch_size)
    chosen = _rows(items, rows)
    predictions = np.empty(len(chosen), dtype=np.int64)
    with eval_mode(model):
        for where in _batches_in_order(items, chosen, batch_size):
            (padded, lengths), _ = collate_for_sentiment([items[int(i)] for i in chosen[where]])
            scores = model((padded.to(device), lengths.to(device)))
            predictions[where] = scores.argmax(1).cpu().numpy()
    return predictions


def inference_rate(
    model: nn.Module, items: IndexReviews, *, batch_size: int = 256, repeats: int = 3
) -> float:
    """Reviews scored per second on the CPU: the best of ``repeats`` timed passes over ``items``.

    The batches are made once, before timing, so the rate is the model's alone.

    Raises:
        ValueError: a bad ``batch_size`` or ``repeats``.
    """
    check_sizes(batch_size=batch_size, repeats=repeats)
    every = np.arange(len(items))
    batches = [collate_for_sentiment([items[int(i)] for i in where])[0]
               for where in _batches_in_order(items, every, batch_size)]
    best = float("inf")
    with eval_mode(model), torch.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            for inputs in batches:
                model(inputs)
            best = min(best, time.perf_counter() - start)
    return len(items) / best


def training_memory(
    model: nn.Module, inputs: tuple[torch.Tensor, torch.Tensor], targets: torch.Tensor
) -> dict[str, int]:
    """The bytes one Adam training step on ``(inputs, targets)`` holds, part by part.

    ``weights`` (trainable), ``gradients`` (as large as the weights), ``Adam moments`` (two
    per weight) and ``saved activations``: every tensor autograd keeps for the backward pass,
    counted once per storage, the weights themselves left out. These are counted from the
    tensors, not read from the operating system, so they do not depend on the machine or
    on what else the process holds. The model's gradients are left as they were.

    Raises:
        ValueError: ``targets`` does not have one label per review.
    """
    padded, lengths = inputs
    if targets.ndim != 1 or len(targets) != len(lengths):
        raise ValueError(
            f"targets must hold one label per review ({len(lengths)}), got shape {tuple(targets.shape)}."
        )
    trainable = [p for p in model.parameters() if p.requires_grad]
    weights = sum(p.numel() * p.element_size() for p in trainable)
    weight_storages = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weight_storages:
            saved[storage.data_ptr()] = max(saved.get(storage.data_ptr(), 0), storage.nbytes())
        return tensor

    was_training = model.training
    model.train()
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            loss = nn.functional.cross_entropy(model((padded, lengths)), targets)
        del loss  # the graph (and what it saved) is freed without a backward pass
    finally:
        model.train(was_training)
    return {
        "weights": weights,
        "gradients": weights,
        "Adam moments": 2 * weights,
        "saved activations": int(sum(saved.values())),
    }


def train_contestant(settings: TournamentSettings, split: ReviewSplit) -> TournamentRun:
    """Train one contestant until its validation loss stops improving; predict every test review.

    Adam at ``settings.lr``, the gradient norm clipped, the learning rate halved after every
    epoch without improvement, early stopping after ``patience`` such epochs with the best
    epoch's weights restored. The seed sets the initial weights and the batch order.
    """
    start = time.perf_counter()
    seed_everything(settings.seed)
    device = pick_device(verbose=False)
    model = build_contestant(
        settings.contestant, split.train.vocab_size - 1, settings.max_length,
        embedding_dim=settings.embedding_dim, hidden_size=settings.hidden_size,
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    history = fit(
        model,
        bucketed_loader(
            split.train, settings.batch_size, rows=split.fit_idx, shuffle=True, seed=settings.seed
        ),
        loss_fn=nn.functional.cross_entropy,
        optimizer=optimizer,
        epochs=settings.max_epochs,
        device=device,
        val_loader=bucketed_loader(split.train, 256, rows=split.val_idx, shuffle=False),
        clip_grad=settings.clip_grad,
        patience=settings.patience,
        scheduler=torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0),
        log=None,
    )
    predictions = predict_in_order(model, split.test, rows=split.test_idx, device=device)
    best = history.best_epoch()
    return TournamentRun(
        settings=settings,
        history=history,
        test_predictions=predictions,
        parameters=count_parameters(model),
        seconds_to_best=float(sum(e.seconds for e in history.epochs[:best])),
        seconds=time.perf_counter() - start,
        state={k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    )


def train_contestants(
    settings: Sequence[TournamentSettings],
    split: ReviewSplit,
    *,
    workers: int | None = None,
    log: Callable[[str], None] | None = print,
) -> list[TournamentRun]:
    """:func:`train_contestant` for every settings, several at a time (see
    :func:`rnnlib.core.parallel.parallel_map`), one line logged per finished run.

    Returns:
        The runs, in the order of ``settings``.

    Raises:
        ValueError: no settings.
    """
    if not settings:
        raise ValueError("No settings given: pass one TournamentSettings per run.")

    def report(_: int, run: TournamentRun) -> None:
        if log is not None:
            h = run.history
            log(
                f"{run.settings.label:>16}: best epoch {h.best_epoch():>2} of {h.epochs_run:>2}, "
                f"{format_seconds(run.seconds)}"
            )

    return parallel_map(
        functools.partial(train_contestant, split=split), list(settings), workers=workers, on_result=report
    )
