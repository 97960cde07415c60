"""The surnames dataset: loading, cleaning, splitting and encoding names as tensors.

Explained in the chapter "The language of origin of a surname". Cleaning choices
(each counted in :class:`CleaningReport`):

* letters are folded to ASCII as the PyTorch tutorial does (Unicode NFD, accents
  dropped), plus ``ß → ss`` and ``ł → l`` which NFD cannot split, and ``-`` → space;
* trailing spaces (``"Park "``) and the three stray trailing commas in Russian
  (``"Lytkin,"``) are removed;
* the 24 ``"To The First Page"`` scraping leftovers in Russian are dropped;
* characters still outside the 57-letter alphabet (digits and ``/ :`` in a few
  Czech and Chinese lines) are dropped;
* duplicates *within* a language are dropped by default (Arabic has 2000 lines but
  only 108 distinct names; repeated names would land in both training and test).
  Names shared *between* languages are kept: that ambiguity is real, and
  :func:`split_surnames` keeps all copies of a name in the same split.
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch.nn.utils.rnn import PackedSequence, pack_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

from rnnlib.core.data import fetch

#: The 57 characters of a name -- the 52 ASCII letters, then space, period, comma, semicolon and
#: apostrophe (``string.ascii_letters + " .,;'"``).
#:
#: :meta hide-value:
ALPHABET: str = string.ascii_letters + " .,;'"
N_LETTERS: int = len(ALPHABET)
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_TRANSLITERATE = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "-": " "})
ARTEFACT = "To The First Page"

__all__ = [
    "ALPHABET",
    "N_LETTERS",
    "CleaningReport",
    "SurnameCorpus",
    "SurnameDataset",
    "SurnameSplit",
    "collate_packed",
    "fold_to_ascii",
    "letter_to_index",
    "letter_to_tensor",
    "line_to_indices",
    "line_to_tensor",
    "load_surnames",
    "make_loader",
    "normalize_case",
    "one_hot_letters",
    "pack_names",
    "pad_names",
    "split_surnames",
]


def _fold(text: str) -> str:
    """Transliterate and strip accents, keeping characters that cannot be folded."""
    decomposed = unicodedata.normalize("NFD", text.translate(_TRANSLITERATE))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def fold_to_ascii(text: str, *, strict: bool = True) -> str:
    """Fold a name to the 57-letter alphabet: ``"Müller" → "Muller"``, ``"Groß" → "Gross"``.

    Accents are removed with Unicode NFD, ``ß``/``ł`` are transliterated and ``-``
    becomes a space.

    Args:
        strict: raise on a character that cannot be folded (a digit, ``/``);
            with ``strict=False`` such characters are dropped, as the PyTorch
            tutorial's ``unicodeToAscii`` does silently.

    Raises:
        ValueError: ``strict`` and a character is outside the alphabet after folding.
    """
    folded = _fold(text)
    unknown = sorted({c for c in folded if c not in _INDEX})
    if unknown and strict:
        raise ValueError(
            f"{text!r} contains {', '.join(repr(c) for c in unknown)}, which are not in the "
            f"{N_LETTERS}-letter alphabet (ASCII letters and {ALPHABET[52:]!r}). Remove them, "
            "or call fold_to_ascii(..., strict=False) to drop them."
        )
    return "".join(c for c in folded if c in _INDEX)


def normalize_case(name: str) -> str:
    """Give a name typed all in capitals or all in lower case the capitalisation of the lists.

    ``"SMITH"`` and ``"smith"`` become ``"Smith"``: a name with no lower-case letter, or no
    upper-case one, carries no information in its case, and the models only ever saw names
    written as the 18 lists write them. There the first letter is a capital and so is the
    letter after an apostrophe or a hyphen (``O'Brien``, ``Bestuzhev-Ryumin``), while a word
    after a space is lower case (``De la fuente``, ``Van tonder``). So ``"O'BRIEN"`` →
    ``"O'Brien"`` and ``"van der berg"`` → ``"Van der berg"``.

    A name that mixes both cases (``"McDonald"``, ``"DiCaprio"``) is returned unchanged: its
    writer chose that case.
    """
    if any(c.islower() for c in name) and any(c.isupper() for c in name):
        return name
    out = []
    capital_next = True
    for c in name:
        out.append(c.upper() if capital_next else c.lower())
        if c.isalpha():
            capital_next = False
        elif c in "'-":
            capital_next = True
    return "".join(out)


def letter_to_index(letter: str) -> int:
    """Position of ``letter`` in :data:`ALPHABET`.

    Unlike ``ALPHABET.find`` (which the lecture uses and which returns -1, so that
    an unknown letter silently sets the *last* one-hot position), an unknown letter
    is an error.

    Raises:
        ValueError: ``letter`` is not a single character of the alphabet.
    """
    if len(letter) != 1:
        raise ValueError(f"letter_to_index takes one character, got {letter!r}.")
    try:
        return _INDEX[letter]
    except KeyError:
        raise ValueError(
            f"{letter!r} is not in the {N_LETTERS}-letter alphabet; fold the name with fold_to_ascii() first."
        ) from None


def letter_to_tensor(letter: str) -> torch.Tensor:
    """One-hot row of shape ``(1, N_LETTERS)`` for a single letter."""
    return one_hot_letters(torch.tensor([letter_to_index(letter)]))


def one_hot_letters(indices: torch.Tensor) -> torch.Tensor:
    """One-hot rows ``(len(indices), N_LETTERS)``, float32, for letter indices: the one place
    the course turns letters into vectors (every other encoder of names calls this).

    Raises:
        ValueError: ``indices`` is not a 1-D integer tensor of indices in ``0..N_LETTERS - 1``.
    """
    if (
        not isinstance(indices, torch.Tensor)
        or indices.ndim != 1
        or indices.is_floating_point()
        or indices.is_complex()
        or indices.dtype == torch.bool
        or (len(indices) and (int(indices.min()) < 0 or int(indices.max()) >= N_LETTERS))
    ):
        got = type(indices).__name__
        if isinstance(indices, torch.Tensor):
            got = f"shape {tuple(indices.shape)}, {indices.dtype}"
            if indices.numel() and not indices.is_complex():
                got += f", values {indices.min().item()}..{indices.max().item()}"
        raise ValueError(
            f"indices must be a 1-D integer tensor of letter indices in 0..{N_LETTERS - 1}, got "
            f"{got}: encode a name with line_to_indices first."
        )
    return torch.nn.functional.one_hot(indices.long(), N_LETTERS).float()


def line_to_indices(line: str) -> torch.Tensor:
    """Letter indices of a name, shape ``(len(line),)``, dtype int64.

    Raises:
        ValueError: the name is empty or has a letter outside the alphabet.
    """
    if not line:
        raise ValueError("An empty name has no letters to encode; pass at least one letter.")
    return torch.tensor([letter_to_index(c) for c in line], dtype=torch.long)


def line_to_tensor(line: str) -> torch.Tensor:
    """One-hot encoding of a name, shape ``(len(line), 1, N_LETTERS)``.

    The middle dimension is a batch of one, the layout the lecture's RNN steps
    through one letter at a time.
    """
    return one_hot_letters(line_to_indices(line)).unsqueeze(1)


@dataclass
class CleaningReport:
    """Counts of what :func:`load_surnames` changed, per language."""

    raw_lines: Counter[str] = field(default_factory=Counter)
    artefacts_dropped: Counter[str] = field(default_factory=Counter)
    whitespace_or_comma_stripped: Counter[str] = field(default_factory=Counter)
    letters_folded: Counter[str] = field(default_factory=Counter)
    characters_dropped: Counter[str] = field(default_factory=Counter)
    duplicates_dropped: Counter[str] = field(default_factory=Counter)

    def to_frame(self) -> pd.DataFrame:
        """One row per language, one column per kind of change."""
        cols = {
            "raw lines": self.raw_lines,
            "artefacts dropped": self.artefacts_dropped,
            "trailing space/comma": self.whitespace_or_comma_stripped,
            "names folded": self.letters_folded,
            "characters dropped": self.characters_dropped,
            "duplicates dropped": self.duplicates_dropped,
        }
        langs = sorted(self.raw_lines)
        frame = pd.DataFrame({k: [v.get(lang, 0) for lang in langs] for k, v in cols.items()}, index=langs)
        frame.index.name = "language"
        return frame


@dataclass
class SurnameCorpus:
    """Names with their language labels (indices into ``languages``)."""

    names: list[str]
    labels: np.ndarray
    languages: list[str]
    report: CleaningReport | None = None

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.names) != len(self.labels):
            raise ValueError(f"{len(self.names)} names but {len(self.labels)} labels.")
        if len(self.labels) and not (0 <= self.labels.min() and self.labels.max() < len(self.languages)):
            raise ValueError(f"Labels must be indices into the {len(self.languages)} languages.")

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, indices: Sequence[int] | np.ndarray) -> SurnameCorpus:
        """The examples at ``indices`` (same languages, no report)."""
        idx = np.asarray(indices, dtype=np.int64)
        return SurnameCorpus([self.names[i] for i in idx], self.labels[idx], self.languages)

    def counts(self) -> pd.Series:
        """Number of names per language (every language listed, even with 0)."""
        counts = np.bincount(self.labels, minlength=len(self.languages))
        return pd.Series(counts, index=self.languages, name="names")

    def to_frame(self) -> pd.DataFrame:
        """The corpus as a table with columns ``name``, ``language``, ``label``."""
        return pd.DataFrame(
            {"name": self.names, "language": [self.languages[i] for i in self.labels], "label": self.labels}
        )


def load_surnames(files: Mapping[str, Path] | None = None, *, dedupe: bool = True) -> SurnameCorpus:
    """Load and clean the 18 surname files (see the module docstring for the choices).

    Args:
        files: ``{"names/<Language>.txt": path}``; by default :func:`rnnlib.core.data.fetch`
            ``("names")`` finds them (mirror, cache or download).
        dedupe: drop repeated names within a language.

    Raises:
        ValueError: a path key does not look like ``names/<Language>.txt``.
    """
    files = fetch("names") if files is None else files
    if not files:
        raise ValueError("No surname files given: expected names/<Language>.txt paths.")
    report = CleaningReport()
    languages = []
    for key in files:
        path = Path(key)
        if path.suffix != ".txt" or not path.stem:
            raise ValueError(f"{key!r} is not a surname file: expected names/<Language>.txt.")
        languages.append(path.stem)
    languages.sort()
    label_of = {lang: i for i, lang in enumerate(languages)}
    names: list[str] = []
    labels: list[int] = []
    for key, path in sorted(files.items()):
        lang = Path(key).stem
        seen: set[str] = set()
        for raw in Path(path).read_text(encoding="utf-8").splitlines():
            report.raw_lines[lang] += 1
            line = raw.replace("\u00a0", " ")
            if " ".join(line.split()) == ARTEFACT:
                report.artefacts_dropped[lang] += 1
                continue
            stripped = line.rstrip(" ,")
            if stripped != line:
                report.whitespace_or_comma_stripped[lang] += 1
            folded = _fold(stripped)
            if folded != stripped:
                report.letters_folded[lang] += 1
            name = fold_to_ascii(stripped, strict=False)
            report.characters_dropped[lang] += len(folded) - len(name)
            name = name.strip()
            if not name:
                continue
            if dedupe and name in seen:
                report.duplicates_dropped[lang] += 1
                continue
            seen.add(name)
            names.append(name)
            labels.append(label_of[lang])
    return SurnameCorpus(names, np.asarray(labels), languages, report)


@dataclass
class SurnameSplit:
    """Train, validation and test parts of a corpus."""

    train: SurnameCorpus
    val: SurnameCorpus
    test: SurnameCorpus


def split_surnames(
    corpus: SurnameCorpus, *, val: float = 0.1, test: float = 0.1, seed: int = 0
) -> SurnameSplit:
    """Split into train/validation/test, stratified by language, seeded, and grouped by name.

    All copies of a name (a name listed under several languages) go to the same
    part, so the test set never holds a name the model was trained on.

    Raises:
        ValueError: the fractions are not positive or leave nothing to train on.
    """
    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise ValueError(f"val={val}, test={test}: both must be in (0, 1) and sum to less than 1.")
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(corpus.names):
        groups.setdefault(name, []).append(i)
    keys = list(groups)
    # Stratify each group by its rarest language, so that small languages whose names
    # also appear in a big one (most Scottish names are also English) still get test names.
    size = np.bincount(corpus.labels, minlength=len(corpus.languages))
    strata = [min(corpus.labels[groups[k]].tolist(), key=lambda label: (size[label], label)) for k in keys]
    try:
        rest, test_keys = train_test_split(keys, test_size=test, stratify=strata, random_state=seed)
        rest_strata = _strata_of(rest, keys, strata)
        train_keys, val_keys = train_test_split(
            rest, test_size=val / (1 - test), stratify=rest_strata, random_state=seed
        )
    except ValueError as exc:
        small = [corpus.languages[label] for label, n in Counter(strata).items() if n < 3]
        raise ValueError(
            f"Cannot split stratified by language: {small or 'some languages'} have too few distinct "
            f"names for a train, a validation and a test part ({exc}). Drop those languages, add "
            "names, or use larger val/test fractions."
        ) from None

    def take(ks: list[str]) -> SurnameCorpus:
        return corpus.subset(sorted(i for k in ks for i in groups[k]))

    return SurnameSplit(take(train_keys), take(val_keys), take(test_keys))


def _strata_of(subset: list[str], keys: list[str], strata: list[int]) -> list[int]:
    position = {k: i for i, k in enumerate(keys)}
    return [strata[position[k]] for k in subset]


class SurnameDataset(Dataset[tuple[torch.Tensor, int]]):
    """A torch Dataset of (letter indices, label) pairs for batched models."""

    def __init__(self, corpus: SurnameCorpus) -> None:
        if len(corpus) == 0:
            raise ValueError("The corpus is empty: nothing to train or evaluate on.")
        self.indices = [line_to_indices(name) for name in corpus.names]
        self.labels = corpus.labels

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.indices[i], int(self.labels[i])


def collate_packed(batch: Sequence[tuple[torch.Tensor, int]]) -> tuple[PackedSequence, torch.Tensor]:
    """Turn (indices, label) pairs into a packed batch of one-hot names and a label vector.

    The packed sequence holds ``(total letters, N_LETTERS)`` one-hot rows; an RNN
    given it stops each name at its own last letter, so no padding ever enters
    the recurrence.
    """
    if not batch:
        raise ValueError("Cannot collate an empty batch.")
    one_hots = [one_hot_letters(idx) for idx, _ in batch]
    labels = torch.tensor([label for _, label in batch], dtype=torch.long)
    return pack_sequence(one_hots, enforce_sorted=False), labels


def _check_names(names: Sequence[str], caller: str) -> None:
    """Refuse a bare string (its letters would be read as names) and an empty list."""
    if isinstance(names, str):
        raise ValueError(f"{caller} takes a list of names, got the string {names!r}: write [{names!r}].")
    if not names:
        raise ValueError(f"{caller} needs at least one name.")
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise ValueError(f"{caller} takes names as strings, got {bad[0]!r}.")


def pack_names(names: Sequence[str]) -> PackedSequence:
    """One-hot encode names into a packed batch (in the order given), as a GRU reads them.

    Raises:
        ValueError: ``names`` is a single string or empty, or a name is not a string or has a
            letter outside the alphabet.
    """
    _check_names(names, "pack_names")
    one_hots = [one_hot_letters(line_to_indices(n)) for n in names]
    return pack_sequence(one_hots, enforce_sorted=False)


def pad_names(names: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """One-hot encode names into a zero-padded ``(batch, max_len, N_LETTERS)`` tensor and lengths."""
    _check_names(names, "pad_names")
    one_hots = [one_hot_letters(line_to_indices(n)) for n in names]
    lengths = torch.tensor([len(n) for n in names], dtype=torch.long)
    return pad_sequence(one_hots, batch_first=True), lengths


def make_loader(
    corpus: SurnameCorpus, *, batch_size: int = 64, shuffle: bool = False, seed: int = 0
) -> DataLoader:
    """A DataLoader of packed one-hot batches (see :func:`collate_packed`)."""
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}: use at least 1.")
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        SurnameDataset(corpus),
        batch_size=batch_size,
        shuffle=shuffle,
        collate_fn=collate_packed,
        generator=generator,
    )
