"""rnnlib.datasets.sentiment on tiny reviews written here: parsing, tokens, datasets, archives, tensors."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from conftest import reference_parse_reviews, sha256_bytes
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.data import DataLoader

from rnnlib.core.data import (
    MIRROR_ENV,
    ArchiveTooLargeError,
    CacheAccessError,
    DataError,
    DataFile,
    DataFileError,
    DataFormatError,
    DatasetSpec,
    cache_dir,
    sha256_of,
)
from rnnlib.core.training import fit
from rnnlib.datasets import sentiment
from rnnlib.datasets.sentiment import (
    CATEGORIES,
    SIZES,
    TRUSTED_ARCHIVES_FILE,
    ArchiveFormatError,
    BuildReport,
    IndexReviews,
    OneHotReviews,
    Review,
    SentimentDataset,
    UnsafeArchiveError,
    UntrustedArchiveError,
    archive_name,
    archives,
    build_datasets,
    collate_for_sentiment,
    collate_padded,
    dlstudio,
    load_dlstudio_archive,
    load_reviews,
    parse_reviews,
    parsing,
    read_review_file,
    save_dlstudio_archive,
    tokenize,
)

# --------------------------------------------------------------------------- fixtures written in code


def block(text: str | None = "Good.", *, rating: str | None = "5.0", title: str | None = "A title") -> str:
    """One review block laid out as in the real files: each value on its own line."""
    parts = ["<review>", "<unique_id>", "ID-1", "</unique_id>", "<unique_id>", "ID-2", "</unique_id>"]
    parts += ["<product_type>", "kitchen & housewares", "</product_type>"]
    parts += ["<product_type>", "duplicate", "</product_type>"]
    for name, value in (("rating", rating), ("title", title), ("review_text", text)):
        if value is not None:
            parts += [f"<{name}>", value, f"</{name}>"]
    return "\n".join([*parts, "</review>", ""])


def review(text: str, category: str = "books", sentiment_: int = 1) -> Review:
    return Review(category=category, sentiment=sentiment_, rating=5.0, title="", text=text)


def corpus(texts: dict[str, tuple[list[str], list[str]]]) -> dict[str, dict[int, list[Review]]]:
    """``{category: (positive texts, negative texts)}`` -> load_reviews' structure."""
    return {
        c: {1: [review(t, c, 1) for t in pos], 0: [review(t, c, 0) for t in neg]}
        for c, (pos, neg) in texts.items()
    }


def numbered(prefix: str, count: int) -> list[str]:
    return [f"{prefix} review number w{i} is here" for i in range(count)]


# --------------------------------------------------------------------------- parse_reviews


def test_parse_takes_first_occurrence_strips_and_decodes_entities() -> None:
    text = block(
        "  Don't buy &quot;this&quot; pan & lid... it's GREAT &amp; cheap!  \n",
        title=" Great &amp; cheap & good ",
    )
    text += "<rating>\n1.0\n</rating>\n"  # a stray field after the block is ignored
    (r,) = parse_reviews(text, "kitchen_&_housewares", 1)
    assert r == Review(
        category="kitchen_&_housewares",
        sentiment=1,
        rating=5.0,
        title="Great & cheap & good",
        text="Don't buy \"this\" pan & lid... it's GREAT & cheap!",
    )


def test_parse_repeated_fields_use_the_first() -> None:
    doubled = block("first text").replace("</review>", "<review_text>\nsecond\n</review_text>\n</review>")
    doubled = doubled.replace("<rating>\n5.0", "<rating>\n2.0\n</rating>\n<rating>\n4.0")
    (r,) = parse_reviews(doubled, "baby", 0)
    assert (r.text, r.rating, r.sentiment) == ("first text", 2.0, 0)


def test_parse_root_wrapper_and_blank_lines_are_ignored() -> None:
    plain = block("one") + block("two")
    wrapped = "<root>\n" + block("one") + "\n" + block("two") + "\n</root>"
    assert parse_reviews(wrapped, "apparel", 1) == parse_reviews(plain, "apparel", 1)
    assert [r.text for r in parse_reviews(wrapped, "apparel", 1)] == ["one", "two"]


def test_parse_crlf_line_endings() -> None:
    (r,) = parse_reviews(block("Windows text").replace("\n", "\r\n"), "dvd", 1)
    assert (r.text, r.title, r.rating) == ("Windows text", "A title", 5.0)


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("five", None), ("nan", None), (" 4 ", 4.0)])
def test_parse_missing_or_unreadable_rating(raw: str | None, expected: float | None) -> None:
    (r,) = parse_reviews(block(rating=raw), "dvd", 1)
    assert r.rating == expected


def test_parse_review_without_text_or_title_gets_empty_strings() -> None:
    (r,) = parse_reviews(block(None, title=None), "dvd", 0)
    assert (r.text, r.title) == ("", "")


def test_parse_without_any_review_names_the_source() -> None:
    with pytest.raises(ValueError, match=r"No <review>\.\.\.</review> block in my\.review.*fetch_file"):
        parse_reviews("<root>\n</root>\n", "books", 1, source="my.review")
    with pytest.raises(ValueError, match=r"block in the text"):
        parse_reviews("", "books", 1)


def test_parse_truncated_file_is_an_error() -> None:
    text = block("complete") + block("cut off")[:40]
    with pytest.raises(ValueError, match=r"2 <review> tags but only 1 complete .*truncated.*fetch_file"):
        parse_reviews(text, "books", 1, source="cut.review")


def test_parse_names_the_line_of_the_first_unclosed_review() -> None:
    # The second block has no </review> before the third opens: the file is refused.
    text = block("one") + block("two").replace("</review>\n", "") + block("three")
    line = text[: text.index("<review>", 1)].count("\n") + 1
    with pytest.raises(ValueError, match=rf"3 <review> tags but only 2 complete .*on line {line}\)"):
        parse_reviews(text, "books", 1)


def test_parse_file_of_unclosed_reviews_only_is_truncated_not_empty() -> None:
    with pytest.raises(ValueError, match=r"2 <review> tags but only 0 complete .*line 1\)"):
        parse_reviews("<review>\n<review_text>\nx\n</review_text>\n<review>\n", "books", 1)


