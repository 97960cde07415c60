"""rnnlib.models.textnet: the lecture's TEXTnet / TEXTnetOrder2, their training loop, the catch-22
parameter count, the batched TEXTnet and its states for the gradient measurement."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from rnnlib.models import textnet
from rnnlib.models.textnet import (
    REVIEW_LOOP_THREADS,
    BatchedTEXTnet,
    SequentialRunLog,
    TEXTnet,
    TEXTnetOrder2,
    gru_onehot_parameter_count,
    hidden_to_hidden,
    loss_and_states,
    predict_reviews,
    scan_batch,
    scan_review,
    train_one_review_at_a_time,
)

VOCAB = 12


def one_hot_review(indices: list[int]) -> torch.Tensor:
    return nn.functional.one_hot(torch.tensor(indices), VOCAB).float()


def test_textnet_forward_matches_the_equations() -> None:
    torch.manual_seed(0)
    net = TEXTnet(VOCAB, 6).eval()
    x, h = one_hot_review([3]), torch.randn(1, 6)
    out, h_next = net(x, h)
    c = torch.cat((x, h), dim=1)
    middle = torch.relu(c @ net.combined_to_middle.weight.T + net.combined_to_middle.bias)
    logits = middle @ net.middle_to_out.weight.T + net.middle_to_out.bias
    torch.testing.assert_close(out, torch.log_softmax(logits, dim=1))
    torch.testing.assert_close(h_next, c @ net.combined_to_hidden.weight.T + net.combined_to_hidden.bias)


def test_textnet_order2_cell_is_sigmoid_of_the_new_hidden() -> None:
    torch.manual_seed(1)
    net = TEXTnetOrder2(VOCAB, 5).eval()
    x, h, cell = one_hot_review([2]), torch.randn(1, 5), torch.rand(1, 5)
    out, h_next, cell_next = net(x, h, cell)
    c = torch.cat((x, h, cell), dim=1)
    torch.testing.assert_close(h_next, c @ net.combined_to_hidden.weight.T + net.combined_to_hidden.bias)
    torch.testing.assert_close(cell_next, torch.sigmoid(net.linear_for_cell(h_next)))
    assert out.shape == (1, 2) and torch.allclose(out.exp().sum(), torch.tensor(1.0))


def scan_by_hand(net: TEXTnet | TEXTnetOrder2, indices: list[int]) -> torch.Tensor:
    """The lecture's equations written out, one one-hot word at a time, dropout off (eval).

    c_t = [x_t; h_{t-1}] (TEXTnetOrder2: [x_t; h_{t-1}; cell_{t-2}]), h_t = W_ch c_t + b_ch,
    m_t = ReLU(W_cm c_t + b_cm), y_t = LogSoftmax(W_mo m_t + b_mo), cell_t = σ(W_cell h_t + b_cell).
    """
    order2 = isinstance(net, TEXTnetOrder2)
    hidden = net.hidden_size
    w_ch, b_ch = net.combined_to_hidden.weight, net.combined_to_hidden.bias
    w_cm, b_cm = net.combined_to_middle.weight, net.combined_to_middle.bias
    w_mo, b_mo = net.middle_to_out.weight, net.middle_to_out.bias
    h = torch.zeros(1, hidden)
    cells: list[torch.Tensor] = []
    y = torch.empty(0)
    for t, word in enumerate(indices):
        x = torch.zeros(1, VOCAB)
        x[0, word] = 1.0
        parts = [x, h]
        if order2:
            parts.append(cells[t - 2] if t >= 2 else torch.zeros(1, hidden))
        c = torch.cat(parts, dim=1)
        m = torch.relu(c @ w_cm.T + b_cm)
        logits = m @ w_mo.T + b_mo
        y = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        h = c @ w_ch.T + b_ch
        if order2:
            cells.append(torch.sigmoid(h @ net.linear_for_cell.weight.T + net.linear_for_cell.bias))
    return y


@pytest.mark.parametrize(("cls", "seed"), [(TEXTnet, 2), (TEXTnetOrder2, 3)])
def test_scan_review_follows_the_equations_from_zero_states(cls: type, seed: int) -> None:
    torch.manual_seed(seed)
    net = cls(VOCAB, 4).eval()
    indices = [1, 5, 7, 0, 3]
    with torch.no_grad():
        expected = scan_by_hand(net, indices)
        torch.testing.assert_close(scan_review(net, one_hot_review(indices)), expected)
        torch.testing.assert_close(scan_review(net, torch.tensor(indices)), expected)
        # Every review starts from zero states: another review read before changes nothing.
        scan_review(net, one_hot_review([9, 9, 2]))
        torch.testing.assert_close(scan_review(net, one_hot_review(indices)), expected)
        # Only the last word's output is returned: it differs from the output after four words.
        assert not torch.allclose(scan_review(net, one_hot_review(indices[:4])), expected)


def test_scan_review_order2_uses_the_cell_from_two_steps_back() -> None:
    torch.manual_seed(3)
    net = TEXTnetOrder2(VOCAB, 4).eval()
    with torch.no_grad():
        net.linear_for_cell.bias.fill_(5.0)  # cells far from zero: the bookkeeping shows
        indices = [1, 5, 7]
        expected = scan_by_hand(net, indices)
        # Feeding the cell of one step back instead (a plausible mistake) gives another result.
        h, cells = torch.zeros(1, 4), [torch.zeros(1, 4)]
        for word in one_hot_review(indices):
            wrong, h, cell = net(word.unsqueeze(0), h, cells[-1])
            cells.append(cell)
    torch.testing.assert_close(scan_review(net, one_hot_review(indices)), expected)
    assert not torch.allclose(wrong, expected)


@pytest.mark.parametrize("shape", [(0, VOCAB), (3, VOCAB + 1), (VOCAB,)])
def test_scan_review_rejects_bad_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(
        ValueError, match=r"one-hot review of shape \(words >= 1, 12\) or word indices.*vocabulary"
    ):
        scan_review(TEXTnet(VOCAB, 3), torch.zeros(shape))


@pytest.mark.parametrize("cls", [TEXTnet, TEXTnetOrder2])
def test_constructors_reject_zero_sizes(cls: type) -> None:
    with pytest.raises(ValueError, match="hidden_size=0: must be a whole number of at least 1"):
        cls(VOCAB, 0)


def toy_reviews() -> list[tuple[torch.Tensor, int]]:
    """Sentiment decided by the last word: index 1 positive, index 2 negative."""
    gen = torch.Generator().manual_seed(0)
    data = []
    for i in range(40):
        body = torch.randint(3, VOCAB, (4,), generator=gen).tolist()
        data.append((one_hot_review([*body, 1 if i % 2 else 2]), i % 2))
    return data


def test_train_one_review_at_a_time_learns_and_logs() -> None:
    torch.manual_seed(4)
    net = TEXTnet(VOCAB, 8)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    logs = [train_one_review_at_a_time(net, toy_reviews(), optimizer, record_every=20) for _ in range(5)]
    assert all(isinstance(log, SequentialRunLog) and len(log.losses) == 2 for log in logs)
    assert logs[-1].losses[-1] < 0.5 * logs[0].losses[0]
    net.eval()
    correct = sum(int(scan_review(net, r).argmax()) == s for r, s in toy_reviews())
    assert correct == 40


def test_train_one_review_at_a_time_updates_like_the_optimizer() -> None:
    torch.manual_seed(5)
    net = TEXTnetOrder2(VOCAB, 4)
    net.dropout.p = 0.0  # training mode is on during the update: make both runs the same graph
    reference = copy.deepcopy(net)
    review, sentiment = toy_reviews()[0]
    train_one_review_at_a_time(net, [(review, sentiment)], torch.optim.SGD(net.parameters(), lr=0.1))
    nn.functional.nll_loss(scan_review(reference, review), torch.tensor([sentiment])).backward()
    for p, ref in zip(net.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p.detach(), ref.detach() - 0.1 * ref.grad)


def test_train_one_review_at_a_time_errors() -> None:
    net = TEXTnet(VOCAB, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="dataset is empty"):
        train_one_review_at_a_time(net, [], opt)
    with pytest.raises(ValueError, match="record_every=0"):
        train_one_review_at_a_time(net, toy_reviews(), opt, record_every=0)


@pytest.mark.parametrize(
    ("vocab", "expected"),
    # The lecture notes' table of GRU model sizes (vocabulary, learnable parameters) for the
    # 40-, 200- and 400-review datasets, section "How Come No Results with GRU_net?".
    [(17_001, 28_480_002), (43_285, 68_852_226), (64_350, 101_208_066)],
)
def test_gru_parameter_count_reproduces_the_lecture_table(vocab: int, expected: int) -> None:
    assert gru_onehot_parameter_count(vocab) == expected


@pytest.mark.parametrize(("vocab", "hidden", "layers", "classes"), [(50, 16, 1, 2), (30, 8, 3, 5)])
def test_gru_parameter_count_equals_torch(vocab: int, hidden: int, layers: int, classes: int) -> None:
    gru, head = nn.GRU(vocab, hidden, num_layers=layers), nn.Linear(hidden, classes)
    actual = sum(p.numel() for p in [*gru.parameters(), *head.parameters()])
    assert gru_onehot_parameter_count(vocab, hidden, layers, classes) == actual


def test_gru_parameter_count_rejects_zero() -> None:
    with pytest.raises(ValueError, match="vocab_size=0"):
        gru_onehot_parameter_count(0)


@pytest.mark.parametrize("cls", [TEXTnet, TEXTnetOrder2])
def test_index_path_equals_the_one_hot_path_values_and_gradients(cls: type) -> None:
    torch.manual_seed(9)
    net = cls(VOCAB, 6).eval()
    twin = copy.deepcopy(net)
    indices = [4, 0, 11, 7, 7, 2]
    a = scan_review(net, one_hot_review(indices))
    b = scan_review(twin, torch.tensor(indices))
    torch.testing.assert_close(a, b)
    a[0, 1].backward()
    b[0, 1].backward()
    for p, q in zip(net.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad)


def test_scan_review_rejects_float_indices() -> None:
    with pytest.raises(ValueError, match="word indices of shape"):
        scan_review(TEXTnet(VOCAB, 3), torch.tensor([1.0, 2.0]))


def test_predict_reviews_is_argmax_of_the_scan_without_dropout() -> None:
    torch.manual_seed(10)
    net = TEXTnet(VOCAB, 4)
    reviews = toy_reviews()[:6]
    truth, predicted = predict_reviews(net, reviews)
    assert truth.tolist() == [s for _, s in reviews]
    net.eval()
    assert predicted.tolist() == [int(scan_review(net, r).argmax()) for r, _ in reviews]
    net.train()
    predict_reviews(net, reviews)
    assert net.training, "the model's mode is restored"
    with pytest.raises(ValueError, match="dataset is empty"):
        predict_reviews(net, [])


def padded_batch(reviews: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Reviews of different lengths, padded with a real word index (7) that must be ignored."""
    tensors = [torch.tensor(r) for r in reviews]
    padded = nn.utils.rnn.pad_sequence(tensors, batch_first=True, padding_value=7)
    return padded, torch.tensor([len(r) for r in reviews])


