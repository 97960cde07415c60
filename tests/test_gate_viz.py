"""rnnlib.viz.gate_viz: the gated classifier, gate traces, their figure and the widget callbacks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from rnnlib.datasets.sentiment import collate_for_sentiment
from rnnlib.models.gated import GatedSentimentGRU
from rnnlib.viz.gate_viz import GateExplorer, pick_examples, plot_gate_trace, trace_review

VOCAB = {w: i for i, w in enumerate(["good", "bad", "not", "very", "the", "product"])}


def model(seed: int = 0) -> GatedSentimentGRU:
    torch.manual_seed(seed)
    return GatedSentimentGRU(len(VOCAB), embed_dim=4, hidden_size=3)


def test_forward_reads_each_reviews_own_last_word() -> None:
    m = model()
    a = torch.tensor([0, 3, 1])
    b = torch.tensor([2, 0])
    (padded, lengths), labels = collate_for_sentiment([(a, 0, 1), (b, 0, 0)])
    batched = m((padded, lengths))
    alone = torch.cat([m((x.unsqueeze(0), torch.tensor([len(x)]))) for x in (a, b)])
    torch.testing.assert_close(batched, alone)
    assert batched.shape == (2, 2) and labels.tolist() == [1, 0]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ((torch.zeros(2, 3, dtype=torch.long), torch.tensor([1])), "collate_for_sentiment"),
        ((torch.zeros(1, 3, dtype=torch.long), torch.tensor([4])), "between 1 and the padded length"),
    ],
)
def test_forward_rejects_bad_batches(inputs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        model()(inputs)


def test_constructor_rejects_zero_sizes() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GatedSentimentGRU(0)


def test_trace_records_gates_norms_and_running_prediction() -> None:
    m = model(1)
    trace = trace_review(m, "The product is NOT good, very bad!", VOCAB)
    assert trace.words == ["the", "product", "not", "good", "very", "bad"]
    assert trace.skipped == ["is"]
    assert trace.z.shape == trace.r.shape == (6, 3)
    assert ((0 <= trace.z) & (trace.z <= 1)).all() and ((0 <= trace.r) & (trace.r <= 1)).all()
    # The running prediction after the last word is the model's prediction for the whole review.
    indices = torch.tensor([[VOCAB[w] for w in trace.words]])
    with torch.no_grad():
        whole = torch.softmax(m((indices, torch.tensor([6]))), dim=1)[0, 1].item()
        h = m.gru(m.embed(indices))[0][0]
    assert trace.p_positive[-1] == pytest.approx(whole, abs=1e-6)
    np.testing.assert_allclose(trace.h_norm, h.norm(dim=1).numpy(), atol=1e-6)
    assert m.training, "the model's mode is restored"


def test_trace_of_unknown_words_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"None of the words.*vocabulary"):
        trace_review(model(), "zzz qqq", VOCAB)


def test_plot_gate_trace_draws_the_four_panels() -> None:
    trace = trace_review(model(), "good product, not bad", VOCAB)
    fig = plot_gate_trace(trace, title="t")
    axes = fig.axes[:4]
    assert [t.get_text() for t in axes[3].get_xticklabels()] == trace.words
    assert axes[0].get_ylabel().startswith("update gate z") and axes[1].get_ylabel().startswith(
        "reset gate r"
    )
    assert axes[3].get_ylabel() == "P(positive)" and fig._suptitle.get_text() == "t"
    np.testing.assert_allclose(axes[2].lines[0].get_ydata(), trace.h_norm)
    plt.close(fig)
    short = plot_gate_trace(trace, max_words=2)
    assert len(short.axes[3].get_xticklabels()) == 2
    plt.close(short)
    with pytest.raises(ValueError, match="max_words=0"):
        plot_gate_trace(trace, max_words=0)


def test_explorer_callbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr(plt, "show", lambda fig=None: shown.append(fig))
    explorer = GateExplorer(model(), VOCAB, {"pos": "very good product", "neg": "bad, not good"})
    explorer.on_select({"new": "neg"})
    assert explorer.text.value == "bad, not good" and explorer.last_trace.words == ["bad", "not", "good"]
    explorer.on_select({"new": GateExplorer.CUSTOM})  # keeps the text, draws nothing new
    assert len(shown) == 1
    explorer.text.value = "the the good"
    explorer.on_show()
    assert explorer.last_trace.words == ["the", "the", "good"] and len(shown) == 2
    explorer.text.value = "unknown words only"
    explorer.on_show()
    assert explorer.last_trace is None and "None of the words" in explorer.last_error
    assert explorer.widget.children[0] is explorer.choice
    for fig in shown:
        plt.close(fig)


def test_explorer_needs_examples() -> None:
    with pytest.raises(ValueError, match="at least one example"):
        GateExplorer(model(), VOCAB, {})


def test_pick_examples_takes_the_first_short_review_of_each_sentiment() -> None:
    reviews = [
        ("too short", 1),
        ("a fine and solid product, works", 1),
        ("later one is also fine ok", 1),
        ("broke after two days, avoid it", 0),
    ]
    assert pick_examples(reviews) == {
        "a short positive review": "a fine and solid product, works",
        "a short negative review": "broke after two days, avoid it",
    }
