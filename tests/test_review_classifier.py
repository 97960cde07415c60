"""rnnlib.models.review_classifier: parameter counts, each encoder's features against GRUs run
by hand, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnlib.models.batched_gru import BatchedGRU
from rnnlib.models.gru_features import reverse_within_lengths, split_directions
from rnnlib.models.review_classifier import ENCODERS, ReviewClassifier

VOCAB, DIM, HIDDEN = 12, 6, 5
LENGTHS = [3, 5, 1, 4]  # unsorted, with padding behind all but one review


def trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def word_vectors(vocab: int = VOCAB, dim: int = DIM, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    matrix = torch.randn(vocab + 1, dim, generator=generator)
    matrix[0] = 0  # the padding row
    return matrix


def padded_batch(lengths: list[int], seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    padded = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    for b, length in enumerate(lengths):
        padded[b, :length] = torch.randint(1, VOCAB + 1, (length,), generator=generator)
    return padded, torch.tensor(lengths)


def model_for(encoder: str, seed: int = 2) -> ReviewClassifier:
    torch.manual_seed(seed)
    return ReviewClassifier(word_vectors(), encoder, hidden_size=HIDDEN).double()  # type: ignore[arg-type]


def one_direction(bigru: nn.GRU, suffix: str) -> nn.GRU:
    """A unidirectional nn.GRU with the weights of one direction of ``bigru`` ("" or "_reverse")."""
    gru = nn.GRU(bigru.input_size, bigru.hidden_size, batch_first=True).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, f"{name}_l0").copy_(getattr(bigru, f"{name}_l0{suffix}"))
    return gru


def test_encoders() -> None:
    assert ENCODERS == ("scratch", "gru", "bigru", "bigru_packed", "bigru_padded_last")


def test_parameter_count_of_the_seed_model() -> None:
    """GRU(300, 100) + Linear(100, 2), the word vectors frozen: 120,802 trainable parameters."""
    embedding = torch.zeros(51, 300)
    gru = ReviewClassifier(embedding, "gru", hidden_size=100, num_classes=2)
    # by hand: 3 gates x (100 x 300 + 100 x 100 + 2 x 100) = 120,600, + 100 x 2 + 2 = 202
    assert trainable(gru) == 120_802
    assert not gru.embedding.weight.requires_grad
    assert trainable(ReviewClassifier(embedding, "scratch", hidden_size=100)) == 120_802
    # two directions: 2 x 120,600 + Linear(200, 2) = 241,200 + 402
    for encoder in ("bigru", "bigru_packed", "bigru_padded_last"):
        assert trainable(ReviewClassifier(embedding, encoder, hidden_size=100)) == 241_602
    unfrozen = ReviewClassifier(embedding, "gru", hidden_size=100, freeze_embedding=False)
    assert trainable(unfrozen) == 120_802 + 51 * 300
    assert trainable(ReviewClassifier(embedding, "gru", hidden_size=100, num_classes=5)) == 120_600 + 505


def test_fine_tuning_trains_a_copy_of_the_vectors() -> None:
    """A fine-tuned model must not move the caller's matrix (nor the next model's start)."""
    vectors = word_vectors()
    before = vectors.clone()
    model = ReviewClassifier(vectors, "gru", hidden_size=HIDDEN, freeze_embedding=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    padded, lengths = padded_batch(LENGTHS)
    loss = nn.functional.cross_entropy(model((padded, lengths)), torch.tensor([0, 1, 0, 1]))
    loss.backward()
    optimizer.step()
    assert not torch.equal(model.embedding.weight.detach(), before)  # it did learn
    assert torch.equal(vectors, before)  # on its own copy
    again = ReviewClassifier(vectors, "gru", hidden_size=HIDDEN, freeze_embedding=False)
    assert torch.equal(again.embedding.weight.detach(), before)


def test_the_embedding_is_the_given_matrix() -> None:
    vectors = word_vectors()
    model = ReviewClassifier(vectors, "gru", hidden_size=HIDDEN)
    assert torch.equal(model.embedding.weight, vectors)
    assert model.embedding.weight.dtype == torch.float32 and model.embedding.padding_idx == 0
    assert isinstance(ReviewClassifier(vectors, "scratch").rnn, BatchedGRU)


@pytest.mark.parametrize("encoder", ["gru", "scratch"])
def test_one_direction_features_equal_each_review_alone(encoder: str) -> None:
    model = model_for(encoder)
    padded, lengths = padded_batch(LENGTHS)
    features = model.features((padded, lengths))
    assert features.shape == (len(LENGTHS), HIDDEN) and features.dtype == torch.float64
    if encoder == "gru":
        reference = model.rnn
    else:  # the same weights in an nn.GRU: an implementation independent of BatchedGRU
        cell = model.rnn.cells[0]
        reference = nn.GRU(DIM, HIDDEN, batch_first=True).double()
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(reference, f"{name}_l0").copy_(getattr(cell, name))
    for b, length in enumerate(LENGTHS):
        alone = model.embedding(padded[b : b + 1, :length])  # no padding at all
        _, h_n = reference(alone)
        torch.testing.assert_close(features[b], h_n[-1, 0], atol=1e-12, rtol=0)
    scores = model((padded, lengths))
    torch.testing.assert_close(scores, model.head(features))
    assert scores.shape == (len(LENGTHS), 2)


def test_bigru_by_reversal_is_a_forward_gru_and_a_second_one_on_reversed_reviews() -> None:
    model = model_for("bigru")
    padded, lengths = padded_batch(LENGTHS)
    features = model.features((padded, lengths))
    assert features.shape == (len(LENGTHS), 2 * HIDDEN)
    assert isinstance(model.rnn, nn.GRU) and isinstance(model.rnn_reverse, nn.GRU)
    assert not model.rnn.bidirectional and not model.rnn_reverse.bidirectional
    for b, length in enumerate(LENGTHS):
        words = model.embedding(padded[b : b + 1, :length])
        _, h_forward = model.rnn(words)
        _, h_backward = model.rnn_reverse(words.flip(1))  # from the last real word back to word 0
        expected = torch.cat([h_forward[0, 0], h_backward[0, 0]])
        torch.testing.assert_close(features[b], expected, atol=1e-12, rtol=0)


def test_bigru_by_reversal_equals_the_packed_bidirectional_gru() -> None:
    packed = model_for("bigru_packed")
    reversal = model_for("bigru", seed=5)
    assert reversal.rnn_reverse is not None
    reversal.rnn, reversal.rnn_reverse = split_directions(packed.rnn)  # type: ignore[arg-type]
    reversal.head.load_state_dict(packed.head.state_dict())
    padded, lengths = padded_batch(LENGTHS)
    torch.testing.assert_close(
        reversal.features((padded, lengths)), packed.features((padded, lengths)), atol=1e-12, rtol=0
    )
    # gradients agree too: the same model, computed another way
    for model in (packed, reversal):
        model((padded, lengths)).sum().backward()
    fwd, _bwd = split_directions(packed.rnn)  # type: ignore[arg-type]
    for name, _ in fwd.named_parameters():
        torch.testing.assert_close(getattr(reversal.rnn, name).grad, getattr(packed.rnn, name).grad)
        torch.testing.assert_close(
            getattr(reversal.rnn_reverse, name).grad, getattr(packed.rnn, name + "_reverse").grad
        )


def test_bigru_packed_features_are_the_last_forward_and_the_first_backward_state() -> None:
    model = model_for("bigru_packed")
    padded, lengths = padded_batch(LENGTHS)
    features = model.features((padded, lengths))
    assert features.shape == (len(LENGTHS), 2 * HIDDEN)
    forward, backward = one_direction(model.rnn, ""), one_direction(model.rnn, "_reverse")
    for b, length in enumerate(LENGTHS):
        words = model.embedding(padded[b : b + 1, :length])
        _, h_forward = forward(words)  # after the last real word
        _, h_backward = backward(words.flip(1))  # read from the last real word back to word 0
        expected = torch.cat([h_forward[0, 0], h_backward[0, 0]])
        torch.testing.assert_close(features[b], expected, atol=1e-12, rtol=0)


def test_padded_last_reads_the_padding_the_pitfall() -> None:
    right, wrong = model_for("bigru_packed"), model_for("bigru_padded_last")
    wrong.load_state_dict(right.state_dict())
    padded, lengths = padded_batch(LENGTHS)
    good, bad = right.features((padded, lengths)), wrong.features((padded, lengths))
    assert bad.shape == good.shape
    full = LENGTHS.index(max(LENGTHS))
    for b, length in enumerate(LENGTHS):
        if length == max(LENGTHS):  # no padding: the forward half is right ...
            torch.testing.assert_close(bad[b, :HIDDEN], good[b, :HIDDEN], atol=1e-12, rtol=0)
        else:  # ... after padding it has read the padding zeros
            assert (bad[b, :HIDDEN] - good[b, :HIDDEN]).abs().max() > 1e-3
        # the backward half has always read one position only: never the whole review (length > 1)
        if length > 1:
            assert (bad[b, HIDDEN:] - good[b, HIDDEN:]).abs().max() > 1e-3
    # behind padding, that one position is a zero vector: the same state for every padded review,
    # the backward GRU's first step from h = 0 on a zero input
    backward = one_direction(right.rnn, "_reverse")
    _, zero_step = backward(torch.zeros(1, 1, DIM, dtype=torch.float64))
    for b, length in enumerate(LENGTHS):
        if length < max(LENGTHS):
            torch.testing.assert_close(bad[b, HIDDEN:], zero_step[0, 0], atol=1e-12, rtol=0)
    # for the unpadded review, it is the backward state after its last word alone
    last_word = right.embedding(padded[full : full + 1, max(LENGTHS) - 1 :])
    _, last_only = backward(last_word)
    torch.testing.assert_close(bad[full, HIDDEN:], last_only[0, 0], atol=1e-12, rtol=0)


def test_padded_last_without_padding_still_differs_in_the_backward_half() -> None:
    right, wrong = model_for("bigru_packed"), model_for("bigru_padded_last")
    wrong.load_state_dict(right.state_dict())
    padded, lengths = padded_batch([4, 4, 4])
    good, bad = right.features((padded, lengths)), wrong.features((padded, lengths))
    torch.testing.assert_close(bad[:, :HIDDEN], good[:, :HIDDEN], atol=1e-12, rtol=0)
    assert (bad[:, HIDDEN:] - good[:, HIDDEN:]).abs().max() > 1e-3
    # with one word per review both directions have read everything: the two heads agree
    padded1, lengths1 = padded_batch([1, 1])
    torch.testing.assert_close(
        wrong.features((padded1, lengths1)), right.features((padded1, lengths1)), atol=1e-12, rtol=0
    )


@pytest.mark.parametrize("encoder", ENCODERS)
def test_every_encoder_trains_and_leaves_the_padding_row_alone(encoder: str) -> None:
    torch.manual_seed(3)
    model = ReviewClassifier(word_vectors(), encoder, hidden_size=HIDDEN, freeze_embedding=False)  # type: ignore[arg-type]
    padded, lengths = padded_batch(LENGTHS)
    loss = nn.functional.cross_entropy(model((padded, lengths)), torch.tensor([0, 1, 1, 0]))
    loss.backward()
    grad = model.embedding.weight.grad
    assert grad is not None and torch.all(grad[0] == 0) and grad[1:].abs().sum() > 0
    frozen = ReviewClassifier(word_vectors(), encoder, hidden_size=HIDDEN)  # type: ignore[arg-type]
    frozen((padded, lengths)).sum().backward()
    assert frozen.embedding.weight.grad is None


def test_unknown_encoder() -> None:
    with pytest.raises(
        ValueError,
        match=r"encoder='lstm': use one of 'scratch', 'gru', 'bigru', 'bigru_packed', "
        r"'bigru_padded_last'"
    ):
        ReviewClassifier(word_vectors(), "lstm")  # type: ignore[arg-type]


def test_input_size_mismatch_names_both_widths() -> None:
    with pytest.raises(ValueError, match=r"6-dimensional vectors .* input_size=300: .*set input_size=6"):
        ReviewClassifier(word_vectors(), "gru", input_size=300)
    ReviewClassifier(word_vectors(), "gru", input_size=DIM)  # the right width passes


@pytest.mark.parametrize(
    "embedding",
    [torch.zeros(10), torch.zeros(2, 3, 4), torch.zeros(1, 5), [[0.0, 0.0], [1.0, 2.0]]],
    ids=["1-D", "3-D", "padding only", "a list"],
)
def test_bad_embedding(embedding: object) -> None:
    with pytest.raises(
        ValueError, match=r"\(vocabulary \+ 1, dim\) tensor with the padding in row 0.*embedding_matrix"
    ):
        ReviewClassifier(embedding, "gru")  # type: ignore[arg-type]


def test_bad_sizes() -> None:
    with pytest.raises(ValueError, match=r"hidden_size=0"):
        ReviewClassifier(word_vectors(), "gru", hidden_size=0)
    with pytest.raises(ValueError, match=r"num_classes=0"):
        ReviewClassifier(word_vectors(), "gru", num_classes=0)


@pytest.mark.parametrize(
    "inputs",
    [torch.zeros(2, 3, dtype=torch.long), (torch.zeros(2, 3, dtype=torch.long),), None],
    ids=["tensor alone", "1-tuple", "None"],
)
def test_inputs_must_be_padded_and_lengths(inputs: object) -> None:
    with pytest.raises(TypeError, match=r"takes \(padded indices, lengths\), as collate_for_sentiment"):
        model_for("gru")(inputs)  # type: ignore[arg-type]


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        ([2, 0], r"one length in 1\.\.3 to each of the 2 reviews, got \[2, 0\]: a review with no known word"),
        ([4, 1], r"one length in 1\.\.3 to each of the 2 reviews"),
        ([3], r"one length in 1\.\.3 to each of the 2 reviews"),
    ],
)
def test_bad_lengths(encoder: str, lengths: list[int], message: str) -> None:
    padded = torch.ones(2, 3, dtype=torch.long)
    with pytest.raises(ValueError, match=message):
        model_for(encoder)((padded, torch.tensor(lengths)))


@pytest.mark.parametrize(
    "padded", [torch.ones(2, 3), torch.ones(2, 3, 1, dtype=torch.long), torch.ones(3, dtype=torch.long)]
)
def test_padded_indices_must_be_2d_int64(padded: torch.Tensor) -> None:
    message = r"padded must hold word indices \(batch, time >= 1\) of an integer dtype"
    with pytest.raises(ValueError, match=message):
        model_for("gru")((padded, torch.tensor([1, 1])))


def test_reverse_within_lengths_keeps_the_padding_in_place() -> None:
    padded = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8], [9, 0, 0, 0, 0]])
    lengths = torch.tensor([3, 5, 1])
    reversed_ = reverse_within_lengths(padded, lengths)
    assert reversed_.tolist() == [[3, 2, 1, 0, 0], [8, 7, 6, 5, 4], [9, 0, 0, 0, 0]]
    assert torch.equal(reverse_within_lengths(reversed_, lengths), padded)  # its own inverse
    vectors = torch.randn(3, 5, 4)
    moved = reverse_within_lengths(vectors, [3, 5, 1])
    for b, length in enumerate((3, 5, 1)):
        assert torch.equal(moved[b, :length], vectors[b, :length].flip(0))
        assert torch.equal(moved[b, length:], vectors[b, length:])


def test_reverse_within_lengths_rejects_bad_lengths() -> None:
    with pytest.raises(ValueError, match=r"lengths must lie in 1..2"):
        reverse_within_lengths(torch.zeros(2, 2), [3, 1])
    with pytest.raises(ValueError, match=r"lengths must hold one length per sequence \(2\)"):
        reverse_within_lengths(torch.zeros(2, 2), [1])
    with pytest.raises(ValueError, match=r"padded must be \(batch, time, ...\)"):
        reverse_within_lengths(torch.zeros(3), [1, 1, 1])


def test_split_directions_copies_each_directions_weights() -> None:
    torch.manual_seed(0)
    bi = nn.GRU(DIM, HIDDEN, batch_first=True, bidirectional=True).double()
    forward, backward = split_directions(bi)
    for name, value in forward.named_parameters():
        assert torch.equal(value, getattr(bi, name)) and value.dtype == torch.float64
        assert torch.equal(getattr(backward, name), getattr(bi, name + "_reverse"))
    x = torch.randn(2, 4, DIM, dtype=torch.float64)
    out, _ = bi(x)
    torch.testing.assert_close(forward(x)[0], out[..., :HIDDEN])
    torch.testing.assert_close(backward(x.flip(1))[0].flip(1), out[..., HIDDEN:])
    with pytest.raises(ValueError, match=r"single-layer bidirectional nn.GRU, got bidirectional=False"):
        split_directions(nn.GRU(DIM, HIDDEN))
    with pytest.raises(ValueError, match=r"num_layers=2"):
        split_directions(nn.GRU(DIM, HIDDEN, num_layers=2, bidirectional=True))
    with pytest.raises(TypeError, match=r"expected a torch.nn.GRU"):
        split_directions(nn.LSTM(DIM, HIDDEN, bidirectional=True))  # type: ignore[arg-type]
