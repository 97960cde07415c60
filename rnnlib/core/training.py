"""One training and evaluation loop for every chapter.

The loop is model-agnostic: a data loader yields ``(inputs, targets)`` pairs,
``model(inputs)`` returns one row of scores per example, and ``loss_fn(scores,
targets)`` returns a scalar. ``inputs`` may be a tensor, a
:class:`~torch.nn.utils.rnn.PackedSequence`, or a tuple, list or dict of them.

:func:`fit` trains to convergence when asked: with ``patience`` it stops once the
validation loss has not improved for that many epochs and restores the best weights
(early stopping), and a learning-rate ``scheduler`` is stepped once per epoch. Its
:class:`History` says how many updates were made, how many epochs ran, which one was
best, and whether the run was still improving when it ran out of epochs
(:attr:`History.still_improving`): such a run has not converged.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnlib.core.progress import progress
from rnnlib.core.runtime import format_seconds

Batch = tuple[Any, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

__all__ = [
    "EpochStats",
    "History",
    "count_parameters",
    "eval_mode",
    "evaluate",
    "fit",
    "move_to",
    "predict_classes",
    "train_epoch",
]


@dataclass(frozen=True)
class EpochStats:
    """What one epoch measured. Accuracies are NaN for a regression loss."""

    epoch: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float
    #: learning rate of the first parameter group during the epoch (NaN if unknown)
    lr: float = math.nan
    #: optimizer steps taken in the epoch (one per batch)
    updates: int = 0


@dataclass
class History:
    """Per-epoch statistics of a :func:`fit` run.

    Attributes:
        epochs: one :class:`EpochStats` per epoch run.
        max_epochs: the epochs the run was allowed (None when unknown, e.g. built by hand).
        stopped_early: True when ``patience`` ended the run before ``max_epochs``.
    """

    epochs: list[EpochStats] = field(default_factory=list)
    max_epochs: int | None = None
    stopped_early: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The history as a table, one row per epoch."""
        columns = [f.name for f in EpochStats.__dataclass_fields__.values()]
        return pd.DataFrame([asdict(e) for e in self.epochs], columns=columns).set_index("epoch")

    @property
    def total_seconds(self) -> float:
        """Wall time of all epochs together."""
        return float(sum(e.seconds for e in self.epochs))

    @property
    def updates(self) -> int:
        """Optimizer steps of the whole run (one per training batch)."""
        return int(sum(e.updates for e in self.epochs))

    @property
    def epochs_run(self) -> int:
        """How many epochs ran (fewer than ``max_epochs`` when stopped early)."""
        return len(self.epochs)

    @property
    def still_improving(self) -> bool:
        """True when the best epoch is the last one the run was allowed: it was still learning.

        Such a run has not converged; a comparison built on it must say so or train longer.
        Unknown ``max_epochs`` counts the last epoch run as the last allowed one.
        """
        last_allowed = self.max_epochs if self.max_epochs is not None else self.epochs_run
        return not self.stopped_early and self.best_epoch() == last_allowed

    def best_epoch(self) -> int:
        """The epoch with the lowest validation loss (training loss if there is none)."""
        if not self.epochs:
            raise ValueError("The history is empty: train for at least one epoch first.")
        key = "val_loss" if not math.isnan(self.epochs[0].val_loss) else "train_loss"
        return min(self.epochs, key=lambda e: getattr(e, key)).epoch


