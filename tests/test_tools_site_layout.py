"""The layout rules of the site check (tools.site_layout), as pure functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.book import PageSpec
from tools.site_checks import PageResult
from tools.site_layout import (
    ALLOW_FILE,
    MAX_SCREENS,
    Allowances,
    LongPage,
    WideElement,
    alt_text_problem,
    check_layout,
    check_phone_width,
    load_allowances,
    unused_allowances,
)


def result() -> PageResult:
    return PageResult(PageSpec("chapters/x", None))


@pytest.mark.parametrize(
    "alt",
    [
        None,
        "",
        "   ",
        "fits.png",
        "../../_images/0126600848c871f7d121bd59c50af7e89ad1097d90edd5972c82f9ed99711710.png",
        "_images/plot",
        "C:\\figures\\loss",
        "0126600848c871f7d121bd59c50af7e8",
        "plot",  # the image's own file name without its extension
    ],
)
def test_alt_text_that_does_not_describe_the_image(alt: str | None) -> None:
    assert alt_text_problem(alt, "../../_images/plot") is not None


@pytest.mark.parametrize(
    "alt",
    [
        "Validation loss against epoch for three seeds",
        "Loss",
        "Accuracy/parameters trade-off, one dot per model",
    ],
)
def test_alt_text_that_describes(alt: str) -> None:
    assert alt_text_problem(alt, "../../_images/0126600848c871f7d121bd59c50af7e8.png") is None


def test_wide_elements_fail_unless_allowed() -> None:
    allow = Allowances(wide=[WideElement("chapters/x.html", "table of 18", "planted")])
    r = result()
    layout = {
        "wide": [
            {"kind": "code", "over": 237, "text": "%pip install"},
            {"kind": "table", "over": 500, "text": "table of 18 languages"},
        ],
        "wrapped": [{"kind": "output", "over": 40, "text": "epoch 1"}],
        "images": [{"src": "a.png", "alt": "a.png"}, {"src": "b.png", "alt": "Loss against epoch"}],
        "screens": 12.0,
    }
    check_layout(r, "chapters/x.html", layout, allow, 1280)
    assert r.problems == [
        "code wider than the column at 1280 px (237 px hidden, scrolls sideways): “%pip install…”",
        "image alt text is a file name, not a description: a.png",
    ]
    assert "1 output block(s) wrap long lines" in r.notes and "12 screens" in r.notes
    assert unused_allowances(allow, ["chapters/x.html"]) == []


def test_an_allowance_for_another_page_does_not_apply() -> None:
    allow = Allowances(wide=[WideElement("chapters/y.html", "%pip", "planted")])
    r = result()
    check_layout(r, "chapters/x.html", {"wide": [{"kind": "code", "over": 3, "text": "%pip"}]}, allow, 1280)
    assert len(r.problems) == 1
    assert unused_allowances(allow, ["chapters/x.html", "chapters/y.html"]) == [
        "allow-list entry matches nothing (remove it): wide chapters/y.html “%pip”"
    ]
    assert unused_allowances(allow, ["chapters/x.html"]) == []  # y was not checked


def test_page_length_limit_and_its_allowance() -> None:
    r = result()
    check_layout(r, "p.html", {"screens": MAX_SCREENS + 0.6}, Allowances(), 1280)
    assert r.problems and r.problems[0].startswith(f"page is {MAX_SCREENS + 1} screens long")
    allow = Allowances(long=[LongPage("p.html", 45, "one notebook")])
    r = result()
    check_layout(r, "p.html", {"screens": 44.0}, allow, 1280)
    assert r.ok and unused_allowances(allow, ["p.html"]) == []
    r = result()
    check_layout(r, "p.html", {"screens": 46.0}, allow, 1280)
    assert "allowed 45 because: one notebook" in r.problems[0]
    stale = Allowances(long=[LongPage("q.html", 45, "gone")])
    assert unused_allowances(stale, ["q.html"]) == [
        "allow-list entry matches nothing (remove it): long_page q.html"
    ]


def test_phone_width() -> None:
    r = result()
    check_phone_width(r, 1.0, 390)
    assert r.ok
    check_phone_width(r, 68.0, 390)
    assert r.problems == ["at 390 px the page is 68 px wider than the screen"]


def test_load_allowances(tmp_path: Path) -> None:
    assert load_allowances(tmp_path / "missing.yml") == Allowances()
    good = tmp_path / "allow.yml"
    good.write_text(
        "wide:\n  - {page: a.html, starts_with: x, reason: r}\n"
        "long_page:\n  - {page: b.html, max_screens: 40, reason: long}\n"
    )
    allow = load_allowances(good)
    assert allow.wide == [WideElement("a.html", "x", "r")]
    assert allow.long == [LongPage("b.html", 40.0, "long")]
    empty = tmp_path / "empty.yml"
    empty.write_text("# nothing allowed\nwide: []\nlong_page:\n")
    assert load_allowances(empty) == Allowances()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wide: [\n", "not valid YAML"),
        ("- a\n", "expected a mapping"),
        ("narrow: []\n", "unknown keys \\['narrow'\\]"),
        ("wide:\n  - {page: a.html, starts_with: x}\n", "lacks \\['reason'\\]"),
        ("wide:\n  - {page: a.html, starts_with: x, reason: ' '}\n", "reason must be a non-empty str"),
        ("wide:\n  - {page: a.html, starts_with: x, reason: r, why: 1}\n", "unknown keys \\['why'\\]"),
        ("long_page:\n  - {page: a.html, max_screens: many, reason: r}\n", "max_screens must be"),
        ("long_page:\n  - {page: a.html, max_screens: 20, reason: r}\n", "must exceed the default"),
        ("wide: 3\n", "must be a list of mappings"),
        ("wide: [3]\n", "must be a list of mappings"),
    ],
)
def test_load_allowances_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "allow.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_allowances(path)


def test_the_real_allow_list_loads_and_gives_reasons() -> None:
    allow = load_allowances(ALLOW_FILE)
    assert all(len(e.reason) > 20 for e in [*allow.wide, *allow.long])
