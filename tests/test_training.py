"""rnnlib.core.training: the generic loop on tiny synthetic problems."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_sequence
from torch.utils.data import DataLoader, TensorDataset

from rnnlib.core.training import (
    EpochStats,
    History,
    _format_epoch,
    count_parameters,
    eval_mode,
    evaluate,
    fit,
    move_to,
    predict_classes,
    train_epoch,
)

#: The columns of History.to_frame(), in order.
HISTORY_COLUMNS = ["train_loss", "train_acc", "val_loss", "val_acc", "seconds", "lr", "updates"]
CPU = torch.device("cpu")


def separable(n: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two well separated Gaussian blobs in 2-D, labels 0 and 1."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randn(n, 2, generator=g) * 0.3
    x[:, 0] += torch.where(y == 1, 2.0, -2.0)
    return x, y


def loader(x: torch.Tensor, y: torch.Tensor, batch_size: int = 16) -> DataLoader:
    return DataLoader(TensorDataset(x, y), batch_size=batch_size)


def linear(seed: int = 0, out: int = 2) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(2, out)


class FirstRowOnly(nn.Module):
    """A broken model: one row of scores for the whole batch."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x)[:1]


# --------------------------------------------------------------------------- fit


def test_fit_learns_a_separable_problem() -> None:
    x, y = separable()
    xv, yv = separable(32, seed=1)
    model = linear()
    lines: list[str] = []
    history = fit(
        model,
        loader(x, y),
        loss_fn=nn.functional.cross_entropy,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.5),
        epochs=8,
        device=CPU,
        val_loader=loader(xv, yv),
        log=lines.append,
    )
    frame = history.to_frame()
    assert list(frame.columns) == HISTORY_COLUMNS
    assert frame.index.name == "epoch"
    assert (frame["lr"] == 0.5).all()
    assert (frame["updates"] == 4).all()  # 64 examples in batches of 16
    assert history.updates == 32 and history.epochs_run == 8 and history.max_epochs == 8
    assert frame.index.tolist() == list(range(1, 9))
    assert frame["train_loss"].iloc[-1] < frame["train_loss"].iloc[0] / 2
    assert frame["val_loss"].iloc[-1] < frame["val_loss"].iloc[0]
    assert frame["train_acc"].iloc[-1] == 1.0
    assert frame["val_acc"].iloc[-1] == 1.0
    assert (frame["seconds"] >= 0).all()
    assert history.total_seconds == pytest.approx(frame["seconds"].sum())
    assert len(lines) == 8
    assert lines[0].startswith("epoch 1/8 | train loss ")
    assert lines[-1].count(" | acc 1.000") == 2
    assert "val loss" in lines[-1]
    # The history agrees with an independent evaluation of the final model.
    val_loss, val_acc = evaluate(model, loader(xv, yv), nn.functional.cross_entropy, CPU)
    assert val_loss == pytest.approx(frame["val_loss"].iloc[-1])
    assert val_acc == 1.0


def test_fit_without_validation_and_default_print(capsys: pytest.CaptureFixture[str]) -> None:
    x, y = separable(16)
    model = linear()
    history = fit(
        model,
        loader(x, y),
        loss_fn=nn.functional.cross_entropy,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=2,
        device="cpu",
    )
    frame = history.to_frame()
    assert frame["val_loss"].isna().all() and frame["val_acc"].isna().all()
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[1].startswith("epoch 2/2")
    assert "val loss" not in out[1]
    # best_epoch falls back to the training loss.
    assert history.best_epoch() == int(frame["train_loss"].idxmin())


def test_fit_log_none_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    x, y = separable(16)
    model = linear()
    fit(
        model,
        loader(x, y),
        loss_fn=nn.functional.cross_entropy,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=1,
        device=CPU,
        log=None,
    )
    assert capsys.readouterr().out == ""


