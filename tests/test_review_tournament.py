"""Chapter 7's tournament: contestants by name, predictions in item order, inference speed,
the memory of a training step, and whole runs (in this process and in workers)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from torch import nn

from rnnlib.core.training import count_parameters
from rnnlib.datasets.sentiment import IndexReviews, SentimentDataset, collate_for_sentiment
from rnnlib.models.review_architectures import RecurrentReader
from rnnlib.studies.onehot_runs import ReviewSplit
from rnnlib.studies.review_tournament import (
    CONTESTANTS,
    LABELS,
    TournamentSettings,
    build_contestant,
    inference_rate,
    predict_in_order,
    train_contestant,
    train_contestants,
    training_memory,
)

GOOD, BAD = ["great", "love", "fine"], ["awful", "broken", "refund"]
FILLER = ["the", "a", "it", "was", "item", "and", "very"]


def reviews(count: int, seed: int) -> SentimentDataset:
    """Reviews of 3 to 14 words whose sentiment is given by one of its words."""
    rng = np.random.default_rng(seed)

    def review(words: list[str]) -> list[str]:
        body = [str(w) for w in rng.choice(FILLER, size=int(rng.integers(2, 13)))]
        return [*body, str(rng.choice(words))]

    return SentimentDataset(
        positive={"books": [review(GOOD) for _ in range(count)]},
        negative={"books": [review(BAD) for _ in range(count)]},
        vocab=sorted(GOOD + BAD + FILLER),
    )


def toy_split(count: int = 60) -> ReviewSplit:
    vocab = ["<pad>", *sorted(GOOD + BAD + FILLER)]
    train = IndexReviews(reviews(count, 0), vocab)
    test = IndexReviews(reviews(20, 1), vocab)
    order = np.random.default_rng(0).permutation(len(train))
    return ReviewSplit(train, test, order[20:], order[:20], np.arange(len(test))[::-1].copy())


def small(name: str, seed: int = 0, **overrides: object) -> TournamentSettings:
    options: dict = {"max_length": 16, "embedding_dim": 8, "hidden_size": 8, "lr": 2e-2,
                     "batch_size": 16, "max_epochs": 12, "patience": 3}
    options.update(overrides)
    return TournamentSettings(name, seed=seed, **options)


@pytest.mark.parametrize("name", CONTESTANTS)
def test_build_contestant_gives_a_working_model_of_each_kind(name: str) -> None:
    model = build_contestant(name, 30, 16, embedding_dim=4, hidden_size=5)
    padded = torch.tensor([[1, 2, 3, 0], [4, 5, 6, 7]])
    assert model((padded, torch.tensor([3, 4]))).shape == (2, 2)
    assert name in LABELS


def test_build_contestant_matches_the_hand_formula_for_the_lstm() -> None:
    v, d, h = 100, 8, 6
    model = build_contestant("lstm", v, 20, embedding_dim=d, hidden_size=h)
    assert isinstance(model, RecurrentReader) and model.cell == "lstm"
    assert count_parameters(model) == (v + 1) * d + 4 * (h * d + h * h + 2 * h) + h * 2 + 2


def test_build_contestant_refuses_unknown_names_and_bad_sizes() -> None:
    with pytest.raises(ValueError, match="choose one of bow"):
        build_contestant("transformer", 10, 10)
    with pytest.raises(ValueError, match="max_length"):
        build_contestant("flatten", 10, 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"contestant": "rnn"}, "choose one of"),
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"lr": 0.0}, "positive"),
        ({"clip_grad": -1.0}, "positive"),
        ({"patience": 0}, "patience"),
        ({"max_length": 0}, "max_length"),
    ],
)
def test_settings_refuse_bad_values(overrides: dict, message: str) -> None:
    options = {"contestant": "gru", **overrides}
    with pytest.raises(ValueError, match=message):
        TournamentSettings(**options)


def test_settings_label_names_contestant_and_seed() -> None:
    assert TournamentSettings("cnn", seed=4).label == "cnn seed 4"


def test_predict_in_order_answers_in_the_order_of_the_rows_asked() -> None:
    split = toy_split()
    torch.manual_seed(0)
    model = build_contestant("gru", split.train.vocab_size - 1, 16, embedding_dim=4, hidden_size=5)
    rows = np.array([7, 0, 33, 7, 12])
    got = predict_in_order(model, split.train, rows=rows, batch_size=2)
    with torch.no_grad():
        alone = [
            int(model((split.train[int(r)][0][None], torch.tensor([len(split.train[int(r)][0])]))).argmax())
            for r in rows
        ]
    assert got.dtype == np.int64 and got.tolist() == alone
    assert len(predict_in_order(model, split.train)) == len(split.train)


BAD_ROWS = [np.array([], dtype=np.int64), np.array([0, 999]), np.array([[0]]), np.array([0.5])]


@pytest.mark.parametrize("rows", BAD_ROWS)
def test_predict_in_order_refuses_bad_rows(rows: np.ndarray) -> None:
    split = toy_split()
    model = build_contestant("bag", split.train.vocab_size - 1, 16)
    with pytest.raises(ValueError, match="rows"):
        predict_in_order(model, split.train, rows=rows)


def test_inference_rate_is_a_positive_rate_and_checks_its_arguments() -> None:
    split = toy_split()
    model = build_contestant("bag", split.train.vocab_size - 1, 16)
    rate = inference_rate(model, split.test, batch_size=8, repeats=2)
    assert np.isfinite(rate) and rate > 0
    assert model.training  # left in the mode it had
    with pytest.raises(ValueError, match="repeats"):
        inference_rate(model, split.test, repeats=0)


class _Product(nn.Module):
    """Scores = the padded ids as floats times one big weight: saves only its input for backward."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(steps, 2))

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        padded, _ = inputs
        return padded.float() @ self.weight


