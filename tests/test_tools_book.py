"""tools.book: the one walker of _toc.yml, on small tables of contents made in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.book import PageSpec, TocError, source_of, strip_suffix, toc_docnames, toc_notebooks, toc_pages

TOC = """\
format: jb-book
root: intro
parts:
  - caption: Part one
    chapters:
      - file: chapters/a/a
        sections:
          - file: chapters/a/extra.md
          - url: https://example.org
      - file: ./chapters/b/b.ipynb
  - caption: Part two
    chapters:
      - glob: more/*
      - file: intro
      - file: missing
"""


def make_book(root: Path, toc: str = TOC) -> Path:
    for name in (
        "intro.md",
        "chapters/a/a.ipynb",
        "chapters/a/a.md",
        "chapters/a/extra.md",
        "chapters/b/b.ipynb",
        "more/m1.md",
        "more/m2.ipynb",
        "more/notes.txt",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("{}" if name.endswith(".ipynb") else "# page\n", encoding="utf-8")
    (root / "_toc.yml").write_text(toc, encoding="utf-8")
    return root / "_toc.yml"


def test_docnames_in_order_root_first_nested_and_glob(tmp_path: Path) -> None:
    toc = make_book(tmp_path)
    # suffixes and "./" are dropped, url entries and non-source glob matches skipped, repeats kept once
    assert toc_docnames(toc) == [
        "intro",
        "chapters/a/a",
        "chapters/a/extra",
        "chapters/b/b",
        "more/m1",
        "more/m2",
        "missing",
    ]


def test_pages_carry_their_sources(tmp_path: Path) -> None:
    pages = toc_pages(make_book(tmp_path))
    by_name = {p.docname: p for p in pages}
    assert by_name["intro"].source == tmp_path / "intro.md"
    assert by_name["chapters/a/a"].source == tmp_path / "chapters/a/a.ipynb"  # notebook preferred
    assert by_name["missing"].source is None and not by_name["missing"].is_notebook
    assert by_name["chapters/b/b"].html_path == "chapters/b/b.html"
    assert by_name["chapters/b/b"].is_notebook and not by_name["intro"].is_notebook


def test_notebooks_are_the_notebook_pages_in_order(tmp_path: Path) -> None:
    assert toc_notebooks(make_book(tmp_path)) == [
        tmp_path / "chapters/a/a.ipynb",
        tmp_path / "chapters/b/b.ipynb",
        tmp_path / "more/m2.ipynb",
    ]


def test_the_real_book_lists_its_chapters() -> None:
    root = Path(__file__).resolve().parents[1]
    names = toc_docnames(root / "_toc.yml")
    assert names[0] == "intro"
    assert "chapters/01_char_rnn/char_rnn" in names
    assert root / "chapters/01_char_rnn/char_rnn.ipynb" in toc_notebooks(root / "_toc.yml")


def test_strip_suffix_and_source_of(tmp_path: Path) -> None:
    assert strip_suffix("a/b.ipynb") == "a/b"
    assert strip_suffix("a/b.md") == "a/b"
    assert strip_suffix("a/b.txt") == "a/b.txt"
    (tmp_path / "p.md").write_text("x")
    assert source_of(tmp_path, "p") == tmp_path / "p.md"
    assert source_of(tmp_path, "q") is None
    assert PageSpec("q", None).html_path == "q.html"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: jb-book\nparts: []\n", "no 'root:' entry"),
        ("- just\n- a list\n", "no 'root:' entry"),
        ("root: intro\nchapters:\n  - file:\n", "is not a path"),
        ("root: intro\nchapters:\n  - file: [a, b]\n", "is not a path"),
        ("root: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_tables_of_contents_are_refused_clearly(tmp_path: Path, text: str, message: str) -> None:
    toc = tmp_path / "_toc.yml"
    toc.write_text(text, encoding="utf-8")
    with pytest.raises(TocError, match=message) as info:
        toc_docnames(toc)
    assert str(toc) in str(info.value)


def test_missing_toc_is_a_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        toc_pages(tmp_path / "_toc.yml")
