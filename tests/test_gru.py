"""rnnlib.models.gru: the GRU equations in both conventions, equivalence with nn.GRU, stacking, gates."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnlib.models.gru import GRU, GRUCell, gru_layer_parameter_count


def sigmoid_by_hand(v: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-v))


def preactivations(cell: GRUCell, x: torch.Tensor, h: torch.Tensor) -> dict[str, object]:
    """By hand, from the stacked weights: the r and z pre-activations, and the candidate's
    pre-activation as a function of the reset gate (lecture convention: r applied to h)."""
    W_r, W_z, W_n = cell.weight_ih.detach().chunk(3)
    U_r, U_z, U_n = cell.weight_hh.detach().chunk(3)
    b_ir, b_iz, b_in = cell.bias_ih.detach().chunk(3)
    b_hr, b_hz, b_hn = cell.bias_hh.detach().chunk(3)
    return {
        "r": x @ W_r.T + b_ir + h @ U_r.T + b_hr,
        "z": x @ W_z.T + b_iz + h @ U_z.T + b_hz,
        "n_lecture": lambda r: x @ W_n.T + b_in + (r * h) @ U_n.T + b_hn,
        "n_pytorch": lambda r: x @ W_n.T + b_in + r * (h @ U_n.T + b_hn),
    }


@pytest.mark.parametrize("convention", ["lecture", "pytorch"])
def test_cell_matches_the_equations(convention: str) -> None:
    torch.manual_seed(0)
    cell = GRUCell(4, 3, convention=convention).double()
    x, h = torch.randn(2, 4, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64)
    pre = preactivations(cell, x, h)
    r, z = sigmoid_by_hand(pre["r"]), sigmoid_by_hand(pre["z"])
    if convention == "lecture":
        n = torch.tanh(pre["n_lecture"](r))
        expected = (1 - z) * h + z * n
    else:
        n = torch.tanh(pre["n_pytorch"](r))
        expected = (1 - z) * n + z * h
    h_new, gates = cell(x, h)
    torch.testing.assert_close(h_new, expected)
    torch.testing.assert_close(gates["r"], r)
    torch.testing.assert_close(gates["z"], z)
    torch.testing.assert_close(gates["n"], n)


@pytest.mark.parametrize("layers", [1, 2])
def test_pytorch_convention_reproduces_nn_gru_in_float64(layers: int) -> None:
    torch.manual_seed(1)
    reference = nn.GRU(5, 7, num_layers=layers, batch_first=True).double()
    ours = GRU.from_torch(reference)
    x = torch.randn(3, 6, 5, dtype=torch.float64)
    h0 = torch.randn(layers, 3, 7, dtype=torch.float64)
    out_ref, h_ref = reference(x, h0)
    out, h_n = ours(x, h0)
    assert (out - out_ref).abs().max() < 1e-6 and (h_n - h_ref).abs().max() < 1e-6
    out0, h0_ours = ours(x)  # default zero initial state
    out0_ref, h0_ref = reference(x)
    torch.testing.assert_close(out0, out0_ref)
    torch.testing.assert_close(h0_ours, h0_ref)


def test_lecture_convention_differs_from_nn_gru() -> None:
    torch.manual_seed(2)
    reference = nn.GRU(5, 7, batch_first=True).double()
    lecture = GRU(5, 7, convention="lecture").double()
    lecture.load_state_dict(GRU.from_torch(reference).state_dict())
    x = torch.randn(2, 4, 5, dtype=torch.float64)
    assert (lecture(x)[0] - reference(x)[0]).abs().max() > 1e-2


def test_lecture_convention_equals_pytorch_with_z_flipped_when_r_is_one() -> None:
    """With U_n's bias zero and r forced to 1 (a huge reset bias), the two conventions differ only
    in which of h and the candidate z weighs: negating the z pre-activation swaps them."""
    torch.manual_seed(3)
    lecture = GRUCell(3, 4, convention="lecture").double()
    pytorch = GRUCell(3, 4, convention="pytorch").double()
    pytorch.load_state_dict(lecture.state_dict())
    with torch.no_grad():
        for cell in (lecture, pytorch):
            cell.bias_ih[:4] = 50.0  # r = sigmoid(large) = 1
            cell.bias_hh[8:] = 0.0
        pytorch.weight_ih[4:8] *= -1
        pytorch.weight_hh[4:8] *= -1
        pytorch.bias_ih[4:8] *= -1
        pytorch.bias_hh[4:8] *= -1
    x, h = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    torch.testing.assert_close(lecture(x, h)[0], pytorch(x, h)[0])


def test_stacked_layers_take_hidden_size_inputs_and_gates_are_returned() -> None:
    gru = GRU(10, 6, num_layers=3)
    assert [c.input_size for c in gru.cells] == [10, 6, 6]
    out, h_n, gates = gru(torch.randn(2, 5, 10), return_gates=True)
    assert out.shape == (2, 5, 6) and h_n.shape == (3, 2, 6) and len(gates) == 3
    for layer in gates:
        assert set(layer) == {"r", "z", "n"}
        for name in ("r", "z"):
            assert layer[name].shape == (2, 5, 6) and (0 <= layer[name]).all() and (layer[name] <= 1).all()
        assert (layer["n"].abs() <= 1).all()
    torch.testing.assert_close(out[:, -1], h_n[-1])


def test_parameter_count_matches_nn_gru_and_our_layers() -> None:
    assert gru_layer_parameter_count(300, 200) == sum(p.numel() for p in nn.GRU(300, 200).parameters())
    assert gru_layer_parameter_count(5, 7) == sum(p.numel() for p in GRUCell(5, 7).parameters())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: GRUCell(0, 3), "input_size=0"),
        (lambda: GRUCell(3, 3, convention="keras"), "use 'lecture' or 'pytorch'"),
        (lambda: GRU(3, 3, num_layers=0), "num_layers=0"),
        (lambda: GRUCell(3, 2)(torch.zeros(1, 4), torch.zeros(1, 2)), r"x must be \(batch, 3\)"),
        (lambda: GRUCell(3, 2)(torch.zeros(1, 3), torch.zeros(2, 2)), r"h must be \(1, 2\)"),
        (lambda: GRU(3, 2)(torch.zeros(1, 0, 3)), r"time >= 1"),
        (lambda: GRU(3, 2)(torch.zeros(1, 2, 3), torch.zeros(2, 1, 2)), r"h0 must be \(1, 1, 2\)"),
        (lambda: GRU.from_torch(nn.GRU(3, 2, bidirectional=True)), "unidirectional"),
        (lambda: gru_layer_parameter_count(0, 2), "input_size=0"),
    ],
)
def test_bad_inputs(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_swapped_activations_use_tanh_gates_and_a_sigmoid_candidate() -> None:
    torch.manual_seed(4)
    swapped = GRUCell(3, 2, swap_activations=True).double()
    x, h = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    pre = preactivations(swapped, x, h)
    _, gates = swapped(x, h)
    r = torch.tanh(pre["r"])
    torch.testing.assert_close(gates["r"], r)
    torch.testing.assert_close(gates["z"], torch.tanh(pre["z"]))
    torch.testing.assert_close(gates["n"], sigmoid_by_hand(pre["n_lecture"](r)))
    assert all(c.gate is torch.tanh for c in GRU(3, 2, 2, swap_activations=True).cells)
