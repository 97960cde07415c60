"""rnnlib.datasets.surnames: alphabet, encodings, cleaning, corpus, splits and loaders."""

from __future__ import annotations

import itertools
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from rnnlib.core.data import DataUnavailableError
from rnnlib.datasets.surnames import (
    ALPHABET,
    ARTEFACT,
    N_LETTERS,
    CleaningReport,
    SurnameCorpus,
    SurnameDataset,
    collate_packed,
    fold_to_ascii,
    letter_to_index,
    letter_to_tensor,
    line_to_indices,
    line_to_tensor,
    load_surnames,
    make_loader,
    normalize_case,
    one_hot_letters,
    pack_names,
    pad_names,
    split_surnames,
)

# --------------------------------------------------------------------------- alphabet and encodings


def test_alphabet() -> None:
    assert len(ALPHABET) == 57 == N_LETTERS
    assert ALPHABET.endswith(" .,;'")
    assert ALPHABET[:52] == string.ascii_lowercase + string.ascii_uppercase
    assert len(set(ALPHABET)) == 57


@pytest.mark.parametrize(
    ("letter", "index"), [("a", 0), ("z", 25), ("A", 26), ("Z", 51), (" ", 52), ("'", 56)]
)
def test_letter_to_index(letter: str, index: int) -> None:
    assert letter_to_index(letter) == index
    assert ALPHABET[index] == letter


def test_letter_to_index_errors() -> None:
    with pytest.raises(
        ValueError, match=r"'1' is not in the 57-letter alphabet; fold the name with fold_to_ascii"
    ):
        letter_to_index("1")
    with pytest.raises(ValueError, match=r"letter_to_index takes one character, got ''"):
        letter_to_index("")
    with pytest.raises(ValueError, match=r"letter_to_index takes one character, got 'ab'"):
        letter_to_index("ab")
    with pytest.raises(ValueError, match=r"'ü' is not in the 57-letter alphabet"):
        letter_to_index("ü")


def test_letter_to_tensor() -> None:
    t = letter_to_tensor("b")
    assert t.shape == (1, 57)
    assert t[0, 1] == 1 and t.sum() == 1
    with pytest.raises(ValueError, match="not in the 57-letter alphabet"):
        letter_to_tensor("#")


def test_line_to_indices() -> None:
    idx = line_to_indices("Ab'")
    assert idx.dtype == torch.long
    assert idx.tolist() == [26, 1, 56]
    with pytest.raises(ValueError, match=r"An empty name has no letters to encode; pass at least one letter"):
        line_to_indices("")
    with pytest.raises(ValueError, match=r"'3' is not in the 57-letter alphabet"):
        line_to_indices("D3")


def test_line_to_tensor_is_one_hot() -> None:
    t = line_to_tensor("Kim")
    assert t.shape == (3, 1, 57)
    assert t.dtype == torch.float32
    assert torch.equal(t.sum(dim=2), torch.ones(3, 1))
    assert t.argmax(dim=2).flatten().tolist() == [letter_to_index(c) for c in "Kim"]
    assert set(t.unique().tolist()) == {0.0, 1.0}
    with pytest.raises(ValueError, match="empty name"):
        line_to_tensor("")


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Müller", "Muller"),
        ("Groß", "Gross"),
        ("Marszałek", "Marszalek"),
        ("Łukasz", "Lukasz"),
        ("Au-Yong", "Au Yong"),
        ("Núñez", "Nunez"),
        ("O'Brien", "O'Brien"),
        ("Smith", "Smith"),
    ],
)
def test_fold_to_ascii(raw: str, folded: str) -> None:
    assert fold_to_ascii(raw) == folded
    assert fold_to_ascii(raw, strict=False) == folded


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("SMITH", "Smith"),
        ("smith", "Smith"),
        ("Smith", "Smith"),
        ("O'BRIEN", "O'Brien"),
        ("o'brien", "O'Brien"),
        ("van der berg", "Van der berg"),  # the lists write "Van tonder", "De la fuente"
        ("VAN DER BERG", "Van der berg"),
        ("ANNE-MARIE", "Anne-Marie"),  # a capital after a hyphen, as in "Bestuzhev-Ryumin"
        ("SCHRÖDER", "Schröder"),  # before folding: accents survive
        ("McDonald", "McDonald"),  # mixed case is the writer's choice: kept
        ("DiCaprio", "DiCaprio"),
        ("van Gogh", "van Gogh"),
        ("  kim", "  Kim"),  # leading spaces do not take the capital
        ("", ""),
        ("'", "'"),
    ],
)
def test_normalize_case(typed: str, normalized: str) -> None:
    assert normalize_case(typed) == normalized
    assert normalize_case(normalized) == normalized  # idempotent


