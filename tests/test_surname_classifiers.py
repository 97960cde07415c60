"""rnnlib.models.surname_classifiers: GRUClassifier batching/packing invariance and top-k prediction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
import torch
from torch import nn

from rnnlib.core.training import count_parameters
from rnnlib.datasets.surnames import N_LETTERS, collate_packed, line_to_indices, pad_names
from rnnlib.models.charrnn import LectureRNN
from rnnlib.models.surname_classifiers import (
    ALPHAS,
    GRUClassifier,
    PriorCorrected,
    choose_prior_alpha,
    class_weights,
    log_prior,
    predict_language,
    prior_corrected,
)

NAMES = ["Kim", "Nakamura", "O'Neil", "Li", "Schmidt"]
LANGS = ["English", "German", "Japanese", "Korean"]


def gru(seed: int = 0, **kwargs: object) -> GRUClassifier:
    torch.manual_seed(seed)
    kwargs.setdefault("hidden_size", 6)
    kwargs.setdefault("num_classes", 4)
    return GRUClassifier(N_LETTERS, **kwargs).eval()  # type: ignore[arg-type]


def packed(names: Sequence[str]) -> torch.nn.utils.rnn.PackedSequence:
    return collate_packed([(line_to_indices(n), 0) for n in names])[0]


def test_parameter_count_by_hand() -> None:
    # count_parameters itself is tested in test_training.py; this is the classifier's layout.
    model = GRUClassifier(N_LETTERS, 4, 3)
    expected = 3 * (4 * N_LETTERS + 4 * 4 + 2 * 4) + (4 * 3 + 3)  # GRU gates + head
    assert count_parameters(model) == expected


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"hidden_size": 0}, "hidden_size=0: must be a whole number of at least 1"),
        ({"num_classes": 0}, "num_classes=0: must be a whole number of at least 1"),
        ({"num_layers": 0}, "num_layers=0: must be a whole number of at least 1"),
        ({"dropout": 1.0}, r"dropout=1\.0: must be in \[0, 1\)"),
        ({"dropout": -0.1}, r"dropout=-0\.1: must be in \[0, 1\)"),
    ],
)
def test_constructor_errors(kwargs: dict[str, float], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        GRUClassifier(N_LETTERS, **kwargs)  # type: ignore[arg-type]


def test_layout() -> None:
    model = GRUClassifier(N_LETTERS, 5, 7, num_layers=2, bidirectional=True, dropout=0.2)
    assert model.gru.batch_first and model.gru.bidirectional and model.gru.dropout == 0.2
    assert model.directions == 2
    assert model.head.in_features == 10 and model.head.out_features == 7
    assert (
        GRUClassifier(N_LETTERS, 5, 7, dropout=0.2).gru.dropout == 0.0
    )  # no inter-layer dropout for 1 layer


@pytest.mark.parametrize(("num_layers", "bidirectional"), [(1, False), (1, True), (2, False), (2, True)])
def test_batching_does_not_change_results(num_layers: int, bidirectional: bool) -> None:
    model = gru(num_layers=num_layers, bidirectional=bidirectional, dropout=0.3 if num_layers > 1 else 0.0)
    with torch.no_grad():
        together = model(packed(NAMES))
        alone = torch.cat([model(packed([n])) for n in NAMES])
    assert together.shape == (len(NAMES), 4)
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_padded_input_equals_packed(bidirectional: bool) -> None:
    model = gru(bidirectional=bidirectional, num_layers=2)
    with torch.no_grad():
        torch.testing.assert_close(model(pad_names(NAMES)), model(packed(NAMES)), rtol=1e-5, atol=1e-6)


def test_padded_input_must_be_3d() -> None:
    with pytest.raises(ValueError, match=r"padded must be \(batch, time, features\), got \(3, 57\)"):
        gru()((torch.zeros(3, N_LETTERS), torch.tensor([1, 1, 1])))


def test_bidirectional_head_reads_the_final_states() -> None:
    """Forward state after the last letter, backward state after reading back to the first."""
    model = gru(bidirectional=True)
    name = "Nakamura"
    x = nn.functional.one_hot(line_to_indices(name), N_LETTERS).float()[None]
    with torch.no_grad():
        outputs, _ = model.gru(x)  # (1, len, 2 * hidden), no padding
        h = model.gru.hidden_size
        features = torch.cat([outputs[0, -1, :h], outputs[0, 0, h:]])
        expected = model.head(features)[None]
        torch.testing.assert_close(model(packed([name])), expected)
        wrong = model.head(outputs[0, -1])[None]  # the common mistake: last step of both directions
        assert not torch.allclose(model(packed([name])), wrong)


def test_unidirectional_head_reads_the_last_step() -> None:
    model = gru(num_layers=2)
    x = nn.functional.one_hot(line_to_indices("Smith"), N_LETTERS).float()[None]
    with torch.no_grad():
        outputs, _ = model.gru(x)
        torch.testing.assert_close(model(packed(["Smith"])), model.head(outputs[:, -1]))


def test_dropout_is_active_only_in_training() -> None:
    model = gru(dropout=0.5)
    with torch.no_grad():
        assert torch.equal(model(packed(NAMES)), model(packed(NAMES)))
        model.train()
        torch.manual_seed(0)
        a = model(packed(NAMES))
        b = model(packed(NAMES))
    assert not torch.equal(a, b)


def test_classify_returns_log_probs_and_keeps_the_mode() -> None:
    model = gru(dropout=0.5).train()
    out = model.classify(NAMES)
    assert model.training  # mode restored
    assert out.shape == (len(NAMES), 4) and not out.requires_grad
    torch.testing.assert_close(out.exp().sum(1), torch.ones(len(NAMES)))
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(out, torch.log_softmax(model(packed(NAMES)), 1))
    assert not model.training


def test_classify_is_a_gradient_free_pass() -> None:
    model = gru()
    model.classify(["Kim"])
    assert all(p.grad is None for p in model.parameters())


# --------------------------------------------------------------------------- predict_language


class Recorder:
    """A NameClassifier that remembers what it was asked and returns fixed probabilities."""

    def __init__(self, probs: Sequence[float]) -> None:
        self.seen: list[list[str]] = []
        self.log_probs = torch.tensor([probs]).log()

    def classify(self, names: Sequence[str]) -> torch.Tensor:
        self.seen.append(list(names))
        return self.log_probs


def test_predict_language_top_k_sorted() -> None:
    model = Recorder([0.1, 0.6, 0.05, 0.25])
    top = predict_language(model, "Schmidt", LANGS, k=3)
    assert [lang for lang, _ in top] == ["German", "Korean", "English"]
    assert [p for _, p in top] == pytest.approx([0.6, 0.25, 0.1])
    assert model.seen == [["Schmidt"]]


@pytest.mark.parametrize("k", [1, 2, 4])
def test_predict_language_with_a_real_model(k: int) -> None:
    top = predict_language(gru(), "Nakamura", LANGS, k=k)
    assert len(top) == k
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True)
    assert all(0 <= p <= 1 for p in probs)
    assert sum(probs) <= 1 + 1e-6
    assert len({lang for lang, _ in top}) == k and {lang for lang, _ in top} <= set(LANGS)
    if k == len(LANGS):
        assert sum(probs) == pytest.approx(1.0, abs=1e-5)


def test_predict_language_default_k_and_lecture_rnn() -> None:
    torch.manual_seed(0)
    top = predict_language(LectureRNN(N_LETTERS, 8, 4), "Kim", LANGS)
    assert len(top) == 3
    assert sum(p for _, p in top) <= 1 + 1e-6


def test_predict_language_folds_the_name() -> None:
    model = gru()
    assert predict_language(model, "Schröder", LANGS) == predict_language(model, "Schroder", LANGS)
    rec = Recorder([0.25] * 4)
    predict_language(rec, "  Schröder ", LANGS)
    predict_language(rec, "Groß-Łukasz", LANGS)
    assert rec.seen == [["Schroder"], ["Gross Lukasz"]]


def test_predict_language_ignores_all_caps_and_all_lower_case() -> None:
    model = gru()
    assert predict_language(model, "SMITH", LANGS) == predict_language(model, "Smith", LANGS)
    assert predict_language(model, "smith", LANGS) == predict_language(model, "Smith", LANGS)
    rec = Recorder([0.25] * 4)
    typed = ["SMITH", "smith", " smith ", "O'BRIEN", "van der berg", "McDonald", "SCHRÖDER", "anne-marie"]
    for name in typed:
        predict_language(rec, name, LANGS)
    expected = ["Smith", "Smith", "Smith", "O'Brien", "Van der berg", "McDonald", "Schroder", "Anne Marie"]
    assert rec.seen == [[name] for name in expected]


def test_predict_language_case_matters_to_the_model() -> None:
    """Why the normalisation is needed: the same letters in capitals are other one-hot inputs."""
    model = gru()
    assert not torch.allclose(model.classify(["SMITH"]), model.classify(["Smith"]))


@pytest.mark.parametrize("name", ["", "   "])
def test_predict_language_empty_name(name: str) -> None:
    with pytest.raises(ValueError, match=r"The name is empty: type at least one letter"):
        predict_language(gru(), name, LANGS)


def test_predict_language_unfoldable_name() -> None:
    with pytest.raises(ValueError, match=r"'R2D2' contains '2', which are not in the 57-letter alphabet"):
        predict_language(gru(), "R2D2", LANGS)
    with pytest.raises(ValueError, match=r"'@'"):
        predict_language(gru(), "a@b", LANGS)


@pytest.mark.parametrize("k", [0, -1, 5])
def test_predict_language_k_out_of_range(k: int) -> None:
    with pytest.raises(ValueError, match=rf"k={k}: choose between 1 and 4"):
        predict_language(gru(), "Kim", LANGS, k=k)


def test_predict_language_class_count_mismatch() -> None:
    with pytest.raises(ValueError, match=r"The model scores 4 classes but 3 languages were given"):
        predict_language(gru(), "Kim", LANGS[:3], k=2)


@pytest.mark.parametrize("name", ["-", " - ", "--"])
def test_predict_language_name_without_letters(name: str) -> None:
    """A name with no letter left after folding is as empty as "".

    Regression test of a fixed bug: predict_language used to check fold_to_ascii(name.strip())
    for emptiness without stripping the *folded* name, so "-" (folded to " ") passed and the
    model ranked languages for a lone space instead of raising the documented ValueError.
    It now strips after folding, as load_surnames does.
    """
    with pytest.raises(ValueError, match=r"The name is empty: type at least one letter"):
        predict_language(gru(), name, LANGS)


# --------------------------------------------------------------------------- class balancing

IMBALANCED = [0] * 6 + [1] * 3 + [2]  # class counts 6, 3, 1


def test_class_weights_by_hand() -> None:
    w = class_weights(IMBALANCED, 3)
    assert w.dtype == torch.float32
    # 1/n_c, scaled so that the mean weight over the 10 examples is 1: each class weighs 10/3 in all.
    torch.testing.assert_close(w, torch.tensor([10 / 18, 10 / 9, 10 / 3]))
    counts = torch.tensor([6.0, 3.0, 1.0])
    assert torch.allclose(w * counts, torch.full((3,), 10 / 3))  # every class, the same total weight
    half = class_weights(np.array(IMBALANCED), 3, power=0.5)
    assert float((half * counts).sum()) == pytest.approx(10.0)
    assert half[2] / half[0] == pytest.approx(6**0.5)
    torch.testing.assert_close(class_weights(IMBALANCED, 3, power=0.0), torch.ones(3))


def test_class_weights_make_the_loss_balanced() -> None:
    """With power=1 the weighted loss is the mean over classes of each class's mean loss."""
    torch.manual_seed(0)
    scores = torch.randn(10, 3)
    targets = torch.tensor(IMBALANCED)
    weighted = nn.CrossEntropyLoss(weight=class_weights(IMBALANCED, 3))(scores, targets)
    per_example = nn.functional.cross_entropy(scores, targets, reduction="none")
    per_class = torch.stack([per_example[targets == c].mean() for c in range(3)])
    assert float(weighted) == pytest.approx(float(per_class.mean()), rel=1e-6)


