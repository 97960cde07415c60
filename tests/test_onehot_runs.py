"""rnnlib.studies.onehot_runs: one run of chapter 2's controlled experiment, its settings and checks."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from rnnlib.core.training import EpochStats, History
from rnnlib.datasets.sentiment.dlstudio import SentimentDataset
from rnnlib.datasets.sentiment.torchdata import IndexReviews
from rnnlib.models import recurrences, textnet
from rnnlib.studies import gradients
from rnnlib.studies.onehot_runs import (
    DIVERGED_LOSS,
    NETWORKS,
    OneHotRun,
    OneHotSettings,
    ReviewSplit,
    make_network,
    recurrent_radius,
    train_onehot_run,
    train_onehot_runs,
)

GOOD, BAD = ["good", "great", "fine", "love"], ["bad", "awful", "poor", "hate"]
FILLER = ["the", "a", "it", "was", "item", "and"]


def reviews(count: int, seed: int) -> SentimentDataset:
    rng = np.random.default_rng(seed)

    def review(words: list[str]) -> list[str]:
        length = int(rng.integers(3, 12))
        return [str(w) for w in rng.choice(FILLER + words, size=length)] + [str(rng.choice(words))]

    return SentimentDataset(
        positive={"books": [review(GOOD) for _ in range(count)]},
        negative={"books": [review(BAD) for _ in range(count)]},
        vocab=sorted(GOOD + BAD + FILLER),
    )


def toy_split() -> ReviewSplit:
    train = IndexReviews(reviews(30, 0))
    test = IndexReviews(reviews(10, 1), vocab=train.vocab)
    order = np.random.default_rng(0).permutation(len(train))
    return ReviewSplit(train, test, order[12:], order[:12], np.arange(len(test))[::-1].copy())


@pytest.mark.parametrize("network", NETWORKS)
def test_a_run_trains_stops_and_predicts_in_test_order(network: str) -> None:
    split = toy_split()
    settings = OneHotSettings(
        network, hidden_size=8, lr=1e-2, max_epochs=4, patience=2, batch_size=8, keep_weights=True
    )
    run = train_onehot_run(settings, split)
    assert 1 <= run.history.epochs_run <= 4 and run.history.updates == run.history.epochs_run * 6
    assert run.truth.tolist() == split.test.sentiments[split.test_idx].tolist()
    assert run.state is not None
    model = make_network(network, split.train.vocab_size, 8)
    model.load_state_dict(run.state)
    model.eval()
    with torch.no_grad():  # one review at a time, in test_idx order
        one_by_one = [
            int(model((idx[None], torch.tensor([len(idx)]))).argmax())
            for idx, _, _ in (split.test[i] for i in split.test_idx)
        ]
    assert run.predicted.tolist() == one_by_one
    assert run.accuracy == pytest.approx(np.mean(run.truth == run.predicted))
    assert math.isfinite(run.rho_before) and math.isfinite(run.rho_after) and not run.diverged


def test_the_same_seed_gives_the_same_run() -> None:
    split = toy_split()
    settings = OneHotSettings("tanh", hidden_size=8, max_epochs=2, batch_size=8)
    first, second = train_onehot_runs([(settings, split)] * 2, workers=1, log=None)
    assert first.predicted.tolist() == second.predicted.tolist()
    assert [e.train_loss for e in first.history.epochs] == [e.train_loss for e in second.history.epochs]
    assert first.state is None


def test_train_onehot_runs_logs_one_line_per_run() -> None:
    lines: list[str] = []
    settings = OneHotSettings("linear", hidden_size=4, max_epochs=1, batch_size=16, seed=3)
    train_onehot_runs([(settings, toy_split())], workers=1, log=lines.append)
    assert len(lines) == 1 and "linear" in lines[0] and "seed 3" in lines[0]
    with pytest.raises(ValueError, match="No job"):
        train_onehot_runs([])


def history_with(losses: list[float]) -> History:
    return History(
        [EpochStats(i + 1, loss, 0.5, 0.7, 0.5, 1.0) for i, loss in enumerate(losses)], len(losses)
    )


@pytest.mark.parametrize(
    ("losses", "diverged"),
    [([0.7, 0.6], False), ([0.7, DIVERGED_LOSS + 1], True), ([math.inf], True), ([math.nan, 0.5], True)],
)
def test_diverged_means_an_epoch_loss_past_the_limit(losses: list[float], diverged: bool) -> None:
    run = OneHotRun(OneHotSettings("gru"), history_with(losses), np.zeros(2), np.zeros(2), 0.5, 0.5, 1.0)
    assert run.diverged is diverged


def test_recurrent_radius_reads_the_recurrent_block() -> None:
    torch.manual_seed(0)
    net = make_network("textnet", 20, 6)
    assert isinstance(net, textnet.BatchedTEXTnet)
    assert recurrent_radius(net) == pytest.approx(
        gradients.spectral_radius(textnet.hidden_to_hidden(net.net))
    )
    gru = make_network("gru", 20, 6)
    assert isinstance(gru, recurrences.OneHotRecurrentClassifier)
    assert recurrent_radius(gru) == pytest.approx(gradients.spectral_radius(gru.recurrent_blocks()[2]))
    with torch.no_grad():
        gru.weight_hh[-1, 0] = math.inf
    assert math.isnan(recurrent_radius(gru))
    with pytest.raises(ValueError, match="make_network"):
        recurrent_radius(torch.nn.Linear(2, 2))


def test_settings_reject_bad_values() -> None:
    for bad in [
        dict(network="lstm"),
        dict(hidden_size=0),
        dict(lr=0.0),
        dict(lr=math.nan),
        dict(seed=-1),
        dict(seed=True),
        dict(clip_grad=0.0),
        dict(patience=0),
        dict(max_epochs=0),
    ]:
        with pytest.raises(ValueError):
            OneHotSettings(**{"network": "gru", **bad})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="choose one of"):
        make_network("rnn", 10, 4)


def test_split_rejects_overlap_bad_rows_and_two_vocabularies() -> None:
    split = toy_split()
    with pytest.raises(ValueError, match="overlap"):
        dataclasses.replace(split, val_idx=split.fit_idx[:3])
    with pytest.raises(ValueError, match="test_idx must lie"):
        dataclasses.replace(split, test_idx=np.array([0, 99]))
    with pytest.raises(ValueError, match="non-empty"):
        dataclasses.replace(split, fit_idx=np.array([], dtype=int))
    with pytest.raises(ValueError, match="one vocabulary"):
        dataclasses.replace(split, test=IndexReviews(reviews(3, 2), vocab=[*split.train.vocab, "extra"]))