def test_restore_best_restores_the_best_epoch_weights() -> None:
    x, y = separable(32)
    # Validation labels are flipped: the more the model learns, the worse validation gets,
    # so the best epoch is early and differs from the last one.
    xv, yv = separable(32, seed=1)
    model = linear()
    snapshots: dict[int, dict[str, torch.Tensor]] = {}
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        if line.startswith("epoch"):
            snapshots[len(snapshots) + 1] = copy.deepcopy(model.state_dict())

    history = fit(
        model,
        loader(x, y),
        loss_fn=nn.functional.cross_entropy,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.5),
        epochs=5,
        device=CPU,
        val_loader=loader(xv, 1 - yv),
        restore_best=True,
        log=log,
    )
    frame = history.to_frame()
    best = history.best_epoch()
    assert best == int(frame["val_loss"].idxmin())
    assert best != 5
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, snapshots[best][name], rtol=0, atol=0)
    assert not torch.equal(model.weight, snapshots[5]["weight"])
    assert lines[-1] == f"restored the weights of epoch {best} (lowest validation loss)"
    # The restored model really has the best validation loss.
    loss, _ = evaluate(model, loader(xv, 1 - yv), nn.functional.cross_entropy, CPU)
    assert loss == pytest.approx(frame["val_loss"].min())


def test_fit_rejects_bad_arguments() -> None:
    x, y = separable(8)
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"epochs=0: train for at least one epoch"):
        fit(model, loader(x, y), loss_fn=nn.functional.cross_entropy, optimizer=opt, epochs=0, device=CPU)
    with pytest.raises(ValueError, match=r"restore_best=True needs a val_loader"):
        fit(
            model,
            loader(x, y),
            loss_fn=nn.functional.cross_entropy,
            optimizer=opt,
            epochs=1,
            device=CPU,
            restore_best=True,
        )


