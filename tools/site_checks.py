"""The rules of the site check, as pure functions: no browser, no server, no network.

``tools.check_site`` opens every page in headless Chromium, collects what happened (failed
requests, console errors, the page's HTML once scripts have run, image and MathJax states)
and hands it to the functions here, which say what is wrong with the page:

* :func:`page_facts` reads a page's HTML (the live DOM, as ``page.content()`` serializes it):
  its article element, its ``<h1>``, the Colab launch links in its header, the notebook
  links in its article and its text (``tools.site_view``, which holds the rules on what a reader
  sees: raw markup, raw table rows, empty code boxes, machine paths, images shown too small);
* :func:`colab_prefixes` derives the expected Colab URLs from ``_config.yml``;
* the ``check_*`` functions and :func:`request_problems` turn those facts into the problems
  and notes of a :class:`PageResult`; :func:`report_lines` prints it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

import yaml

from tools.book import PageSpec
from tools.site_view import (
    Element,
    TextBlock,
    article_blocks,
    image_size_problems,
    parse_html,
    text_problems,
)

COLAB_DEFAULT = "https://colab.research.google.com"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "javascript", "chrome", "chrome-extension"})
#: Where a page's article is, most specific first (the theme's .bd-article, else <main>).
ARTICLE_SELECTORS: tuple[str, ...] = (".bd-article", "main article", "article", "main", "[role=main]")


@dataclass
class PageResult:
    """The outcome of checking one page."""

    spec: PageSpec
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------------------------
# Reading a page's HTML


def _matches(element: Element, selector: str) -> bool:
    """Whether ``element`` matches one of :data:`ARTICLE_SELECTORS`."""
    if selector == ".bd-article":
        return element.has_class("bd-article")
    if selector == "main article":
        return element.tag == "article" and any(a.tag == "main" for a in element.ancestors())
    if selector == "[role=main]":
        return element.attrs.get("role") == "main"
    if selector in {"article", "main"}:
        return element.tag == selector
    raise ValueError(f"unsupported article selector {selector!r}")


def find_article(doc: Element) -> tuple[str, list[Element]]:
    """The first of :data:`ARTICLE_SELECTORS` that the page has, and the elements it matches;
    ``("body", [])`` when there is none."""
    elements = doc.iter()
    for selector in ARTICLE_SELECTORS:
        found = [e for e in elements if _matches(e, selector)]
        if found:
            return selector, found
    return "body", []


@dataclass(frozen=True)
class PageFacts:
    """What the rules need to know about a page's HTML."""

    article: str  # the CSS selector of the article ("body" when there is none)
    title: str | None  # the first <h1>'s text (header links removed), None if no <h1>
    launch_links: list[str]  # hrefs with the Colab prefix outside the article (launch buttons)
    notebook_links: list[str]  # absolute URLs of .ipynb links inside the article (badges)
    blocks: list[TextBlock] = field(default_factory=list)  # the article's text


def page_facts(html: str, page_url: str, launch_prefix: str) -> PageFacts:
    """Read a page's HTML: its article, title, launch links, notebook links and text blocks.

    Args:
        page_url: the page's address, against which relative links are resolved.
        launch_prefix: the start of a Colab link (``https://colab.research.google.com/github/``);
            an empty prefix means no launch link is looked for.
    """
    doc = parse_html(html)
    selector, articles = find_article(doc)
    if not articles:  # as a browser would with the selector "body"
        articles = [e for e in doc.iter() if e.tag == "body"] or [doc]
    in_article = {id(e) for a in articles for e in a.iter()}
    links = [e for e in doc.iter() if e.tag == "a" and "href" in e.attrs]
    h1 = next((e for e in doc.iter() if e.tag == "h1"), None)
    title = None if h1 is None else " ".join(h1.text(skip_class="headerlink").split())
    launch = [
        a.attrs["href"]
        for a in links
        if launch_prefix and id(a) not in in_article and a.attrs["href"].startswith(launch_prefix)
    ]
    resolved = [urljoin(page_url, a.attrs["href"].strip()) for a in links if id(a) in in_article]
    notebooks = [url for url in resolved if url.split("#")[0].endswith(".ipynb")]
    return PageFacts(selector, title, launch, notebooks, article_blocks(articles))


# --------------------------------------------------------------------------------------------
# The book's configuration


