"""Chapter 6's training of forecasters: one function, one run, from settings to test predictions.

A run trains a :class:`~rnnlib.models.pmgru.Forecaster` on windows of a series split by time
(:class:`SeriesSplit`), until the validation loss stops improving, and returns its test
predictions with the :class:`~rnnlib.core.training.History` of the training:

- **epochs of random windows**: an epoch is ``round_windows`` windows drawn without replacement
  from *all* training windows (a fresh draw every epoch). Neighbouring windows overlap in all but
  one hour, so a pass over all of them teaches little more than a random part; shorter epochs let
  the validation loss, checked after each, stop the run sooner after it stops improving;
- **to convergence**: early stopping on the validation loss (``patience`` epochs), the best
  weights restored, the learning rate halved after ``lr_patience`` epochs without improvement;
- **everything a run needs travels with it** (settings and the split are plain data), so that
  :func:`train_forecasters` can hand runs to worker processes
  (:func:`rnnlib.core.parallel.parallel_map`) and the seeds give the same runs either way.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import get_args

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, RandomSampler

from rnnlib.core.checks import check_sizes
from rnnlib.core.parallel import parallel_map
from rnnlib.core.runtime import format_seconds, pick_device, seed_everything
from rnnlib.core.training import History, eval_mode, fit
from rnnlib.datasets.windows import WindowDataset, window_starts
from rnnlib.models.pmgru import CellKind, Forecaster

__all__ = [
    "PARTS",
    "ForecastRun",
    "ForecastSettings",
    "SeriesSplit",
    "predict_windows",
    "train_forecaster",
    "train_forecasters",
]

#: The parts of a :class:`SeriesSplit`, in time order.
PARTS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class SeriesSplit:
    """A series of inputs cut into training, validation and test hours by time.

    Attributes:
        values: ``(T, F)`` float32 inputs, hour by hour (e.g. the scaled load and the calendar
            encoding); the target is column ``target_column``.
        bounds: ``{"train": (start, stop), "validation": ..., "test": ...}``, contiguous index
            ranges in time order; windows and their targets never cross a boundary.
        target_column: the column forecast.
    """

    values: torch.Tensor
    bounds: dict[str, tuple[int, int]]
    target_column: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.values, torch.Tensor) or self.values.ndim != 2 or self.values.shape[0] < 2:
            raise ValueError(
                "values must be a (time, features) tensor: scale the series and stack its features."
            )
        if set(self.bounds) != set(PARTS):
            raise ValueError(f"bounds must name exactly the parts {PARTS}, got {sorted(self.bounds)}.")
        previous = 0
        for part in PARTS:
            start, stop = self.bounds[part]
            if not previous <= start < stop <= self.values.shape[0]:
                raise ValueError(
                    f"bounds[{part!r}] = ({start}, {stop}) must be a non-empty range inside the "
                    f"{self.values.shape[0]} hours, after the previous part (which ends at {previous})."
                )
            previous = stop
        if not 0 <= self.target_column < self.values.shape[1]:
            raise ValueError(
                f"target_column={self.target_column} is not a column of the "
                f"{self.values.shape[1]} features."
            )

    def windows(self, part: str, window: int, horizon: int, stride: int = 1) -> WindowDataset:
        """Every ``stride``-th window of one part, with its target ``horizon`` hours after it."""
        if part not in PARTS:
            raise ValueError(f"part={part!r}: use one of {PARTS}.")
        check_sizes(stride=stride)
        starts = window_starts(self.values.shape[0], window, horizon, *self.bounds[part])[::stride]
        return WindowDataset(self.values, self.values[:, self.target_column], window, horizon, starts)


@dataclass(frozen=True)
class ForecastSettings:
    """Everything that defines one training run (the defaults are chapter 6's)."""

    cell: CellKind
    horizon: int = 1
    seed: int = 0
    window: int = 48
    hidden_size: int = 64
    residual: bool = True
    lr: float = 3e-3
    batch_size: int = 256
    round_windows: int = 25_600
    max_epochs: int = 80
    patience: int = 5
    lr_patience: int = 1
    clip_grad: float = 1.0
    val_stride: int = 3

    def __post_init__(self) -> None:
        if self.cell not in get_args(CellKind):
            raise ValueError(f"cell={self.cell!r}: choose one of {get_args(CellKind)}.")
        check_sizes(
            horizon=self.horizon, window=self.window, hidden_size=self.hidden_size,
            batch_size=self.batch_size, round_windows=self.round_windows, max_epochs=self.max_epochs,
            patience=self.patience, val_stride=self.val_stride,
        )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r}: use a non-negative int.")
        if not (self.lr > 0 and self.clip_grad > 0) or self.lr_patience < 0:
            raise ValueError("lr and clip_grad must be positive, lr_patience 0 or more.")

    @property
    def label(self) -> str:
        """``"gru h=1 seed 0"``, with ``"level"`` when the target is not residual."""
        target = "" if self.residual else " level"
        return f"{self.cell}{target} h={self.horizon} seed {self.seed}"


