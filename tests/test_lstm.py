"""rnnlib.models.lstm: the from-scratch LSTM equals nn.LSTMCell and nn.LSTM, its start and its size."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from rnnlib.models.lstm import GATE_ORDER, LSTM, LSTMCell, lstm_layer_parameter_count, start_forget_gate


def test_cell_matches_the_equations_block_by_block() -> None:
    torch.manual_seed(0)
    cell = LSTMCell(3, 4).double()
    x, h, c = (torch.randn(5, n, dtype=torch.float64) for n in (3, 4, 4))
    W = dict(zip(GATE_ORDER, cell.weight_ih.chunk(4), strict=True))
    U = dict(zip(GATE_ORDER, cell.weight_hh.chunk(4), strict=True))
    b = {
        k: bi + bh for k, bi, bh in zip(GATE_ORDER, cell.bias_ih.chunk(4), cell.bias_hh.chunk(4), strict=True)
    }
    i = torch.sigmoid(x @ W["i"].T + h @ U["i"].T + b["i"])
    f = torch.sigmoid(x @ W["f"].T + h @ U["f"].T + b["f"])
    g = torch.tanh(x @ W["g"].T + h @ U["g"].T + b["g"])
    o = torch.sigmoid(x @ W["o"].T + h @ U["o"].T + b["o"])
    c_want = f * c + i * g
    with torch.no_grad():
        h_new, c_new = cell(x, (h, c))
        gates = cell.gates(x, h)
    torch.testing.assert_close(c_new, c_want, rtol=0, atol=1e-12)
    torch.testing.assert_close(h_new, o * torch.tanh(c_want), rtol=0, atol=1e-12)
    for name, value in zip("ifgo", (i, f, g, o), strict=True):
        torch.testing.assert_close(gates[name], value, rtol=0, atol=1e-12)


def test_cell_equals_nn_lstm_cell_in_float64() -> None:
    torch.manual_seed(1)
    reference = nn.LSTMCell(6, 5).double()
    ours = LSTMCell(6, 5).double()
    ours.load_state_dict(reference.state_dict())  # same parameter names and layout
    x, h, c = torch.randn(4, 6).double(), torch.randn(4, 5).double(), torch.randn(4, 5).double()
    with torch.no_grad():
        for state in [(h, c), None]:
            want = reference(x, state)
            got = ours(x, state)
            assert max((a - b).abs().max().item() for a, b in zip(got, want, strict=True)) < 1e-12


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_stack_equals_nn_lstm_in_float64(layers: int) -> None:
    torch.manual_seed(layers)
    reference = nn.LSTM(4, 6, num_layers=layers, batch_first=True).double()
    ours = LSTM.from_torch(reference)
    assert [cell.input_size for cell in ours.cells] == [4] + [6] * (layers - 1)
    x = torch.randn(3, 7, 4, dtype=torch.float64)
    h0, c0 = torch.randn(layers, 3, 6).double(), torch.randn(layers, 3, 6).double()
    with torch.no_grad():
        for state in [(h0, c0), None]:
            out_ref, (h_ref, c_ref) = reference(x, state)
            out, (h_n, c_n) = ours(x, state)
            for a, b in [(out, out_ref), (h_n, h_ref), (c_n, c_ref)]:
                assert a.dtype == torch.float64 and (a - b).abs().max().item() < 1e-12


def test_a_wrong_gate_order_would_be_caught() -> None:
    """The check is not vacuous: reading the blocks as i, f, o, g gives other outputs."""
    torch.manual_seed(2)
    reference = nn.LSTMCell(3, 4).double()
    swapped = LSTMCell(3, 4).double()
    state = reference.state_dict()
    order = [0, 1, 3, 2]  # the g and o blocks exchanged
    swapped.load_state_dict({k: torch.cat([v.chunk(4)[j] for j in order]) for k, v in state.items()})
    x = torch.randn(2, 3, dtype=torch.float64)
    with torch.no_grad():
        assert (swapped(x)[0] - reference(x)[0]).abs().max() > 1e-3


def test_gradients_flow_like_nn_lstm() -> None:
    torch.manual_seed(3)
    reference = nn.LSTM(2, 3, batch_first=True).double()
    ours = LSTM.from_torch(reference)
    x = torch.randn(2, 5, 2, dtype=torch.float64)
    reference(x)[0].sum().backward()
    ours(x)[0].sum().backward()
    torch.testing.assert_close(ours.cells[0].weight_hh.grad, reference.weight_hh_l0.grad, rtol=0, atol=1e-12)


def test_parameter_count_matches_nn_lstm_and_ours() -> None:
    for inputs, hidden in [(1, 1), (57, 128), (300, 200)]:
        count = lstm_layer_parameter_count(inputs, hidden)
        assert count == 4 * (hidden * (inputs + hidden) + 2 * hidden)
        assert count == sum(p.numel() for p in nn.LSTM(inputs, hidden).parameters())
        assert count == sum(p.numel() for p in LSTMCell(inputs, hidden).parameters())
    with pytest.raises(ValueError, match="hidden_size=0"):
        lstm_layer_parameter_count(3, 0)


@pytest.mark.parametrize("module", ["ours", "torch"])
def test_forget_gate_start_sets_the_total_bias(module: str) -> None:
    torch.manual_seed(4)
    lstm = LSTM(2, 5, num_layers=2) if module == "ours" else nn.LSTM(2, 5, num_layers=2)
    start_forget_gate(lstm, 1.0)
    pairs = (
        [(c.bias_ih, c.bias_hh) for c in lstm.cells]
        if isinstance(lstm, LSTM)
        else [(lstm.bias_ih_l0, lstm.bias_hh_l0), (lstm.bias_ih_l1, lstm.bias_hh_l1)]
    )
    for bias_ih, bias_hh in pairs:
        assert torch.equal(bias_ih[5:10] + bias_hh[5:10], torch.ones(5))
        assert bias_ih[:5].abs().max() <= 1 / math.sqrt(5) and bias_ih[:5].std() > 0, "only f changes"
    if isinstance(lstm, LSTM):  # at zero input and state, f = σ(1)
        f = lstm.cells[0].gates(torch.zeros(1, 2), torch.zeros(1, 5))["f"]
        torch.testing.assert_close(f, torch.full((1, 5), 1 / (1 + math.exp(-1))))


def test_forget_gate_start_covers_both_directions() -> None:
    lstm = nn.LSTM(2, 3, bidirectional=True)
    start_forget_gate(lstm, 2.0)
    assert torch.equal(lstm.bias_ih_l0_reverse[3:6], torch.full((3,), 2.0))
    assert torch.equal(lstm.bias_hh_l0_reverse[3:6], torch.zeros(3))


def test_forget_gate_start_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="finite number"):
        start_forget_gate(nn.LSTM(2, 3), float("nan"))
    with pytest.raises(ValueError, match="bias=False"):
        start_forget_gate(nn.LSTM(2, 3, bias=False), 1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: LSTMCell(0, 3), "input_size=0"),
        (lambda: LSTM(2, 3, num_layers=0), "num_layers=0"),
        (lambda: LSTMCell(2, 3)(torch.zeros(4, 3)), r"x must be \(batch, 2\)"),
        (lambda: LSTMCell(2, 3)(torch.zeros(4, 2), (torch.zeros(4, 2), torch.zeros(4, 2))), r"h must be"),
        (lambda: LSTMCell(2, 3)(torch.zeros(4, 2), (torch.zeros(4, 3), torch.zeros(4, 2))), "c must have"),
        (lambda: LSTM(2, 3)(torch.zeros(4, 2)), r"x must be \(batch, time >= 1"),
        (lambda: LSTM(2, 3)(torch.zeros(4, 0, 2)), r"x must be \(batch, time >= 1"),
        (lambda: LSTM(2, 3)(torch.zeros(4, 5, 2), (torch.zeros(1, 4, 3), torch.zeros(2, 4, 3))), "h0 and c0"),
        (lambda: LSTM.from_torch(nn.LSTM(2, 3, bidirectional=True)), "unidirectional"),
        (lambda: LSTM.from_torch(nn.LSTM(2, 3, proj_size=2)), "no projection"),
    ],
)
def test_bad_inputs(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