BATCH = [[4, 0, 11, 7, 2], [3], [9, 9, 1], [5, 6, 7, 8, 10, 1, 2, 3]]


def test_scan_batch_equals_scan_review_for_every_review() -> None:
    torch.manual_seed(11)
    net = TEXTnet(VOCAB, 6).eval()
    padded, lengths = padded_batch(BATCH)
    batched = scan_batch(net, padded, lengths)
    singles = torch.cat([scan_review(net, torch.tensor(r)) for r in BATCH])
    torch.testing.assert_close(batched, singles, atol=1e-6, rtol=0)
    # the padding index does not matter: pad with another word, same outputs
    real = torch.arange(padded.shape[1]) < lengths.unsqueeze(1)
    repadded = torch.where(real, padded, torch.zeros_like(padded))
    torch.testing.assert_close(scan_batch(net, repadded, lengths), batched, atol=1e-6, rtol=0)
    # a mask that let padding in would change the short reviews' outputs
    assert not torch.allclose(scan_batch(net, padded, torch.full_like(lengths, padded.shape[1])), batched)


def test_batched_textnet_gradients_equal_the_sum_of_single_reviews() -> None:
    torch.manual_seed(12)
    net = TEXTnet(VOCAB, 5).eval()
    twin = copy.deepcopy(net)
    padded, lengths = padded_batch(BATCH)
    BatchedTEXTnet(net)((padded, lengths))[:, 1].sum().backward()
    for r in BATCH:
        scan_review(twin, torch.tensor(r))[0, 1].backward()
    for p, q in zip(net.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-6, rtol=1e-5)


