"""rnnlib.models.recurrences (four recurrences over one-hot words, truncated states) and
rnnlib.studies.gradients (their gradients by distance, BPTT's weight gradient, the spectral
radius and the per-step factor)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from rnnlib.models.recurrences import KINDS, OneHotRecurrentClassifier
from rnnlib.studies.gradients import (
    per_step_factor,
    spectral_radius,
    state_gradient_norms,
    weight_hh_gradient,
)

VOCAB, HIDDEN = 11, 5
REVIEWS = [[4, 0, 10, 7, 2], [3], [9, 9, 1], [5, 6, 7, 8, 10, 1, 2, 3]]


def padded_batch() -> tuple[torch.Tensor, torch.Tensor]:
    tensors = [torch.tensor(r) for r in REVIEWS]
    padded = nn.utils.rnn.pad_sequence(tensors, batch_first=True, padding_value=6)
    return padded, torch.tensor(list(map(len, REVIEWS)))


@pytest.mark.parametrize("layer_class", [nn.RNN, nn.GRU, nn.LSTM])
def test_the_recurrence_equals_torch_on_one_hot_words(layer_class: type) -> None:
    torch.manual_seed(0)
    layer = layer_class(VOCAB, HIDDEN, batch_first=True)
    model = OneHotRecurrentClassifier.from_torch(layer)
    padded, lengths = padded_batch()
    states = model.states(padded, lengths)
    for b, review in enumerate(REVIEWS):
        out, _ = layer(nn.functional.one_hot(torch.tensor(review), VOCAB).float().unsqueeze(0))
        torch.testing.assert_close(states[-1][b], out[0, -1], atol=1e-6, rtol=0)  # the padding is ignored
        torch.testing.assert_close(states[len(review) - 1][b], out[0, -1], atol=1e-6, rtol=0)
    log_probs = model((padded, lengths))
    torch.testing.assert_close(log_probs, torch.log_softmax(model.head(states[-1]), dim=1))


def test_the_linear_kind_is_the_ungated_recurrence() -> None:
    torch.manual_seed(1)
    model = OneHotRecurrentClassifier("linear", VOCAB, HIDDEN)
    review = torch.tensor(REVIEWS[0])
    states = model.states(review.unsqueeze(0), torch.tensor([5]))
    h = torch.zeros(1, HIDDEN)
    for t, w in enumerate(review.tolist()):
        h = model.input_projection.weight[w] + model.bias_ih + h @ model.weight_hh.T + model.bias_hh
        torch.testing.assert_close(states[t], h)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_weight_starts_at_pytorchs_scale(kind: str) -> None:
    torch.manual_seed(2)
    hidden = 64
    model = OneHotRecurrentClassifier(kind, 300, hidden)
    bound = 1 / math.sqrt(hidden)
    assert model.weight_hh.shape == (KINDS[kind] * hidden, hidden)
    assert model.input_projection.weight.shape == (300, KINDS[kind] * hidden)
    for weight in (model.input_projection.weight, model.bias_ih, model.weight_hh, model.bias_hh):
        assert weight.abs().max() <= bound and weight.abs().max() > 0.9 * bound
    assert [b.shape for b in model.recurrent_blocks()] == [(hidden, hidden)] * KINDS[kind]


def test_constructor_and_from_torch_errors() -> None:
    with pytest.raises(ValueError, match="kind='relu'"):
        OneHotRecurrentClassifier("relu", VOCAB, HIDDEN)
    with pytest.raises(ValueError, match="hidden_size=0"):
        OneHotRecurrentClassifier("gru", VOCAB, 0)
    with pytest.raises(ValueError, match="num_layers=1"):
        OneHotRecurrentClassifier.from_torch(nn.GRU(VOCAB, HIDDEN, num_layers=2))
    with pytest.raises(ValueError, match=r"nn\.RNN \(tanh\)"):
        OneHotRecurrentClassifier.from_torch(nn.RNN(VOCAB, HIDDEN, nonlinearity="relu"))


def test_states_reject_bad_batches() -> None:
    model = OneHotRecurrentClassifier("gru", VOCAB, HIDDEN)
    padded, lengths = padded_batch()
    with pytest.raises(ValueError, match="word indices"):
        model.states(padded.float(), lengths)
    with pytest.raises(ValueError, match=r"one length in 1\.\.8"):
        model.states(padded, torch.tensor([5, 1, 3, 9]))


def test_state_gradient_norms_average_by_distance_from_the_end() -> None:
    torch.manual_seed(3)
    model = OneHotRecurrentClassifier("gru", VOCAB, HIDDEN).double()
    reviews = [(torch.tensor([1, 2, 3]), 0), (torch.tensor([4, 5]), 1)]
    norms = state_gradient_norms(model.loss_and_states, reviews, max_distance=4)
    expected_sum, expected_n = torch.zeros(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    for indices, label in reviews:  # by hand: one state at a time, read from the end
        loss, states = model.loss_and_states(indices, label)
        per_state = torch.stack([torch.autograd.grad(loss, s, retain_graph=True)[0].norm() for s in states])
        expected_sum[: len(states)] += per_state.flip(0)
        expected_n[: len(states)] += 1
    torch.testing.assert_close(norms[:3], expected_sum[:3] / expected_n[:3])
    assert torch.isnan(norms[3]) and norms.dtype == torch.float64
    with pytest.raises(ValueError, match="max_distance=0"):
        state_gradient_norms(model.loss_and_states, reviews, max_distance=0)
    with pytest.raises(ValueError, match="No review given"):
        state_gradient_norms(model.loss_and_states, [], max_distance=3)


def test_a_linear_recurrence_decays_at_its_spectral_radius() -> None:
    torch.manual_seed(4)
    model = OneHotRecurrentClassifier("linear", 50, 200).double()
    reviews = [(torch.randint(0, 50, (60,)), i % 2) for i in range(3)]
    norms = state_gradient_norms(model.loss_and_states, reviews, max_distance=40)
    rho = spectral_radius(model.weight_hh)
    assert abs(rho - 1 / math.sqrt(3)) < 0.05  # entries of variance 1/(3H): circular law
    assert abs(per_step_factor(norms, 39) / rho - 1) < 0.05


def test_spectral_radius_and_errors() -> None:
    rotation = np.array([[0.0, -2.0], [2.0, 0.0]])  # eigenvalues ±2i: |λ| = 2, singular values 2
    assert spectral_radius(rotation) == pytest.approx(2.0)
    shear = torch.tensor([[0.5, 10.0], [0.0, 0.5]])  # largest singular value ≈ 10, ρ = 0.5
    assert spectral_radius(shear) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="square matrix"):
        spectral_radius(np.ones((2, 3)))


def test_per_step_factor_is_the_geometric_mean_ratio() -> None:
    norms = 3.0 * 0.5 ** np.arange(10)
    assert per_step_factor(norms, 9) == pytest.approx(0.5)
    assert per_step_factor(torch.tensor([1.0, 4.0, 16.0]), 2) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="steps=10"):
        per_step_factor(norms, 10)
    with pytest.raises(ValueError, match="positive and finite"):
        per_step_factor([1.0, 0.0], 1)


# --------------------------------------------------------------------------- BPTT, exact and truncated


def equal_length_batch(words: int = 7, reviews: int = 3, seed: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    padded = torch.randint(0, VOCAB, (reviews, words), generator=generator)
    return padded, torch.randint(0, 2, (reviews,), generator=generator)


def bptt_by_hand(
    model: OneHotRecurrentClassifier, padded: torch.Tensor, labels: torch.Tensor, k: int
) -> torch.Tensor:
    """Σ_t δ_t h_{t-1}ᵀ over the last k steps, δ_t = ∂L/∂a_t, written out for the tanh kind."""
    with torch.no_grad():
        states = model.states(padded, torch.full((len(padded),), padded.shape[1]))
        h = [torch.zeros_like(states[0]), *states]  # h[t] is h_t, h[0] = 0
        p = torch.softmax(model.head(h[-1]), dim=1)
        g = (p - nn.functional.one_hot(labels, 2).to(p)) @ model.head.weight / len(padded)  # ∂L/∂h_T
        total = torch.zeros_like(model.weight_hh)
        steps = padded.shape[1]
        for t in range(steps, max(0, steps - k), -1):
            delta = (1 - h[t] ** 2) * g  # ∂L/∂a_t
            total += delta.T @ h[t - 1]
            g = delta @ model.weight_hh
    return total


@pytest.mark.parametrize("k", [1, 3, 7, 20])
def test_weight_hh_gradient_is_the_sum_over_the_last_k_steps(k: int) -> None:
    torch.manual_seed(5)
    model = OneHotRecurrentClassifier("tanh", VOCAB, HIDDEN).double()
    padded, labels = equal_length_batch()
    expected = bptt_by_hand(model, padded, labels, k)
    torch.testing.assert_close(
        weight_hh_gradient(model, padded, labels, truncate=k), expected, rtol=1e-10, atol=1e-14
    )
    assert model.weight_hh.grad is None  # the model's own gradient is left alone


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_full_and_long_truncations_equal_autograd(kind: str) -> None:
    torch.manual_seed(6)
    model = OneHotRecurrentClassifier(kind, VOCAB, HIDDEN).double()
    padded, labels = equal_length_batch()
    loss = nn.functional.nll_loss(model((padded, torch.full((3,), 7))), labels)
    (expected,) = torch.autograd.grad(loss, model.weight_hh)
    for truncate in (None, 7, 50):
        torch.testing.assert_close(weight_hh_gradient(model, padded, labels, truncate=truncate), expected)
    shorter = weight_hh_gradient(model, padded, labels, truncate=2)
    assert not torch.allclose(shorter, expected)


def test_truncation_keeps_no_graph_for_the_early_steps() -> None:
    torch.manual_seed(7)
    model = OneHotRecurrentClassifier("gru", VOCAB, HIDDEN)
    padded, _ = equal_length_batch(words=6)
    states = model.states(padded, torch.full((3,), 6), truncate=2)
    assert [s.requires_grad for s in states] == [False] * 4 + [True] * 2
    with torch.no_grad():  # values do not change
        torch.testing.assert_close(states[-1], model.states(padded, torch.full((3,), 6))[-1])


def test_truncation_and_weight_hh_gradient_reject_bad_inputs() -> None:
    model = OneHotRecurrentClassifier("tanh", VOCAB, HIDDEN)
    padded, lengths = padded_batch()
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="truncate"):
            model.states(padded[:1, :5], torch.tensor([5]), truncate=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one length"):
        model.states(padded, lengths, truncate=2)
    batch, labels = equal_length_batch()
    with pytest.raises(ValueError, match="one class per review"):
        weight_hh_gradient(model, batch, labels[:2])
    with pytest.raises(ValueError, match="batch >= 1"):
        weight_hh_gradient(model, batch[:, :0], labels)
    with pytest.raises(ValueError, match="truncate"):
        weight_hh_gradient(model, batch, labels, truncate=0)