@dataclass(frozen=True)
class ForecastRun:
    """What one run gives back.

    Attributes:
        settings: the run's settings.
        history: per-epoch losses (scaled units), updates, best epoch.
        test_starts: the first hour of every test window (stride 1), in time order.
        test_predictions: the forecast of every test window, in the *scaled* units of ``values``.
        best_val_loss: the lowest validation loss (mean squared error, scaled units).
        seconds: wall time of the whole run (training and prediction).
    """

    settings: ForecastSettings
    history: History
    test_starts: np.ndarray
    test_predictions: np.ndarray
    best_val_loss: float
    seconds: float


@torch.no_grad()
def predict_windows(
    model: nn.Module, dataset: WindowDataset, *, batch_size: int = 512, device: torch.device | str = "cpu"
) -> np.ndarray:
    """The model's forecast for every window of ``dataset``, in order, as a float64 array."""
    check_sizes(batch_size=batch_size)
    with eval_mode(model):
        outputs = [model(x.to(device)).cpu() for x, _ in DataLoader(dataset, batch_size=batch_size)]
    return torch.cat(outputs).double().numpy()


def train_forecaster(settings: ForecastSettings, split: SeriesSplit) -> ForecastRun:
    """Train one forecaster to convergence and predict every test window.

    The seed sets the initial weights and the draw of windows; the run is the same in this
    process or in a worker. Runs on the GPU when there is one.
    """
    start = time.perf_counter()
    seed_everything(settings.seed)
    device = pick_device(verbose=False)
    model = Forecaster(
        split.values.shape[1], settings.hidden_size, settings.cell,
        residual=settings.residual, target_column=split.target_column,
    )
    train = split.windows("train", settings.window, settings.horizon)
    validation = split.windows("validation", settings.window, settings.horizon, settings.val_stride)
    sampler = RandomSampler(
        train, num_samples=min(settings.round_windows, len(train)),
        generator=torch.Generator().manual_seed(settings.seed),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    history = fit(
        model,
        DataLoader(train, batch_size=settings.batch_size, sampler=sampler),
        loss_fn=nn.functional.mse_loss,
        optimizer=optimizer,
        epochs=settings.max_epochs,
        device=device,
        val_loader=DataLoader(validation, batch_size=1024),
        clip_grad=settings.clip_grad,
        patience=settings.patience,
        scheduler=torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=0.5, patience=settings.lr_patience
        ),
        log=None,
    )
    test = split.windows("test", settings.window, settings.horizon)
    predictions = predict_windows(model, test, device=device)
    best = history.epochs[history.best_epoch() - 1].val_loss
    return ForecastRun(settings, history, test.starts, predictions, float(best), time.perf_counter() - start)


def train_forecasters(
    settings: Sequence[ForecastSettings],
    split: SeriesSplit,
    *,
    workers: int | None = None,
    log: Callable[[str], None] | None = print,
) -> list[ForecastRun]:
    """:func:`train_forecaster` for every settings, several at a time (see
    :func:`rnnlib.core.parallel.parallel_map`), with one line logged per finished run.

    Returns:
        The runs, in the order of ``settings``.
    """
    if not settings:
        raise ValueError("No settings given: pass one ForecastSettings per run.")

    def report(_: int, run: ForecastRun) -> None:
        if log is not None:
            h = run.history
            log(
                f"{run.settings.label:>22}: best epoch {h.best_epoch():>2} of {h.epochs_run:>2}, "
                f"{h.updates:,} updates, {format_seconds(run.seconds)}"
            )

    return parallel_map(
        functools.partial(train_forecaster, split=split), list(settings), workers=workers, on_result=report
    )