def test_normalize_case_gives_every_list_name_back() -> None:
    """The rule is the lists' own convention: names as the lists write them come back unchanged
    after a trip through capitals, apart from the few that break the convention."""
    for name in ["Abakumov", "O'Brien", "De la fuente", "Van tonder", "Bestuzhev-Ryumin", "Nguyen"]:
        assert normalize_case(name.upper()) == name
        assert normalize_case(name.lower()) == name


def test_fold_to_ascii_strict_error_names_the_character_and_the_fix() -> None:
    with pytest.raises(
        ValueError, match=r"'Rafaj1' contains '1', which are not in the 57-letter alphabet.*strict=False"
    ):
        fold_to_ascii("Rafaj1")
    with pytest.raises(ValueError, match=r"contains '/', '1'"):
        fold_to_ascii("Ra/faj1")


def test_fold_to_ascii_non_strict_drops() -> None:
    assert fold_to_ascii("Rafaj1", strict=False) == "Rafaj"
    assert fold_to_ascii("Ng/Wu: 2", strict=False) == "NgWu "
    assert fold_to_ascii("", strict=False) == ""


# --------------------------------------------------------------------------- load_surnames

TINY: dict[str, str] = {
    "Russian": (
        f"Abakumov\n{ARTEFACT}\nTo The First\u00a0 Page\nLytkin,\nAbakumov\nAbakumov \nJevolojnov,\n"
    ),
    "German": "Müller\nGroß\nMüller\n",
    "Chinese": "Au-Yong\nChan\nKim\n\n",
    "Czech": "Rafaj1\nNovak/\n",
    "Korean": "Park \nKim  \n",
}


@pytest.fixture
def tiny_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for lang, text in TINY.items():
        path = tmp_path / "names" / f"{lang}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        files[f"names/{lang}.txt"] = path
    return files


def test_load_surnames_cleans_tiny_files(tiny_files: dict[str, Path]) -> None:
    corpus = load_surnames(tiny_files)
    assert corpus.languages == ["Chinese", "Czech", "German", "Korean", "Russian"]
    pairs = list(zip(corpus.names, [corpus.languages[i] for i in corpus.labels], strict=True))
    assert pairs == [
        ("Au Yong", "Chinese"),
        ("Chan", "Chinese"),
        ("Kim", "Chinese"),
        ("Rafaj", "Czech"),
        ("Novak", "Czech"),
        ("Muller", "German"),
        ("Gross", "German"),
        ("Park", "Korean"),
        ("Kim", "Korean"),  # a name shared between languages is kept
        ("Abakumov", "Russian"),
        ("Lytkin", "Russian"),
        ("Jevolojnov", "Russian"),
    ]
    assert corpus.labels.dtype == np.int64
    report = corpus.report
    assert isinstance(report, CleaningReport)
    assert report.raw_lines == {"Chinese": 4, "Czech": 2, "German": 3, "Korean": 2, "Russian": 7}
    assert report.artefacts_dropped == {"Russian": 2}  # including the one with a no-break space
    assert report.whitespace_or_comma_stripped == {"Korean": 2, "Russian": 3}
    assert report.letters_folded == {"Chinese": 1, "German": 3}
    assert +report.characters_dropped == {"Czech": 2}
    assert report.duplicates_dropped == {"German": 1, "Russian": 2}
    for name in corpus.names:
        assert all(c in ALPHABET for c in name)
        assert name == name.strip()


def test_cleaning_report_frame(tiny_files: dict[str, Path]) -> None:
    frame = load_surnames(tiny_files).report.to_frame()  # type: ignore[union-attr]
    assert frame.index.name == "language"
    assert frame.index.tolist() == ["Chinese", "Czech", "German", "Korean", "Russian"]
    assert list(frame.columns) == [
        "raw lines",
        "artefacts dropped",
        "trailing space/comma",
        "names folded",
        "characters dropped",
        "duplicates dropped",
    ]
    assert frame.loc["Russian"].tolist() == [7, 2, 3, 0, 0, 2]
    assert frame.loc["Czech", "characters dropped"] == 2
    assert CleaningReport().to_frame().empty