class ColabPrefixes(NamedTuple):
    """The Colab URLs the site's links must have, from ``_config.yml``."""

    link: str  # every Colab link starts with this: {colab}/github/
    launch: str  # a page's launch link is this + {docname}.ipynb
    exercise: str  # an exercise badge is this + the notebook's path in the built site


def load_config(path: Path) -> dict[str, Any]:
    """``_config.yml`` as a dictionary (an empty file is an empty configuration)."""
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(config, dict):
        raise ValueError(f"{path}: not a mapping of settings")
    return config


def colab_prefixes(config: dict[str, Any], where: str = "_config.yml") -> ColabPrefixes:
    """The Colab prefixes of a book's configuration.

    A notebook page's launch link is ``{colab}/github/{owner}/{repo}/blob/{branch}/{path_to_book}``
    followed by ``{docname}.ipynb``, with the values of the ``repository`` section (Jupyter Book
    1's defaults: branch ``master``, empty path_to_book). Exercise notebooks are served by the
    published site: ``{colab}/github/{owner}/{repo}/blob/{course.site_branch}/`` (default
    ``gh-pages``) followed by the notebook's path in the built site.

    Raises:
        ValueError: ``repository.url`` is not the URL of a GitHub repository.
    """
    repository = config.get("repository") or {}
    url = str(repository.get("url") or "").strip()
    parts = urlsplit(url)
    if parts.netloc.lower() not in {"github.com", "www.github.com"}:
        raise ValueError(f"{where}: repository.url {url!r} is not a GitHub repository URL")
    path_parts = [p for p in parts.path.split("/") if p]
    if len(path_parts) < 2:
        raise ValueError(f"{where}: repository.url {url!r} does not name owner/repo")
    owner, repo = path_parts[0], path_parts[1].removesuffix(".git")
    branch = str(repository.get("branch") or "master").strip()
    path_to_book = str(repository.get("path_to_book") or "").strip().strip("/")
    if path_to_book:
        path_to_book += "/"
    colab = str((config.get("launch_buttons") or {}).get("colab_url") or COLAB_DEFAULT).strip().rstrip("/")
    site_branch = str((config.get("course") or {}).get("site_branch") or "gh-pages").strip()
    link = f"{colab}/github/"
    return ColabPrefixes(
        link,
        f"{link}{owner}/{repo}/blob/{branch}/{path_to_book}",
        f"{link}{owner}/{repo}/blob/{site_branch}/",
    )


# --------------------------------------------------------------------------------------------
# The rules


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (the static server, data: URLs, ...)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "").lower() in LOCAL_HOSTS


def check_article(result: PageResult, facts: PageFacts) -> None:
    if facts.article == "body":
        result.problems.append("no main article element (.bd-article / main) on the page")


def check_title(result: PageResult, facts: PageFacts) -> None:
    if facts.title is None:
        result.problems.append("no <h1> title")
    elif not facts.title:
        result.problems.append("empty <h1> title")
    else:
        result.notes.append(f"“{facts.title[:60]}”")


def check_text(result: PageResult, facts: PageFacts) -> None:
    """What a reader sees as broken in the article's text: raw markup, raw table rows, empty code
    boxes, paths of the build machine (:func:`tools.site_view.text_problems`)."""
    result.problems.extend(text_problems(facts.blocks))


def check_launch_links(result: PageResult, facts: PageFacts, launch_prefix: str) -> None:
    """A notebook page has exactly one kind of Colab launch link: the one for its own notebook."""
    expected = f"{launch_prefix}{result.spec.docname}.ipynb"
    links = sorted(set(facts.launch_links))
    if not links:
        result.problems.append(f"no Colab launch link (expected {expected})")
    for link in links:
        if link != expected:
            result.problems.append(f"wrong Colab launch link: {link} (expected {expected})")
    if links == [expected]:
        result.notes.append("Colab link OK")


def notebook_link_target(link: str, prefixes: ColabPrefixes, base_url: str) -> tuple[str | None, str | None]:
    """``(local URL to fetch, None)`` for a notebook link in an article, or ``(None, problem)``.

    A Colab badge must open the published copy of a notebook this site serves (its path
    follows ``prefixes.exercise``); a plain link must stay on this site.
    """
    if prefixes.link and link.startswith(prefixes.link):
        if not prefixes.exercise or not link.startswith(prefixes.exercise):
            return None, f"exercise Colab link {link} does not start with {prefixes.exercise}"
        return base_url + link.removeprefix(prefixes.exercise), None
    if is_local(link):
        return link, None
    return None, f"notebook link to another site: {link}"


