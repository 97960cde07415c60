"""Every figure of every chapter has alt text that says what it shows.

A plot in a code cell's output is rendered by MyST-NB with the image's file path as its alt
text unless the cell's metadata gives one: ``"mystnb": {"image": {"alt": "..."}}`` (it applies
to every image of that cell). An image in a markdown cell carries its own: ``![alt](src)``,
the ``:alt:`` option of a ``{figure}`` or ``{image}`` directive, or an ``<img alt="...">`` tag.
A screen reader reads the alt text instead of the figure, so a file name, a path or a word or
two is not enough.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("chapters/*/*.ipynb"))

IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg", "image/gif")
MIN_WORDS = 5
FILE_LIKE = re.compile(r"\.(png|jpe?g|gif|svg|webp)\b|[/\\]", re.IGNORECASE)
MARKDOWN_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]*)\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
HTML_ALT = re.compile(r"""\balt\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""", re.IGNORECASE)
DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>figure|image)\}\s*(?P<src>\S*)", re.MULTILINE)
OPTION = re.compile(r":(?P<key>[\w-]+):\s*(?P<value>.*)")


def _text(source: str | list[str]) -> str:
    return "".join(source) if isinstance(source, list) else source


def _has_image(cell: dict) -> bool:
    return any(kind in output.get("data", {}) for output in cell.get("outputs", []) for kind in IMAGE_TYPES)


def _alt_problem(alt: object, *, min_words: int) -> str | None:
    """Why ``alt`` does not describe an image, or None when it may."""
    if not isinstance(alt, str) or not alt.strip():
        return "no alt text"
    if FILE_LIKE.search(alt):
        return f"alt text looks like a file name or path: {alt!r}"
    if len(alt.split()) < min_words:
        return f"alt text too short to say what the figure shows (under {min_words} words): {alt!r}"
    return None


def _directive_alts(text: str) -> list[tuple[str, str | None]]:
    """(source, alt or None) of every ``{figure}``/``{image}`` directive in ``text``."""
    found = []
    for match in DIRECTIVE.finditer(text):
        alt = None
        for line in text[match.end() :].splitlines()[1:]:
            option = OPTION.fullmatch(line.strip())
            if option is None:
                break
            if option["key"] == "alt":
                alt = option["value"]
        found.append((match["src"] or match["name"], alt))
    return found


def alt_text_problems(nb: dict) -> list[str]:
    """Every figure of ``nb`` (a notebook as a dict) without a usable alt text, one line each."""
    problems = []
    for index, cell in enumerate(nb.get("cells", [])):
        where = f"cell {index} ({cell.get('id', 'no id')})"
        if cell.get("cell_type") == "code" and _has_image(cell):
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
            problem = _alt_problem(alt, min_words=MIN_WORDS)
            if problem:
                problems.append(f"{where}, image output: {problem}; set metadata.mystnb.image.alt")
        elif cell.get("cell_type") == "markdown":
            text = _text(cell.get("source", ""))
            images = [(m["src"], m["alt"]) for m in MARKDOWN_IMAGE.finditer(text)]
            images += _directive_alts(text)
            for tag in HTML_IMAGE.findall(text):
                alt = HTML_ALT.search(tag)
                images.append((tag, alt and (alt["dq"] if alt["dq"] is not None else alt["sq"])))
            for src, alt in images:
                problem = _alt_problem(alt, min_words=1)
                if problem:
                    problems.append(f"{where}, markdown image {src}: {problem}")
    return problems


def test_there_are_chapter_notebooks() -> None:
    assert NOTEBOOKS, "no notebook matches chapters/*/*.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_has_alt_text(path: Path) -> None:
    problems = alt_text_problems(json.loads(path.read_text(encoding="utf-8")))
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


def _code_cell(metadata: dict) -> dict:
    png = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}}
    return {"cell_type": "code", "id": "plot", "metadata": metadata, "source": "plt.show()", "outputs": [png]}


def _markdown_cell(source: str) -> dict:
    return {"cell_type": "markdown", "id": "text", "metadata": {}, "source": source}


GOOD_ALT = "Line chart of the training loss against the epoch, falling and then levelling off."


def test_a_described_figure_passes() -> None:
    nb = {
        "cells": [
            _code_cell({"mystnb": {"image": {"alt": GOOD_ALT}}}),
            _markdown_cell("![A diagram of the unrolled network](fig.svg)"),
            _markdown_cell(
                "```{figure} fig.svg\n:alt: The GRU cell and its gates\n:width: 100%\n\nCaption.\n```"
            ),
            _markdown_cell('<img src="badge.svg" alt="Open the exercises in Colab" width="132">'),
        ]
    }
    assert alt_text_problems(nb) == []


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({}, "no alt text"),
        ({"mystnb": {"image": {"width": "80%"}}}, "no alt text"),
        ({"mystnb": {"image": {"alt": "   "}}}, "no alt text"),
        ({"mystnb": {"image": {"alt": "Loss curve"}}}, "too short"),
        ({"mystnb": {"image": {"alt": "Plot of the loss, saved as loss_curve.png here"}}}, "file name"),
        ({"mystnb": {"image": {"alt": "_build/jupyter_execute/0a1b2c3d4e5f6a7b8c9d.png"}}}, "file name"),
    ],
)
def test_an_image_output_without_a_description_fails(metadata: dict, expected: str) -> None:
    problems = alt_text_problems({"cells": [_code_cell(metadata)]})
    assert len(problems) == 1 and expected in problems[0], problems
    assert "cell 0 (plot)" in problems[0]


def test_a_code_cell_without_an_image_needs_no_alt_text() -> None:
    cell = _code_cell({})
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "done\n"}]
    assert alt_text_problems({"cells": [cell]}) == []


@pytest.mark.parametrize(
    "source",
    [
        "Before ![](figures/gru_cell.svg) after",
        "![figures/gru_cell.svg](figures/gru_cell.svg)",
        "```{figure} ../figures/gru_cell.svg\n:width: 100%\n\nThe GRU cell.\n```",
        ":::{image} ../figures/gru_cell.svg\n:alt:\n:::",
        '<img src="../../_static/open-in-colab.svg" width="132">',
        "<img src='x.svg' alt=''>",
    ],
)
def test_a_markdown_image_without_alt_text_fails(source: str) -> None:
    problems = alt_text_problems({"cells": [_markdown_cell(source)]})
    assert len(problems) == 1 and "markdown image" in problems[0], problems
