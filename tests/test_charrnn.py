"""rnnlib.models.charrnn: the lecture's RNN equations, run_name, manual SGD and its loop."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from rnnlib.datasets.surnames import N_LETTERS, SurnameCorpus, line_to_tensor
from rnnlib.models import charrnn
from rnnlib.models.charrnn import (
    LECTURE_LOOP_THREADS,
    LectureRNN,
    SGDRunLog,
    manual_sgd_step,
    run_name,
    sample_example,
    train_lecture_rnn,
)


def small_rnn(seed: int = 0, hidden: int = 8, out: int = 3) -> LectureRNN:
    torch.manual_seed(seed)
    return LectureRNN(N_LETTERS, hidden, out)


def test_defaults_and_shapes() -> None:
    model = LectureRNN()
    assert model.hidden_size == 128
    assert model.c2h.in_features == N_LETTERS + 128 and model.c2h.out_features == 128
    assert model.c2o.out_features == 18
    h = model.init_hidden(4)
    assert h.shape == (4, 128) and not h.any()
    assert model.init_hidden().shape == (1, 128)


@pytest.mark.parametrize("field", ["input_size", "hidden_size", "output_size"])
def test_constructor_rejects_zero_sizes(field: str) -> None:
    kwargs = {"input_size": 5, "hidden_size": 4, "output_size": 3, field: 0}
    with pytest.raises(ValueError, match=rf"{field}=0: must be at least 1"):
        LectureRNN(**kwargs)


def test_forward_matches_the_equations() -> None:
    model = small_rnn()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, N_LETTERS, generator=g)
    h = torch.randn(2, 8, generator=g)
    out, h_next = model(x, h)
    xh = torch.cat([x, h], dim=1)
    logits = xh @ model.c2o.weight.T + model.c2o.bias
    expected_out = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    expected_h = xh @ model.c2h.weight.T + model.c2h.bias  # no non-linearity, as in the lecture
    torch.testing.assert_close(out, expected_out)
    torch.testing.assert_close(h_next, expected_h)
    torch.testing.assert_close(out.exp().sum(dim=1), torch.ones(2))
    assert out.shape == (2, 3) and h_next.shape == (2, 8)


def test_run_name_is_the_letter_loop_from_zero() -> None:
    model = small_rnn()
    line = line_to_tensor("Kim")
    h = torch.zeros(1, 8)
    for letter in line:
        expected, h = model(letter, h)
    torch.testing.assert_close(run_name(model, line), expected)


def test_run_name_resets_the_hidden_state() -> None:
    model = small_rnn()
    first = run_name(model, line_to_tensor("Nakamura"))
    run_name(model, line_to_tensor("Smith"))
    second = run_name(model, line_to_tensor("Nakamura"))
    assert torch.equal(first, second)
    assert first.shape == (1, 3)


@pytest.mark.parametrize("shape", [(0, 1, N_LETTERS), (3, N_LETTERS)])
def test_run_name_rejects_bad_tensors(shape: tuple[int, ...]) -> None:
    with pytest.raises(
        ValueError, match=r"Expected a name tensor of shape \(letters, 1, 57\).*line_to_tensor\(\)"
    ):
        run_name(small_rnn(), torch.zeros(shape))


def test_nll_of_log_softmax_is_cross_entropy_of_logits() -> None:
    model = small_rnn()
    x, h = line_to_tensor("A")[0], model.init_hidden()
    log_probs, _ = model(x, h)
    logits = model.c2o(torch.cat([x, h], dim=1))
    target = torch.tensor([2])
    torch.testing.assert_close(
        nn.functional.nll_loss(log_probs, target), nn.functional.cross_entropy(logits, target)
    )
    torch.testing.assert_close(nn.functional.nll_loss(log_probs, target), -log_probs[0, 2])


def test_manual_sgd_step_is_p_minus_lr_grad() -> None:
    model = small_rnn()
    reference = copy.deepcopy(model)
    line, target, lr = line_to_tensor("Dvorak"), torch.tensor([1]), 0.1
    # Our own forward + backward on an identical copy.
    h = torch.zeros(1, 8)
    for letter in line:
        out, h = reference(letter, h)
    ref_loss = -out[0, 1]
    ref_loss.backward()
    expected = {n: (p - lr * p.grad).detach() for n, p in reference.named_parameters()}

    output, loss = manual_sgd_step(model, line, target, lr=lr)
    assert loss == pytest.approx(ref_loss.item())
    torch.testing.assert_close(output, out)
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.detach(), expected[name], rtol=0, atol=1e-7)
        assert not torch.equal(p.detach(), dict(reference.named_parameters())[name].detach())


def test_manual_sgd_step_does_not_accumulate_gradients() -> None:
    model = small_rnn()
    line, target = line_to_tensor("Li"), torch.tensor([0])
    manual_sgd_step(model, line, target, lr=0.05)
    after_first = copy.deepcopy(model)
    manual_sgd_step(model, line, target, lr=0.05)
    # The second step uses only the second gradient.
    after_first.zero_grad()
    nn.functional.nll_loss(run_name(after_first, line), target).backward()
    for (name, p), q in zip(model.named_parameters(), after_first.parameters(), strict=True):
        torch.testing.assert_close(p.detach(), (q - 0.05 * q.grad).detach(), rtol=0, atol=1e-7, msg=name)


@pytest.mark.parametrize("lr", [0.0, -0.1])
def test_manual_sgd_step_rejects_bad_lr(lr: float) -> None:
    with pytest.raises(ValueError, match=rf"lr={lr}: the learning rate must be positive"):
        manual_sgd_step(small_rnn(), line_to_tensor("A"), torch.tensor([0]), lr=lr)


def test_classify_is_run_name_per_name() -> None:
    model = small_rnn()
    names = ["Kim", "Nakamura", "O'Neil"]
    out = model.classify(names)
    assert out.shape == (3, 3)
    for row, name in zip(out, names, strict=True):
        torch.testing.assert_close(row, run_name(model, line_to_tensor(name))[0])


# --------------------------------------------------------------------------- sampling and the SGD loop


def imbalanced() -> SurnameCorpus:
    # Language 0 has one name, language 1 has 99; language 2 has none.
    return SurnameCorpus(
        ["Solo"] + [f"Many{c}" for c in "abcdefghi" * 11],
        np.array([0] + [1] * 99),
        ["rare", "common", "absent"],
    )


def test_sample_example_balanced_and_natural() -> None:
    corpus = imbalanced()
    rng = np.random.default_rng(0)
    balanced = [sample_example(corpus, rng) for _ in range(2000)]
    natural = [sample_example(corpus, rng, balanced=False) for _ in range(2000)]
    assert all(0 <= i < len(corpus) for i in balanced + natural)
    assert 0.4 < np.mean(np.array(balanced) == 0) < 0.6  # language first, then a name
    assert np.mean(np.array(natural) == 0) < 0.03  # names in their natural proportion
    assert isinstance(balanced[0], int)


def test_sample_example_is_reproducible_and_rejects_empty() -> None:
    corpus = imbalanced()
    a = [sample_example(corpus, np.random.default_rng(5)) for _ in range(3)]
    b = [sample_example(corpus, np.random.default_rng(5)) for _ in range(3)]
    assert a == b
    with pytest.raises(ValueError, match=r"Cannot sample from an empty corpus"):
        sample_example(SurnameCorpus([], np.array([], dtype=int), ["x"]), np.random.default_rng(0))


def two_languages() -> SurnameCorpus:
    names = ["aaa", "aa", "aaaa", "aaaaa", "zzz", "zz", "zzzz", "zzzzz"]
    return SurnameCorpus(names, np.array([0, 0, 0, 0, 1, 1, 1, 1]), ["A", "Z"])


def test_train_lecture_rnn_learns_and_logs() -> None:
    corpus = two_languages()
    model = small_rnn(out=2)
    log = train_lecture_rnn(model, corpus, steps=300, lr=0.05, record_every=50, seed=0)
    assert isinstance(log, SGDRunLog)
    assert log.steps == 300 and log.record_every == 50
    assert len(log.losses) == 6
    assert log.losses[-1] < log.losses[0] / 2
    assert log.seconds > 0
    assert model.classify(["aaaa", "zzzz"]).argmax(1).tolist() == [0, 1]


def test_train_lecture_rnn_is_reproducible() -> None:
    corpus = two_languages()
    a = train_lecture_rnn(small_rnn(out=2), corpus, steps=40, record_every=20, seed=1, balanced=False)
    b = train_lecture_rnn(small_rnn(out=2), corpus, steps=40, record_every=20, seed=1, balanced=False)
    assert a.losses == b.losses and len(a.losses) == 2
    # A tail shorter than record_every is not recorded.
    c = train_lecture_rnn(small_rnn(out=2), corpus, steps=45, record_every=20, seed=1)
    assert len(c.losses) == 2


@pytest.mark.parametrize(("steps", "record_every"), [(0, 10), (10, 0)])
def test_train_lecture_rnn_rejects_bad_counts(steps: int, record_every: int) -> None:
    with pytest.raises(
        ValueError, match=rf"steps={steps}, record_every={record_every}: both must be at least 1"
    ):
        train_lecture_rnn(small_rnn(), two_languages(), steps=steps, record_every=record_every)


# --------------------------------------------------------------------------- torch threads in the loop


def threads_seen_by_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record torch's thread count at every manual_sgd_step the loop makes."""
    seen: list[int] = []
    real = charrnn.manual_sgd_step

    def recording(*args: object, **kwargs: object) -> tuple[torch.Tensor, float]:
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(charrnn, "manual_sgd_step", recording)
    return seen