def test_load_surnames_without_dedupe_keeps_duplicates(tiny_files: dict[str, Path]) -> None:
    corpus = load_surnames(tiny_files, dedupe=False)
    names = corpus.to_frame()
    assert (names["name"] == "Abakumov").sum() == 3
    assert (names["name"] == "Muller").sum() == 2
    assert len(corpus) == 15
    assert sum(corpus.report.duplicates_dropped.values()) == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("key", ["names/Arabic.csv", "names/Arabic", "names/.txt"])
def test_load_surnames_bad_key(tmp_path: Path, key: str) -> None:
    path = tmp_path / "x.txt"
    path.write_text("Name\n")
    with pytest.raises(ValueError, match=r"is not a surname file: expected names/<Language>\.txt"):
        load_surnames({key: path})


def test_load_surnames_no_files() -> None:
    with pytest.raises(ValueError, match=r"No surname files given: expected names/<Language>\.txt"):
        load_surnames({})


def test_load_surnames_default_goes_through_fetch() -> None:
    # conftest: no mirror, an empty cache, offline -> the data layer's clear error.
    with pytest.raises(DataUnavailableError, match=r"Dataset 'names': cannot find names/Arabic\.txt"):
        load_surnames()


# --------------------------------------------------------------------------- SurnameCorpus


def make_corpus() -> SurnameCorpus:
    return SurnameCorpus(["Ann", "Bob", "Cid", "Dan"], np.array([0, 2, 2, 0]), ["en", "fr", "de"])


def test_corpus_basics() -> None:
    corpus = make_corpus()
    assert len(corpus) == 4
    assert corpus.report is None
    counts = corpus.counts()
    assert isinstance(counts, pd.Series) and counts.name == "names"
    assert counts.to_dict() == {"en": 2, "fr": 0, "de": 2}
    frame = corpus.to_frame()
    assert list(frame.columns) == ["name", "language", "label"]
    assert frame["language"].tolist() == ["en", "de", "de", "en"]


def test_corpus_subset() -> None:
    sub = make_corpus().subset([3, 1])
    assert sub.names == ["Dan", "Bob"]
    assert sub.labels.tolist() == [0, 2]
    assert sub.languages == ["en", "fr", "de"]
    assert sub.report is None
    assert len(make_corpus().subset([])) == 0


def test_corpus_labels_are_converted() -> None:
    corpus = SurnameCorpus(["A"], [1], ["x", "y"])  # type: ignore[arg-type]
    assert isinstance(corpus.labels, np.ndarray) and corpus.labels.dtype == np.int64
    empty = SurnameCorpus([], [], ["x"])  # type: ignore[arg-type]
    assert len(empty) == 0 and empty.counts().tolist() == [0]


def test_corpus_validation() -> None:
    with pytest.raises(ValueError, match=r"2 names but 1 labels"):
        SurnameCorpus(["A", "B"], np.array([0]), ["x"])
    with pytest.raises(ValueError, match=r"Labels must be indices into the 2 languages"):
        SurnameCorpus(["A"], np.array([2]), ["x", "y"])
    with pytest.raises(ValueError, match=r"Labels must be indices into the 2 languages"):
        SurnameCorpus(["A"], np.array([-1]), ["x", "y"])


# --------------------------------------------------------------------------- split_surnames


def synthetic_corpus() -> SurnameCorpus:
    """3 languages x 30 names, plus 6 names listed under both language 0 and 1."""
    letters = ("".join(p) for p in itertools.product(string.ascii_lowercase, repeat=3))
    names, labels = [], []
    for label in range(3):
        for _ in range(30):
            names.append("N" + next(letters))
            labels.append(label)
    for _ in range(6):
        shared = "S" + next(letters)
        names += [shared, shared]
        labels += [0, 1]
    return SurnameCorpus(names, np.array(labels), ["L0", "L1", "L2"])


def test_split_surnames_partitions_by_name() -> None:
    corpus = synthetic_corpus()
    split = split_surnames(corpus, val=0.2, test=0.2, seed=0)
    parts = [split.train, split.val, split.test]
    assert sum(len(p) for p in parts) == len(corpus)
    sets = [set(p.names) for p in parts]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    for part in parts:
        assert part.languages == corpus.languages
        assert (part.counts() > 0).all()  # stratified: every language in every part
        for name in part.names:
            if name.startswith("S"):
                assert part.names.count(name) == 2  # both copies together
    # (name, label) pairs are preserved.
    original = sorted(zip(corpus.names, corpus.labels.tolist(), strict=True))
    together = sorted(pair for p in parts for pair in zip(p.names, p.labels.tolist(), strict=True))
    assert together == original
    assert 0.1 * len(corpus) < len(split.test) < 0.3 * len(corpus)