def test_parse_ignores_a_stray_closing_tag() -> None:
    text = "</review>\n" + block("one") + "</review>\n" + block("two")
    assert [r.text for r in parse_reviews(text, "books", 1)] == ["one", "two"]


def test_parse_unclosed_field_inside_a_block_is_an_error() -> None:
    """An unclosed <review_text> used to give a review with the text "", silently."""
    first = block("lost").replace("</review_text>", "")
    line = first[: first.index("<review_text>")].count("\n") + 1
    with pytest.raises(DataFormatError) as info:
        parse_reviews(first + block("kept"), "books", 1, source="books/positive.review")
    message = str(info.value)
    assert message.startswith(f"books/positive.review, line {line}: <review_text> is not closed")
    assert "fetch_file" in message and isinstance(info.value, ValueError)


@pytest.mark.parametrize("field", ["title", "rating", "unique_id", "product_type"])
def test_parse_any_unclosed_field_is_an_error(field: str) -> None:
    first = block("one")
    text = first + block("two").replace(f"</{field}>", "", 1) + block("three")
    line = text[: text.index(f"<{field}>", len(first))].count("\n") + 1
    with pytest.raises(DataFormatError, match=rf"line {line}: <{field}> is not closed"):
        parse_reviews(text, "books", 1)


def test_parse_a_field_opened_twice_before_its_closing_is_an_error() -> None:
    text = block("x").replace("<title>\nA title", "<title>\nA <title> title")
    with pytest.raises(DataFormatError, match=r"<title> is not closed"):
        parse_reviews(text, "books", 1)


WELL_FORMED = {
    "plain": block("one") + block("two"),
    "root wrapper": "<root>\n" + block("a &amp; b") + "\n" + block("c") + "\n</root>",
    "crlf": (block("x") + block("y")).replace("\n", "\r\n"),
    "stray closings": "</review>" + block("p") + "</review></review>" + block("q"),
    "repeated fields": block("t").replace("</review>", "<title>\nT2\n</title>\n</review>")
    + block(None, rating="nan", title=None),
    "text outside the blocks": "junk <review_text>\nno\n</review_text>\n" + block("in") + "<title>\nafter\n",
    "empty block": "<review></review>" + block("z"),
}


@pytest.mark.parametrize("name", list(WELL_FORMED))
def test_parse_well_formed_files_as_the_regular_expressions_did(name: str) -> None:
    text = WELL_FORMED[name]
    assert parse_reviews(text, "baby", 0) == reference_parse_reviews(text, "baby", 0)


#: 20,000 unclosed blocks, about 5 MB: the regular expressions took minutes on this.
UNCLOSED_BLOCK = "<review>\n<title>\nA title\n</title>\n<review_text>\n" + "words " * 33 + "\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("no closing tag at all", UNCLOSED_BLOCK * 20_000),
        ("one closing tag at the end", UNCLOSED_BLOCK * 20_000 + "</review>\n"),
        ("one complete block first", block("ok") + UNCLOSED_BLOCK * 20_000),
    ],
)
def test_parse_many_unclosed_reviews_is_fast(name: str, text: str) -> None:
    assert len(text) > 4_000_000 and text.count("<review>") >= 20_000
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"truncated or damaged"):
        parse_reviews(text, "books", 1)
    assert time.perf_counter() - start < 1.0, name


@pytest.mark.parametrize("tag", ["review_text", "title", "rating"])
def test_parse_many_unclosed_fields_is_fast(tag: str) -> None:
    body = (f"<{tag}>\n" + "words " * 33 + "\n") * 20_000
    text = f"<review>\n{body}</review>\n" + block("next")
    assert len(text) > 4_000_000
    start = time.perf_counter()
    with pytest.raises(DataFormatError, match=rf"line 2: <{tag}> is not closed"):
        parse_reviews(text, "books", 1)
    assert time.perf_counter() - start < 1.0


def test_parse_many_closed_fields_is_fast() -> None:
    text = block("ok " * 200) * 20_000
    assert len(text) > 10_000_000
    start = time.perf_counter()
    assert len(parse_reviews(text, "books", 1)) == 20_000
    assert time.perf_counter() - start < 1.5


@pytest.mark.parametrize("bad", [2, -1, True, "1", None])
def test_parse_rejects_a_bad_sentiment(bad: object) -> None:
    with pytest.raises(ValueError, match=r"use 1 \(positive\) or 0 \(negative\)"):
        parse_reviews(block(), "books", bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- read_review_file


def test_read_review_file_refuses_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    """A Windows-1252 byte used to become U+FFFD silently; it is an error naming the file."""
    path = tmp_path / "positive.review"
    text = block("fine") + block("caf\u00e9")
    data = text.encode("utf-8").replace("\u00e9".encode(), b"\xe9")  # as Windows-1252 writes it
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    line = text[: text.index("caf")].count("\n") + 1
    with pytest.raises(DataFormatError) as info:
        read_review_file(path, "dvd", 1)
    message = str(info.value)
    assert message.startswith(f"{path}, line {line} (byte offset {offset:,}): the byte(s) b'\\xe9'")
    assert "errors='replace'" in message and "fetch_file" in message


def test_read_review_file_rejects_an_unknown_errors_rule(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"errors='ignore': use 'strict'"):
        read_review_file(tmp_path / "x.review", "dvd", 1, errors="ignore")  # type: ignore[arg-type]


def test_read_review_file_replaces_invalid_utf8_on_request_and_keeps_odd_characters(tmp_path: Path) -> None:
    path = tmp_path / "kitchen_&_housewares" / "positive.review"
    path.parent.mkdir()
    text = "Caf\u00e9 na\u00efve \u00fcber \u4e2d\u6587 \U0001f600 ok\u2122 GrandPr"
    path.write_bytes(block(text).encode("utf-8").replace(b"GrandPr", b"GrandPr\xe9 bad\xff\xfebytes"))
    (r,) = read_review_file(path, "kitchen_&_housewares", 1, errors="replace")
    assert r.text == f"{text}\ufffd bad\ufffd\ufffdbytes"
    # U+FFFD, emoji and symbols separate words; letters of any alphabet are kept.
    assert tokenize(r.text) == ["café", "naïve", "über", "中文", "ok", "grandpr", "bad", "bytes"]


def test_read_review_file_accepts_str_paths_and_names_an_empty_file(tmp_path: Path) -> None:
    good = tmp_path / "good.review"
    good.write_text(block("fine"), encoding="utf-8")
    assert read_review_file(str(good), "dvd", 1)[0].text == "fine"
    empty = tmp_path / "empty.review"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=rf"No <review>.*block in {empty}"):
        read_review_file(empty, "dvd", 1)
    with pytest.raises(DataFileError, match=r"missing\.review does not exist.*Fix: check the path"):
        read_review_file(tmp_path / "missing.review", "dvd", 1)
    with pytest.raises(DataFileError, match=r"is a folder, where a file should be"):
        read_review_file(tmp_path, "dvd", 1)