@pytest.mark.parametrize(
    ("labels", "n_classes", "power", "message"),
    [
        ([0, 0, 2], 3, 1.0, r"Classes \[1\] have no training example"),
        ([0, 3], 3, 1.0, r"labels must be in 0\.\.2, got 0\.\.3"),
        ([-1, 0], 3, 1.0, r"labels must be in 0\.\.2"),
        ([], 3, 1.0, r"non-empty 1-D array"),
        ([0, 1, 2], 3, -0.5, r"power=-0\.5: use 0 \(no weighting\) to 1"),
    ],
)
def test_class_weights_errors(labels: list[int], n_classes: int, power: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        class_weights(labels, n_classes, power=power)


def test_log_prior() -> None:
    np.testing.assert_allclose(log_prior(IMBALANCED, 3), np.log([0.6, 0.3, 0.1]))
    with pytest.raises(ValueError, match=r"Classes \[3\] have no training example"):
        log_prior(IMBALANCED, 4)


def test_prior_corrected_by_hand() -> None:
    prior = np.log([0.6, 0.3, 0.1])
    log_probs = torch.log(torch.tensor([[0.5, 0.3, 0.2], [0.7, 0.2, 0.1]]))
    np.testing.assert_allclose(prior_corrected(log_probs, prior, 0.0), log_probs.numpy(), rtol=1e-6)
    full = prior_corrected(log_probs, prior, 1.0)
    # alpha = 1: p(y|x) / p(y), renormalised. Row 0: 0.5/0.6, 1, 2 -> class 2 wins.
    expected = np.array([0.5 / 0.6, 0.3 / 0.3, 0.2 / 0.1])
    np.testing.assert_allclose(np.exp(full[0]), expected / expected.sum(), rtol=1e-6)
    assert full.argmax(axis=1).tolist() == [2, 0]
    np.testing.assert_allclose(np.exp(full).sum(axis=1), 1.0, rtol=1e-6)
    assert prior_corrected(log_probs.numpy(), prior, 0.5).shape == (2, 3)


def test_prior_corrected_errors() -> None:
    with pytest.raises(ValueError, match=r"must be \(examples, classes\) and the prior \(2,\)"):
        prior_corrected(np.zeros((4, 3)), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r"must be \(examples, classes\)"):
        prior_corrected(np.zeros(3), np.zeros(3), 1.0)
    with pytest.raises(ValueError, match=r"alpha=-1: use 0 \(no correction\) to 1"):
        prior_corrected(np.zeros((4, 3)), np.zeros(3), -1)


def _validation_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eight class-0 names the model gets right, one class-1 name and one class-2 name that it
    scores a little below class 0: removing the prior rescues them, at a price for class 0."""
    prior = np.log([0.8, 0.1, 0.1])
    probs = np.array(
        [[0.9, 0.05, 0.05]] * 6 + [[0.6, 0.3, 0.1]] * 2 + [[0.5, 0.4, 0.1], [0.5, 0.1, 0.4]]
    )
    labels = np.array([0] * 8 + [1, 2])
    return np.log(probs), labels, prior


def test_choose_prior_alpha_maximises_macro_accuracy_on_the_given_names() -> None:
    log_probs, labels, prior = _validation_case()
    alpha, table = choose_prior_alpha(log_probs, labels, prior, ["a", "b", "c"])
    assert list(table.columns) == ["accuracy", "macro accuracy"] and table.index.name == "alpha"
    assert table.index.tolist() == list(ALPHAS)
    assert table.loc[0.0, "accuracy"] == 0.8 and table.loc[0.0, "macro accuracy"] == pytest.approx(1 / 3)
    assert table["macro accuracy"].max() == 1.0
    # log 8 = 2.08 is added to classes 1 and 2 per unit of alpha: the minority names (log-odds
    # log 1.25 = 0.22) are rescued from alpha = 0.11, the two weak class-0 names (log 2 = 0.69)
    # are lost from alpha = 0.33. The smallest alpha of the grid in between is 0.15.
    assert alpha == 0.15
    assert table.loc[alpha, "macro accuracy"] == 1.0 and table.loc[alpha, "accuracy"] == 1.0
    assert table.loc[0.1, "macro accuracy"] == pytest.approx(1 / 3)
    assert table.loc[0.35, "accuracy"] == 0.8
    assert table.loc[0.35, "macro accuracy"] == pytest.approx(0.75 / 3 + 2 / 3)


def test_choose_prior_alpha_respects_min_accuracy() -> None:
    log_probs, labels, prior = _validation_case()
    alphas = [0.0, 0.5, 2.0]
    _, table = choose_prior_alpha(log_probs, labels, prior, ["a", "b", "c"], alphas=alphas)
    assert table.loc[2.0, "macro accuracy"] > table.loc[0.0, "macro accuracy"]
    assert table.loc[2.0, "accuracy"] < 0.8
    langs = ["a", "b", "c"]
    alpha, _ = choose_prior_alpha(log_probs, labels, prior, langs, alphas=alphas, min_accuracy=0.8)
    assert alpha == 0.5
    alpha, _ = choose_prior_alpha(log_probs, labels, prior, langs, alphas=[0.0, 2.0], min_accuracy=0.8)
    assert alpha == 0.0  # 2.0 has the better macro accuracy but breaks the accuracy floor
    alpha, _ = choose_prior_alpha(log_probs, labels, prior, langs, alphas=[0.0, 2.0], min_accuracy=0.99)
    assert alpha == 0.0  # nothing reaches the floor: the most accurate alpha


def test_choose_prior_alpha_errors() -> None:
    log_probs, labels, prior = _validation_case()
    with pytest.raises(ValueError, match=r"give at least one alpha, all of them >= 0"):
        choose_prior_alpha(log_probs, labels, prior, ["a", "b", "c"], alphas=[])
    with pytest.raises(ValueError, match=r"alphas=\[-0\.5\]"):
        choose_prior_alpha(log_probs, labels, prior, ["a", "b", "c"], alphas=[-0.5])


def test_prior_corrected_wrapper_feeds_predict_language() -> None:
    rec = Recorder([0.5, 0.3, 0.15, 0.05])
    prior = np.log([0.7, 0.2, 0.05, 0.05])
    wrapped = PriorCorrected(rec, prior, 1.0)
    top = predict_language(wrapped, "SMITH", LANGS, k=4)
    assert rec.seen == [["Smith"]]
    expected = np.array([0.5 / 0.7, 0.3 / 0.2, 0.15 / 0.05, 0.05 / 0.05])
    expected /= expected.sum()
    order = np.argsort(-expected)
    assert [lang for lang, _ in top] == [LANGS[i] for i in order]
    assert [p for _, p in top] == pytest.approx(expected[order].tolist(), rel=1e-5)
    assert predict_language(PriorCorrected(rec, prior, 0.0), "Kim", LANGS, k=1)[0][0] == "English"
    with pytest.raises(ValueError, match=r"alpha=-0\.1"):
        PriorCorrected(rec, prior, -0.1)