def test_training_memory_counts_weights_and_saved_activations_but_not_weights_twice() -> None:
    model = _Product(1000)
    padded = torch.ones(4, 1000, dtype=torch.long)
    memory = training_memory(model, (padded, torch.full((4,), 1000)), torch.zeros(4, dtype=torch.long))
    weights = 1000 * 2 * 4
    assert memory["weights"] == memory["gradients"] == weights
    assert memory["Adam moments"] == 2 * weights
    # the float input (4 x 1000 x 4 bytes) is saved; the weight, also saved by the product, is not counted
    assert 4 * 1000 * 4 <= memory["saved activations"] < 4 * 1000 * 4 + weights
    assert model.weight.grad is None


def test_training_memory_grows_with_the_batch_for_a_recurrent_reader() -> None:
    torch.manual_seed(0)
    model = build_contestant("gru", 20, 40, embedding_dim=4, hidden_size=6).eval()

    def saved(batch: int, steps: int) -> int:
        padded = torch.randint(1, 21, (batch, steps))
        lengths = torch.full((batch,), steps)
        targets = torch.zeros(batch, dtype=torch.long)
        return training_memory(model, (padded, lengths), targets)["saved activations"]

    assert saved(8, 30) > 1.8 * saved(4, 30)
    assert saved(4, 30) > 1.8 * saved(4, 15)
    assert not model.training  # the mode is restored
    with pytest.raises(ValueError, match="one label per review"):
        training_memory(model, (torch.ones(2, 3, dtype=torch.long), torch.tensor([3, 3])), torch.zeros(3))


@pytest.mark.parametrize("name", ["bag", "gru", "cnn"])
def test_a_run_learns_the_toy_task_stops_early_and_predicts_the_test_rows(name: str) -> None:
    split = toy_split()
    run = train_contestant(small(name), split)
    history = run.history
    assert 1 <= history.best_epoch() <= history.epochs_run <= 12
    assert run.test_predictions.shape == (len(split.test_idx),)
    truth = split.test.sentiments.numpy()[split.test_idx]
    assert np.mean(run.test_predictions == truth) >= 0.9
    assert 0 < run.seconds_to_best <= history.total_seconds <= run.seconds
    model = build_contestant(name, split.train.vocab_size - 1, 16, embedding_dim=8, hidden_size=8)
    model.load_state_dict(run.state)  # the kept weights are the best epoch's and predict the same
    assert (predict_in_order(model, split.test, rows=split.test_idx) == run.test_predictions).all()
    assert run.parameters == count_parameters(model)


def test_runs_in_worker_processes_equal_runs_here() -> None:
    split = toy_split(40)
    settings = [small("bag", seed=0, max_epochs=3), small("tanh", seed=1, max_epochs=3)]
    lines: list[str] = []
    away = train_contestants(settings, split, workers=2, log=lines.append)
    here = [train_contestant(s, split) for s in settings]
    for a, b in zip(away, here, strict=True):
        assert a.settings == b.settings
        assert (a.test_predictions == b.test_predictions).all()
        assert a.history.to_frame()["val_loss"].tolist() == b.history.to_frame()["val_loss"].tolist()
    assert sorted(line.split(":")[0].strip() for line in lines) == ["bag seed 0", "tanh seed 1"]


def test_train_contestants_needs_settings() -> None:
    with pytest.raises(ValueError, match="No settings"):
        train_contestants([], toy_split())


def test_index_reviews_travel_to_workers_as_two_arrays() -> None:
    split = toy_split()
    state = split.train.__getstate__()
    flat, sizes = state["_indices"]
    assert isinstance(flat, np.ndarray) and isinstance(sizes, np.ndarray)
    copy = pickle.loads(pickle.dumps(split.train))
    assert len(copy) == len(split.train) and copy.vocab == split.train.vocab
    for i in range(len(copy)):
        assert torch.equal(copy[i][0], split.train[i][0]) and copy[i][1:] == split.train[i][1:]
    (padded, lengths), _y = collate_for_sentiment([copy[i] for i in range(5)])
    assert padded.dtype == torch.long and lengths.tolist() == split.train.lengths[:5].tolist()
    shuffled = split.train.with_shuffled_words(seed=3)  # copies go through the same state
    assert sorted(shuffled[0][0].tolist()) == sorted(split.train[0][0].tolist())