# --------------------------------------------------------------------------- tokenize


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Don't buy it's 2nd-rate!", ["don't", "buy", "it's", "2nd", "rate"]),
        ("'Quoted' words, \"double\" too", ["quoted", "words", "double", "too"]),
        ("rock'n'roll o''clock it\u2019s", ["rock'n'roll", "o", "clock", "it's"]),
        ("snake_case 3.5 stars/5 AT&T", ["snake", "case", "3", "5", "stars", "5", "at", "t"]),
        ("MiXeD CaSe", ["mixed", "case"]),
        ("trailing' 'leading", ["trailing", "leading"]),
        ("", []),
        ("!!! ... --- '' \ufffd", []),
    ],
)
def test_tokenize(text: str, words: list[str]) -> None:
    assert tokenize(text) == words


# --------------------------------------------------------------------------- load_reviews


@pytest.fixture
def fake_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, DatasetSpec]:
    """A mirror holding two tiny reviews per file of the 8 categories, and its registry."""
    mirror = tmp_path / "mirror"
    files: dict[str, list[DataFile]] = {name: [] for name in parsing._FOLDERS}
    for category in CATEGORIES:
        name = parsing._SOURCE[category]
        for label in ("positive", "negative"):
            rel = f"{parsing._FOLDERS[name]}/{category}/{label}.review"
            content = block(f"{category} {label} one") + block(f"{category} {label} two")
            if name == "amazon_reviews_unprocessed":
                content = f"<root>\n{content}\n</root>"
            (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
            (mirror / rel).write_text(content, encoding="utf-8")
            files[name].append(DataFile(rel, sha256_bytes(content.encode()), rel))
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    return {
        name: DatasetSpec(name, "tiny", "http://127.0.0.1:9/x.tar.gz", "tar", tuple(entries))
        for name, entries in files.items()
    }


def test_load_reviews_all_categories(fake_registry: dict[str, DatasetSpec]) -> None:
    reviews = load_reviews(registry=fake_registry)
    assert list(reviews) == list(CATEGORIES)
    for category, by_sentiment in reviews.items():
        assert list(by_sentiment) == [1, 0]
        assert [r.text for r in by_sentiment[1]] == [f"{category} positive one", f"{category} positive two"]
        assert all(r.category == category and r.sentiment == 0 for r in by_sentiment[0])


def test_load_reviews_some_categories_in_the_given_order(fake_registry: dict[str, DatasetSpec]) -> None:
    reviews = load_reviews(["kitchen_&_housewares", "baby", "baby"], registry=fake_registry)
    assert list(reviews) == ["kitchen_&_housewares", "baby"]
    assert reviews["baby"][0][1].text == "baby negative two"


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        (["books", "kitchen"], r"Unknown categories \['kitchen'\]\. Known categories: apparel, .*kitchen_&_"),
        ("books", r"single string: pass a list, e\.g\. \['books'\]"),
        ([], r"No category given: pass some of apparel, automotive"),
    ],
)
def test_load_reviews_bad_categories(categories: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_reviews(categories)  # type: ignore[arg-type]


def test_load_reviews_without_data_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"amazon_reviews.*cannot find .*books/positive\.review"):
        load_reviews(["books"])


# --------------------------------------------------------------------------- build_datasets


@pytest.fixture
def small() -> dict[str, dict[int, list[Review]]]:
    return corpus(
        {
            "books": (numbered("good book", 12), numbered("bad book", 10)),
            "dvd": (numbered("good dvd", 5), numbered("bad dvd", 2)),
        }
    )


def test_build_datasets_takes_first_n_splits_and_shares_one_vocab(
    small: dict[str, dict[int, list[Review]]],
) -> None:
    train, test = build_datasets(small, 10, allow_any_n=True)
    assert train.categories == test.categories == ["books", "dvd"]
    assert train.counts().to_dict("index") == {
        "books": {"positive": 8, "negative": 8},
        "dvd": {"positive": 4, "negative": 1},
    }
    assert test.counts().to_dict("index") == {
        "books": {"positive": 2, "negative": 2},
        "dvd": {"positive": 1, "negative": 1},
    }
    # The first 10 positive books reviews, nothing after them.
    books_pos = {" ".join(d) for d in train.positive["books"] + test.positive["books"]}
    assert books_pos == {" ".join(tokenize(t)) for t in numbered("good book", 10)}
    all_docs = [
        d for ds in (train, test) for part in (ds.positive, ds.negative) for v in part.values() for d in v
    ]
    assert train.vocab == test.vocab == sorted({w for d in all_docs for w in d})
    assert "w11" not in train.vocab  # review 11 was beyond n
    assert len(train) == 21 and len(test) == 6
    assert repr(train) == (
        "SentimentDataset(2 categories, 12 positive and 9 negative reviews, "
        f"{len(train.vocab)} words in the vocabulary)"
    )