def test_split_surnames_is_seeded() -> None:
    corpus = synthetic_corpus()
    a = split_surnames(corpus, seed=3)
    b = split_surnames(corpus, seed=3)
    c = split_surnames(corpus, seed=4)
    assert a.test.names == b.test.names and a.val.names == b.val.names
    assert set(a.test.names) != set(c.test.names)


@pytest.mark.parametrize(("val", "test"), [(0, 0.1), (0.1, 0), (0.5, 0.5), (1, 0.1), (-0.1, 0.2), (0.1, 1.2)])
def test_split_surnames_bad_fractions(val: float, test: float) -> None:
    with pytest.raises(ValueError, match=r"both must be in \(0, 1\) and sum to less than 1"):
        split_surnames(synthetic_corpus(), val=val, test=test)


# --------------------------------------------------------------------------- torch data


def test_surname_dataset() -> None:
    ds = SurnameDataset(make_corpus())
    assert len(ds) == 4
    indices, label = ds[1]
    assert indices.tolist() == [letter_to_index(c) for c in "Bob"]
    assert label == 2 and isinstance(label, int)
    with pytest.raises(ValueError, match=r"The corpus is empty: nothing to train or evaluate on"):
        SurnameDataset(SurnameCorpus([], np.array([], dtype=int), ["x"]))


def test_collate_packed() -> None:
    batch = [(line_to_indices("ab"), 1), (line_to_indices("c"), 0), (line_to_indices("def"), 2)]
    packed, labels = collate_packed(batch)
    assert isinstance(packed, PackedSequence)
    assert packed.data.shape == (6, 57)
    assert labels.dtype == torch.long and labels.tolist() == [1, 0, 2]
    padded, lengths = pad_packed_sequence(packed, batch_first=True)
    assert padded.shape == (3, 3, 57)
    assert lengths.tolist() == [2, 1, 3]  # back in input order
    for row, word in zip(padded, ["ab", "c", "def"], strict=True):
        assert row[: len(word)].argmax(1).tolist() == [letter_to_index(c) for c in word]
        assert row[: len(word)].sum().item() == len(word)
        assert row[len(word) :].abs().sum() == 0
    with pytest.raises(ValueError, match=r"Cannot collate an empty batch"):
        collate_packed([])


def test_one_hot_letters_by_hand() -> None:
    rows = one_hot_letters(torch.tensor([0, 26, 56, 0]))  # "a", "A", "'", "a"
    assert rows.shape == (4, 57) and rows.dtype == torch.float32
    expected = torch.zeros(4, 57)
    expected[0, 0] = expected[1, 26] = expected[2, 56] = expected[3, 0] = 1.0
    assert torch.equal(rows, expected)
    assert "".join(ALPHABET[i] for i in rows.argmax(1).tolist()) == "aA'a"


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.int32, torch.int64])
def test_one_hot_letters_takes_any_integer_dtype(dtype: torch.dtype) -> None:
    rows = one_hot_letters(torch.tensor([3, 56], dtype=dtype))
    assert rows.dtype == torch.float32 and rows.argmax(1).tolist() == [3, 56]


def test_one_hot_letters_of_no_letter_is_an_empty_matrix() -> None:
    assert one_hot_letters(torch.tensor([], dtype=torch.long)).shape == (0, 57)


@pytest.mark.parametrize(
    "indices",
    [
        torch.tensor([1.0, 2.0]),  # floats, not indices
        torch.tensor([[1, 2]]),  # 2-D
        torch.tensor(3),  # 0-D
        torch.tensor([0, -1]),  # below the alphabet
        torch.tensor([0, 57]),  # past the alphabet (N_LETTERS)
        [0, 1],  # a list, not a tensor
        torch.tensor([True, False]),  # booleans, not indices
    ],
    ids=["float", "2-D", "0-D", "negative", "57", "list", "bool"],
)
def test_one_hot_letters_refuses_what_is_not_letter_indices(indices: object) -> None:
    message = r"must be a 1-D integer tensor of letter indices in 0\.\.56, got .+: encode a name with line_to"
    with pytest.raises(ValueError, match=message):
        one_hot_letters(indices)  # type: ignore[arg-type]


def test_one_hot_letters_says_what_it_got() -> None:
    with pytest.raises(ValueError, match=r"got shape \(2,\), torch\.int64, values 0\.\.57: encode"):
        one_hot_letters(torch.tensor([0, 57]))
    with pytest.raises(ValueError, match=r"got list: encode"):
        one_hot_letters([0, 1])  # type: ignore[arg-type]