def notebook_problem(status: int, text: str) -> str | None:
    """Why a fetched notebook link is not a servable, solution-free notebook (None if fine)."""
    if status != 200:
        return f"not served by the site (HTTP {status})"
    try:
        notebook = json.loads(text)
    except ValueError:
        return "not a JSON notebook"
    if not isinstance(notebook, dict) or "cells" not in notebook:
        return "not a notebook (no cells)"
    if "BEGIN SOLUTION" in text:
        return "contains solutions"
    return None


def check_images(result: PageResult, images: dict[str, Any]) -> None:
    """``images``: ``{"count": N, "problems": [...], "sizes": [...]}`` as the browser reported
    them (``sizes``: see :func:`tools.site_view.image_size_problems`)."""
    result.problems.extend(images["problems"])
    result.problems.extend(image_size_problems(images.get("sizes", [])))
    result.notes.append(f"{images['count']} image(s)")


def check_math(result: PageResult, n_math: int, status: str, math: dict[str, Any]) -> None:
    """``status``: "ok" once MathJax has typeset, else why not; ``math``: ``{"containers": N,
    "problems": [...]}`` as the browser reported them."""
    if status != "ok":
        result.problems.append(f"{status} (page has {n_math} math element(s))")
    result.problems.extend(math["problems"])
    result.notes.append(f"{n_math} math, {math['containers']} typeset")


#: The viewport width of a phone (CSS pixels) at which the navigation must open.
PHONE_WIDTH = 390
PHONE_HEIGHT = 844


def check_phone_navigation(result: PageResult, state: dict[str, Any]) -> None:
    """``state``: ``{"sidebar": bool, "button": bool, "opened": bool}`` as the browser reported it
    at :data:`PHONE_WIDTH` px: whether the page has the theme's navigation sidebar, a visible button
    for it, and whether the sidebar was on screen after the button was clicked. A page without
    the sidebar (not a themed page) has nothing to open."""
    if not state.get("sidebar"):
        return
    if not state.get("button"):
        result.problems.append(f"at {PHONE_WIDTH} px no visible button opens the navigation")
    elif not state.get("opened"):
        result.problems.append(
            f"at {PHONE_WIDTH} px the navigation button does not open the navigation "
            "(pydata-sphinx-theme 0.17 binds the hidden button: see requirements-dev.txt)"
        )
    else:
        result.notes.append(f"navigation opens at {PHONE_WIDTH} px")


def request_problems(
    origin: str,
    failed: dict[str, str],
    external: list[str],
    console_errors: list[tuple[str, str]],
    page_errors: list[str],
) -> list[str]:
    """The problems of a page's network and console, in a readable order.

    Args:
        origin: the site's ``http://host:port``; its URLs are shown as paths.
        failed: URL -> reason, for same-origin requests that failed or answered >= 400.
        external: requests to other hosts (blocked: the site must be self-contained).
        console_errors: ``(text, URL of the source)`` of each console error; a "Failed to load
            resource" error about a request already listed is not repeated, nor is an error
            logged again (the page is opened twice: wide, then at a phone's width).
        page_errors: uncaught exceptions, as "Name: message" (each reported once).
    """

    def rel(url: str) -> str:
        return unquote(url[len(origin) :] if url.startswith(origin) else url)

    problems = [f"{reason}: {rel(url)}" for url, reason in failed.items()]
    problems += [f"request to another host (blocked; the site must be self-contained): {u}" for u in external]
    reported = set(failed) | set(external)
    for text, location in dict.fromkeys(console_errors):  # a page opened twice logs twice
        if text.startswith("Failed to load resource") and location in reported:
            continue
        where = f" [{rel(location)}]" if location else ""
        problems.append(f"console error: {text}{where}")
    problems += [f"uncaught exception: {error}" for error in dict.fromkeys(page_errors)]
    return problems


def report_lines(result: PageResult) -> list[str]:
    """``OK    page.html  (notes)``, or ``FAIL  page.html`` and one line per problem."""
    if result.ok:
        return [f"OK    {result.spec.html_path}  ({', '.join(result.notes)})"]
    return [f"FAIL  {result.spec.html_path}", *(f"        - {p}" for p in result.problems)]


def summary_line(results: list[PageResult]) -> str:
    failed = sum(not r.ok for r in results)
    return f"{len(results) - failed} passed, {failed} failed"
