"""Reading the ``.review`` files: categories, review blocks, their fields, tokens.

Explained in the chapter "Sentiment with one-hot words". The ``.review`` files are not
XML (bare ``&``, ``<unique_id>`` and ``<product_type>`` repeated in the unprocessed files,
a ``<root>`` wrapper in some copies), so :func:`parse_reviews` scans them for the tags
with :meth:`str.find`, in one pass: its time grows linearly with the file's size, even
for a damaged file. (A regular expression such as ``<review>(.*?)</review>`` rescans the
rest of the file for every unclosed tag: minutes for a few megabytes.)

Damage is an error, never a silent gap in the data: a ``<review>`` or a field
(``<review_text>``, ``<title>``, ...) left unclosed raises a
:class:`~rnnlib.core.registry.DataFormatError` naming the file and the line, and so does a
byte that is not UTF-8 (unless :func:`read_review_file` is asked to replace such bytes).
The real files (``shared/data/amazon_multidomain_sentiment``) are valid UTF-8 with every
field closed: they parse as before.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rnnlib.core.data import DatasetSpec, fetch_file
from rnnlib.core.files import decode_utf8, read_data_bytes
from rnnlib.core.registry import DataFormatError

__all__ = [
    "BALANCED_CATEGORIES",
    "CATEGORIES",
    "NEGATIVE",
    "POSITIVE",
    "SENTIMENT_NAMES",
    "UNPROCESSED_CATEGORIES",
    "Review",
    "load_reviews",
    "parse_reviews",
    "read_review_file",
    "tokenize",
]

#: The four balanced domains (dataset ``amazon_reviews``), 1000 + 1000 reviews each.
BALANCED_CATEGORIES: tuple[str, ...] = ("books", "dvd", "electronics", "kitchen_&_housewares")
#: The four unprocessed categories of the mirror (dataset ``amazon_reviews_unprocessed``).
UNPROCESSED_CATEGORIES: tuple[str, ...] = ("apparel", "automotive", "baby", "beauty")
#: All 8 categories (:data:`BALANCED_CATEGORIES` and :data:`UNPROCESSED_CATEGORIES`), sorted, as
#: the folder names of the data mirror.
#:
#: :meta hide-value:
CATEGORIES: tuple[str, ...] = tuple(sorted(BALANCED_CATEGORIES + UNPROCESSED_CATEGORIES))
POSITIVE = 1
NEGATIVE = 0
SENTIMENT_NAMES: dict[int, str] = {POSITIVE: "positive", NEGATIVE: "negative"}

_FOLDERS = {
    "amazon_reviews": "amazon_multidomain_sentiment/sorted_data_acl",
    "amazon_reviews_unprocessed": "amazon_multidomain_sentiment/unprocessed_subset",
}
_SOURCE = {c: "amazon_reviews" for c in BALANCED_CATEGORIES} | {
    c: "amazon_reviews_unprocessed" for c in UNPROCESSED_CATEGORIES
}
_OPEN = "<review>"
_CLOSE = "</review>"
#: The fields of a review block (shared/data/README.md, section 2): each must be closed.
_FIELDS = (
    "unique_id",
    "asin",
    "product_name",
    "product_type",
    "helpful",
    "rating",
    "title",
    "date",
    "reviewer",
    "reviewer_location",
    "review_text",
)
_REFETCH = "Fix: fetch it again with rnnlib.core.data.fetch_file, which verifies its checksum."
_TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


@dataclass(frozen=True)
class Review:
    """One review: its category, sentiment (1 positive, 0 negative), stars, title and text."""

    category: str
    sentiment: int
    rating: float | None
    title: str
    text: str


def _check_sentiment(sentiment: int) -> None:
    """Check that ``sentiment`` is :data:`POSITIVE` (1) or :data:`NEGATIVE` (0).

    Raises:
        ValueError: anything else, ``True`` and ``"1"`` included.
    """
    if isinstance(sentiment, bool) or sentiment not in SENTIMENT_NAMES:
        raise ValueError(f"sentiment={sentiment!r}: use 1 (positive) or 0 (negative).")


def _field(text: str, start: int, end: int, name: str) -> str | None:
    """The first ``<name>...</name>`` value in ``text[start:end]``, unescaped and stripped.

    The first opening tag that has a closing tag after it (within the block) wins, as
    with the regular expression ``<name>(.*?)</name>``: only the first opening can be
    that tag, since a closing tag after a later opening is also after the first. Both
    searches stay inside the block, so the field costs at most the block's length.
    """
    opening, closing = f"<{name}>", f"</{name}>"
    begin = text.find(opening, start, end)
    if begin < 0:
        return None
    stop = text.find(closing, begin + len(opening), end)
    if stop < 0:
        return None
    return html.unescape(text[begin + len(opening) : stop]).strip()


def _unclosed_field(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The first field of the block ``text[start:end]`` opened and not closed, and its offset.

    A ``<name>`` must be followed by ``</name>`` before the next ``<name>`` and the end of
    the block. Each search stays between one tag and the next, so the check costs a few
    passes over the block, whatever it holds.
    """
    for name in _FIELDS:
        opening, closing = f"<{name}>", f"</{name}>"
        pos = text.find(opening, start, end)
        while pos >= 0:
            body = pos + len(opening)
            stop = text.find(closing, body, end)
            if stop < 0 or text.find(opening, body, stop) >= 0:
                return name, pos
            pos = text.find(opening, stop + len(closing), end)
    return None