def _val_losses_fit(val_losses: list[float], **kwargs: object) -> tuple[History, list[str], nn.Linear]:
    """fit() with a validation loader whose loss follows ``val_losses`` epoch by epoch."""
    x, y = separable(16)
    model = linear()
    scripted = iter(val_losses)

    class Scripted:
        """A validation 'loss' that ignores the model and returns the next scripted value."""

        def __call__(self, scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
            return torch.tensor(self.value)

    script = Scripted()

    def loss_fn(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            return nn.functional.cross_entropy(scores, targets)
        return script(scores, targets)

    class OneBatch:
        """A loader of one batch whose iteration advances the scripted loss."""

        def __iter__(self):  # type: ignore[no-untyped-def]
            script.value = next(scripted)
            yield x, y

    lines: list[str] = []
    history = fit(
        model,
        loader(x, y),
        loss_fn=loss_fn,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        device=CPU,
        val_loader=OneBatch(),
        log=lines.append,
        **kwargs,  # type: ignore[arg-type]
    )
    return history, lines, model


def test_patience_stops_after_that_many_epochs_without_improvement() -> None:
    losses = [1.0, 0.8, 0.9, 0.85, 0.95, 0.5, 0.4]
    history, lines, _ = _val_losses_fit(losses, epochs=7, patience=3)
    # Best at epoch 2 (0.8); epochs 3, 4, 5 do not improve on it: stop after epoch 5.
    assert history.epochs_run == 5 and history.stopped_early
    assert history.best_epoch() == 2 and not history.still_improving
    assert "stopped: no lower validation loss for 3 epochs" in lines
    assert lines[-1] == "restored the weights of epoch 2 (lowest validation loss)"  # patience implies it
    # With more patience the later improvements are reached.
    history, _, _ = _val_losses_fit(losses, epochs=7, patience=4)
    assert history.epochs_run == 7 and not history.stopped_early
    assert history.best_epoch() == 7 and history.still_improving


def test_patience_restores_the_weights_of_the_best_epoch() -> None:
    snapshots: list[dict[str, torch.Tensor]] = []
    losses = [1.0, 0.5, 0.7, 0.9, 0.3]

    history, _lines, model = _val_losses_fit(losses, epochs=5, patience=2)
    assert history.epochs_run == 4 and history.best_epoch() == 2
    # Re-run with a snapshot after each epoch to compare the restored weights with epoch 2's.
    x, y = separable(16)
    torch.manual_seed(0)
    again = nn.Linear(2, 2)
    opt = torch.optim.SGD(again.parameters(), lr=0.1)
    for _ in range(4):
        train_epoch(again, loader(x, y), nn.functional.cross_entropy, opt, CPU)
        snapshots.append(copy.deepcopy(again.state_dict()))
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, snapshots[1][name], rtol=0, atol=0)


def test_min_delta_counts_only_real_improvements_but_restores_the_lowest() -> None:
    losses = [1.0, 0.99, 0.985, 0.98, 0.5]
    history, _, _ = _val_losses_fit(losses, epochs=5, patience=2, min_delta=0.05)
    # 0.99 and 0.985 are not 0.05 below 1.0: patience runs out after epoch 3 ...
    assert history.epochs_run == 3 and history.stopped_early
    # ... and the weights kept are still those of the lowest loss seen (epoch 3).
    assert history.best_epoch() == 3
    history, _, _ = _val_losses_fit(losses, epochs=5, patience=2, min_delta=0.0)
    assert history.epochs_run == 5 and history.best_epoch() == 5


def test_still_improving_flags_a_run_whose_best_epoch_is_its_last() -> None:
    history, _, _ = _val_losses_fit([1.0, 0.9, 0.8], epochs=3)
    assert history.still_improving and not history.stopped_early
    history, _, _ = _val_losses_fit([1.0, 0.7, 0.8], epochs=3)
    assert not history.still_improving
    nan = math.nan
    by_hand = History([EpochStats(1, 0.9, nan, 0.5, nan, 1.0), EpochStats(2, 0.8, nan, 0.4, nan, 1.0)])
    assert by_hand.still_improving  # max_epochs unknown: the last epoch run counts as the last allowed


def test_plateau_scheduler_gets_the_validation_loss_and_lr_is_recorded() -> None:
    x, y = separable(16)
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.4)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    history, _, _ = _val_losses_fit([1.0, 1.0, 1.0, 1.0], epochs=4, scheduler=None)
    assert (history.to_frame()["lr"] == 0.1).all()

    # A plateau scheduler halves the rate after each epoch without improvement.
    scripted = iter([1.0, 1.0, 1.0, 0.5])

    def val_loss(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            return nn.functional.cross_entropy(scores, targets)
        return torch.tensor(value)

    class OneBatch:
        def __iter__(self):  # type: ignore[no-untyped-def]
            nonlocal value
            value = next(scripted)
            yield x, y

    value = 0.0
    history = fit(
        model,
        loader(x, y),
        loss_fn=val_loss,
        optimizer=opt,
        epochs=4,
        device=CPU,
        val_loader=OneBatch(),
        scheduler=plateau,
        log=None,
    )
    assert history.to_frame()["lr"].tolist() == [0.4, 0.4, 0.2, 0.1]


def test_step_scheduler_is_stepped_once_per_epoch() -> None:
    x, y = separable(16)
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    step = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
    history = fit(
        model,
        loader(x, y),
        loss_fn=nn.functional.cross_entropy,
        optimizer=opt,
        epochs=3,
        device=CPU,
        scheduler=step,
        log=None,
    )
    assert history.to_frame()["lr"].tolist() == pytest.approx([1.0, 0.1, 0.01])


def test_early_stopping_rejects_bad_arguments() -> None:
    x, y = separable(8)
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    common = {"loss_fn": nn.functional.cross_entropy, "optimizer": opt, "epochs": 2, "device": CPU}
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=r"patience=.*whole number of epochs >= 1"):
            fit(model, loader(x, y), val_loader=loader(x, y), patience=bad, **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"patience needs a val_loader"):
        fit(model, loader(x, y), patience=2, **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"min_delta=-0.1: use a finite number >= 0"):
        fit(model, loader(x, y), val_loader=loader(x, y), patience=2, min_delta=-0.1, **common)  # type: ignore[arg-type]
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau scheduler needs a val_loader"):
        fit(model, loader(x, y), scheduler=plateau, **common)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"scheduler must be a torch learning-rate scheduler"):
        fit(model, loader(x, y), scheduler="cosine", **common)  # type: ignore[arg-type]


