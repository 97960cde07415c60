"""rnnlib.models.batched_gru: the batched GRU against nn.GRU and the lecture's GRU, padded batches, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnlib.models.batched_gru import BatchedGRU, states_at_lengths
from rnnlib.models.gru import GRU

TOL = 1e-12


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().abs().max())


@pytest.mark.parametrize("layers", [1, 2])
def test_pytorch_convention_equals_nn_gru_in_float64(layers: int) -> None:
    torch.manual_seed(0)
    reference = nn.GRU(5, 7, num_layers=layers, batch_first=True).double()
    ours = BatchedGRU.from_torch(reference)
    assert isinstance(ours, BatchedGRU) and ours.cells[0].convention == "pytorch"
    x = torch.randn(4, 9, 5, dtype=torch.float64)
    h0 = torch.randn(layers, 4, 7, dtype=torch.float64)
    out, h_n = ours(x, h0)
    out_ref, h_ref = reference(x, h0)
    assert out.shape == (4, 9, 7) and h_n.shape == (layers, 4, 7)
    assert max_diff(out, out_ref) < TOL and max_diff(h_n, h_ref) < TOL
    out0, h0_ours = ours(x)  # default: zero initial state
    out0_ref, h0_ref = reference(x)
    assert max_diff(out0, out0_ref) < TOL and max_diff(h0_ours, h0_ref) < TOL


def test_state_dict_moves_both_ways_between_nn_gru_copies() -> None:
    torch.manual_seed(1)
    reference = nn.GRU(3, 4, num_layers=2, batch_first=True).double()
    slow = GRU.from_torch(reference)
    fast = BatchedGRU(3, 4, 2, convention="pytorch").double()
    fast.load_state_dict(slow.state_dict())
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    assert max_diff(fast(x)[0], reference(x)[0]) < TOL
    back = GRU(3, 4, 2, convention="pytorch").double()
    back.load_state_dict(fast.state_dict())
    assert max_diff(back(x)[0], reference(x)[0]) < TOL


@pytest.mark.parametrize("layers", [1, 2])
def test_lecture_convention_equals_the_lecture_gru(layers: int) -> None:
    torch.manual_seed(2)
    lecture = GRU(4, 6, layers, convention="lecture").double()
    fast = BatchedGRU(4, 6, layers, convention="lecture").double()
    fast.load_state_dict(lecture.state_dict())
    x = torch.randn(3, 8, 4, dtype=torch.float64)
    h0 = torch.randn(layers, 3, 6, dtype=torch.float64)
    out, h_n = fast(x, h0)
    out_ref, h_ref = lecture(x, h0)
    assert max_diff(out, out_ref) < TOL and max_diff(h_n, h_ref) < TOL
    # and the lecture convention really is another function than PyTorch's
    pytorch = BatchedGRU(4, 6, layers, convention="pytorch").double()
    pytorch.load_state_dict(lecture.state_dict())
    assert max_diff(pytorch(x, h0)[0], out_ref) > 1e-3


@pytest.mark.parametrize("layers", [1, 2])
def test_lengths_give_each_sequence_its_own_final_state(layers: int) -> None:
    torch.manual_seed(3)
    reference = nn.GRU(3, 5, num_layers=layers, batch_first=True).double()
    fast = BatchedGRU.from_torch(reference)
    lengths = [4, 1, 6, 3]
    x = torch.randn(4, 6, 3, dtype=torch.float64)  # junk, not zeros, after each sequence's end
    out, h_n = fast(x, lengths=torch.tensor(lengths))
    assert h_n.shape == (layers, 4, 5)
    for b, length in enumerate(lengths):
        # the sequence alone, unpadded
        out_alone, h_alone = reference(x[b : b + 1, :length])
        assert max_diff(h_n[:, b], h_alone[:, 0]) < TOL
        assert max_diff(out[b, :length], out_alone[0]) < TOL
    _, h_plain = fast(x)  # without lengths: the state after the padded end
    assert max_diff(h_plain[:, 2], h_n[:, 2]) < TOL  # the full-length sequence agrees
    assert max_diff(h_plain[:, 1], h_n[:, 1]) > 1e-3  # a padded one does not
    _, h_list = fast(x, lengths=lengths)  # a plain list works too
    assert max_diff(h_list, h_n) == 0


def test_gradients_agree_with_nn_gru() -> None:
    torch.manual_seed(4)
    reference = nn.GRU(3, 4, num_layers=2, batch_first=True).double()
    fast = BatchedGRU.from_torch(reference)
    x = torch.randn(3, 7, 3, dtype=torch.float64)
    h0 = torch.randn(2, 3, 4, dtype=torch.float64)
    w_out, w_h = torch.randn(3, 7, 4, dtype=torch.float64), torch.randn(2, 3, 4, dtype=torch.float64)

    def grads(model: nn.Module) -> list[torch.Tensor]:
        xi, hi = x.clone().requires_grad_(), h0.clone().requires_grad_()
        out, h_n = model(xi, hi)
        ((out * w_out).sum() + (h_n * w_h).sum()).backward()
        assert xi.grad is not None and hi.grad is not None
        return [xi.grad, hi.grad]

    ref_grads, fast_grads = grads(reference), grads(fast)
    for ours, ref in zip(fast_grads, ref_grads, strict=True):
        assert max_diff(ours, ref) < TOL
    for k, cell in enumerate(fast.cells):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            ref = getattr(reference, f"{name}_l{k}").grad
            ours = getattr(cell, name).grad
            assert ours is not None and ref is not None
            assert max_diff(ours, ref) < TOL, (k, name)


def test_gradients_with_lengths_ignore_the_padding() -> None:
    torch.manual_seed(5)
    fast = BatchedGRU(2, 3, convention="pytorch").double()
    x = torch.randn(2, 5, 2, dtype=torch.float64, requires_grad=True)
    _, h_n = fast(x, lengths=[2, 5])
    h_n.sum().backward()
    assert x.grad is not None
    assert torch.all(x.grad[0, 2:] == 0)  # the padding behind sequence 0 cannot matter
    assert torch.all(x.grad[0, :2] != 0) and torch.all(x.grad[1] != 0)


def test_float32_is_close_to_nn_gru() -> None:
    torch.manual_seed(6)
    reference = nn.GRU(8, 16, batch_first=True)
    fast = BatchedGRU.from_torch(reference)
    x = torch.randn(5, 12, 8)
    torch.testing.assert_close(fast(x)[0], reference(x)[0], atol=1e-5, rtol=1e-5)


def test_swapped_activations_are_refused() -> None:
    with pytest.raises(ValueError, match=r"standard activations only: use rnnlib\.models\.gru\.GRU"):
        BatchedGRU(3, 4, swap_activations=True)
    BatchedGRU(3, 4, swap_activations=False)  # saying no is fine


def test_wrong_feature_width_names_the_fix() -> None:
    fast = BatchedGRU(300, 4)
    with pytest.raises(
        ValueError, match=r"x has 100 features per step but this GRU reads 300: make input_size"
    ):
        fast(torch.randn(2, 3, 100))


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((2, 3), r"x must be \(batch, time >= 1, features\), got \(2, 3\)"),
        ((2, 0, 3), r"x must be \(batch, time >= 1, features\), got \(2, 0, 3\)"),
        ((1, 2, 3, 3), r"got \(1, 2, 3, 3\)"),
    ],
)
def test_bad_input_shapes(shape: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BatchedGRU(3, 4)(torch.randn(*shape))


@pytest.mark.parametrize("h0_shape", [(1, 2, 4), (2, 3, 4), (2, 2, 5), (2, 4)])
def test_bad_h0(h0_shape: tuple[int, ...]) -> None:
    fast = BatchedGRU(3, 4, 2)
    with pytest.raises(ValueError, match=r"h0 must be \(2, 2, 4\), got"):
        fast(torch.randn(2, 5, 3), torch.zeros(*h0_shape))


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        ([3, 0], r"lengths must lie in 1\.\.4 \(the padded length\), got \[3, 0\]"),
        ([5, 1], r"lengths must lie in 1\.\.4 .*got \[5, 1\]"),
        ([2], r"one length per sequence \(2\), got shape \(1,\)"),
        ([[1, 2]], r"one length per sequence \(2\), got shape \(1, 2\)"),
    ],
)
def test_bad_lengths(lengths: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        states_at_lengths(torch.zeros(2, 4, 3), lengths)
    with pytest.raises(ValueError, match=message):
        BatchedGRU(3, 5)(torch.zeros(2, 4, 3), lengths=lengths)


def test_states_at_lengths_by_hand() -> None:
    output = torch.arange(2 * 3 * 2, dtype=torch.float64).view(2, 3, 2)
    # sequence 0 ends at t = 1, sequence 1 at t = 2
    assert states_at_lengths(output, [2, 3]).tolist() == [[2.0, 3.0], [10.0, 11.0]]
    assert states_at_lengths(output, torch.tensor([1, 1])).tolist() == [[0.0, 1.0], [6.0, 7.0]]
    with pytest.raises(ValueError, match=r"output must be \(batch, time, features\), got \(2, 3\)"):
        states_at_lengths(torch.zeros(2, 3), [1, 1])