def test_build_datasets_report_counts_caps_empties_and_duplicates() -> None:
    reviews = corpus(
        {
            "baby": (["", "Same text!", "same TEXT", "...", "other", "fine one"], ["only one"]),
            "beauty": (numbered("nice", 3), numbered("awful", 3)),
        }
    )
    train, test = build_datasets(reviews, 3)
    report = train.report
    assert isinstance(report, BuildReport) and test.report is report
    assert (report.n, report.seed, report.test_fraction) == (3, 0, 0.2)
    assert report.available[("baby", 1)] == 6 and report.taken[("baby", 1)] == 3
    assert report.dropped_empty[("baby", 1)] == 1  # ""; "..." was beyond the first 3
    assert report.duplicates_dropped[("baby", 1)] == 1  # "same TEXT" has the words of "Same text!"
    assert report.capped == {("baby", 0): 1}
    assert (report.train[("baby", 1)], report.test[("baby", 1)]) == (1, 0)  # one review left: train only
    frame = report.to_frame()
    assert list(frame.columns) == [
        "available",
        "taken",
        "dropped empty",
        "duplicates dropped",
        "train",
        "test",
    ]
    assert frame.loc[("baby", "negative")].tolist() == [1, 1, 0, 0, 1, 0]
    assert frame.loc[("beauty", "positive")].tolist() == [3, 3, 0, 0, 2, 1]
    assert list(frame.index.get_level_values("sentiment"))[:2] == ["positive", "negative"]


def test_build_datasets_without_dedupe_keeps_repeats() -> None:
    reviews = corpus({"baby": (["same", "same", "same"], ["x", "y", "z"])})
    train, test = build_datasets(reviews, 3, dedupe=False)
    assert train.report is not None and not sum(train.report.duplicates_dropped.values())
    assert len(train.positive["baby"]) + len(test.positive["baby"]) == 3


def test_build_datasets_is_deterministic_per_seed(small: dict[str, dict[int, list[Review]]]) -> None:
    first = build_datasets(small, 10, seed=3, allow_any_n=True)
    again = build_datasets(small, 10, seed=3, allow_any_n=True)
    assert first == again
    other = build_datasets(small, 10, seed=4, allow_any_n=True)
    assert other[1].positive["books"] != first[1].positive["books"]
    # A category's split does not depend on which other categories are built with it.
    alone = build_datasets({"books": small["books"]}, 10, seed=3, allow_any_n=True)
    assert alone[1].positive["books"] == first[1].positive["books"]
    assert alone[0].negative["books"] == first[0].negative["books"]


def test_build_datasets_train_and_test_are_disjoint(small: dict[str, dict[int, list[Review]]]) -> None:
    train, test = build_datasets(small, 40)
    for part in ("positive", "negative"):
        for category in train.categories:
            tr = {tuple(d) for d in getattr(train, part)[category]}
            te = {tuple(d) for d in getattr(test, part)[category]}
            assert not tr & te


@pytest.mark.parametrize(
    ("size", "expected"), [(0, 0), (1, 0), (2, 1), (3, 1), (5, 1), (8, 2), (10, 2), (400, 80)]
)
def test_test_count(size: int, expected: int) -> None:
    assert dlstudio._test_count(size, 0.2) == expected
    assert dlstudio._test_count(10, 0.99) == 9  # at least one review stays for training


@pytest.mark.parametrize("n", [0, 5, 1000, 3.0, True, "40"])
def test_build_datasets_rejects_unknown_n(small: dict[str, dict[int, list[Review]]], n: object) -> None:
    with pytest.raises(ValueError, match=r"n="):
        build_datasets(small, n)  # type: ignore[arg-type]


def test_unknown_n_message_names_the_sizes_and_the_escape(small: dict[str, dict[int, list[Review]]]) -> None:
    with pytest.raises(
        ValueError, match=r"n=5 is not one of DLStudio's sizes \(3, 40, 200, 400\).*allow_any_n"
    ):
        build_datasets(small, 5)
    with pytest.raises(ValueError, match=r"n=0: .*must be a positive int"):
        build_datasets(small, 0, allow_any_n=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, r"seed=-1: use a non-negative int"),
        ({"seed": 1.5}, r"seed=1\.5"),
        ({"test_fraction": 0.0}, r"test_fraction=0\.0: use a number strictly between 0 and 1"),
        ({"test_fraction": 1}, r"test_fraction=1"),
    ],
)
def test_build_datasets_rejects_bad_seed_or_fraction(
    small: dict[str, dict[int, list[Review]]], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_datasets(small, 3, **kwargs)  # type: ignore[arg-type]


def test_build_datasets_rejects_no_reviews_and_missing_sentiment() -> None:
    with pytest.raises(ValueError, match=r"No reviews given: pass load_reviews\(\)'s output"):
        build_datasets({}, 3)
    with pytest.raises(ValueError, match=r"reviews\['dvd'\] has no list for sentiment 0 \(negative\)"):
        build_datasets({"dvd": {1: [review("fine")]}}, 3)


def test_build_datasets_with_no_word_at_all_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"None of the 4 reviews taken has a word.*<review_text>"):
        build_datasets(corpus({"dvd": (["", "..."], ["!", ""])}), 3)


# --------------------------------------------------------------------------- archives


@pytest.fixture
def datasets(small: dict[str, dict[int, list[Review]]]) -> tuple[SentimentDataset, SentimentDataset]:
    return build_datasets(small, 40)


def gzip_pickle(path: Path, payload: object, protocol: int = 4) -> Path:
    path.write_bytes(gzip.compress(pickle.dumps(payload, protocol=protocol)))
    return path


def test_archive_name() -> None:
    assert archive_name("train", 400) == "sentiment_dataset_train_400.tar.gz"
    assert archive_name("test", 3) == "sentiment_dataset_test_3.tar.gz"
    assert archive_name("test", 7, allow_any_n=True) == "sentiment_dataset_test_7.tar.gz"
    assert [archive_name("train", n) for n in SIZES][-1] == f"sentiment_dataset_train_{SIZES[-1]}.tar.gz"
    with pytest.raises(ValueError, match=r"split='validation': use one of 'train', 'test'"):
        archive_name("validation", 40)
    with pytest.raises(ValueError, match=r"n=7 is not one of DLStudio's sizes"):
        archive_name("train", 7)