def test_fit_regression_has_nan_accuracy() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 2, generator=g)
    y = x @ torch.tensor([[1.5], [-2.0]]) + 0.5
    model = linear(out=1)
    lines: list[str] = []
    history = fit(
        model,
        loader(x, y),
        loss_fn=nn.functional.mse_loss,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=5,
        device=CPU,
        val_loader=loader(x, y),
        log=lines.append,
    )
    frame = history.to_frame()
    assert frame["train_acc"].isna().all() and frame["val_acc"].isna().all()
    assert frame["train_loss"].iloc[-1] < frame["train_loss"].iloc[0]
    assert "acc" not in lines[-1]
    assert "val loss" in lines[-1]


# --------------------------------------------------------------------------- train_epoch / evaluate


def test_train_epoch_returns_mean_loss_and_accuracy() -> None:
    x, y = separable(20)
    model = linear()
    before = copy.deepcopy(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # no update: the loss is the initial model's
    loss, acc = train_epoch(model, loader(x, y, batch_size=6), nn.functional.cross_entropy, opt, CPU)
    assert model.training
    expected = nn.functional.cross_entropy(before(x), y).item()
    assert loss == pytest.approx(expected, rel=1e-5)  # weighted by batch size, 20 = 6+6+6+2
    assert acc == pytest.approx((before(x).argmax(1) == y).float().mean().item())


def test_train_epoch_clips_gradients() -> None:
    x, y = separable(16)
    model = linear()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    train_epoch(model, loader(x, y, batch_size=16), nn.functional.cross_entropy, opt, CPU, clip_grad=1e-3)
    step = torch.cat([(p.detach() - b).flatten() for p, b in zip(model.parameters(), before, strict=True)])
    assert 0 < step.norm().item() <= 1e-3 + 1e-7


def test_evaluate_does_not_train() -> None:
    x, y = separable(16)
    model = linear()
    model.train()
    state = copy.deepcopy(model.state_dict())
    loss, acc = evaluate(model, loader(x, y, batch_size=5), nn.functional.cross_entropy, CPU)
    assert model.training  # left in the mode it had
    model.eval()
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k])
    with torch.no_grad():
        assert loss == pytest.approx(nn.functional.cross_entropy(model(x), y).item(), rel=1e-5)
        assert acc == pytest.approx((model(x).argmax(1) == y).float().mean().item())


def test_evaluate_regression_accuracy_is_nan() -> None:
    x = torch.randn(8, 2)
    loss, acc = evaluate(linear(out=1), loader(x, torch.zeros(8, 1)), nn.functional.mse_loss, CPU)
    assert loss >= 0 and math.isnan(acc)


def test_float_targets_are_not_classification() -> None:
    x = torch.randn(8, 2)
    model = linear(out=2)
    _, acc = evaluate(model, loader(x, torch.zeros(8, 2)), nn.functional.mse_loss, CPU)
    assert math.isnan(acc)


def test_empty_loaders_are_errors() -> None:
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"training loader yielded no batch: is the dataset empty"):
        train_epoch(model, [], nn.functional.cross_entropy, opt, CPU)
    with pytest.raises(ValueError, match=r"evaluation loader yielded no batch: is the dataset empty"):
        evaluate(model, [], nn.functional.cross_entropy, CPU)
    with pytest.raises(ValueError, match=r"loader yielded no batch: is the dataset empty"):
        predict_classes(model, [], CPU)
    with pytest.raises(ValueError, match=r"training loader yielded no batch"):
        fit(model, [], loss_fn=nn.functional.cross_entropy, optimizer=opt, epochs=1, device=CPU, log=None)


