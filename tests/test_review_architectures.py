"""The contestants of chapter 7: shapes, parameter counts against the hand formulas, padding
invariance (alone and in a padded batch), and hand-computed features."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from rnnlib.core.training import count_parameters
from rnnlib.models.review_architectures import (
    CELLS,
    CNNLSTM,
    BagOfWordsMLP,
    EmbeddingBagClassifier,
    EmbeddingFlattenMLP,
    KimCNN,
    RecurrentReader,
)

V, D, H, C = 50, 6, 5, 3

FACTORIES: dict[str, Callable[[], nn.Module]] = {
    "bow": lambda: BagOfWordsMLP(V, H, C),
    "flatten": lambda: EmbeddingFlattenMLP(V, D, max_length=12, hidden_size=H, num_classes=C),
    "bag": lambda: EmbeddingBagClassifier(V, D, C),
    "cnn": lambda: KimCNN(V, D, filters=4, widths=(2, 3, 5), num_classes=C),
    "tanh": lambda: RecurrentReader(V, "tanh", D, H, C),
    "lstm": lambda: RecurrentReader(V, "lstm", D, H, C),
    "gru": lambda: RecurrentReader(V, "gru", D, H, C),
    "cnnlstm": lambda: CNNLSTM(V, D, filters=4, width=3, pool=2, hidden_size=H, num_classes=C),
}


def reviews(seed: int = 0) -> list[torch.Tensor]:
    """Reviews of 1 to 12 words (shorter than every filter and longer than the pools)."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(1, V + 1, (n,), generator=g) for n in (1, 2, 4, 7, 12, 3)]


