"""What a reader sees of a page, as pure functions: its HTML tree, its text, its images' sizes.

Part of the site check (``tools.check_site`` drives the browser, ``tools.site_checks`` holds the
rules about links, configuration, requests and math). Here:

* :func:`parse_html` builds a small tree of :class:`Element` from a page's HTML (the live DOM,
  as the browser serializes it);
* :func:`article_blocks` cuts the article's text into the blocks a reader sees: paragraphs
  and other prose, and code boxes (``<pre>``), each a :class:`TextBlock`;
* :func:`text_problems` finds in those blocks what a reader sees as broken: raw MyST/Sphinx
  markup, raw markdown table rows, empty code boxes, absolute paths of the build machine;
* :func:`image_size_problems` finds the images shown too small to read.

Every problem is one line: the rule, then the offending text, shortened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any

#: Elements that never have children or an end tag in HTML.
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)

# --------------------------------------------------------------------------------------------
# The HTML tree


@dataclass
class Element:
    """A node of a parsed HTML document: a tag, its attributes, its children (elements or text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False)

    def iter(self) -> list[Element]:
        """This element and every element below it, in document order."""
        found = [self]
        for child in self.children:
            if isinstance(child, Element):
                found.extend(child.iter())
        return found

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()

    def ancestors(self) -> list[Element]:
        node, found = self.parent, []
        while node is not None:
            found.append(node)
            node = node.parent
        return found

    def text(self, skip_class: str = "") -> str:
        """The text inside, without the elements of class ``skip_class``."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not (skip_class and child.has_class(skip_class)):
                parts.append(child.text(skip_class))
        return "".join(parts)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in VOID_TAGS:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        # Close up to the nearest open element of this tag; a stray end tag is ignored.
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse_html(html: str) -> Element:
    """A document tree of ``html`` (the root element is ``#document``)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------------------------
# The article's text, in blocks

#: Inline elements: their text belongs to the block around them.
INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "cite", "del", "dfn", "em", "i", "img", "ins", "label", "mark", "q", "s"}
    | {"small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}
)
#: Inline code: in a prose block, its text is kept between CODE_OPEN and CODE_CLOSE.
CODE_TAGS = frozenset({"code", "kbd", "samp", "tt"})
CODE_OPEN, CODE_CLOSE = "\x02", "\x03"
#: What a reader does not read as text: scripts, (typeset) math, buttons, header links ("#").
SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "svg", "math", "mjx-container", "button"})
SKIP_CLASSES: tuple[str, ...] = ("math", "headerlink")


@dataclass(frozen=True)
class TextBlock:
    """A block of an article's text: a paragraph-like element's own text, or a ``<pre>``'s."""

    kind: str  # "prose"; "source" (a <pre> of a code cell's input); "code" (other <pre>: outputs...)
    text: str  # prose: the text of each inline code between CODE_OPEN and CODE_CLOSE


def article_blocks(roots: list[Element]) -> list[TextBlock]:
    """The text of the elements ``roots``, in document order, cut into :class:`TextBlock`.

    Every ``<pre>`` is a block of its own, even an empty one; it is "source" inside an element of
    class ``cell_input`` (a code cell's source), else "code". Prose is cut at every element that
    is not inline (paragraph, list item, table cell, ...); blank prose is dropped.
    """
    blocks: list[TextBlock] = []

    def flush(parts: list[str]) -> None:
        if "".join(parts).strip():
            blocks.append(TextBlock("prose", "".join(parts)))
        parts.clear()

    def walk(element: Element, parts: list[str], source: bool) -> None:
        for child in element.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag in SKIP_TAGS or any(child.has_class(c) for c in SKIP_CLASSES):
                continue
            elif child.tag in CODE_TAGS:
                parts.append(CODE_OPEN + child.text().replace(CODE_CLOSE, "") + CODE_CLOSE)
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag in INLINE_TAGS:
                walk(child, parts, source)
            elif child.tag == "pre":
                flush(parts)
                blocks.append(TextBlock("source" if source else "code", child.text()))
            else:
                flush(parts)
                walk(child, parts, source or child.has_class("cell_input"))
                flush(parts)

    for root in roots:
        parts: list[str] = []
        walk(root, parts, False)
        flush(parts)
    return blocks