def move_to(obj: Any, device: torch.device | str) -> Any:
    """Move tensors, packed sequences and (nested) tuples, lists and dicts to ``device``."""
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, PackedSequence):
        # PackedSequence.to takes Tensor.to's arguments, but its stub keeps only the dtype form.
        return cast(Any, obj).to(device)
    if isinstance(obj, Mapping):
        return {k: move_to(v, device) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(move_to(v, device) for v in obj)
    if isinstance(obj, list):
        return [move_to(v, device) for v in obj]
    return obj


def _check_scores(scores: torch.Tensor, targets: torch.Tensor) -> None:
    if scores.shape[0] != targets.shape[0]:
        raise ValueError(
            f"The model returned {scores.shape[0]} rows of scores for a batch of "
            f"{targets.shape[0]} targets. It must return one row per example "
            "(shape (batch, n_classes)); check batch_first and which time step you read."
        )


def _is_classification(scores: torch.Tensor, targets: torch.Tensor) -> bool:
    return scores.ndim == 2 and targets.ndim == 1 and targets.dtype in (torch.int64, torch.int32)


def _correct(scores: torch.Tensor, targets: torch.Tensor) -> int:
    if not _is_classification(scores, targets):
        return 0
    return int((scores.argmax(dim=1) == targets).sum().item())


class _Tally:
    """Running mean loss and accuracy over the batches of one pass."""

    def __init__(self) -> None:
        self.loss, self.correct, self.seen, self.classification = 0.0, 0, 0, True
        self.batches = 0

    def add(self, scores: torch.Tensor, targets: torch.Tensor, loss: float) -> None:
        n = targets.shape[0]
        self.batches += 1
        self.loss += loss * n
        self.classification = self.classification and _is_classification(scores, targets)
        self.correct += _correct(scores, targets)
        self.seen += n

    def result(self, what: str) -> tuple[float, float]:
        if self.seen == 0:
            raise ValueError(f"The {what} loader yielded no batch: is the dataset empty?")
        return self.loss / self.seen, (self.correct / self.seen if self.classification else math.nan)


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode (dropout off, batch norm frozen) for a ``with`` block.

    The mode each submodule had is restored on leaving the block, also when the block
    raises, so a prediction in the middle of training never leaves dropout switched off.
    """
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            module.train(training)


def train_epoch(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    *,
    clip_grad: float | None = None,
    desc: str = "train",
) -> tuple[float, float]:
    """Train for one pass over ``loader``; return (mean loss, accuracy).

    Accuracy is NaN when the targets are not class indices.
    """
    loss, acc, _ = _train_pass(model, loader, loss_fn, optimizer, device, clip_grad=clip_grad, desc=desc)
    return loss, acc


def _train_pass(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    *,
    clip_grad: float | None,
    desc: str,
) -> tuple[float, float, int]:
    """One training pass: (mean loss, accuracy, optimizer steps)."""
    model.train()
    tally = _Tally()
    for inputs, targets in progress(loader, desc=desc):
        inputs, targets = move_to(inputs, device), targets.to(device)
        optimizer.zero_grad()
        scores = model(inputs)
        _check_scores(scores, targets)
        loss = loss_fn(scores, targets)
        loss.backward()
        if clip_grad is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
        optimizer.step()
        tally.add(scores, targets, loss.item())
    loss_mean, acc = tally.result("training")
    return loss_mean, acc, tally.batches


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: LossFn,
    device: torch.device | str,
    *,
    desc: str = "eval",
) -> tuple[float, float]:
    """Return (mean loss, accuracy) of ``model`` on ``loader`` without training it.

    The model runs in eval mode (dropout off) and is left in the mode it had.
    """
    tally = _Tally()
    with eval_mode(model):
        for inputs, targets in progress(loader, desc=desc):
            inputs, targets = move_to(inputs, device), targets.to(device)
            scores = model(inputs)
            _check_scores(scores, targets)
            tally.add(scores, targets, loss_fn(scores, targets).item())
    return tally.result("evaluation")


@torch.no_grad()
def predict_classes(
    model: nn.Module, loader: Iterable[Batch], device: torch.device | str
) -> tuple[np.ndarray, np.ndarray]:
    """Return (true labels, predicted labels) over ``loader`` as NumPy arrays.

    The model runs in eval mode (dropout off) and is left in the mode it had.
    """
    y_true: list[np.ndarray] = []
    y_pred: list[np.ndarray] = []
    with eval_mode(model):
        for inputs, targets in loader:
            scores = model(move_to(inputs, device))
            _check_scores(scores, targets)
            y_true.append(targets.cpu().numpy())
            y_pred.append(scores.argmax(dim=1).cpu().numpy())
    if not y_true:
        raise ValueError("The loader yielded no batch: is the dataset empty?")
    return np.concatenate(y_true), np.concatenate(y_pred)


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    *,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | str,
    val_loader: Iterable[Batch] | None = None,
    clip_grad: float | None = None,
    restore_best: bool | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    scheduler: Any = None,
    log: Callable[[str], None] | None = print,
) -> History:
    """Train ``model`` for at most ``epochs`` epochs and return the per-epoch :class:`History`.

    Args:
        epochs: the most epochs the run may take (all of them without ``patience``).
        restore_best: at the end, load the weights of the epoch with the lowest validation
            loss (needs ``val_loader``). None (the default) means True when ``patience`` is
            given and False otherwise.
        patience: early stopping: stop when the validation loss has not improved (by more
            than ``min_delta``) for this many epochs in a row. Needs ``val_loader``.
        min_delta: how much lower a validation loss must be to reset the patience count. The
            restored weights are always those of the lowest validation loss
            (:meth:`History.best_epoch`).
        scheduler: a learning-rate scheduler of ``optimizer``, stepped once after every
            epoch; ``ReduceLROnPlateau`` is stepped with the validation loss (needs
            ``val_loader``).
        log: called with one line per epoch (None: silent).

    Raises:
        ValueError: ``epochs < 1``, ``patience < 1``, a negative ``min_delta``, or
            ``restore_best`` / ``patience`` / a plateau scheduler without a validation loader.
    """
    if epochs < 1:
        raise ValueError(f"epochs={epochs}: train for at least one epoch.")
    if patience is not None and (isinstance(patience, bool) or int(patience) != patience or patience < 1):
        raise ValueError(
            f"patience={patience!r}: give a whole number of epochs >= 1, or None for no early stop."
        )
    if not (math.isfinite(min_delta) and min_delta >= 0):
        raise ValueError(f"min_delta={min_delta!r}: use a finite number >= 0.")
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if restore_best is None:
        restore_best = patience is not None
    for wanted, what in ((patience is not None, "patience"), (restore_best, "restore_best=True"),
                         (plateau, "a ReduceLROnPlateau scheduler")):
        if wanted and val_loader is None:
            raise ValueError(f"{what} needs a val_loader to pick the best epoch.")
    if scheduler is not None and not hasattr(scheduler, "step"):
        raise TypeError(
            f"scheduler must be a torch learning-rate scheduler (with .step()), got {type(scheduler)}."
        )
    model.to(device)
    history = History(max_epochs=epochs)
    best_loss, best_state = math.inf, None
    reference, waited = math.inf, 0  # the last loss that counted as an improvement (min_delta)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        lr = float(optimizer.param_groups[0]["lr"])
        train_loss, train_acc, updates = _train_pass(
            model,
            train_loader,
            loss_fn,
            optimizer,
            device,
            clip_grad=clip_grad,
            desc=f"epoch {epoch}/{epochs}",
        )
        val_loss, val_acc = math.nan, math.nan
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device, desc="validate")
            if val_loss < best_loss:  # a new lowest loss: the weights best_epoch() names
                best_loss = val_loss
                if restore_best:
                    best_state = copy.deepcopy(model.state_dict())
            if val_loss < reference - min_delta:
                reference, waited = val_loss, 0
            else:
                waited += 1
        if scheduler is not None:
            scheduler.step(val_loss) if plateau else scheduler.step()
        stats = EpochStats(
            epoch, train_loss, train_acc, val_loss, val_acc, time.perf_counter() - start, lr, updates
        )
        history.epochs.append(stats)
        if log is not None:
            log(_format_epoch(stats, epochs))
        if patience is not None and waited >= patience and epoch < epochs:
            history.stopped_early = True
            if log is not None:
                log(f"stopped: no lower validation loss for {patience} epochs")
            break
    if best_state is not None:
        model.load_state_dict(best_state)
        if log is not None:
            log(f"restored the weights of epoch {history.best_epoch()} (lowest validation loss)")
    return history


def _loss_text(loss: float) -> str:
    """Four decimals for a loss near 1 (a cross-entropy), four digits for a small one (an MSE)."""
    return f"{loss:.4f}" if abs(loss) >= 0.01 or loss == 0 else f"{loss:.4g}"


def _format_epoch(s: EpochStats, epochs: int) -> str:
    parts = [f"epoch {s.epoch:>{len(str(epochs))}}/{epochs}", f"train loss {_loss_text(s.train_loss)}"]
    if not math.isnan(s.train_acc):
        parts.append(f"acc {s.train_acc:.3f}")
    if not math.isnan(s.val_loss):
        parts.append(f"val loss {_loss_text(s.val_loss)}")
    if not math.isnan(s.val_acc):
        parts.append(f"acc {s.val_acc:.3f}")
    parts.append(format_seconds(s.seconds))
    return " | ".join(parts)


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) scalar parameters of ``model``.

    Raises:
        TypeError: ``model`` is not a ``torch.nn.Module``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"count_parameters takes a torch.nn.Module, got {type(model).__name__}: pass the "
            "model itself, not its output or its state_dict."
        )
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
