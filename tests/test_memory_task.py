"""rnnlib.studies.memory_task: the task's sequences, the starts, the four encoders, a run."""

from __future__ import annotations

import math

import pytest
import torch

from rnnlib.models.gru import GRU
from rnnlib.studies.memory_task import (
    MEMORY_MODELS,
    RECURRENT_STARTS,
    MemoryClassifier,
    MemoryJob,
    MemoryRun,
    evaluate_memory,
    memory_batch,
    memory_test_set,
    run_memory_job,
    start_recurrence,
    start_update_gate,
    train_memory_task,
)


def test_a_batch_holds_the_bit_at_step_0_and_noise_everywhere() -> None:
    x, y = memory_batch(500, 7, torch.Generator().manual_seed(0))
    assert x.shape == (500, 8, 2) and y.shape == (500,)
    assert set(y.tolist()) == {0, 1}
    assert torch.equal(x[:, 0, 0], 2.0 * y - 1)  # +1 for bit 1, -1 for bit 0
    assert torch.equal(x[:, 1:, 0], torch.zeros(500, 7))
    assert abs(x[:, :, 1].mean().item()) < 0.05 and abs(x[:, :, 1].std().item() - 1) < 0.05
    again = memory_batch(500, 7, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], x) and torch.equal(again[1], y)


@pytest.mark.parametrize(("n", "distance", "name"), [(0, 3, "n=0"), (4, 0, "distance=0"), (2.5, 3, "n=2.5")])
def test_a_batch_rejects_bad_sizes(n, distance, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        memory_batch(n, distance, torch.Generator())


def test_the_test_set_is_fixed_per_distance() -> None:
    a, b = memory_test_set(5, 50), memory_test_set(5, 50)
    assert torch.equal(a[0], b[0]) and a[0].shape == (50, 6, 2)
    assert not torch.equal(memory_test_set(6, 50)[0][:, :6], a[0])
    with pytest.raises(ValueError, match="size=0"):
        memory_test_set(5, 0)


@pytest.mark.parametrize("swap", [False, True])
def test_update_gate_starts_at_z0_for_both_activations(swap: bool) -> None:
    torch.manual_seed(0)
    gru = GRU(2, 5, num_layers=2, swap_activations=swap)
    start_update_gate(gru, 0.05)
    for cell in gru.cells:
        with torch.no_grad():  # zero input and state: only the biases remain
            _, gates = cell(torch.zeros(1, cell.input_size), torch.zeros(1, 5))
        torch.testing.assert_close(gates["z"], torch.full((1, 5), 0.05))
        expected = math.atanh(0.05) if swap else math.log(0.05 / 0.95)
        torch.testing.assert_close(cell.bias_ih[5:10], torch.full((5,), expected))
        assert torch.equal(cell.bias_hh[5:10], torch.zeros(5))
        assert not torch.equal(cell.bias_ih[:5], torch.full((5,), expected)), "only z's part changes"


@pytest.mark.parametrize("z0", [0.0, 1.0, -0.1, 1.5])
def test_update_gate_start_rejects_values_outside_0_1(z0: float) -> None:
    with pytest.raises(ValueError, match=r"strictly between 0 and 1"):
        start_update_gate(GRU(2, 3), z0)


@pytest.mark.parametrize("model", MEMORY_MODELS)
def test_each_classifier_scores_each_sequence(model: str) -> None:
    torch.manual_seed(0)
    net = MemoryClassifier(model, hidden_size=6, z0=0.05)
    x, _ = memory_batch(4, 9, torch.Generator().manual_seed(1))
    assert net(x).shape == (4, 2) and net.states(x).shape == (4, 10, 6)
    torch.testing.assert_close(net(x), net.head(net.states(x)[:, -1]))
    if model == "tanh_rnn":
        assert isinstance(net.encoder, torch.nn.RNN) and net.encoder.nonlinearity == "tanh"
    elif model == "lstm":
        assert isinstance(net.encoder, torch.nn.LSTM) and net.encoder.batch_first
    else:
        cell = net.encoder.cells[0]
        assert (cell.gate is torch.tanh) == (model == "swapped")
        expected = math.atanh(0.05) if model == "swapped" else math.log(0.05 / 0.95)
        torch.testing.assert_close(cell.bias_ih[6:12], torch.full((6,), expected))


def test_classifier_rejects_unknown_models_and_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"model='rnn': use one of 'gru', 'swapped', 'tanh_rnn', 'lstm'"):
        MemoryClassifier("rnn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hidden_size=0"):
        MemoryClassifier("gru", 0)
    with pytest.raises(ValueError, match=r"\(batch, time >= 1, 2\)"):
        MemoryClassifier("gru", 3)(torch.zeros(2, 4, 3))