def test_save_and_load_round_trip(
    datasets: tuple[SentimentDataset, SentimentDataset], tmp_path: Path
) -> None:
    train, _ = datasets
    path = tmp_path / "out" / archive_name("train", 40)
    digest = save_dlstudio_archive(train, path)
    assert digest == sha256_of(path)
    assert not list(tmp_path.rglob("*.part"))
    loaded = load_dlstudio_archive(path)
    assert loaded == train
    assert loaded.report is None
    # DLStudio's own reader, unchanged.
    positive, negative, vocab = pickle.loads(gzip.open(path).read(), encoding="latin1")
    assert (positive, negative, vocab) == train.to_tuple()
    assert type(positive) is dict and type(negative) is dict and type(vocab) is list


def test_saved_bytes_depend_only_on_the_data(
    datasets: tuple[SentimentDataset, SentimentDataset], tmp_path: Path
) -> None:
    train, test = datasets
    first = save_dlstudio_archive(train, tmp_path / "a.tar.gz")
    assert save_dlstudio_archive(train, tmp_path / "b.tar.gz") == first
    assert save_dlstudio_archive(test, tmp_path / "c.tar.gz") != first
    trusted = json.loads((cache_dir() / TRUSTED_ARCHIVES_FILE).read_text())
    assert trusted[first] == str((tmp_path / "b.tar.gz").resolve())
    assert len(trusted) == 2


def test_an_archive_rnnlib_did_not_write_is_refused(
    datasets: tuple[SentimentDataset, SentimentDataset], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train, _ = datasets
    path = gzip_pickle(tmp_path / "sentiment_dataset_train_40.tar.gz", train.to_tuple())
    digest = sha256_of(path)
    with pytest.raises(UntrustedArchiveError) as info:
        load_dlstudio_archive(path)
    message = str(info.value)
    assert str(path) in message and digest in message
    assert "load_dlstudio_archive(path, trust=True)" in message
    assert isinstance(info.value, DataError)
    assert load_dlstudio_archive(path, trust=True) == train
    monkeypatch.setitem(sentiment.KNOWN_ARCHIVE_SHA256, "sentiment_dataset_train_40.tar.gz", digest)
    assert load_dlstudio_archive(path) == train


def test_protocol_2_pickles_load_too(
    datasets: tuple[SentimentDataset, SentimentDataset], tmp_path: Path
) -> None:
    train, _ = datasets
    path = gzip_pickle(tmp_path / "old.tar.gz", train.to_tuple(), protocol=2)
    assert load_dlstudio_archive(path, trust=True) == train


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def test_a_pickle_that_would_run_code_is_refused_even_when_trusted(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = gzip_pickle(tmp_path / "evil.tar.gz", ({}, {}, [_Exploit(marker)]))
    with pytest.raises(
        UnsafeArchiveError, match=r"asks the unpickler for (posix|nt)\.system.*even with trust=True"
    ):
        load_dlstudio_archive(path, trust=True)
    assert not marker.exists()
    with pytest.raises(UntrustedArchiveError):
        load_dlstudio_archive(path)  # without trust it is not even unpickled
    assert not marker.exists()


def test_any_class_is_refused(tmp_path: Path) -> None:
    from collections import OrderedDict

    path = gzip_pickle(tmp_path / "ordered.tar.gz", (OrderedDict(), {}, []))
    with pytest.raises(UnsafeArchiveError, match=r"collections\.OrderedDict"):
        load_dlstudio_archive(path, trust=True)


GOOD = ({"books": [["good"]]}, {"books": [["bad"]]}, ["bad", "good"])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"this is not gzip at all", r"is not a complete gzip file \(BadGzipFile"),
        (gzip.compress(pickle.dumps(GOOD))[:-12], r"is not a complete gzip file \((EOFError|BadGzipFile)"),
        (gzip.compress(b"not a pickle"), r"not a readable pickle"),
        (gzip.compress(pickle.dumps(GOOD)[:-5]), r"not a readable pickle \((EOFError|UnpicklingError)"),
        (gzip.compress(b""), r"not a readable pickle \(EOFError"),
    ],
)
def test_corrupt_or_truncated_archive(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "bad.tar.gz"
    path.write_bytes(raw)
    with pytest.raises(ArchiveFormatError, match=message) as info:
        load_dlstudio_archive(path, trust=True)
    assert str(path) in str(info.value) and "Fix:" in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DataError)
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no raw pickle/gzip traceback


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (list(GOOD), r"it holds a list of length 3, not a 3-tuple.*Fix: rebuild"),
        (GOOD[:2], r"holds a tuple of length 2"),
        ("text", r"holds a str, not a 3-tuple"),
        (([], {}, []), r"positive_dict is a list, not a dict"),
        (({}, {1: []}, []), r"negative_dict maps 1 to a list: expected a str key"),
        (({"books": "text"}, {}, []), r"positive_dict maps 'books' to a str"),
        (({"books": [["ok"], "text"]}, {}, []), r"positive_dict\['books'\]\[1\] is not a list of words"),
        (({"books": [["ok", 3]]}, {}, []), r"\['books'\]\[0\] is not a list of words"),
        (({}, {}, ("a", "b")), r"vocab_list is not a list of words"),
        (({}, {}, ["a", 2]), r"vocab_list is not a list of words"),
    ],
)
def test_archive_with_the_wrong_structure(tmp_path: Path, payload: object, message: str) -> None:
    path = gzip_pickle(tmp_path / "odd.tar.gz", payload)
    with pytest.raises(ArchiveFormatError, match=message):
        load_dlstudio_archive(path, trust=True)


def test_saving_a_dataset_with_the_wrong_structure(tmp_path: Path) -> None:
    odd = SentimentDataset({"books": [["fine", 3]]}, {}, ["fine"])  # type: ignore[list-item]
    with pytest.raises(ArchiveFormatError, match=r"the dataset to save as .*x\.tar\.gz: positive_dict"):
        save_dlstudio_archive(odd, tmp_path / "x.tar.gz")
    assert not (tmp_path / "x.tar.gz").exists()


def test_missing_archive(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"missing\.tar\.gz does not exist.*save_dlstudio_archive"):
        load_dlstudio_archive(tmp_path / "missing.tar.gz")
    with pytest.raises(DataFileError, match=r"is a folder, where a file should be"):
        load_dlstudio_archive(tmp_path)