def test_wrong_number_of_rows_is_an_error() -> None:
    x, y = separable(8)
    model = FirstRowOnly()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    pattern = (
        r"returned 1 rows of scores for a batch of 4 targets\. "
        r"It must return one row per example.*batch_first"
    )
    with pytest.raises(ValueError, match=pattern):
        train_epoch(model, loader(x, y, 4), nn.functional.cross_entropy, opt, CPU)
    with pytest.raises(ValueError, match=pattern):
        evaluate(model, loader(x, y, 4), nn.functional.cross_entropy, CPU)
    with pytest.raises(ValueError, match=pattern):
        predict_classes(model, loader(x, y, 4), CPU)


def test_predict_classes() -> None:
    x, y = separable(10)
    model = linear()
    true, pred = predict_classes(model, loader(x, y, batch_size=4), CPU)
    assert isinstance(true, np.ndarray) and isinstance(pred, np.ndarray)
    assert true.tolist() == y.tolist()
    with torch.no_grad():
        assert pred.tolist() == model(x).argmax(1).tolist()
    assert model.training  # left in the mode it had


def test_evaluation_runs_with_dropout_off() -> None:
    x, y = separable(32)
    model = nn.Sequential(nn.Dropout(0.9), linear())
    model.train()
    first = predict_classes(model, loader(x, y, batch_size=8), CPU)[1]
    for _ in range(3):  # with dropout on, 90 % of the inputs would be zeroed at random
        assert predict_classes(model, loader(x, y, batch_size=8), CPU)[1].tolist() == first.tolist()
    loss_a, _ = evaluate(model, loader(x, y, batch_size=8), nn.functional.cross_entropy, CPU)
    loss_b, _ = evaluate(model, loader(x, y, batch_size=8), nn.functional.cross_entropy, CPU)
    assert loss_a == loss_b
    assert model.training


def test_eval_mode_restores_each_submodule_even_after_an_error() -> None:
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(2, 2))
    model.train()
    model[1].eval()  # a mixed state must come back as it was
    with pytest.raises(RuntimeError, match="boom"), eval_mode(model):
        assert not model.training and not model[0].training
        raise RuntimeError("boom")
    assert model.training and model[0].training and not model[1].training
    with eval_mode(model) as inside:
        assert inside is model and not any(m.training for m in model.modules())
    assert model.training and not model[1].training