# --------------------------------------------------------------------------------------------
# Rules on the text

#: Directives and roles of MyST and Sphinx: their name in braces is markup whatever follows it.
MYST_NAMES = (
    "admonition|attention|caution|danger|error|hint|important|note|seealso|tip|warning|figure|image"
    "|code|code-block|code-cell|literalinclude|include|math|toctree|dropdown|margin|sidebar|card|grid"
    "|tab-set|tab-item|list-table|csv-table|table|eval-rst|raw|exercise|solution|doc|ref|numref|eq"
    "|download|term|abbr|cite|glue(?::[a-z]+)?|prf:[a-z]+"
)
#: (name, pattern) of the markup a reader must never see. They run on a prose block's text with
#: inline code blanked out, so ``{doc}`` followed by inline code (a role that failed) matches.
RAW_MARKUP: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code fence", re.compile(r"```")),
    ("colon fence", re.compile(r"(?:^|\s):::")),
    ("directive or role", re.compile(r"\{(?:" + MYST_NAMES + r")\}|\{[a-z][\w:.+-]*\}(?=[`\x02])")),
    ("Sphinx role", re.compile(r"(?<![\w:]):[a-z][\w:+.-]*:(?=[`\x02])")),
    ("directive option", re.compile(r"^[ \t]*:[a-z][\w-]*:(?=[ \t]|$)", re.MULTILINE)),
    ("target", re.compile(r"^[ \t]*\([\w.:-]+\)=[ \t]*$", re.MULTILINE)),
)
#: Absolute paths of the machine that built the pages: home, work and temporary folders, and
#: installed packages. Not matched: a path inside an http(s) URL; a relative path (``a/tmp/x``,
#: ``~/x``); a folder with nothing after it (prose such as "files go to /tmp/"); the bare word
#: ``site-packages/``; system paths that every reader has (``/dev/null``, ``/usr/bin/python``).
_PATH_CHARS = r"[^\s\"'`<>()\[\]{},;|]"
MACHINE_PATH = re.compile(
    r"(?<![\w.~-])/(?:work|home|root|tmp|Users|private/var|private/tmp|var/folders)/" + _PATH_CHARS + "+"
    r"|(?<!\w)[A-Za-z]:[\\/]+Users[\\/]+" + _PATH_CHARS + "*"
    r"|[^\s\"'`<>()\[\]{},;|=]*[\\/](?:site|dist)-packages[\\/]" + _PATH_CHARS + "*"
)
URL = re.compile(r"https?://[^\s\"'<>]+")
#: At most this many paths are listed per page.
MAX_PATHS = 5


def shown_text(text: str) -> str:
    """A block's text as a reader sees it, inline code between backticks (same length)."""
    return text.replace(CODE_OPEN, "`").replace(CODE_CLOSE, "`")


def outside_code(text: str) -> str:
    """A prose block's text with every inline code blanked (``\\x02``), positions unchanged."""
    return re.sub(f"{CODE_OPEN}[^{CODE_CLOSE}]*{CODE_CLOSE}", lambda m: CODE_OPEN * len(m.group()), text)


def excerpt(text: str, start: int = 0, width: int = 80) -> str:
    """``text`` from the start of the line of ``start`` (at most 20 characters before it),
    whitespace collapsed, cut to ``width`` characters with "…"."""
    begin = max(text.rfind("\n", 0, start) + 1, start - 20)
    shown = " ".join(text[begin:].split())
    if len(shown) > width:
        shown = shown[: width - 1] + "…"
    return ("…" if text[:begin].strip() else "") + shown


def tail(text: str, width: int = 60) -> str:
    """The end of a block's text, whitespace collapsed, at most ``width`` characters ("…" first)."""
    flat = " ".join(shown_text(text).split())
    return flat if len(flat) <= width else "…" + flat[1 - width :]


def markup_problem(text: str) -> str | None:
    """The raw markup in a prose block's text, or None: one problem naming every kind found."""
    blanked = outside_code(text)
    found = sorted((m.start(), name) for name, pattern in RAW_MARKUP if (m := pattern.search(blanked)))
    if not found:
        return None
    kinds = ", ".join(dict.fromkeys(name for _, name in found))
    return f"raw MyST/Sphinx markup ({kinds}): “{excerpt(shown_text(text), found[0][0])}”"


