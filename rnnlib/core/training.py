"""One training and evaluation loop for every chapter.

The loop is model-agnostic: a data loader yields ``(inputs, targets)`` pairs,
``model(inputs)`` returns one row of scores per example, and ``loss_fn(scores,
targets)`` returns a scalar. ``inputs`` may be a tensor, a
:class:`~torch.nn.utils.rnn.PackedSequence`, or a tuple, list or dict of them.
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


@dataclass
class History:
    """Per-epoch statistics of a :func:`fit` run."""

    epochs: list[EpochStats] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The history as a table, one row per epoch."""
        columns = [f.name for f in EpochStats.__dataclass_fields__.values()]
        return pd.DataFrame([asdict(e) for e in self.epochs], columns=columns).set_index("epoch")

    @property
    def total_seconds(self) -> float:
        """Wall time of all epochs together."""
        return float(sum(e.seconds for e in self.epochs))

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

    def add(self, scores: torch.Tensor, targets: torch.Tensor, loss: float) -> None:
        n = targets.shape[0]
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
    return tally.result("training")


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
    restore_best: bool = False,
    log: Callable[[str], None] | None = print,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the per-epoch :class:`History`.

    Args:
        restore_best: at the end, load the weights of the epoch with the lowest
            validation loss (needs ``val_loader``): early stopping without stopping.
        log: called with one line per epoch (None: silent).

    Raises:
        ValueError: ``epochs < 1``, or ``restore_best`` without a validation loader.
    """
    if epochs < 1:
        raise ValueError(f"epochs={epochs}: train for at least one epoch.")
    if restore_best and val_loader is None:
        raise ValueError("restore_best=True needs a val_loader to pick the best epoch.")
    model.to(device)
    history = History()
    best_loss, best_state = math.inf, None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        train_loss, train_acc = train_epoch(
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
            if restore_best and val_loss < best_loss:
                best_loss, best_state = val_loss, copy.deepcopy(model.state_dict())
        stats = EpochStats(epoch, train_loss, train_acc, val_loss, val_acc, time.perf_counter() - start)
        history.epochs.append(stats)
        if log is not None:
            log(_format_epoch(stats, epochs))
    if best_state is not None:
        model.load_state_dict(best_state)
        if log is not None:
            log(f"restored the weights of epoch {history.best_epoch()} (lowest validation loss)")
    return history


def _format_epoch(s: EpochStats, epochs: int) -> str:
    parts = [f"epoch {s.epoch:>{len(str(epochs))}}/{epochs}", f"train loss {s.train_loss:.4f}"]
    if not math.isnan(s.train_acc):
        parts.append(f"acc {s.train_acc:.3f}")
    if not math.isnan(s.val_loss):
        parts.append(f"val loss {s.val_loss:.4f}")
    if not math.isnan(s.val_acc):
        parts.append(f"acc {s.val_acc:.3f}")
    parts.append(format_seconds(s.seconds))
    return " | ".join(parts)