def test_pack_names_by_hand() -> None:
    names = ["Kim", "Li", "Nakamura"]
    packed = pack_names(names)
    assert isinstance(packed, PackedSequence) and packed.data.shape == (13, 57)
    # Longest first, one time step after the other: step 0 holds N, K, L; step 1 a, i, i; ...
    assert packed.batch_sizes.tolist() == [3, 3, 2, 1, 1, 1, 1, 1]
    assert torch.equal(packed.data.sum(1), torch.ones(13))  # one letter per row
    assert "".join(ALPHABET[i] for i in packed.data.argmax(1).tolist()) == "NKL" + "aii" + "km" + "amura"
    padded, lengths = pad_packed_sequence(packed, batch_first=True)
    assert lengths.tolist() == [3, 2, 8]  # back in the order given
    for row, name in zip(padded, names, strict=True):
        assert "".join(ALPHABET[i] for i in row[: len(name)].argmax(1).tolist()) == name
        assert row[len(name) :].abs().sum() == 0


def test_pack_names_errors() -> None:
    with pytest.raises(ValueError, match=r"pack_names needs at least one name"):
        pack_names([])
    with pytest.raises(ValueError, match=r"'0' is not in the 57-letter alphabet; fold the name with fold"):
        pack_names(["ok", "n0"])
    with pytest.raises(ValueError, match=r"An empty name has no letters to encode"):
        pack_names(["Kim", ""])
    # A bare string would be read as one name per letter: refused, with the fix.
    with pytest.raises(
        ValueError, match=r"pack_names takes a list of names, got the string 'Kim': write \['Kim'\]"
    ):
        pack_names("Kim")
    with pytest.raises(ValueError, match=r"pad_names takes a list of names, got the string 'Li'"):
        pad_names("Li")
    with pytest.raises(ValueError, match=r"pack_names takes names as strings, got 3"):
        pack_names(["Kim", 3])  # type: ignore[list-item]


def test_pad_names() -> None:
    padded, lengths = pad_names(["ab", "c", "def"])
    assert padded.shape == (3, 3, 57)
    assert lengths.dtype == torch.long and lengths.tolist() == [2, 1, 3]
    assert torch.equal(padded[2], line_to_tensor("def")[:, 0, :])
    assert torch.equal(padded[1, 0], line_to_tensor("c")[0, 0])
    assert padded[1, 1:].abs().sum() == 0 and padded[0, 2:].abs().sum() == 0
    with pytest.raises(ValueError, match=r"pad_names needs at least one name"):
        pad_names([])
    with pytest.raises(ValueError, match=r"not in the 57-letter alphabet"):
        pad_names(["ok", "n0"])


def test_make_loader_batches_are_packed() -> None:
    corpus = synthetic_corpus()
    loader = make_loader(corpus, batch_size=32)
    batches = list(loader)
    assert len(batches) == 4  # 102 names
    seen = 0
    for packed, labels in batches:
        assert isinstance(packed, PackedSequence)
        assert packed.data.shape[1] == 57
        assert labels.dtype == torch.long
        seen += len(labels)
    assert seen == len(corpus)
    assert torch.cat([lab for _, lab in batches]).tolist() == corpus.labels.tolist()  # no shuffle: in order


def test_make_loader_shuffle_is_seeded() -> None:
    corpus = synthetic_corpus()

    def order(seed: int) -> list[int]:
        return torch.cat(
            [lab for _, lab in make_loader(corpus, batch_size=8, shuffle=True, seed=seed)]
        ).tolist()

    assert order(1) == order(1)
    assert order(1) != order(2)
    assert sorted(order(1)) == sorted(corpus.labels.tolist())


@pytest.mark.parametrize("batch_size", [0, -3])
def test_make_loader_batch_size_error(batch_size: int) -> None:
    with pytest.raises(ValueError, match=rf"batch_size={batch_size}: use at least 1"):
        make_loader(make_corpus(), batch_size=batch_size)


def test_make_loader_empty_corpus() -> None:
    with pytest.raises(ValueError, match="The corpus is empty"):
        make_loader(SurnameCorpus([], np.array([], dtype=int), ["x"]))


def test_split_surnames_language_too_small_names_it() -> None:
    corpus = synthetic_corpus()
    tiny = SurnameCorpus([*corpus.names, "Zq"], np.append(corpus.labels, 3), [*corpus.languages, "Tiny"])
    with pytest.raises(ValueError, match=r"\['Tiny'\] have too few distinct names.*Drop those languages"):
        split_surnames(tiny, val=0.2, test=0.2)