def test_a_trusted_gzip_bomb_stops_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """50 MiB of zeros in 50 KB of gzip: refused once 1 MiB is unpacked, before any unpickling."""
    path = tmp_path / "sentiment_dataset_train_400.tar.gz"
    path.write_bytes(gzip.compress(bytes(50 * 2**20)))
    assert path.stat().st_size < 100_000
    start = time.perf_counter()
    with pytest.raises(ArchiveTooLargeError) as info:
        load_dlstudio_archive(path, trust=True, max_bytes=2**20)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert message.startswith(f"{path} unpacks to more than 1,048,576 bytes (1 MiB)")
    assert "export RNNLIB_MAX_UNPACKED_MB=4096" in message and "max_bytes=" in message
    monkeypatch.setenv("RNNLIB_MAX_UNPACKED_MB", "1")
    with pytest.raises(ArchiveTooLargeError):
        load_dlstudio_archive(path, trust=True)


def test_an_archive_within_the_cap_loads(tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    path.write_bytes(gzip.compress(pickle.dumps(GOOD)))
    size = len(pickle.dumps(GOOD))
    assert load_dlstudio_archive(path, trust=True, max_bytes=size).vocab == ["bad", "good"]
    with pytest.raises(ArchiveTooLargeError):
        load_dlstudio_archive(path, trust=True, max_bytes=size - 1)


@pytest.mark.parametrize("content", [b"{not json", b'["a list"]', b'{"abc": 3}', b"\xff\xfe"])
def test_damaged_trust_file_is_reported(
    datasets: tuple[SentimentDataset, SentimentDataset], tmp_path: Path, content: bytes
) -> None:
    train, _ = datasets
    path = gzip_pickle(tmp_path / "a.tar.gz", train.to_tuple())
    trust_file = cache_dir() / TRUSTED_ARCHIVES_FILE
    trust_file.parent.mkdir(parents=True, exist_ok=True)
    trust_file.write_bytes(content)
    with pytest.raises(DataError, match=r"trusted_archives\.json is not a JSON object.*Fix: delete it"):
        load_dlstudio_archive(path)
    with pytest.raises(DataError, match=r"Fix: delete it"):
        save_dlstudio_archive(train, tmp_path / "b.tar.gz")
    assert load_dlstudio_archive(path, trust=True) == train  # trust=True needs no list


def test_trust_store_in_a_cache_that_cannot_be_written(
    datasets: tuple[SentimentDataset, SentimentDataset], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train, _ = datasets
    store = cache_dir() / TRUSTED_ARCHIVES_FILE
    real = archives.atomic_write_bytes

    def read_only_cache(dest: Path, data: bytes) -> Path:
        if Path(dest) == store:
            raise PermissionError(13, "Permission denied", str(dest))
        return real(dest, data)

    monkeypatch.setattr(archives, "atomic_write_bytes", read_only_cache)
    with pytest.raises(
        CacheAccessError, match=r"cannot record .*a\.tar\.gz in the list of trusted archives"
    ) as info:
        save_dlstudio_archive(train, tmp_path / "a.tar.gz")
    message = str(info.value)
    assert f"The cache folder {cache_dir()} is not writable" in message
    assert "RNNLIB_CACHE_DIR=<a writable folder>" in message
    assert (tmp_path / "a.tar.gz").is_file()  # the archive is written, only not trusted
    with pytest.raises(UntrustedArchiveError):
        load_dlstudio_archive(tmp_path / "a.tar.gz")


def test_unreadable_trust_store(
    datasets: tuple[SentimentDataset, SentimentDataset], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train, _ = datasets
    path = tmp_path / "a.tar.gz"
    save_dlstudio_archive(train, path)
    store = cache_dir() / TRUSTED_ARCHIVES_FILE
    real = Path.read_bytes

    def unreadable(self: Path) -> bytes:
        if self == store:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    with pytest.raises(
        CacheAccessError, match=r"cannot read the list of trusted archives .*RNNLIB_CACHE_DIR="
    ):
        load_dlstudio_archive(path)


# --------------------------------------------------------------------------- torch datasets


@pytest.fixture
def tiny() -> SentimentDataset:
    return SentimentDataset(
        positive={"dvd": [["great", "film"]], "books": [["great"], ["unknown", "words"]]},
        negative={"books": [["bad", "plot", "zzz"]], "dvd": []},
        vocab=["bad", "film", "great", "plot"],
    )


def test_index_reviews_order_encoding_and_skips(tiny: SentimentDataset) -> None:
    ds = IndexReviews(tiny)
    assert ds.categories == ["books", "dvd"]
    assert ds.vocab_size == 4 and ds.word_to_index["great"] == 2
    assert (ds.skipped, ds.unknown_words) == (1, 3)  # ["unknown", "words"] and "zzz"
    assert len(ds) == 3
    items = [ds[i] for i in range(len(ds))]
    assert [(t.tolist(), c, s) for t, c, s in items] == [([2], 0, 1), ([0, 3], 0, 0), ([2, 1], 1, 1)]
    assert all(t.dtype == torch.int64 for t, _, _ in items)
    assert ds.sentiments.tolist() == [1, 0, 1]


def test_one_hot_reviews(tiny: SentimentDataset) -> None:
    ds = OneHotReviews(tiny)
    tensor, category, label = ds[2]
    assert tensor.dtype == torch.float32 and tensor.shape == (2, 4)
    assert tensor.tolist() == [[0, 0, 1, 0], [0, 1, 0, 0]]
    assert (category, label) == (1, 1)
    assert ds.skipped == 1 and ds.categories == ["books", "dvd"]


def test_reviews_with_no_known_word_at_all(tiny: SentimentDataset) -> None:
    unknown = SentimentDataset({"dvd": [["zzz"], []]}, {}, ["bad"])
    with pytest.raises(ValueError, match=r"No review has a word of the vocabulary \(2 reviews skipped\)"):
        IndexReviews(unknown)
    with pytest.raises(ValueError, match=r"vocabulary is empty"):
        OneHotReviews(SentimentDataset({"dvd": [["a"]]}, {}, []))


def test_collate_padded_indices_and_one_hot(tiny: SentimentDataset) -> None:
    (padded, lengths), categories, sentiments = collate_padded([IndexReviews(tiny)[i] for i in range(3)])
    assert padded.tolist() == [[2, 0], [0, 3], [2, 1]]
    assert lengths.tolist() == [1, 2, 2] and lengths.dtype == torch.int64
    assert categories.tolist() == [0, 0, 1] and categories.dtype == torch.int64
    assert sentiments.tolist() == [1, 0, 1] and sentiments.dtype == torch.int64
    (one_hot, _), _, _ = collate_padded([OneHotReviews(tiny)[i] for i in range(3)])
    assert one_hot.shape == (3, 2, 4) and one_hot.dtype == torch.float32
    assert one_hot[0, 1].abs().sum() == 0  # padding is zeros
    with pytest.raises(ValueError, match=r"empty batch"):
        collate_padded([])


def test_collate_for_sentiment_feeds_the_training_loop(tiny: SentimentDataset) -> None:
    class Tiny(nn.Module):
        def __init__(self, vocab_size: int) -> None:
            super().__init__()
            self.gru = nn.GRU(vocab_size, 3, batch_first=True)
            self.out = nn.Linear(3, 2)

        def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
            padded, lengths = inputs
            _, hidden = self.gru(
                pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
            )
            return self.out(hidden[-1])

    ds = OneHotReviews(tiny)
    (inputs, lengths), targets = collate_for_sentiment([ds[0], ds[1]])
    assert inputs.shape == (2, 2, 4) and lengths.tolist() == [1, 2] and targets.tolist() == [1, 0]
    torch.manual_seed(0)
    model = Tiny(ds.vocab_size)
    loader = DataLoader(ds, batch_size=2, collate_fn=collate_for_sentiment)
    history = fit(
        model,
        loader,
        loss_fn=nn.functional.cross_entropy,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=1,
        device="cpu",
        log=None,
    )
    assert len(history.epochs) == 1 and 0 <= history.epochs[0].train_acc <= 1


def test_sentiment_dataset_helpers(tiny: SentimentDataset) -> None:
    assert tiny.categories == ["books", "dvd"]
    assert len(tiny) == 4
    assert tiny.counts().to_dict("index") == {
        "books": {"positive": 2, "negative": 1},
        "dvd": {"positive": 1, "negative": 0},
    }
    positive, negative, vocab = tiny.to_tuple()
    assert positive == tiny.positive and positive is not tiny.positive
    assert positive["books"][0] is not tiny.positive["books"][0]
    assert (negative, vocab) == (tiny.negative, tiny.vocab)


# --------------------------------------------------------------------------- given vocabularies, documents()


def test_index_reviews_with_a_given_vocab(tiny: SentimentDataset) -> None:
    vocab = ["<pad>", "great", "plot", "unknown"]
    ds = IndexReviews(tiny, vocab=vocab)
    assert ds.vocab == vocab and ds.vocab_size == 4 and ds.word_to_index["plot"] == 2
    assert tiny.vocab == ["bad", "film", "great", "plot"]  # the dataset's own is untouched
    # books +: "great" | "unknown" ("words" skipped) ; books -: "plot" ("bad", "zzz" skipped);
    # dvd +: "great" ("film" skipped)
    items = [(t.tolist(), c, s) for t, c, s in (ds[i] for i in range(len(ds)))]
    assert items == [([1], 0, 1), ([3], 0, 1), ([2], 0, 0), ([1], 1, 1)]
    assert (ds.skipped, ds.unknown_words) == (0, 4)
    assert all(0 not in t for t, _, _ in items)  # "<pad>" is no word of a review
    assert OneHotReviews(tiny, vocab=tuple(vocab))[2][0].tolist() == [[0, 0, 1, 0]]


def test_index_reviews_given_vocab_skips_reviews_it_cannot_encode(tiny: SentimentDataset) -> None:
    ds = IndexReviews(tiny, vocab=["<pad>", "film"])
    assert len(ds) == 1 and ds[0][0].tolist() == [1] and ds[0][1:] == (1, 1)
    assert (ds.skipped, ds.unknown_words) == (3, 7)
    with pytest.raises(ValueError, match=r"No review has a word of the vocabulary \(4 reviews skipped\)"):
        IndexReviews(tiny, vocab=["<pad>", "nothing"])


def test_index_reviews_max_length_keeps_the_first_known_words(tiny: SentimentDataset) -> None:
    # books -: "bad", "plot", "zzz" -> known "bad", "plot" (vocab order: bad 0, film 1, great 2, plot 3)
    full = IndexReviews(tiny)
    cut = IndexReviews(tiny, max_length=1)
    lengths = [len(full[i][0]) for i in range(len(full))]
    prefixes = [full[i][0][:1].tolist() for i in range(len(full))]
    assert [cut[i][0].tolist() for i in range(len(cut))] == prefixes
    assert cut.truncated_words == sum(n - 1 for n in lengths if n > 1) and cut.truncated_words > 0
    assert full.truncated_words == 0
    assert IndexReviews(tiny, max_length=99).truncated_words == 0
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=r"max_length="):
            IndexReviews(tiny, max_length=bad)


def test_index_reviews_empty_given_vocab(tiny: SentimentDataset) -> None:
    with pytest.raises(ValueError, match=r"vocabulary is empty: .*pass the words of your embedding as vocab"):
        IndexReviews(tiny, vocab=[])
    no_vocab = SentimentDataset(tiny.positive, tiny.negative, [])
    assert len(IndexReviews(no_vocab, vocab=["great"])) == 2  # a given vocab replaces an empty one


def test_documents_in_index_reviews_order(tiny: SentimentDataset) -> None:
    docs, labels = tiny.documents()
    assert docs == [["great"], ["unknown", "words"], ["bad", "plot", "zzz"], ["great", "film"]]
    assert labels == [1, 1, 0, 1]
    every_word = sorted({w for doc in docs for w in doc})
    ds = IndexReviews(tiny, vocab=every_word)
    assert len(ds) == len(docs)
    assert [[every_word[i] for i in ds[k][0].tolist()] for k in range(len(ds))] == docs
    assert ds.sentiments.tolist() == labels
    docs[0].append("changed")  # copies: the dataset stays as it was
    assert tiny.positive["books"][0] == ["great"]


def test_documents_of_built_datasets(small: dict[str, dict[int, list[Review]]]) -> None:
    train, test = build_datasets(small, 3, allow_any_n=True)
    for part in (train, test):
        docs, labels = part.documents()
        assert len(docs) == len(labels) == len(part)
        ds = IndexReviews(part)
        assert ds.skipped == 0 and ds.sentiments.tolist() == labels
        assert [[part.vocab[i] for i in ds[k][0].tolist()] for k in range(len(ds))] == docs
    assert SentimentDataset({}, {}, ["a"]).documents() == ([], [])


def test_build_datasets_with_n_none_takes_every_review(small: dict[str, dict[int, list[Review]]]) -> None:
    train, test = build_datasets(small, None)
    assert len(train) + len(test) == 12 + 10 + 5 + 2
    assert train.report is not None and train.report.n is None and train.report.capped == {}
    assert train.report.taken[("books", 1)] == 12
    with pytest.raises(ValueError, match=r"n=None \(every review\) has no DLStudio archive name"):
        sentiment.archive_name("train", None)  # type: ignore[arg-type]


def test_with_shuffled_words_keeps_words_labels_and_lengths(tiny: SentimentDataset) -> None:
    words = SentimentDataset(
        {"books": [["bad", "film", "great", "plot", "film"]]},
        {"dvd": [["plot", "great"]]},
        ["bad", "film", "great", "plot"],
    )
    ds = IndexReviews(words)
    shuffled = ds.with_shuffled_words(seed=3)
    assert isinstance(shuffled, IndexReviews) and len(shuffled) == len(ds)
    for i in range(len(ds)):
        (a, ca, sa), (b, cb, sb) = ds[i], shuffled[i]
        assert sorted(a.tolist()) == sorted(b.tolist()) and (ca, sa) == (cb, sb)
    assert shuffled[0][0].tolist() != ds[0][0].tolist()  # 5 words: this seed moves them
    assert ds[0][0].tolist() == [0, 1, 2, 3, 1]  # the original is untouched
    assert shuffled.lengths.tolist() == ds.lengths.tolist() == [5, 2]
    again = ds.with_shuffled_words(seed=3)
    assert all(torch.equal(again[i][0], shuffled[i][0]) for i in range(len(ds)))
    one_hot = OneHotReviews(words).with_shuffled_words(seed=3)
    assert isinstance(one_hot, OneHotReviews) and one_hot[0][0].shape == (5, 4)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match=r"seed=.*non-negative int"):
            ds.with_shuffled_words(seed=bad)  # type: ignore[arg-type]


def test_bucketed_loader_batches_similar_lengths(tiny: SentimentDataset) -> None:
    docs = {"books": [["great"] * n for n in (1, 9, 2, 8, 3, 7)]}
    ds = IndexReviews(SentimentDataset(docs, {}, ["great"]))
    fixed = list(sentiment.bucketed_loader(ds, 2, shuffle=False))
    assert [lengths.tolist() for (_, lengths), _ in fixed] == [[1, 2], [3, 7], [8, 9]]
    subset = list(sentiment.bucketed_loader(ds, 2, rows=[1, 3, 5], shuffle=False))
    assert [lengths.tolist() for (_, lengths), _ in subset] == [[7, 8], [9]]
    shuffled = [b[0][1].tolist() for b in sentiment.bucketed_loader(ds, 2, shuffle=True, seed=4)]
    assert sorted(x for b in shuffled for x in b) == [1, 2, 3, 7, 8, 9]
    assert shuffled == [b[0][1].tolist() for b in sentiment.bucketed_loader(ds, 2, shuffle=True, seed=4)]
    with pytest.raises(ValueError, match=r"rows must lie in 0..5, got 0..6"):
        sentiment.bucketed_loader(ds, 2, rows=[0, 6], shuffle=False)
    with pytest.raises(ValueError, match=r"rows must be a non-empty list"):
        sentiment.bucketed_loader(ds, 2, rows=[], shuffle=False)
    with pytest.raises(ValueError, match=r"batch_size"):
        sentiment.bucketed_loader(ds, 0, shuffle=False)


# --------------------------------------------------------------------------- frequent_words


def test_frequent_words_ranks_by_count_then_alphabet() -> None:
    docs = [["b", "a", "c", "b"], ["c", "d", "b"], ["a"]]  # b 3, a 2, c 2, d 1
    assert sentiment.frequent_words(docs, 3) == ["<pad>", "b", "a", "c"]
    assert sentiment.frequent_words(docs, 10) == ["<pad>", "b", "a", "c", "d"]  # all there are
    # the order of the reviews does not matter
    assert sentiment.frequent_words(docs[::-1], 3) == sentiment.frequent_words(docs, 3)
    assert sentiment.frequent_words(iter(docs), 1, pad="PAD") == ["PAD", "b"]  # any iterable


def test_frequent_words_indexes_reviews_from_1(tiny: SentimentDataset) -> None:
    docs, _ = tiny.documents()
    vocab = sentiment.frequent_words(docs, 5)
    items = IndexReviews(tiny, vocab)
    assert vocab[0] == "<pad>" and len(vocab) == 6
    assert all(int(ids.min()) >= 1 for ids, _, _ in (items[i] for i in range(len(items))))


@pytest.mark.parametrize(
    ("docs", "size", "pad", "message"),
    [
        ([["a"]], 0, "<pad>", r"size=0: must be a whole number"),
        ([[], []], 3, "<pad>", r"The documents hold no word"),
        (["a review"], 3, "<pad>", r"documents must be lists of words, got the string 'a review': tokenize"),
        ([["<pad>", "a"]], 3, "<pad>", r"The padding token '<pad>' occurs as a word"),
    ],
)
def test_frequent_words_refuses_bad_input(docs: list, size: int, pad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sentiment.frequent_words(docs, size, pad=pad)
