"""rnnlib.models.pmgru: one step by hand, the lecture's module against the cell, the forecaster."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from rnnlib.models.pmgru import Forecaster, LecturePmGRU, PmGRUCell


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def set_linear(linear: nn.Module, weight: list[list[float]], bias: list[float]) -> None:
    assert isinstance(linear, nn.Linear)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
        linear.bias.copy_(torch.tensor(bias, dtype=torch.float64))


def test_one_step_by_hand() -> None:
    # I = 1, H = 2: project1/project2 weights are (2, 3) on cat[x, h] (x first)
    cell = PmGRUCell(1, 2).double()
    set_linear(cell.project1[0], [[0.5, 1.0, -1.0], [-0.5, 0.0, 2.0]], [0.1, -0.2])
    set_linear(cell.project2[0], [[1.0, 0.5, 0.0], [0.0, -1.0, 1.0]], [0.0, 0.3])
    x, h = 2.0, [0.4, -0.6]
    f = [sigmoid(0.5 * x + 1.0 * h[0] - 1.0 * h[1] + 0.1), sigmoid(-0.5 * x + 0.0 * h[0] + 2.0 * h[1] - 0.2)]
    fh = [f[0] * h[0], f[1] * h[1]]
    c = [math.tanh(1.0 * x + 0.5 * fh[0] + 0.0 * fh[1]), math.tanh(0.0 * x - 1.0 * fh[0] + 1.0 * fh[1] + 0.3)]
    expected = [(1 - f[i]) * h[i] + f[i] * c[i] for i in range(2)]
    new_h, gate = cell(torch.tensor([[x]], dtype=torch.float64), torch.tensor([h], dtype=torch.float64), True)
    torch.testing.assert_close(gate, torch.tensor([f], dtype=torch.float64))
    torch.testing.assert_close(new_h, torch.tensor([expected], dtype=torch.float64))
    assert torch.equal(
        cell(torch.tensor([[x]], dtype=torch.float64), torch.tensor([h], dtype=torch.float64)), new_h
    )


def test_lecture_module_step_equals_the_cell() -> None:
    torch.manual_seed(0)
    lecture = LecturePmGRU(3, 4, 1)
    cell = PmGRUCell(3, 4)
    cell.project1.load_state_dict(lecture.project1.state_dict())
    cell.project2.load_state_dict(lecture.project2.state_dict())
    x, h = torch.randn(5, 3), torch.randn(5, 4)
    out, h_next = lecture(x, h)
    assert torch.equal(out, h_next)
    torch.testing.assert_close(out, cell(x, h))
    final, final_again = lecture(x, h, sequence_end=True)
    assert final.shape == (5, 1) and torch.equal(final, final_again)
    torch.testing.assert_close(final, lecture.project3(cell(x, h)))
    assert lecture.init_hidden(5).shape == (5, 4) and not lecture.init_hidden(5).any()


def test_lecture_predict_steps_the_sequence_and_handles_a_batch_of_one() -> None:
    torch.manual_seed(1)
    lecture = LecturePmGRU(2, 3, 1)
    x = torch.randn(1, 4, 2)
    h = lecture.init_hidden(1)
    for t in range(3):
        _, h = lecture(x[:, t], h)
    expected, _ = lecture(x[:, 3], h, sequence_end=True)
    torch.testing.assert_close(lecture.predict(x), expected)


def test_hoisted_run_equals_stepping_the_cell() -> None:
    torch.manual_seed(2)
    cell = PmGRUCell(3, 5).double()
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    h = torch.randn(4, 5, dtype=torch.float64)
    outputs, last = cell.run(x, h)
    for t in range(6):
        h = cell(x[:, t], h)
        torch.testing.assert_close(outputs[:, t], h, rtol=0, atol=1e-12)
    torch.testing.assert_close(last, h, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["pmgru", "gru", "lstm"])
@pytest.mark.parametrize("layers", [1, 2])
def test_forecaster_shapes_and_gradients(kind: str, layers: int) -> None:
    torch.manual_seed(3)
    model = Forecaster(5, 8, kind, num_layers=layers)  # type: ignore[arg-type]
    x = torch.randn(4, 7, 5)
    y = model(x)
    assert y.shape == (4,)
    y.sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert all(float(g.abs().sum()) > 0 for g in grads if g is not None)


def test_forecaster_pmgru_is_the_cell_then_the_head() -> None:
    torch.manual_seed(4)
    model = Forecaster(2, 3, "pmgru")
    x = torch.randn(2, 5, 2)
    cell = model.rnn[0]
    assert isinstance(cell, PmGRUCell)
    h = torch.zeros(2, 3)
    for t in range(5):
        h = cell(x[:, t], h)
    torch.testing.assert_close(model(x), model.head(h).squeeze(-1))


@pytest.mark.parametrize("kind", ["pmgru", "gru", "lstm"])
def test_residual_forecaster_adds_the_windows_last_value(kind: str) -> None:
    torch.manual_seed(5)
    plain = Forecaster(3, 4, kind)  # type: ignore[arg-type]
    torch.manual_seed(5)
    residual = Forecaster(3, 4, kind, residual=True, target_column=2)  # type: ignore[arg-type]
    x = torch.randn(6, 9, 3)
    torch.testing.assert_close(residual(x), plain(x) + x[:, -1, 2])
    # with a zero head the residual forecaster is persistence: the last known value
    with torch.no_grad():
        residual.head.weight.zero_()
        residual.head.bias.zero_()
    torch.testing.assert_close(residual(x), x[:, -1, 2])
    assert not plain.residual and residual.residual and residual.target_column == 2


def test_errors() -> None:
    for bad in (-1, 3, 1.0, True):
        with pytest.raises(ValueError, match=r"target_column=.*index \(0..2\) of the input feature"):
            Forecaster(3, 4, "gru", residual=True, target_column=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hidden_size=0"):
        PmGRUCell(3, 0)
    with pytest.raises(ValueError, match="output_size=0"):
        LecturePmGRU(3, 4, 0)
    with pytest.raises(ValueError, match="cell='rnn'"):
        Forecaster(3, 4, "rnn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_layers=0"):
        Forecaster(3, 4, "gru", num_layers=0)
    cell = PmGRUCell(3, 4)
    with pytest.raises(ValueError, match=r"x must be \(batch, 3\)"):
        cell(torch.zeros(2, 2), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="init_hidden"):
        cell(torch.zeros(2, 3), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="time >= 1"):
        cell.run(torch.zeros(2, 0, 3))
    with pytest.raises(ValueError, match="batch first"):
        Forecaster(3, 4, "lstm")(torch.zeros(2, 5, 2))
    with pytest.raises(ValueError, match="batch first"):
        Forecaster(3, 4)(torch.zeros(5, 3))
    with pytest.raises(ValueError, match="batch=0"):
        LecturePmGRU(3, 4, 1).init_hidden(0)