def _rating(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        rating = float(value)
    except ValueError:
        return None
    return rating if math.isfinite(rating) else None


def _scan_blocks(text: str) -> tuple[list[tuple[int, int]], int, int | None]:
    """Find the review blocks of ``text`` in one pass.

    A block runs from a ``<review>`` tag to the first ``</review>`` after it. A
    ``<review>`` followed by another ``<review>`` before any ``</review>`` (or by none
    at all) is *unclosed*. A ``</review>`` without an opening is ignored.

    Returns:
        ``(spans, unclosed, first_unclosed)``: the ``(start, end)`` of each block's content,
        the number of unclosed ``<review>`` tags and the offset of the first one (None if
        none).
    """
    spans: list[tuple[int, int]] = []
    unclosed = 0
    first_unclosed: int | None = None
    close = -1  # the first </review> at or after the current opening's content, once searched
    pos = text.find(_OPEN)
    while pos >= 0:
        body = pos + len(_OPEN)
        if close < body:  # never true again once close is found past a later opening: no rescan
            close = text.find(_CLOSE, body)
        if close < 0:  # no </review> left: this opening and every later one are unclosed
            unclosed += 1 + text.count(_OPEN, body)
            first_unclosed = pos if first_unclosed is None else first_unclosed
            break
        following = text.find(_OPEN, body, close)
        if following >= 0:  # another block opens before this one closes
            unclosed += 1
            first_unclosed = pos if first_unclosed is None else first_unclosed
            pos = following
            continue
        spans.append((body, close))
        pos = text.find(_OPEN, close + len(_CLOSE))
    return spans, unclosed, first_unclosed


def parse_reviews(text: str, category: str, sentiment: int, *, source: str = "the text") -> list[Review]:
    """Parse the ``<review>...</review>`` blocks of a ``.review`` file, in file order.

    Each field's first occurrence is used (the unprocessed files repeat some fields),
    stripped of surrounding whitespace, with HTML entities decoded. A missing or
    unreadable ``<rating>`` gives ``None``; a missing ``<title>`` or ``<review_text>``
    gives ``""`` (:func:`~rnnlib.datasets.sentiment.dlstudio.build_datasets` then drops and
    counts the empty review). Anything outside the blocks (a ``<root>`` wrapper, blank
    lines, a stray ``</review>``) is ignored.

    A ``<review>`` with no ``</review>`` before the next ``<review>`` or the end of the
    file is a damaged block, and so is a block with a field (``<review_text>``,
    ``<title>``, ...) opened and not closed before the next one or the block's end. A
    damaged file is refused as a whole (the message gives the line of the first such
    tag): a truncated download must not pass for a shorter dataset, nor a review for one
    with no text. The time is linear in the length of ``text``, whatever it holds.

    Args:
        text: the file's contents.
        category: the category the reviews belong to (e.g. ``"books"``).
        sentiment: 1 for a ``positive.review`` file, 0 for ``negative.review``.
        source: what to call the text in error messages (a file name).

    Raises:
        ValueError: a bad sentiment.
        rnnlib.core.registry.DataFormatError: (a ``ValueError``) no ``<review>`` tag at all,
            or an unclosed ``<review>`` or field (a truncated or damaged file).
    """
    _check_sentiment(sentiment)
    spans, unclosed, first_unclosed = _scan_blocks(text)
    if not spans and not unclosed:
        raise DataFormatError(
            f"No <review>...</review> block in {source}: it is not a .review file of the Amazon "
            "review data, or it is empty. Fix: check the path, or fetch the file again with "
            "rnnlib.core.data.fetch_file."
        )
    if first_unclosed is not None:
        line = text.count("\n", 0, first_unclosed) + 1
        raise DataFormatError(
            f"{source} has {len(spans) + unclosed} <review> tags but only {len(spans)} complete "
            f"<review>...</review> blocks (the first <review> without its </review> is on line "
            f"{line}): the file is truncated or damaged. {_REFETCH}"
        )
    for start, end in spans:
        damaged = _unclosed_field(text, start, end)
        if damaged is not None:
            name, offset = damaged
            line = text.count("\n", 0, offset) + 1
            raise DataFormatError(
                f"{source}, line {line}: <{name}> is not closed by "
                f"</{name}> before the review's </review> (or the next <{name}>): the file is "
                f"damaged, and the review would get an empty or wrong {name}. {_REFETCH}"
            )
    return [
        Review(
            category=category,
            sentiment=sentiment,
            rating=_rating(_field(text, start, end, "rating")),
            title=_field(text, start, end, "title") or "",
            text=_field(text, start, end, "review_text") or "",
        )
        for start, end in spans
    ]


def read_review_file(
    path: str | os.PathLike[str],
    category: str,
    sentiment: int,
    *,
    errors: Literal["strict", "replace"] = "strict",
) -> list[Review]:
    """Read and parse one ``.review`` file (see :func:`parse_reviews`).

    Args:
        path: the file.
        category: the category its reviews belong to.
        sentiment: 1 for ``positive.review``, 0 for ``negative.review``.
        errors: ``"strict"`` (the default): the bytes must be UTF-8, as the real files are;
            a byte that is not (a copy re-saved as Windows-1252, a damaged file) is an
            error naming the file, the line and the byte. ``"replace"``: each undecodable
            byte becomes U+FFFD, which :func:`tokenize` treats as a separator: for a copy
            you know is damaged and want to read anyway.

    Raises:
        rnnlib.core.registry.DataFileError: the file is missing, a folder or unreadable.
        rnnlib.core.registry.DataFormatError: (a ``ValueError``) a byte that is not UTF-8
            (``errors="strict"``); no review block; a truncated or damaged file.
        ValueError: a bad ``errors`` or sentiment.
    """
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors={errors!r}: use 'strict' (the default) or 'replace'.")
    data = read_data_bytes(path, "Fix: check the path, or let load_reviews() find the file.")
    if errors == "replace":
        text = data.decode("utf-8", errors="replace")
    else:
        fix = (
            "Fix: fetch the original with rnnlib.core.data.fetch_file, or read this copy with "
            "read_review_file(..., errors='replace') to turn each bad byte into U+FFFD."
        )
        text = decode_utf8(data, os.fspath(path), fix)
    return parse_reviews(text, category, sentiment, source=os.fspath(path))


def tokenize(text: str) -> list[str]:
    """Split a review into lower-case words.

    A word is a run of letters and digits (any alphabet), which may contain inner
    apostrophes: ``"Don't buy it's 2nd-rate!"`` gives ``["don't", "buy", "it's", "2nd",
    "rate"]``. A typographic apostrophe (U+2019) counts as ``'``. Everything else
    (spaces, punctuation, ``_``, U+FFFD from undecodable bytes) separates words, and
    quotes around a word are dropped. DLStudio's own tokenization is undocumented; this
    is the course's.
    """
    return [word.replace("\u2019", "'") for word in _TOKEN_RE.findall(text.lower())]


def _check_categories(categories: Sequence[str] | None) -> list[str]:
    if categories is None:
        return list(CATEGORIES)
    if isinstance(categories, str):
        raise ValueError(f"categories={categories!r} is a single string: pass a list, e.g. [{categories!r}].")
    chosen = list(dict.fromkeys(categories))
    if not chosen:
        raise ValueError(f"No category given: pass some of {', '.join(CATEGORIES)}, or None for all.")
    unknown = [c for c in chosen if c not in _SOURCE]
    if unknown:
        raise ValueError(
            f"Unknown categories {unknown}. Known categories: {', '.join(CATEGORIES)}. "
            "Check the spelling (the folder names of the data, e.g. 'kitchen_&_housewares')."
        )
    return chosen


def load_reviews(
    categories: Sequence[str] | None = None, *, registry: Mapping[str, DatasetSpec] | None = None
) -> dict[str, dict[int, list[Review]]]:
    """Load the reviews of some categories as ``{category: {sentiment: reviews in file order}}``.

    The files are found and verified by :func:`rnnlib.core.data.fetch_file` (mirror, cache or
    download; datasets ``amazon_reviews`` and ``amazon_reviews_unprocessed``).

    Args:
        categories: names from :data:`CATEGORIES` (repeats are ignored); None for all eight.
        registry: the data registry to use (tests pass their own).

    Raises:
        ValueError: an unknown category, none at all, or a single string instead of a list.
        rnnlib.core.registry.DataFormatError: (a ``ValueError``) a file that is not a
            well-formed ``.review`` file in UTF-8 (the message names it and the line).
        rnnlib.core.registry.DataError: a file cannot be found or fails its checksum.
    """
    result: dict[str, dict[int, list[Review]]] = {}
    for category in _check_categories(categories):
        dataset = _SOURCE[category]
        result[category] = {}
        for sentiment in (POSITIVE, NEGATIVE):
            rel = f"{_FOLDERS[dataset]}/{category}/{SENTIMENT_NAMES[sentiment]}.review"
            result[category][sentiment] = read_review_file(
                fetch_file(dataset, rel, registry=registry), category, sentiment
            )
    return result