@pytest.mark.parametrize(
    ("threads", "expected"),
    [("default", min(LECTURE_LOOP_THREADS, 4)), (2, 2), (None, 4), (8, 4)],  # 8 > 4: never raised
)
def test_train_lecture_rnn_runs_under_the_thread_bound(
    four_threads: int, monkeypatch: pytest.MonkeyPatch, threads: int | str | None, expected: int
) -> None:
    seen = threads_seen_by_steps(monkeypatch)
    kwargs = {} if threads == "default" else {"threads": threads}
    train_lecture_rnn(small_rnn(out=2), two_languages(), steps=5, record_every=5, **kwargs)
    assert seen == [expected] * 5
    assert torch.get_num_threads() == 4, "restored after the loop"


def test_lecture_loop_default_is_no_more_than_two_threads() -> None:
    # With many threads set, the loop must not run slower than on a 2-core machine.
    assert 1 <= LECTURE_LOOP_THREADS <= 2


def test_train_lecture_rnn_restores_threads_after_an_error(
    four_threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        assert torch.get_num_threads() == 1
        raise RuntimeError("step failed")

    monkeypatch.setattr(charrnn, "manual_sgd_step", failing)
    with pytest.raises(RuntimeError, match="step failed"):
        train_lecture_rnn(small_rnn(out=2), two_languages(), steps=3)
    assert torch.get_num_threads() == 4


def test_train_lecture_rnn_rejects_a_bad_thread_bound() -> None:
    with pytest.raises(ValueError, match=r"n=0: the number of torch threads"):
        train_lecture_rnn(small_rnn(out=2), two_languages(), steps=3, threads=0)
