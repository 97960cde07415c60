"""Integration tests on the real surname files of the data mirror.

They need ``RNNLIB_DATA_MIRROR`` (e.g. ``shared/data``). Without it they are skipped
with a reason, except in CI (``CI`` set), where they fail: nothing is skipped silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import using_mirror

from rnnlib.core.data import REGISTRY, fetch, sha256_of
from rnnlib.datasets.surnames import ALPHABET, SurnameCorpus, load_surnames, make_loader, split_surnames
from rnnlib.models.surname_classifiers import GRUClassifier

LANGUAGES = [
    "Arabic",
    "Chinese",
    "Czech",
    "Dutch",
    "English",
    "French",
    "German",
    "Greek",
    "Irish",
    "Italian",
    "Japanese",
    "Korean",
    "Polish",
    "Portuguese",
    "Russian",
    "Scottish",
    "Spanish",
    "Vietnamese",
]


@pytest.fixture(scope="session")
def names_corpus(mirror_root: Path) -> SurnameCorpus:
    with using_mirror(mirror_root):
        return load_surnames()


def test_fetch_names_returns_18_verified_mirror_files(mirror: Path) -> None:
    files = fetch("names")
    assert len(files) == 18
    assert sorted(Path(k).stem for k in files) == LANGUAGES
    for key, path in files.items():
        assert path == mirror / key
        assert sha256_of(path) == REGISTRY["names"].file(key).sha256


def test_load_surnames_has_18_languages(names_corpus: SurnameCorpus) -> None:
    assert names_corpus.languages == LANGUAGES
    counts = names_corpus.counts()
    assert (counts > 0).all()
    assert counts["Russian"] == counts.max()
    for name in names_corpus.names:
        assert name and name == name.strip()
        assert set(name) <= set(ALPHABET)


def test_cleaning_report_counts(names_corpus: SurnameCorpus) -> None:
    report = names_corpus.report
    assert report is not None
    assert sum(report.raw_lines.values()) == 20074  # the canonical line count
    assert report.raw_lines["Arabic"] == 2000 and report.raw_lines["Russian"] == 9408
    assert report.artefacts_dropped["Russian"] == 24
    assert sum(report.artefacts_dropped.values()) == 24
    assert report.duplicates_dropped["Arabic"] == 1892
    assert report.whitespace_or_comma_stripped["Korean"] == 8
    assert report.whitespace_or_comma_stripped["Russian"] == 3
    russian = {
        n
        for n, lab in zip(names_corpus.names, names_corpus.labels, strict=True)
        if names_corpus.languages[lab] == "Russian"
    }
    assert {"Jevolojnov", "Lysansky", "Lytkin"} <= russian  # the three trailing commas
    assert "To The First Page" not in names_corpus.names
    assert not any(n.endswith(",") for n in names_corpus.names)


def test_dedupe_within_languages(names_corpus: SurnameCorpus) -> None:
    pairs = list(zip(names_corpus.names, names_corpus.labels.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))
    assert len(set(names_corpus.names)) < len(pairs)  # some names are shared between languages


def test_split_surnames_on_real_data(names_corpus: SurnameCorpus) -> None:
    split = split_surnames(names_corpus, seed=0)
    parts = [split.train, split.val, split.test]
    assert sum(len(p) for p in parts) == len(names_corpus)
    train, val, test = (set(p.names) for p in parts)
    assert not (train & val) and not (train & test) and not (val & test)
    assert (split.test.counts() > 0).all()  # every language, even the smallest, is tested
    assert (split.val.counts() > 0).all()
    assert 0.08 < len(split.test) / len(names_corpus) < 0.12

    again = split_surnames(names_corpus, seed=0)
    assert again.test.names == split.test.names and again.val.names == split.val.names
    other = split_surnames(names_corpus, seed=1)
    assert set(other.test.names) != test


def test_a_real_batch_through_a_gru(names_corpus: SurnameCorpus) -> None:
    split = split_surnames(names_corpus, seed=0)
    packed, labels = next(iter(make_loader(split.test, batch_size=32)))
    torch.manual_seed(0)
    scores = GRUClassifier(hidden_size=8).eval()(packed)
    assert scores.shape == (32, 18)
    assert labels.shape == (32,)


def test_missing_mirror_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy of the ``mirror`` fixture itself (this test needs no mirror)."""
    import conftest

    monkeypatch.setattr(conftest, "REAL_MIRROR", "")
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="RNNLIB_DATA_MIRROR is not set"):
        conftest._require_mirror()
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="must not be skipped in CI"):
        conftest._require_mirror()
    monkeypatch.setattr(conftest, "REAL_MIRROR", "/nonexistent/mirror")
    with pytest.raises(pytest.fail.Exception, match="is not a directory"):
        conftest._require_mirror()
