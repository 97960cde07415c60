"""rnnlib.studies.gru_api: nn.GRU's shapes, stepping, directions, classifier features, packing, timing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_sequence, pad_sequence

from rnnlib.studies import gru_api
from rnnlib.studies.gru_api import (
    GRUShapes,
    benchmark_modes,
    final_features,
    final_features_from_output,
    gru_shapes,
    run_each_alone,
    run_packed,
    split_directions,
    step_through,
)

CONFIGS = [
    dict(num_layers=1, bidirectional=False, batch_first=False),
    dict(num_layers=2, bidirectional=False, batch_first=True),
    dict(num_layers=2, bidirectional=True, batch_first=False),
    dict(num_layers=3, bidirectional=True, batch_first=True),
]


def make_gru(seed: int = 0, **config: object) -> nn.GRU:
    torch.manual_seed(seed)
    return nn.GRU(4, 6, **config).double()


def batch_input(gru: nn.GRU, seq_len: int, batch: int) -> torch.Tensor:
    shape = (batch, seq_len, gru.input_size) if gru.batch_first else (seq_len, batch, gru.input_size)
    return torch.randn(*shape, dtype=torch.float64)


def reverse_direction(gru: nn.GRU) -> nn.GRU:
    """A one-layer unidirectional GRU holding the backward weights of layer 0."""
    single = nn.GRU(gru.input_size, gru.hidden_size).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(single, f"{name}_l0").copy_(getattr(gru, f"{name}_l0_reverse"))
    return single


# --- gru_shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS)
def test_gru_shapes_match_a_real_call(config: dict) -> None:
    gru = make_gru(**config)
    shapes = gru_shapes(gru, seq_len=5, batch=3)
    x = torch.randn(*shapes.input, dtype=torch.float64)
    h0 = torch.randn(*shapes.h0, dtype=torch.float64)
    output, h_n = gru(x, h0)
    assert tuple(output.shape) == shapes.output and tuple(h_n.shape) == shapes.h_n


def test_batch_first_changes_input_and_output_but_not_the_state() -> None:
    seq_first = gru_shapes(nn.GRU(10, 20, 2, bidirectional=True), seq_len=5, batch=3)
    batch_first = gru_shapes(nn.GRU(10, 20, 2, bidirectional=True, batch_first=True), seq_len=5, batch=3)
    # By hand from nn.GRU's documentation: input (L, N, H_in), h0 and h_n (D * layers, N, H),
    # output (L, N, D * H), with L = 5, N = 3, H_in = 10, H = 20, D = 2, 2 layers.
    assert seq_first == GRUShapes((5, 3, 10), (4, 3, 20), (5, 3, 40), (4, 3, 20))
    assert batch_first == GRUShapes((3, 5, 10), (4, 3, 20), (3, 5, 40), (4, 3, 20))


def test_gru_shapes_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"nn\.GRU"):
        gru_shapes(nn.LSTM(2, 3), 4, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 1"):
        gru_shapes(nn.GRU(2, 3), 0, 1)
    with pytest.raises(ValueError, match="at least 1"):
        gru_shapes(nn.GRU(2, 3), 4, 0)


# --- step_through ---------------------------------------------------------------------------


@pytest.mark.parametrize("config", [c for c in CONFIGS if not c["bidirectional"]])
@pytest.mark.parametrize("with_h0", [False, True])
def test_stepping_equals_the_whole_sequence_call(config: dict, with_h0: bool) -> None:
    gru = make_gru(**config)
    x = batch_input(gru, seq_len=7, batch=3)
    h0 = torch.randn(gru.num_layers, 3, 6, dtype=torch.float64) if with_h0 else None
    out_whole, h_whole = gru(x, h0)
    out_steps, h_steps = step_through(gru, x, h0)
    torch.testing.assert_close(out_steps, out_whole, rtol=0, atol=1e-12)
    torch.testing.assert_close(h_steps, h_whole, rtol=0, atol=1e-12)


def test_stepping_refuses_a_bidirectional_gru_and_bad_inputs() -> None:
    with pytest.raises(ValueError, match="backward direction"):
        step_through(make_gru(bidirectional=True), torch.randn(3, 1, 4, dtype=torch.float64))
    gru = make_gru()
    with pytest.raises(ValueError, match="3 axes"):
        step_through(gru, torch.randn(3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="input_size=4"):
        step_through(gru, torch.randn(3, 1, 5, dtype=torch.float64))
    with pytest.raises(ValueError, match="length 0"):
        step_through(gru, torch.randn(0, 1, 4, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"nn\.GRU"):
        step_through(nn.RNN(4, 6), torch.randn(3, 1, 4))  # type: ignore[arg-type]


# --- split_directions and final features --------------------------------------------------


def test_directions_are_the_forward_and_the_reversed_gru() -> None:
    gru = make_gru(bidirectional=True)
    x = batch_input(gru, seq_len=5, batch=2)
    output, h_n = gru(x)
    parts = split_directions(gru, output, h_n)
    forward_only = nn.GRU(4, 6).double()
    forward_only.load_state_dict({k: v for k, v in gru.state_dict().items() if not k.endswith("_reverse")})
    torch.testing.assert_close(parts.forward, forward_only(x)[0])
    backward_of_flipped = reverse_direction(gru)(x.flip(0))[0]
    torch.testing.assert_close(parts.backward, backward_of_flipped.flip(0))
    assert parts.h_n.shape == (1, 2, 2, 6)
    torch.testing.assert_close(parts.h_n[0, 0], parts.forward[-1])  # forward ends at t = T-1
    torch.testing.assert_close(parts.h_n[0, 1], parts.backward[0])  # backward ends at t = 0


def test_split_directions_of_a_unidirectional_stack() -> None:
    gru = make_gru(num_layers=3)
    output, h_n = gru(batch_input(gru, 4, 2))
    parts = split_directions(gru, output, h_n)
    assert parts.backward is None and parts.forward is output
    assert parts.h_n.shape == (3, 1, 2, 6)
    torch.testing.assert_close(parts.h_n[-1, 0], output[-1])


def test_split_directions_rejects_packed_or_misshapen_results() -> None:
    gru = make_gru(bidirectional=True)
    packed = pack_sequence([torch.randn(3, 4, dtype=torch.float64)])
    packed_out, h_n = gru(packed)
    with pytest.raises(TypeError, match="pad_packed_sequence"):
        split_directions(gru, packed_out, h_n)
    output, h_n = gru(batch_input(gru, 3, 2))
    with pytest.raises(ValueError, match="12 features"):
        split_directions(gru, output[..., :6], h_n)
    with pytest.raises(ValueError, match=r"\(2, batch, 6\)"):
        split_directions(gru, output, h_n[:1])


@pytest.mark.parametrize("config", CONFIGS)
def test_final_features_are_the_last_layers_final_states(config: dict) -> None:
    gru = make_gru(**config)
    x = batch_input(gru, seq_len=5, batch=3)
    output, h_n = gru(x)
    features = final_features(gru, h_n)
    time_major = output.transpose(0, 1) if gru.batch_first else output
    expected = time_major[-1, :, :6]
    if gru.bidirectional:
        expected = torch.cat([expected, time_major[0, :, 6:]], dim=1)
    assert features.shape == (3, 6 * (2 if gru.bidirectional else 1))
    torch.testing.assert_close(features, expected)
    torch.testing.assert_close(final_features_from_output(gru, output, [5, 5, 5]), expected)


def test_the_last_time_step_is_not_the_bidirectional_summary() -> None:
    gru = make_gru(bidirectional=True, batch_first=True)
    x = batch_input(gru, seq_len=6, batch=2)
    output, h_n = gru(x)
    last_step = output[:, -1]  # the homework's features
    right = final_features(gru, h_n)
    torch.testing.assert_close(last_step[:, :6], right[:, :6])
    assert (last_step[:, 6:] - right[:, 6:]).abs().max() > 1e-3
    # The backward half at the last step has read only the last element.
    alone, _ = gru(x[:, -1:])
    torch.testing.assert_close(last_step[:, 6:], alone[:, 0, 6:])


def test_final_features_rejects_a_foreign_state() -> None:
    with pytest.raises(ValueError, match="num_layers \\* num_directions"):
        final_features(make_gru(num_layers=2), torch.zeros(1, 3, 6, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"nn\.GRU"):
        final_features(nn.LSTM(4, 6), torch.zeros(1, 3, 6))  # type: ignore[arg-type]


def test_final_features_from_output_rejects_bad_lengths() -> None:
    gru = make_gru()
    output, _ = gru(batch_input(gru, 4, 2))
    with pytest.raises(ValueError, match="one length per sequence"):
        final_features_from_output(gru, output, [4])
    with pytest.raises(ValueError, match=r"1\.\.4"):
        final_features_from_output(gru, output, [5, 2])
    with pytest.raises(ValueError, match=r"1\.\.4"):
        final_features_from_output(gru, output, [0, 2])


# --- packing ------------------------------------------------------------------------------


def variable_batch(gru: nn.GRU, lengths: list[int]) -> tuple[list[torch.Tensor], torch.Tensor]:
    torch.manual_seed(3)
    seqs = [torch.randn(n, gru.input_size, dtype=torch.float64) for n in lengths]
    return seqs, pad_sequence(seqs, batch_first=gru.batch_first)


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("lengths", [[5, 3, 2], [2, 5, 3]])
def test_packed_batch_equals_each_sequence_alone(config: dict, lengths: list[int]) -> None:
    gru = make_gru(**config)
    seqs, padded = variable_batch(gru, lengths)
    outputs_alone, h_alone = run_each_alone(gru, seqs)
    sorted_ = lengths == sorted(lengths, reverse=True)
    output, h_n = run_packed(gru, padded, lengths, enforce_sorted=sorted_)
    torch.testing.assert_close(h_n, h_alone)
    batch_axis = 0 if gru.batch_first else 1
    for i, n in enumerate(lengths):
        row = output.select(batch_axis, i)
        torch.testing.assert_close(row[:n], outputs_alone[i])
        assert torch.all(row[n:] == 0), "the packed output must be zero after each length"
    torch.testing.assert_close(final_features_from_output(gru, output, lengths), final_features(gru, h_n))


def test_padding_without_packing_changes_the_short_sequences() -> None:
    gru = make_gru()
    seqs, padded = variable_batch(gru, [5, 3, 2])
    _, h_alone = run_each_alone(gru, seqs)
    _, h_naive = gru(padded)
    gap = (h_naive - h_alone).abs().amax(dim=(0, 2))
    assert gap[0] < 1e-12 and gap[1] > 1e-3 and gap[2] > 1e-3


def test_run_packed_keeps_h0_in_input_order() -> None:
    gru = make_gru(num_layers=2)
    seqs, padded = variable_batch(gru, [2, 5, 3])
    h0 = torch.randn(2, 3, 6, dtype=torch.float64)
    _, h_n = run_packed(gru, padded, [2, 5, 3], h0=h0)
    for i, seq in enumerate(seqs):
        _, h_i = gru(seq.unsqueeze(1), h0[:, i : i + 1].contiguous())
        torch.testing.assert_close(h_n[:, i : i + 1], h_i)


def test_run_packed_rejects_bad_lengths() -> None:
    gru = make_gru()
    _, padded = variable_batch(gru, [2, 5, 3])
    with pytest.raises(ValueError, match="decreasing order"):
        run_packed(gru, padded, [2, 5, 3], enforce_sorted=True)
    with pytest.raises(ValueError, match="one length per sequence"):
        run_packed(gru, padded, [5, 3])
    with pytest.raises(ValueError, match=r"1\.\.5"):
        run_packed(gru, padded, [6, 3, 2])
    with pytest.raises(ValueError, match="3 axes"):
        run_packed(gru, padded[:, 0], [5, 3, 2])


def test_run_each_alone_rejects_bad_sequences() -> None:
    gru = make_gru()
    with pytest.raises(ValueError, match="empty"):
        run_each_alone(gru, [])
    with pytest.raises(ValueError, match="sequence 1"):
        run_each_alone(gru, [torch.randn(2, 4, dtype=torch.float64), torch.randn(2, 5, dtype=torch.float64)])
    with pytest.raises(ValueError, match="sequence 0"):
        run_each_alone(gru, [torch.randn(0, 4, dtype=torch.float64)])


# --- benchmark ------------------------------------------------------------------------------


def test_benchmark_reports_every_mode_and_its_speedup() -> None:
    gru = nn.GRU(8, 16, batch_first=True)
    table = benchmark_modes(gru, torch.randn(4, 6, 8), repeats=2)
    assert list(table.index) == ["step", "sequence", "batch"]
    assert table.loc[:, "calls"].tolist() == [24, 4, 1]  # 4 sequences × 6 steps, 4 sequences, 1 batch
    assert (table["seconds"] > 0).all()
    for mode in table.index:  # the definitions, against the frame's own medians
        row = table.loc[mode]
        assert row["speedup_vs_step"] == pytest.approx(table.loc["step", "seconds"] / row["seconds"])
        assert row["ms_per_sequence"] == pytest.approx(1000 * row["seconds"] / 4)


def test_benchmark_times_with_a_fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each GRU call costs 1 ms on a fake clock; the warm-up round costs 1 s a call, and one
    call of the first timed "step" round 1 s too: the medians must ignore both."""
    now = [0.0]
    monkeypatch.setattr(gru_api, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    gru = nn.GRU(8, 16, batch_first=True)
    calls = [0]
    per_round = 24 + 4 + 1  # step, sequence and batch calls of one round, in that order

    def tick(*_: object) -> None:
        slow = calls[0] < per_round or calls[0] == per_round + 5
        now[0] += 1.0 if slow else 0.001
        calls[0] += 1

    gru.register_forward_hook(tick)
    table = benchmark_modes(gru, torch.randn(4, 6, 8), repeats=3)
    assert calls[0] == 4 * per_round  # a warm-up round and 3 timed rounds
    # Computed by hand: step 24 × 1 ms (median of 1.023 s, 24 ms, 24 ms), sequence 4 × 1 ms,
    # batch 1 ms; speedups 24 / 24, 24 / 4 and 24 / 1; ms per sequence = seconds × 1000 / 4.
    expected_seconds = [0.024, 0.004, 0.001]
    assert table["seconds"].tolist() == pytest.approx(expected_seconds)
    assert table["speedup_vs_step"].tolist() == pytest.approx([1.0, 6.0, 24.0])
    assert table["ms_per_sequence"].tolist() == pytest.approx([6.0, 1.0, 0.25])


def test_benchmark_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="repeats=0"):
        benchmark_modes(nn.GRU(8, 16), torch.randn(6, 4, 8), repeats=0)
    with pytest.raises(ValueError, match="unidirectional"):
        benchmark_modes(nn.GRU(8, 16, bidirectional=True), torch.randn(6, 4, 8))
    with pytest.raises(ValueError, match="input_size=8"):
        benchmark_modes(nn.GRU(8, 16), torch.randn(6, 4, 7))
