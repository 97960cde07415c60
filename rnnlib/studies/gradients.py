"""How far back a recurrence's gradient reaches: measurements behind chapter 2's BPTT section.

- :func:`state_gradient_norms` -- mean ``‖∂L/∂h_t‖`` by distance from the state the loss reads;
  for the linear recurrence it is ``‖(Uᵀ)^d ∂L/∂h_T‖``, which shrinks like ``ρ(U)^d``;
- :func:`spectral_radius` and :func:`per_step_factor` -- the predicted and the measured factor
  per step;
- :func:`weight_hh_gradient` -- ``∂L/∂W_hh``, the sum over time of backpropagation through time,
  exact or truncated to the last ``k`` steps.

The models measured are :class:`rnnlib.models.recurrences.OneHotRecurrentClassifier` and
:mod:`rnnlib.models.textnet`'s networks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from rnnlib.models.recurrences import OneHotRecurrentClassifier

__all__ = ["per_step_factor", "spectral_radius", "state_gradient_norms", "weight_hh_gradient"]

#: One review's loss and its hidden states, the last being the state the classifier reads.
LossAndStates = Callable[[torch.Tensor, int], tuple[torch.Tensor, list[torch.Tensor]]]


def state_gradient_norms(
    loss_and_states: LossAndStates, reviews: Sequence[tuple[torch.Tensor, int]], max_distance: int
) -> torch.Tensor:
    """Mean ``‖∂L/∂h_t‖`` over reviews, indexed by distance from the state the loss reads.

    ``loss_and_states(indices, label)`` returns one review's loss and the list of its hidden
    states, the last one being the state the classifier reads (distance 0); e.g.
    :meth:`.OneHotRecurrentClassifier.loss_and_states`. Entry ``d`` averages over the reviews
    that have a state ``d`` steps before that one. Run the model in float64 when gradients
    fall below float32's range (1e-38). Returns a float64 tensor of length ``max_distance``
    (NaN where no review reaches that far).

    Raises:
        ValueError: ``max_distance < 1`` or no review.
    """
    if max_distance < 1:
        raise ValueError(f"max_distance={max_distance}: must be at least 1.")
    if not reviews:
        raise ValueError("No review given: pass at least one (word indices, sentiment) pair.")
    sums = torch.zeros(max_distance, dtype=torch.float64)
    counts = torch.zeros(max_distance, dtype=torch.float64)
    for indices, label in reviews:
        loss, states = loss_and_states(indices, int(label))
        if not states:
            continue
        grads = torch.autograd.grad(loss, states)
        norms = torch.stack([g.norm() for g in grads]).flip(0)[:max_distance].double().cpu()
        sums[: len(norms)] += norms
        counts[: len(norms)] += 1
    return torch.where(counts > 0, sums / counts.clamp(min=1), torch.full_like(sums, float("nan")))


def weight_hh_gradient(
    model: OneHotRecurrentClassifier,
    padded: torch.Tensor,
    labels: torch.Tensor,
    *,
    truncate: int | None = None,
) -> torch.Tensor:
    """``∂L/∂W_hh`` of the mean NLL loss of a batch of reviews of one length, by backpropagation
    through time: exact (``truncate=None``), or truncated to the last ``truncate`` steps.

    Full BPTT sums one term per step, ``∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ`` with ``δ_t = ∂L/∂a_t`` (the
    gradient at step ``t``'s pre-activation); truncation keeps the terms of the last ``k`` steps
    and drops the contributions from further back. ``padded`` holds word indices
    ``(batch, time)``, every review ``time`` words long; ``labels`` one class per review. The
    model's own ``.grad`` fields are left untouched.

    Raises:
        ValueError: no review, labels that do not match the batch, or a bad ``truncate``
            (see :meth:`.OneHotRecurrentClassifier.states`).
    """
    if padded.ndim != 2 or padded.shape[0] == 0 or padded.shape[1] == 0:
        raise ValueError(
            f"padded must be word indices (batch >= 1, time >= 1), got shape {tuple(padded.shape)}."
        )
    if labels.shape != (padded.shape[0],):
        raise ValueError(
            f"labels must hold one class per review: shape ({padded.shape[0]},), got {tuple(labels.shape)}."
        )
    lengths = torch.full((padded.shape[0],), padded.shape[1], dtype=torch.long, device=padded.device)
    with torch.enable_grad():
        states = model.states(padded, lengths, truncate=truncate)
        loss = nn.functional.nll_loss(torch.log_softmax(model.head(states[-1]), dim=1), labels)
        (gradient,) = torch.autograd.grad(loss, model.weight_hh)
    return gradient


def spectral_radius(matrix: torch.Tensor | np.ndarray) -> float:
    """``ρ(W) = max |λ|`` over the eigenvalues of a square matrix: the per-step factor by which
    powers ``W^d`` grow (ρ > 1) or shrink (ρ < 1) in the long run.

    Raises:
        ValueError: the matrix is not square (or not 2-D).
    """
    if isinstance(matrix, torch.Tensor):
        matrix = matrix.detach().cpu().double().numpy()
    array = np.asarray(matrix, dtype=float)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise ValueError(f"The spectral radius needs a square matrix, got shape {array.shape}.")
    return float(np.abs(np.linalg.eigvals(array)).max())


def per_step_factor(norms: torch.Tensor | np.ndarray | Sequence[float], steps: int) -> float:
    """The geometric mean of ``norms[d + 1] / norms[d]`` over ``d < steps``, that is
    ``(norms[steps] / norms[0]) ** (1 / steps)``: the mean factor per step.

    Raises:
        ValueError: ``steps`` outside ``1..len(norms) - 1``, or a norm that is not positive and finite.
    """
    values = np.asarray(norms, dtype=float)
    if not 1 <= steps < len(values):
        raise ValueError(f"steps={steps}: must lie in 1..{len(values) - 1} (fewer than the number of norms).")
    first, last = values[0], values[steps]
    if not (np.isfinite(first) and np.isfinite(last) and first > 0 and last > 0):
        raise ValueError(f"norms[0]={first} and norms[{steps}]={last} must be positive and finite (float64).")
    return float((last / first) ** (1.0 / steps))