def test_without_z0_the_gru_keeps_nn_grus_initialization() -> None:
    torch.manual_seed(0)
    net = MemoryClassifier("gru", 8, z0=None)
    biases = net.encoder.cells[0].bias_ih[8:16]
    assert biases.abs().max() <= 1 / math.sqrt(8) and biases.std() > 0


def test_a_short_run_learns_the_bit_and_the_gru_state_stays_bounded() -> None:
    threads = torch.get_num_threads()
    state = torch.random.get_rng_state()
    run = train_memory_task("gru", 2, seed=0, updates=60, hidden_size=4, test_size=200, long_steps=40)
    assert isinstance(run, MemoryRun) and (run.model, run.distance, run.seed) == ("gru", 2, 0)
    assert run.accuracy >= 0.95 and run.final_loss < 0.6  # chance: ln 2 = 0.69
    # Each unit is a convex combination of its old value and a candidate in [-1, 1]: |h_j| <= 1.
    assert run.max_state_norm <= math.sqrt(4) + 1e-6
    assert 0 <= run.long_accuracy <= 1 and run.seconds > 0
    assert torch.equal(torch.random.get_rng_state(), state), "torch's global generator is untouched"
    assert torch.get_num_threads() == threads
    again = train_memory_task("gru", 2, seed=0, updates=60, hidden_size=4, test_size=200, long_steps=40)
    assert (again.accuracy, again.final_loss) == (run.accuracy, run.final_loss)


def test_an_untrained_budget_stays_at_chance() -> None:
    """One update cannot learn the bit: the test is not rigged to pass."""
    run = train_memory_task("tanh_rnn", 3, seed=1, updates=1, hidden_size=4, test_size=400, long_steps=10)
    assert run.accuracy < 0.75