def test_loop_accepts_packed_sequences() -> None:
    class LastState(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.GRU(3, 4)
            self.head = nn.Linear(4, 2)

        def forward(self, packed: PackedSequence) -> torch.Tensor:
            return self.head(self.rnn(packed)[1][-1])

    torch.manual_seed(0)
    seqs = [torch.randn(n, 3) for n in (3, 1, 2)]
    batches = [(pack_sequence(seqs, enforce_sorted=False), torch.tensor([0, 1, 0]))]
    model = LastState()
    loss, acc = evaluate(model, batches, nn.functional.cross_entropy, CPU)
    with torch.no_grad():
        scores = model(batches[0][0])
    assert loss == pytest.approx(nn.functional.cross_entropy(scores, batches[0][1]).item())
    assert acc == pytest.approx((scores.argmax(1) == batches[0][1]).float().mean().item())


# --------------------------------------------------------------------------- History / move_to


def test_history_best_epoch_and_empty() -> None:
    nan = math.nan
    h = History(
        [
            EpochStats(1, 0.9, 0.5, 0.5, 0.6, 1.0),
            EpochStats(2, 0.7, 0.6, 0.3, 0.7, 2.0),
            EpochStats(3, 0.5, 0.7, 0.4, 0.7, 3.0),
        ]
    )
    assert h.best_epoch() == 2
    assert h.total_seconds == 6.0
    h2 = History([EpochStats(1, 0.9, nan, nan, nan, 1.0), EpochStats(2, 0.2, nan, nan, nan, 1.0)])
    assert h2.best_epoch() == 2
    with pytest.raises(ValueError, match=r"history is empty: train for at least one epoch"):
        History().best_epoch()
    empty = History().to_frame()
    assert isinstance(empty, pd.DataFrame) and empty.empty
    assert list(empty.columns) == HISTORY_COLUMNS
    assert History().total_seconds == 0.0


def test_format_epoch_widths() -> None:
    line = _format_epoch(EpochStats(3, 0.12345, 0.5, 0.25, 0.75, 1.5), 12)
    assert line == "epoch  3/12 | train loss 0.1235 | acc 0.500 | val loss 0.2500 | acc 0.750 | 1.50 s"
    # a small regression loss keeps four significant digits instead of rounding to 0.0001
    small = _format_epoch(EpochStats(1, 0.00012351, math.nan, 0.0000987654, math.nan, 2.0), 9)
    assert small == "epoch 1/9 | train loss 0.0001235 | val loss 9.877e-05 | 2.00 s"


def test_move_to_handles_containers() -> None:
    t = torch.ones(2)
    packed = pack_sequence([torch.ones(2, 3), torch.ones(1, 3)])
    marker = object()
    batch = {"x": (t, [t, packed]), "n": 3, "s": "text", "o": marker}
    moved = move_to(batch, "meta")
    assert isinstance(moved, dict) and set(moved) == set(batch)
    x = moved["x"]
    assert isinstance(x, tuple) and isinstance(x[1], list)
    assert x[0].device.type == "meta" and x[1][0].device.type == "meta"
    assert isinstance(x[1][1], PackedSequence) and x[1][1].data.device.type == "meta"
    assert moved["n"] == 3 and moved["s"] == "text" and moved["o"] is marker
    assert t.device.type == "cpu"  # the input is not modified
    same = move_to(t, CPU)
    assert torch.equal(same, t) and same.device == CPU


# --------------------------------------------------------------------------- count_parameters


def test_count_parameters_by_hand() -> None:
    lin = nn.Linear(3, 2)
    assert count_parameters(lin) == 3 * 2 + 2
    lin.weight.requires_grad_(False)  # a frozen weight: only the bias is trained
    assert count_parameters(lin) == 2
    assert count_parameters(lin, trainable_only=False) == 8
    # nn.GRU(5, 4): three gates, each W (4 x 5), U (4 x 4) and two biases of 4
    assert count_parameters(nn.GRU(5, 4)) == 3 * (4 * 5 + 4 * 4 + 2 * 4)
    assert count_parameters(nn.ReLU()) == 0  # no parameter at all


@pytest.mark.parametrize(
    "thing", [nn.Linear(2, 2).state_dict(), torch.zeros(3), None], ids=["state_dict", "tensor", "None"]
)
def test_count_parameters_refuses_what_is_not_a_module(thing: object) -> None:
    with pytest.raises(
        TypeError, match=r"count_parameters takes a torch\.nn\.Module, got \w+: pass the model"
    ):
        count_parameters(thing)  # type: ignore[arg-type]


def test_count_parameters_counts_a_shared_layer_once() -> None:
    shared = nn.Linear(3, 3)
    tied = nn.Sequential(shared, nn.Tanh(), shared)  # the same weights applied twice
    assert count_parameters(tied) == 3 * 3 + 3
    embedding = nn.Embedding(10, 4)
    head = nn.Linear(4, 10, bias=False)
    head.weight = embedding.weight  # tied input and output embeddings
    assert count_parameters(nn.ModuleList([embedding, head])) == 40
