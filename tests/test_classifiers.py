"""rnnlib.models.classifiers: GRUClassifier batching/packing invariance and top-k prediction."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_sequence

from rnnlib.datasets.surnames import N_LETTERS, collate_packed, line_to_indices, pad_names
from rnnlib.models.charrnn import LectureRNN
from rnnlib.models.classifiers import GRUClassifier, count_parameters, predict_language

NAMES = ["Kim", "Nakamura", "O'Neil", "Li", "Schmidt"]
LANGS = ["English", "German", "Japanese", "Korean"]


def gru(seed: int = 0, **kwargs: object) -> GRUClassifier:
    torch.manual_seed(seed)
    kwargs.setdefault("hidden_size", 6)
    kwargs.setdefault("num_classes", 4)
    return GRUClassifier(N_LETTERS, **kwargs).eval()  # type: ignore[arg-type]


def packed(names: Sequence[str]) -> torch.nn.utils.rnn.PackedSequence:
    return collate_packed([(line_to_indices(n), 0) for n in names])[0]


def test_count_parameters() -> None:
    lin = nn.Linear(3, 2)
    assert count_parameters(lin) == 8
    lin.weight.requires_grad_(False)
    assert count_parameters(lin) == 2
    assert count_parameters(lin, trainable_only=False) == 8
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


def test_pack_sequence_helper_matches_collate() -> None:
    one_hots = [nn.functional.one_hot(line_to_indices(n), N_LETTERS).float() for n in NAMES]
    ref = pack_sequence(one_hots, enforce_sorted=False)
    torch.testing.assert_close(packed(NAMES).data, ref.data)


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