def table_row_problem(text: str) -> str | None:
    """A line of a prose block that is a markdown table row (starts with "|", has at least
    two more, inline code not counted), or None."""
    blanked, start = outside_code(text), 0
    for line in blanked.splitlines(keepends=True):
        if line.strip().startswith("|") and line.count("|") >= 3:
            return f"raw markdown table row: “{excerpt(shown_text(text)[start : start + len(line)])}”"
        start += len(line)
    return None


def machine_paths(text: str) -> list[str]:
    """The absolute paths of the build machine in ``text`` (see :data:`MACHINE_PATH`), in order."""
    urls = [m.span() for m in URL.finditer(text)]
    return [
        m.group().rstrip(".:")
        for m in MACHINE_PATH.finditer(text)
        if not any(a <= m.start() < b for a, b in urls)
    ]


def text_problems(blocks: list[TextBlock]) -> list[str]:
    """What a reader sees as broken in an article's text.

    * prose (never code): raw MyST/Sphinx markup (:data:`RAW_MARKUP`) and markdown table rows,
      one problem per block;
    * an empty code box (a ``<pre>`` with only whitespace), located by the text before it;
    * absolute paths of the build machine (:data:`MACHINE_PATH`) in prose, outputs and other
      code boxes (not in a code cell's source, which the reader runs), each path once.
    """
    problems: list[str] = []
    paths: list[str] = []
    before = ""
    for block in blocks:
        if block.kind == "prose":
            problems += [p for p in (markup_problem(block.text), table_row_problem(block.text)) if p]
        elif not block.text.strip():
            where = f"after “{tail(before)}”" if before else "at the top of the article"
            problems.append(f"empty code box ({where})")
        if block.kind != "source":
            paths += [p for p in dict.fromkeys(machine_paths(shown_text(block.text))) if p not in paths]
        if block.text.strip():
            before = block.text
    problems += [f"path of the build machine in the text: {excerpt(p)}" for p in paths[:MAX_PATHS]]
    if len(paths) > MAX_PATHS:
        problems.append(f"... and {len(paths) - MAX_PATHS} more paths of the build machine")
    return problems


# --------------------------------------------------------------------------------------------
# Rules on the images

#: An image shown narrower than this fraction of its natural width is too small to read.
MIN_SHOWN = 0.6


def image_size_problems(sizes: list[dict[str, Any]], min_shown: float = MIN_SHOWN) -> list[str]:
    """The images shown too small to read.

    ``sizes``: for each image of the article that loaded, as the browser measured it: ``src``,
    ``alt``, ``natural`` (its width in pixels), ``shown`` (its rendered width in CSS pixels; 0
    when it is hidden, e.g. in a closed drop-down) and ``room`` (the width of the article's
    content; 0 if unknown). A reader sees at most ``room`` of an image, wherever it is: a wider one scrolls, a
    hidden one opens at most that wide. An image seen narrower than ``min_shown`` times its
    natural width fails; so does, by the same rule, one so wide that no page shows it whole.
    """
    problems = []
    for image in sizes:
        natural, shown, room = float(image["natural"]), float(image["shown"]), float(image["room"])
        room = room if room > 0 else max(shown, natural)  # the article's width unknown
        seen = min(shown, room) if shown > 0 else room
        if natural <= 0 or seen >= min_shown * natural:
            continue
        if shown <= 0:
            how = f"hidden, at most {seen:.0f} px when shown"
        elif shown > room:
            how = f"wider than the article ({seen:.0f} px): it scrolls"
        else:
            how = f"shown at {seen:.0f} px"
        name = PurePosixPath(str(image["src"]).split("?")[0]).name or str(image["src"])
        alt = str(image.get("alt") or "").strip()
        label = name if not alt or alt == image["src"] else f"{name} (alt “{excerpt(alt, 0, 50)}”)"
        problems.append(
            f"image shown too small: {label} is {natural:.0f} px wide, {how} "
            f"({100 * seen / natural:.0f} % < {100 * min_shown:.0f} %)"
        )
    return problems