def test_overflowed_states_count_as_wrong() -> None:
    """Tanh gates held near z = -1 extrapolate, h' = 2h - ñ: the state doubles every step and
    overflows float32 within a few hundred steps. Those sequences count as wrong, the norm is nan;
    a GRU's state, by contrast, stays within [-1, 1] per unit."""
    torch.manual_seed(0)
    swapped = MemoryClassifier("swapped", 4)
    with torch.no_grad():
        swapped.encoder.cells[0].bias_ih[4:8] = -20.0  # z = tanh(-20 + small) = -1
    _, short_norm = evaluate_memory(swapped, 5, 200)
    assert math.isfinite(short_norm) and short_norm > 10  # already growing after 6 steps
    accuracy, norm = evaluate_memory(swapped, 299, 200)
    assert math.isnan(norm) and accuracy == 0.0
    gru = MemoryClassifier("gru", 4)
    with torch.no_grad():
        gru.encoder.cells[0].bias_ih[4:8] = 20.0  # z = 1: always take the candidate
    gru_accuracy, gru_norm = evaluate_memory(gru, 299, 200)
    assert gru_norm <= 2.0 + 1e-6 and 0 < gru_accuracy < 1
    assert gru.training, "the mode is restored"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "lr=0.0"),
        ({"clip": -1.0}, "clip=-1.0"),
        ({"updates": 0}, "updates=0"),
        ({"long_steps": 1}, "long_steps=1"),
        ({"z0": 1.0}, "z0=1.0"),
    ],
)
def test_a_run_rejects_bad_settings(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_memory_task("gru", 2, 0, **kwargs)


@pytest.mark.parametrize("start", ["identity", "orthogonal"])
def test_tanh_rnn_starts_keep_the_state_and_zero_the_biases(start: str) -> None:
    torch.manual_seed(0)
    net = MemoryClassifier("tanh_rnn", 6, recurrence=start)  # type: ignore[arg-type]
    rnn = net.encoder
    U = rnn.weight_hh_l0.detach()
    torch.testing.assert_close(U @ U.T, torch.eye(6), atol=1e-5, rtol=0)  # orthogonal (or I)
    assert torch.equal(U, torch.eye(6)) == (start == "identity")
    assert torch.equal(rnn.bias_hh_l0, torch.zeros(6)) and torch.equal(rnn.bias_ih_l0, torch.zeros(6))
    assert rnn.weight_ih_l0.abs().max() <= 1 / math.sqrt(6) and rnn.weight_ih_l0.std() > 0, "input untouched"


def test_tanh_rnn_default_start_and_seeded_orthogonal_start() -> None:
    torch.manual_seed(0)
    rnn = torch.nn.RNN(2, 5)
    before = {k: v.clone() for k, v in rnn.state_dict().items()}
    start_recurrence(rnn, "default")
    assert all(torch.equal(before[k], v) for k, v in rnn.state_dict().items())
    a, b = torch.nn.RNN(2, 5, num_layers=2), torch.nn.RNN(2, 5, num_layers=2)
    start_recurrence(a, "orthogonal", seed=3)
    start_recurrence(b, "orthogonal", seed=3)
    assert torch.equal(a.weight_hh_l1, b.weight_hh_l1) and torch.equal(a.bias_ih_l1, torch.zeros(5))
    assert set(RECURRENT_STARTS) == {"default", "identity", "orthogonal"}
    with pytest.raises(ValueError, match=r"start='eye': use one of 'default', 'identity', 'orthogonal'"):
        start_recurrence(rnn, "eye")  # type: ignore[arg-type]


def test_lstm_forget_bias_start_and_default() -> None:
    torch.manual_seed(0)
    net = MemoryClassifier("lstm", 4, forget_bias=1.0)
    lstm = net.encoder
    assert torch.equal(lstm.bias_ih_l0[4:8], torch.ones(4)) and torch.equal(
        lstm.bias_hh_l0[4:8], torch.zeros(4)
    )
    plain = MemoryClassifier("lstm", 4).encoder
    assert plain.bias_ih_l0[4:8].abs().max() <= 0.5 and plain.bias_ih_l0[4:8].std() > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "gru", "recurrence": "identity"}, "use model='tanh_rnn'"),
        ({"model": "lstm", "recurrence": "orthogonal"}, "use model='tanh_rnn'"),
        ({"model": "tanh_rnn", "forget_bias": 1.0}, "use model='lstm'"),
        ({"model": "gru", "forget_bias": 1.0}, "use model='lstm'"),
        ({"model": "lstm", "forget_bias": float("inf")}, "finite number"),
    ],
)
def test_a_start_for_another_model_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MemoryClassifier(**kwargs)


def test_runs_pass_the_starts_on() -> None:
    lstm = train_memory_task(
        "lstm", 2, 0, updates=40, hidden_size=4, test_size=100, long_steps=10, z0=None, forget_bias=1.0
    )
    rnn = train_memory_task(
        "tanh_rnn", 2, 0, updates=40, hidden_size=4, test_size=100, long_steps=10, recurrence="identity"
    )
    assert lstm.model == "lstm" and rnn.model == "tanh_rnn"
    assert lstm.max_state_norm <= 2.0 + 1e-6, "an LSTM's h = o * tanh(c) stays in [-1, 1] per unit"
    assert rnn.accuracy > 0.9
    with pytest.raises(ValueError, match="use model='lstm'"):
        train_memory_task("gru", 2, 0, updates=1, forget_bias=1.0)


def test_a_job_runs_as_train_memory_task(monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnlib.studies.memory_task as mt

    seen = {}

    def fake(model, distance, seed, **kwargs):
        seen.update(model=model, distance=distance, seed=seed, **kwargs)
        return "run"

    monkeypatch.setattr(mt, "train_memory_task", fake)
    job = MemoryJob("tanh_rnn", 7, 2, updates=5, recurrence="orthogonal")
    assert run_memory_job(job) == "run"
    assert seen == {
        "model": "tanh_rnn",
        "distance": 7,
        "seed": 2,
        "updates": 5,
        "z0": None,
        "recurrence": "orthogonal",
        "forget_bias": None,
    }
