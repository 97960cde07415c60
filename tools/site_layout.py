"""The layout rules of the site check: what fits the page, what a screen reader hears, how long.

``tools.check_site`` runs ``tools.site_js.JS_LAYOUT`` in every page at 1280 px and
``JS_PAGE_OVERFLOW`` at a phone's width; the functions here judge what they report:

* **wide** -- a code block, printed output, table or display equation wider than the article
  (it scrolls sideways, or spills over the page's edge) is a problem: its end is hidden;
* **wrapped** -- printed output is allowed to wrap (``_static/course.css``), so a long output
  line stays readable; how many blocks only fit by wrapping is a note, not a problem;
* **alt text** -- an image whose alt text is empty, a file name or a path (what MyST-NB writes
  for a plot unless the cell's ``mystnb.image.alt`` says what it shows) is a problem;
* **length** -- a page longer than :data:`MAX_SCREENS` screens (1280 x 900) is a problem;
* **phone** -- a page that is wider than a phone's screen (the reader must scroll the whole
  page sideways) is a problem.

Exceptions are listed, each with its reason, in ``tools/site_allow.yml``
(YAML, :func:`load_allowances`): a wide element is matched by its page and the start of its text,
a long page by its page and a larger limit. An entry that matches nothing is reported, so the
list cannot outlive what it excuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.site_checks import PageResult

__all__ = [
    "ALLOW_FILE",
    "MAX_SCREENS",
    "Allowances",
    "LongPage",
    "WideElement",
    "alt_text_problem",
    "check_layout",
    "check_phone_width",
    "load_allowances",
    "unused_allowances",
]

#: The allow-list of layout exceptions, beside this module.
ALLOW_FILE = Path(__file__).with_name("site_allow.yml")
#: The longest a page may be, in screens of 1280 x 900, unless the allow-list gives a reason.
MAX_SCREENS = 30
_IMAGE_FILE = re.compile(r"\S+\.(png|jpe?g|gif|svg|webp|bmp)", re.IGNORECASE)
_PATH_LIKE = re.compile(r"[\w.~%:-]*[/\\][\w./\\~%:-]*")
_DIGEST = re.compile(r"[0-9a-f]{16,}", re.IGNORECASE)


@dataclass(frozen=True)
class WideElement:
    """An element allowed to be wider than the article: its page, the start of its text, why."""

    page: str
    starts_with: str
    reason: str


@dataclass(frozen=True)
class LongPage:
    """A page allowed to be longer than :data:`MAX_SCREENS`: up to ``max_screens``, and why."""

    page: str
    max_screens: float
    reason: str


@dataclass
class Allowances:
    """The allow-list: wide elements and long pages, each with a reason."""

    wide: list[WideElement] = field(default_factory=list)
    long: list[LongPage] = field(default_factory=list)
    used: set[tuple[str, str]] = field(default_factory=set)  # (kind, page + key) matched so far

    def wide_reason(self, page: str, text: str) -> str | None:
        for entry in self.wide:
            if entry.page == page and text.startswith(entry.starts_with):
                self.used.add(("wide", page + "\0" + entry.starts_with))
                return entry.reason
        return None

    def screen_limit(self, page: str) -> tuple[float, str | None]:
        for entry in self.long:
            if entry.page == page:
                self.used.add(("long", page))
                return entry.max_screens, entry.reason
        return MAX_SCREENS, None


def _entries(data: dict[str, Any], key: str, fields: dict[str, type], where: str) -> list[dict[str, Any]]:
    entries = data.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{where}: {key} must be a list of mappings")
    checked = []
    for i, entry in enumerate(entries, start=1):
        unknown, missing = set(entry) - set(fields), set(fields) - set(entry)
        if unknown or missing:
            raise ValueError(
                f"{where}: {key} entry {i} has unknown keys {sorted(unknown)} or lacks "
                f"{sorted(missing)}: each entry needs exactly {', '.join(fields)}"
            )
        row: dict[str, Any] = {}
        for name, kind in fields.items():
            value = entry[name]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
                raise ValueError(f"{where}: {key} entry {i}: {name} must be a non-empty {kind.__name__}")
            row[name] = value
        if key == "long_page" and row["max_screens"] <= MAX_SCREENS:
            raise ValueError(
                f"{where}: long_page entry {i} ({row['page']}): max_screens must exceed "
                f"the default {MAX_SCREENS}, or the entry is not needed"
            )
        checked.append(row)
    return checked


def load_allowances(path: Path = ALLOW_FILE) -> Allowances:
    """Read the allow-list; a missing file allows nothing.

    Raises:
        ValueError: the file is not YAML, or an entry lacks its page, text start, limit or
            reason, or has a key the check does not know (the message names the entry).
    """
    if not path.is_file():
        return Allowances()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with the keys wide and long_page")
    unknown = set(data) - {"wide", "long_page"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}: use wide or long_page")
    wide = _entries(data, "wide", {"page": str, "starts_with": str, "reason": str}, str(path))
    long = _entries(data, "long_page", {"page": str, "max_screens": float, "reason": str}, str(path))
    return Allowances([WideElement(**e) for e in wide], [LongPage(**e) for e in long])


def unused_allowances(allow: Allowances, pages: list[str]) -> list[str]:
    """Entries for checked pages that matched nothing (stale: the defect they excused is gone)."""
    stale = [
        f"allow-list entry matches nothing (remove it): wide {e.page} “{e.starts_with}”"
        for e in allow.wide
        if e.page in pages and ("wide", e.page + "\0" + e.starts_with) not in allow.used
    ]
    stale += [
        f"allow-list entry matches nothing (remove it): long_page {e.page}"
        for e in allow.long
        if e.page in pages and ("long", e.page) not in allow.used
    ]
    return stale


def alt_text_problem(alt: str | None, src: str) -> str | None:
    """Why an image's alt text does not describe it (None when it may): missing, empty, a file
    name, a path or a digest -- what a screen reader would read instead of the figure."""
    name = src.split("?")[0].rsplit("/", 1)[-1]
    if alt is None or not alt.strip():
        return f"image without alt text: {name or src}"
    text = alt.strip()
    file_like = _IMAGE_FILE.fullmatch(text) or _PATH_LIKE.fullmatch(text) or _DIGEST.search(text)
    if (" " not in text and file_like) or text == name:
        return f"image alt text is a file name, not a description: {text}"
    return None


def check_layout(
    result: PageResult, page: str, layout: dict[str, Any], allow: Allowances, width: int
) -> None:
    """Judge what ``JS_LAYOUT`` reported for ``page`` (problems and notes go to ``result``).

    Args:
        page: the page's path in the site, as the allow-list names it.
        layout: ``{"wide": [{kind, over, text}], "wrapped": [...], "images": [{src, alt}],
            "screens": float}``.
        width: the viewport width the layout was measured at (for the messages).
    """
    for element in layout.get("wide", []):
        text = element.get("text", "")
        if allow.wide_reason(page, text) is None:
            result.problems.append(
                f"{element['kind']} wider than the column at {width} px ({element['over']} px "
                f"hidden, scrolls sideways): “{text}…”"
            )
    wrapped = layout.get("wrapped", [])
    if wrapped:
        result.notes.append(f"{len(wrapped)} output block(s) wrap long lines")
    for image in layout.get("images", []):
        problem = alt_text_problem(image.get("alt"), image.get("src", ""))
        if problem:
            result.problems.append(problem)
    screens = float(layout.get("screens", 0.0))
    limit, reason = allow.screen_limit(page)
    if screens > limit:
        why = "" if reason is None else f" (allowed {limit:g} because: {reason})"
        result.problems.append(
            f"page is {screens:.0f} screens long at {width} px, over the limit of {limit:g}{why}: "
            "split it, or list it in tools/site_allow.yml with a reason"
        )
    else:
        result.notes.append(f"{screens:.0f} screens")


def check_phone_width(result: PageResult, overflow_px: float, width: int) -> None:
    """A page wider than the phone's screen by more than a pixel makes the reader scroll it
    sideways: ``overflow_px`` is ``scrollWidth - innerWidth`` at ``width`` px."""
    if overflow_px > 1:
        result.problems.append(f"at {width} px the page is {overflow_px:.0f} px wider than the screen")