def test_scan_batch_rejects_bad_inputs() -> None:
    net = TEXTnet(VOCAB, 3)
    padded, lengths = padded_batch(BATCH)
    with pytest.raises(ValueError, match="TEXTnet only"):
        scan_batch(TEXTnetOrder2(VOCAB, 3), padded, lengths)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="word indices"):
        scan_batch(net, padded.float(), lengths)
    with pytest.raises(ValueError, match=r"one length in 1\.\.8"):
        scan_batch(net, padded, torch.tensor([5, 0, 3, 8]))
    with pytest.raises(ValueError, match=r"one length in 1\.\.8"):
        scan_batch(net, padded, torch.tensor([5, 1, 3]))


def test_hidden_to_hidden_is_the_block_that_multiplies_the_state() -> None:
    torch.manual_seed(13)
    for net in (TEXTnet(VOCAB, 4), TEXTnetOrder2(VOCAB, 4)):
        block = hidden_to_hidden(net)
        assert block.shape == (4, 4)
        x, h = torch.zeros(1, VOCAB), torch.randn(1, 4)
        rest = torch.zeros(1, 4) if isinstance(net, TEXTnetOrder2) else torch.zeros(1, 0)
        c = torch.cat((x, h, rest), dim=1)
        torch.testing.assert_close(net.combined_to_hidden(c) - net.combined_to_hidden.bias, h @ block.T)