def batch(items: list[torch.Tensor], extra: int = 0, fill: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest review plus ``extra`` steps, with ``fill`` after each review."""
    steps = max(len(r) for r in items) + extra
    padded = torch.full((len(items), steps), fill, dtype=torch.long)
    for i, r in enumerate(items):
        padded[i, : len(r)] = r
    return padded, torch.tensor([len(r) for r in items])


@pytest.mark.parametrize("name", FACTORIES)
def test_scores_have_one_row_per_review(name: str) -> None:
    torch.manual_seed(0)
    scores = FACTORIES[name]()(batch(reviews()))
    assert scores.shape == (6, C) and torch.isfinite(scores).all()


@pytest.mark.parametrize("name", FACTORIES)
def test_a_review_scores_the_same_alone_and_in_a_padded_batch(name: str) -> None:
    torch.manual_seed(1)
    model = FACTORIES[name]().double().eval()
    items = reviews(1)
    together = model(batch(items, extra=3))
    # whatever stands after a review's last word (here word 7, not padding) changes nothing
    garbage = model(batch(items, extra=3, fill=7))
    for i, review in enumerate(items):
        alone = model((review[None], torch.tensor([len(review)])))
        torch.testing.assert_close(together[i], alone[0], rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(garbage[i], alone[0], rtol=1e-10, atol=1e-10)


def lstm_like(blocks: int, inputs: int, hidden: int) -> int:
    return blocks * (hidden * inputs + hidden * hidden + 2 * hidden)


@pytest.mark.parametrize(
    ("name", "by_hand"),
    [
        ("bow", V * H + H + H * C + C),
        ("flatten", (V + 1) * D + 12 * D * H + H + H * C + C),
        ("bag", (V + 1) * D + D * C + C),
        ("cnn", (V + 1) * D + sum(4 * D * w + 4 for w in (2, 3, 5)) + 3 * 4 * C + C),
        ("tanh", (V + 1) * D + lstm_like(1, D, H) + H * C + C),
        ("lstm", (V + 1) * D + lstm_like(4, D, H) + H * C + C),
        ("gru", (V + 1) * D + lstm_like(3, D, H) + H * C + C),
        ("cnnlstm", (V + 1) * D + 4 * D * 3 + 4 + lstm_like(4, 4, H) + H * C + C),
    ],
)
def test_parameter_counts_follow_the_hand_formulas(name: str, by_hand: int) -> None:
    assert count_parameters(FACTORIES[name]()) == by_hand


def test_the_source_notebooks_flatten_model_has_its_count() -> None:
    # 004's 1(b): 10,000 words + padding, 32-d vectors, 500 positions, 64 hidden units, one score
    # would be 10,001·32 + 500·32·64 + 64 + 64 + 1; with two scores (softmax) one more row of 64 + 1.
    model = EmbeddingFlattenMLP(10_000, 32, max_length=500, hidden_size=64, num_classes=2)
    assert count_parameters(model) == 10_001 * 32 + 500 * 32 * 64 + 64 + 64 * 2 + 2 == 1_344_226


def test_multi_hot_marks_each_word_once_and_never_the_padding() -> None:
    model = BagOfWordsMLP(5, 2)
    padded = torch.tensor([[3, 3, 1, 0], [5, 2, 2, 4]])
    hot = model.multi_hot((padded, torch.tensor([3, 2])))
    assert hot.tolist() == [[1, 0, 1, 0, 0], [0, 1, 0, 0, 1]]  # word 4 of row 2 is past its end


def test_the_bag_is_the_mean_of_the_real_word_vectors() -> None:
    model = EmbeddingBagClassifier(4, 2)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.tensor([[0.0, 0], [1, 2], [3, 4], [5, 6], [7, 8]]))
    means = model.mean_vector((torch.tensor([[1, 2, 0], [4, 4, 4]]), torch.tensor([2, 1])))
    assert means.tolist() == [[2.0, 3.0], [7.0, 8.0]]


def test_kim_cnn_takes_the_largest_window_inside_the_review() -> None:
    model = KimCNN(3, 1, filters=1, widths=(2,), num_classes=1)
    with torch.no_grad():
        model.embedding.weight.copy_(torch.tensor([[0.0], [1.0], [-1.0], [10.0]]))
        model.convs[0].weight.copy_(torch.tensor([[[1.0, 1.0]]]))  # the sum of two neighbours
        model.convs[0].bias.zero_()
    # words 1, 1, 2 → windows 1+1 = 2, 1-1 = 0; the word 3 (10) past the length is not read
    pooled = model.pooled((torch.tensor([[1, 1, 2, 3]]), torch.tensor([3])))
    assert pooled.tolist() == [[2.0]]
    # one word, shorter than the window: its only window is the word and a zero vector
    assert model.pooled((torch.tensor([[3]]), torch.tensor([1]))).tolist() == [[10.0]]


def test_cnn_lstm_pools_the_windows_inside_the_review() -> None:
    model = CNNLSTM(4, 2, filters=3, width=2, pool=3, hidden_size=2)
    padded = torch.tensor([[1, 2, 3, 4, 1, 2, 3, 0, 0], [1, 2, 0, 0, 0, 0, 0, 0, 0]])
    pooled, steps = model.pooled_sequence((padded, torch.tensor([7, 2])))
    # 7 words → 6 windows → 2 pooled steps; 2 words → 1 window → 1 step
    assert steps.tolist() == [2, 1] and pooled.shape == (2, 3, 3)
    windows = torch.relu(model.conv(model.embedding(padded[:1, :7]).transpose(1, 2)))
    torch.testing.assert_close(pooled[0, :2], windows.reshape(3, 2, 3).amax(-1).T)


@pytest.mark.parametrize("cell", CELLS)
def test_the_reader_reads_the_state_after_the_last_real_word(cell: str) -> None:
    torch.manual_seed(2)
    model = RecurrentReader(V, cell, D, H)  # type: ignore[arg-type]
    items = reviews(2)
    states = model.last_states(batch(items, extra=2))
    for i, review in enumerate(items):
        out, _ = model.recurrence(model.embedding(review)[None])  # the review alone, batch first
        torch.testing.assert_close(states[i], out[0, -1])


def test_the_padding_vector_stays_zero_and_gets_no_gradient() -> None:
    torch.manual_seed(3)
    model = RecurrentReader(V, "gru", D, H)
    model(batch(reviews(), extra=2)).sum().backward()
    assert model.embedding.weight[0].abs().sum() == 0
    assert model.embedding.weight.grad is not None and model.embedding.weight.grad[0].abs().sum() == 0


@pytest.mark.parametrize("name", FACTORIES)
def test_words_outside_the_vocabulary_are_refused(name: str) -> None:
    model = FACTORIES[name]()
    with pytest.raises(
        ValueError, match=rf"word indices must lie in 0\.\.{V} \(0 the padding\), got 0\.\.{V + 1}"
    ):
        model((torch.tensor([[1, V + 1, 0]]), torch.tensor([2])))
    with pytest.raises(
        TypeError,
        match=r"takes \(padded indices, lengths\), as collate_for_sentiment batches them; got Tensor",
    ):
        model(torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match=r"lengths must give one length in 1\.\.2"):
        model((torch.tensor([[1, 2]]), torch.tensor([3])))


def test_flatten_refuses_a_review_longer_than_its_positions() -> None:
    model = EmbeddingFlattenMLP(V, D, max_length=3, hidden_size=H)
    with pytest.raises(ValueError, match=r"a review of 4 words is longer than max_length=3: cut"):
        model((torch.tensor([[1, 2, 3, 4]]), torch.tensor([4])))
    # a batch padded past max_length is fine when every review fits
    assert model((torch.tensor([[1, 2, 0, 0, 0]]), torch.tensor([2]))).shape == (1, 2)


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match=r"cell='rnn': use one of 'tanh', 'lstm', 'gru'"):
        RecurrentReader(V, "rnn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"widths is empty"):
        KimCNN(V, widths=())
    with pytest.raises(ValueError, match=r"widths\[1\]=0: must be a whole number"):
        KimCNN(V, widths=(3, 0))
    with pytest.raises(ValueError, match=r"hidden_size=0"):
        BagOfWordsMLP(V, 0)
    with pytest.raises(ValueError, match=r"pool=0"):
        CNNLSTM(V, pool=0)
    with pytest.raises(ValueError, match=r"max_length=0"):
        EmbeddingFlattenMLP(V, max_length=0)
    with pytest.raises(ValueError, match=r"num_words=0"):
        EmbeddingBagClassifier(0)
