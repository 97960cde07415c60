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
    eval_mode,
    evaluate,
    fit,
    move_to,
    predict_classes,
    train_epoch,
)

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
    assert list(frame.columns) == ["train_loss", "train_acc", "val_loss", "val_acc", "seconds"]
    assert frame.index.name == "epoch"
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
    assert list(empty.columns) == ["train_loss", "train_acc", "val_loss", "val_acc", "seconds"]
    assert History().total_seconds == 0.0


def test_format_epoch_widths() -> None:
    line = _format_epoch(EpochStats(3, 0.12345, 0.5, 0.25, 0.75, 1.5), 12)
    assert line == "epoch  3/12 | train loss 0.1235 | acc 0.500 | val loss 0.2500 | acc 0.750 | 1.50 s"


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