def test_loss_and_states_gives_the_loss_and_the_states_the_head_reads() -> None:
    torch.manual_seed(14)
    net = TEXTnet(VOCAB, 5)
    indices = torch.tensor([3, 8, 1, 4])
    loss, states = loss_and_states(net, indices, 1)
    assert net.training, "the model's mode is untouched"
    net.eval()
    torch.testing.assert_close(loss, nn.functional.nll_loss(scan_review(net, indices), torch.tensor([1])))
    assert len(states) == 3  # h_1 .. h_{T-1}: the head reads h_{T-1} with the last word
    h = torch.zeros(1, 5)
    for t in range(3):
        x = nn.functional.one_hot(indices[t : t + 1], VOCAB).float()
        h = net.combined_to_hidden(torch.cat((x, h), dim=1))
        torch.testing.assert_close(states[t], h)
    grads = torch.autograd.grad(loss, states)
    # one step back through the linear recurrence multiplies the gradient by W_hh^T
    torch.testing.assert_close(grads[1], grads[2] @ hidden_to_hidden(net))
    assert loss_and_states(net, torch.tensor([2]), 0)[1] == []
    with pytest.raises(ValueError, match="word indices"):
        loss_and_states(net, torch.tensor([1.0, 2.0]), 0)


# --------------------------------------------------------------------------- torch threads in the loops


def threads_seen_by_scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record torch's thread count at every scan_review the loops make."""
    seen: list[int] = []
    real = textnet.scan_review

    def recording(model: TEXTnet | TEXTnetOrder2, review: torch.Tensor) -> torch.Tensor:
        seen.append(torch.get_num_threads())
        return real(model, review)

    monkeypatch.setattr(textnet, "scan_review", recording)
    return seen


@pytest.mark.parametrize(
    ("threads", "expected"),
    [("default", min(REVIEW_LOOP_THREADS, 4)), (1, 1), (None, 4), (8, 4)],  # 8 > 4: never raised
)
def test_review_loops_run_under_the_thread_bound(
    four_threads: int, monkeypatch: pytest.MonkeyPatch, threads: int | str | None, expected: int
) -> None:
    seen = threads_seen_by_scans(monkeypatch)
    kwargs = {} if threads == "default" else {"threads": threads}
    net = TEXTnet(VOCAB, 3)
    reviews = toy_reviews()[:3]
    train_one_review_at_a_time(net, reviews, torch.optim.SGD(net.parameters(), lr=0.1), **kwargs)
    assert seen == [expected] * 3 and torch.get_num_threads() == 4
    predict_reviews(net, reviews, **kwargs)
    assert seen == [expected] * 6 and torch.get_num_threads() == 4


def test_review_loop_default_is_no_more_than_two_threads() -> None:
    # With many threads set, the loops must not run slower than on a 2-core machine.
    assert 1 <= REVIEW_LOOP_THREADS <= 2


def test_review_loops_restore_threads_after_an_error(
    four_threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(model: object, review: object) -> None:
        raise RuntimeError("scan failed")

    monkeypatch.setattr(textnet, "scan_review", failing)
    net = TEXTnet(VOCAB, 3)
    with pytest.raises(RuntimeError, match="scan failed"):
        train_one_review_at_a_time(net, toy_reviews(), torch.optim.SGD(net.parameters(), lr=0.1))
    assert torch.get_num_threads() == 4
    with pytest.raises(RuntimeError, match="scan failed"):
        predict_reviews(net, toy_reviews())
    assert torch.get_num_threads() == 4
