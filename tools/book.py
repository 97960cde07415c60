"""The book's table of contents: the pages that ``_toc.yml`` lists and their source files.

The one walker of ``_toc.yml``, used by ``tools.run_notebooks`` (which notebooks ``make full``
runs), ``tools.check_site`` (which pages the browser opens) and ``tests/test_book.py``.
The pages are the ``root:`` and then every ``file:`` entry (and every ``glob:`` match) under
``parts``, ``chapters``, ``sections``, ``subtrees`` and ``entries``, at any depth, in order;
``url:`` entries are links, not pages of the site.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = ROOT / "_toc.yml"
#: Source suffixes of a page, in the order Jupyter Book prefers them.
SOURCE_SUFFIXES: tuple[str, ...] = (".ipynb", ".md", ".rst", ".myst", ".tex")
#: The keys under which a table of contents nests its entries.
NESTING_KEYS: tuple[str, ...] = ("parts", "chapters", "sections", "subtrees", "entries")


class TocError(ValueError):
    """A ``_toc.yml`` that cannot be read as a Jupyter Book table of contents."""


@dataclass(frozen=True)
class PageSpec:
    """One page of the table of contents."""

    docname: str  # path relative to the book root, without extension
    source: Path | None  # the source file found in the book root, if any

    @property
    def html_path(self) -> str:
        return f"{self.docname}.html"

    @property
    def is_notebook(self) -> bool:
        return self.source is not None and self.source.suffix == ".ipynb"


def strip_suffix(name: str) -> str:
    """``name`` without a page-source suffix (``a/b.ipynb`` -> ``a/b``)."""
    for suffix in SOURCE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _entries(node: Any, book_root: Path, toc: Path) -> Iterator[str]:
    """Every ``file:`` value (and ``glob:`` match) of a part of a table of contents, in order."""
    if isinstance(node, dict):
        if "file" in node:
            if not isinstance(node["file"], str) or not node["file"].strip():
                raise TocError(f"{toc}: 'file: {node['file']!r}' is not a path to a page")
            yield node["file"]
        if isinstance(node.get("glob"), str):
            matches = sorted(book_root.glob(node["glob"].strip()))
            yield from (m.relative_to(book_root).as_posix() for m in matches if m.suffix in SOURCE_SUFFIXES)
        for key in NESTING_KEYS:
            if key in node:
                yield from _entries(node[key], book_root, toc)
    elif isinstance(node, list):
        for item in node:
            yield from _entries(item, book_root, toc)


def toc_docnames(toc: Path = TOC) -> list[str]:
    """The pages' names (paths from the book root, without suffix): the root, then the entries.

    Raises:
        FileNotFoundError: there is no ``toc``.
        TocError: it is not YAML, has no ``root:``, or has a ``file:`` that is not a path.
    """
    try:
        data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TocError(f"{toc}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("root"), str):
        raise TocError(f"{toc}: no 'root:' entry, so this is not a Jupyter Book table of contents")
    names: list[str] = []
    for name in [data["root"], *_entries(data, toc.resolve().parent, toc)]:
        docname = strip_suffix(name.strip().removeprefix("./").strip("/"))
        if docname not in names:
            names.append(docname)
    return names


def source_of(book_root: Path, docname: str) -> Path | None:
    """The source file of a page (``.ipynb`` first, then ``.md``, ...), or None."""
    return next(
        (book_root / f"{docname}{s}" for s in SOURCE_SUFFIXES if (book_root / f"{docname}{s}").is_file()),
        None,
    )


def toc_pages(toc: Path = TOC) -> list[PageSpec]:
    """Every page of ``toc``, in order, with its source file (None where there is none)."""
    book_root = toc.resolve().parent
    return [PageSpec(name, source_of(book_root, name)) for name in toc_docnames(toc)]


def toc_notebooks(toc: Path = TOC) -> list[Path]:
    """The notebook of every page of ``toc`` whose source is a notebook, in order."""
    return [page.source for page in toc_pages(toc) if page.source is not None and page.is_notebook]
