"""Check the built course website in a real browser (headless Chromium through Playwright).

Usage, from the book's root after ``jupyter-book build .``::

    python tools/check_site.py [--html _build/html] [--toc _toc.yml] [--config _config.yml]
                               [--screenshots DIR] [--max-seconds 300]

The built HTML directory is served by a throw-away static HTTP server on 127.0.0.1, and every
page listed in ``_toc.yml`` (the root and every ``file:`` entry, at any depth) is opened in
headless Chromium. A page passes when:

* the browser logged no console error and the page raised no uncaught exception;
* no same-origin request failed or answered with an HTTP status >= 400;
* it requested nothing from another host (the site must be self-contained: MathJax is served
  from ``_static/mathjax`` by sphinx-mathjax-offline). Such requests are blocked, so the check
  never waits on the network, and reported;
* every ``<img>`` in the article has loaded (``complete`` and ``naturalWidth > 0``) after the page
  was scrolled through, so that lazy images load too;
* if the article holds math (elements of class ``math``), MathJax has started and typeset it:
  there is at least one ``mjx-container``, every math element holds one, there is no MathJax
  error (``mjx-merror``) and no raw ``\\(`` or ``\\[`` left in the article's text;
* the page has a non-empty ``<h1>``;
* for a page whose source is a notebook (``.ipynb``), the Colab launch link is
  ``https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{path_to_book}{file}.ipynb``
  with the values of the ``repository`` section of ``_config.yml``.

One line per page is printed (``OK`` or the list of problems), then ``N passed, M failed``. The exit
status is 0 when every page passed, 1 when a page failed and 2 when the check could not run.

Chromium comes from the system (Playwright's own browser download is not used): the first of
``$CHROMIUM_PATH``, ``/usr/bin/chromium`` and ``/usr/bin/chromium-browser`` that exists.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS: list[str] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
COLAB_DEFAULT = "https://colab.research.google.com"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
SOURCE_SUFFIXES: tuple[str, ...] = (".ipynb", ".md", ".rst", ".myst", ".tex")
ARTICLE_SELECTORS: tuple[str, ...] = (".bd-article", "main article", "article", "main", "[role=main]")

NAV_TIMEOUT_MS = 20_000
IMAGE_TIMEOUT_MS = 10_000
MATHJAX_TIMEOUT_MS = 15_000
SETTLE_TIMEOUT_MS = 3_000

# --------------------------------------------------------------------------------------------
# JavaScript run in the page. Each function receives the CSS selector of the article.

JS_SCROLL_THROUGH = """async (sel) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const root = document.scrollingElement || document.documentElement;
  const step = Math.max(200, Math.floor(window.innerHeight * 0.8));
  for (let y = 0; y <= root.scrollHeight; y += step) { window.scrollTo(0, y); await sleep(30); }
  const article = document.querySelector(sel) || document.body;
  for (const img of article.querySelectorAll('img')) { img.scrollIntoView({block: 'center'}); }
  await sleep(50);
  window.scrollTo(0, root.scrollHeight);
  await sleep(50);
  window.scrollTo(0, 0);
}"""

JS_IMAGES_SETTLED = """(sel) => {
  const article = document.querySelector(sel) || document.body;
  return Array.from(article.querySelectorAll('img')).every((img) => img.complete);
}"""

JS_IMAGE_PROBLEMS = """async (sel) => {
  const article = document.querySelector(sel) || document.body;
  const problems = [];
  for (const img of article.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '(no src)';
    if (!img.complete) { problems.push(`image did not finish loading: ${src}`); continue; }
    if (img.naturalWidth > 0) continue;
    // An SVG without intrinsic size may report naturalWidth 0 although it is fine.
    let decoded = false;
    if (/\\.svg(\\?|#|$)/i.test(img.currentSrc || src)) {
      try { await img.decode(); decoded = true; } catch (e) { decoded = false; }
    }
    if (!decoded) problems.push(`broken image (naturalWidth 0): ${src}`);
  }
  return {count: article.querySelectorAll('img').length, problems};
}"""

JS_MATH_COUNT = """(sel) => {
  const article = document.querySelector(sel) || document.body;
  return article.querySelectorAll('.math').length;
}"""

JS_MATHJAX_READY = """(ms) => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return 'MathJax did not start (no MathJax.startup)';
  const late = 'MathJax did not finish typesetting in ' + ms + ' ms';
  const timeout = new Promise((resolve) => setTimeout(() => resolve(late), ms));
  return Promise.race([
    mj.startup.promise.then(() => 'ok', (e) => 'MathJax startup failed: ' + e),
    timeout,
  ]);
}"""

JS_MATH_PROBLEMS = """(sel) => {
  const article = document.querySelector(sel) || document.body;
  const problems = [];
  const containers = article.querySelectorAll('mjx-container').length;
  if (containers === 0) problems.push('math on the page but no mjx-container: MathJax rendered nothing');
  const errors = article.querySelectorAll('mjx-merror, .mjx-merror, [data-mjx-error]');
  for (const e of Array.from(errors).slice(0, 5)) {
    const msg = e.getAttribute('data-mjx-error') || e.textContent || '';
    problems.push('MathJax error: ' + msg.trim().slice(0, 120));
  }
  const maths = Array.from(article.querySelectorAll('.math'))
    .filter((m) => !m.querySelector('mjx-container') && !m.closest('mjx-container'));
  for (const m of maths.slice(0, 5)) {
    problems.push('math not typeset: ' + (m.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 80));
  }
  if (maths.length > 5) problems.push(`... and ${maths.length - 5} more math elements not typeset`);
  // Raw TeX delimiters left in the visible text (code blocks excluded).
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  let raw = 0;
  const samples = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest(skip)) continue;
    const t = n.nodeValue || '';
    if (t.includes('\\\\(') || t.includes('\\\\[')) {
      raw += 1;
      if (samples.length < 3) samples.push(t.trim().replace(/\\s+/g, ' ').slice(0, 60));
    }
  }
  if (raw) problems.push(`raw TeX left unrendered in ${raw} text node(s): ` + samples.join(' | '));
  return {containers, problems};
}"""

JS_H1 = """() => {
  const h1 = document.querySelector('.bd-article h1, main h1, article h1, h1');
  if (!h1) return null;
  const copy = h1.cloneNode(true);
  copy.querySelectorAll('.headerlink').forEach((a) => a.remove());
  return (copy.textContent || '').replace(/\\s+/g, ' ').trim();
}"""

# Launch links live in the page header, outside the article (exercise badges are inside it).
JS_LINKS_WITH_PREFIX = """([prefix, article]) => Array.from(document.querySelectorAll('a[href]'))
  .filter((a) => !a.closest(article))
  .map((a) => a.getAttribute('href'))
  .filter((h) => h.startsWith(prefix))"""

# Links in the article to notebooks: Colab badges and downloads (absolute URLs).
JS_ARTICLE_NOTEBOOK_LINKS = """(article) => Array.from(document.querySelectorAll(article + ' a[href]'))
  .map((a) => a.href)
  .filter((h) => h.split('#')[0].endsWith('.ipynb'))"""


# --------------------------------------------------------------------------------------------
# Reading the book's configuration


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


@dataclass
class PageResult:
    """The outcome of checking one page."""

    spec: PageSpec
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _strip_suffix(name: str) -> str:
    for suffix in SOURCE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _toc_entries(node: Any, book_root: Path) -> Iterator[str]:
    """Yield every ``file:`` value of a (part of a) table of contents, depth first, in order.

    A ``glob:`` entry yields the matching source files; ``url:`` entries are not pages of the site.
    """
    if isinstance(node, dict):
        if isinstance(node.get("file"), str):
            yield node["file"]
        if isinstance(node.get("glob"), str):
            matches = sorted(book_root.glob(node["glob"].strip()))
            yield from (m.relative_to(book_root).as_posix() for m in matches if m.suffix in SOURCE_SUFFIXES)
        for key in ("parts", "chapters", "sections", "subtrees", "entries"):
            if key in node:
                yield from _toc_entries(node[key], book_root)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_entries(item, book_root)


def read_toc(toc_path: Path) -> list[PageSpec]:
    """The pages of a Jupyter Book ``_toc.yml``: its root, then every ``file:`` entry."""
    data = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("root"), str):
        raise ValueError(f"{toc_path}: no 'root:' entry")
    book_root = toc_path.resolve().parent
    names = [data["root"], *_toc_entries(data, book_root)]
    pages: list[PageSpec] = []
    seen: set[str] = set()
    for name in names:
        docname = _strip_suffix(name.strip().removeprefix("./").strip("/"))
        if docname in seen:
            continue
        seen.add(docname)
        source = next(
            (
                book_root / f"{docname}{suf}"
                for suf in SOURCE_SUFFIXES
                if (book_root / f"{docname}{suf}").is_file()
            ),
            None,
        )
        pages.append(PageSpec(docname=docname, source=source))
    return pages


def expected_colab_prefix(config_path: Path) -> tuple[str, str]:
    """``(link prefix to look for, prefix of the expected URL)`` from ``_config.yml``.

    The expected URL of a notebook is the second value followed by ``{file}.ipynb``.
    Missing values take Jupyter Book 1's defaults (branch ``master``, empty path_to_book).
    """
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    repository = config.get("repository") or {}
    url = str(repository.get("url") or "").strip()
    parts = urlsplit(url)
    if parts.netloc.lower() not in {"github.com", "www.github.com"}:
        raise ValueError(f"{config_path}: repository.url {url!r} is not a GitHub repository URL")
    path_parts = [p for p in parts.path.split("/") if p]
    if len(path_parts) < 2:
        raise ValueError(f"{config_path}: repository.url {url!r} does not name owner/repo")
    owner, repo = path_parts[0], path_parts[1].removesuffix(".git")
    branch = str(repository.get("branch") or "master").strip()
    path_to_book = str(repository.get("path_to_book") or "").strip().strip("/")
    if path_to_book:
        path_to_book += "/"
    launch = config.get("launch_buttons") or {}
    colab = str(launch.get("colab_url") or COLAB_DEFAULT).strip().rstrip("/")
    link_prefix = f"{colab}/github/"
    return link_prefix, f"{link_prefix}{owner}/{repo}/blob/{branch}/{path_to_book}"


def exercise_colab_prefix(config_path: Path) -> str:
    """Prefix of the Colab URLs of exercise notebooks, which are served by the published site.

    ``{colab}/github/{owner}/{repo}/blob/{course.site_branch}/`` followed by the notebook's
    path in the built site (``course.site_branch`` defaults to ``gh-pages``).
    """
    link_prefix, launch_prefix = expected_colab_prefix(config_path)
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    site_branch = str((config.get("course") or {}).get("site_branch") or "gh-pages").strip()
    owner_repo = launch_prefix.removeprefix(link_prefix).split("/blob/")[0]
    return f"{link_prefix}{owner_repo}/blob/{site_branch}/"


# --------------------------------------------------------------------------------------------
# Static server and browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StaticServer:
    """A static HTTP server for a directory, on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="static-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> StaticServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def find_chromium() -> str:
    """Path of the system's Chromium, or a RuntimeError that says how to install it."""
    candidates = [os.environ.get("CHROMIUM_PATH", ""), *CHROMIUM_CANDIDATES]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise RuntimeError(
        "No Chromium found (looked at $CHROMIUM_PATH, " + ", ".join(CHROMIUM_CANDIDATES) + "). "
        "Install it with: apt-get update && apt-get install -y chromium"
    )


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "javascript", "chrome", "chrome-extension"}:
        return True
    return (parts.hostname or "").lower() in LOCAL_HOSTS


# --------------------------------------------------------------------------------------------
# Checking one page


class PageChecker:
    """Opens pages in one browser and collects what went wrong on each."""

    def __init__(
        self,
        browser: Browser,
        html_dir: Path,
        base_url: str,
        colab_link_prefix: str,
        colab_expected_prefix: str,
        screenshots: Path | None,
        exercise_prefix: str = "",
    ) -> None:
        self.browser = browser
        self.html_dir = html_dir
        self.base_url = base_url
        self.origin = base_url.rstrip("/")
        self.colab_link_prefix = colab_link_prefix
        self.colab_expected_prefix = colab_expected_prefix
        self.screenshots = screenshots
        self.exercise_prefix = exercise_prefix

    def check(self, spec: PageSpec) -> PageResult:
        result = PageResult(spec)
        if not (self.html_dir / spec.html_path).is_file():
            where = f"source {spec.source.name}" if spec.source else "no source file found either"
            result.problems.append(f"page not built: {spec.html_path} is missing ({where})")
            return result
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        context.set_default_timeout(NAV_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAV_TIMEOUT_MS)
        external: list[str] = []
        failed: dict[str, str] = {}  # url -> reason
        console_errors: list[tuple[str, str]] = []  # (text, location url)
        page_errors: list[str] = []

        def on_route(route: Route) -> None:
            url = route.request.url
            if _is_local(url):
                route.continue_()
            else:
                if url not in external:
                    external.append(url)
                route.abort("blockedbyclient")

        def on_response(response: Response) -> None:
            if response.url.startswith(self.origin) and response.status >= 400:
                failed.setdefault(response.url, f"HTTP {response.status}")

        def on_request_failed(request: Request) -> None:
            if request.url.startswith(self.origin):
                failed.setdefault(request.url, f"request failed ({request.failure or 'unknown error'})")

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                console_errors.append((msg.text, (msg.location or {}).get("url", "")))

        def on_page_error(exc: PlaywrightError) -> None:
            page_errors.append(f"{exc.name or 'Error'}: {exc.message}".strip())

        context.route("**/*", on_route)
        page = context.new_page()
        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)
        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        try:
            self._inspect(page, spec, result)
        except PlaywrightTimeoutError as exc:
            result.problems.append(f"timed out: {str(exc).splitlines()[0]}")
        except PlaywrightError as exc:
            result.problems.append(f"browser error: {str(exc).splitlines()[0]}")
        finally:
            try:
                page.wait_for_timeout(100)  # let late events arrive
            except PlaywrightError:
                pass
            context.close()

        def rel(url: str) -> str:
            return url[len(self.origin) :] if url.startswith(self.origin) else url

        for url, reason in failed.items():
            result.problems.append(f"{reason}: {unquote(rel(url))}")
        for url in external:
            result.problems.append(
                f"request to another host (blocked; the site must be self-contained): {url}"
            )
        reported = set(failed) | set(external)
        for text, location in console_errors:
            # "Failed to load resource" duplicates a failure already listed above.
            if text.startswith("Failed to load resource") and location in reported:
                continue
            where = f" [{unquote(rel(location))}]" if location else ""
            result.problems.append(f"console error: {text}{where}")
        for error in page_errors:
            result.problems.append(f"uncaught exception: {error}")
        return result

    def _inspect(self, page: Page, spec: PageSpec, result: PageResult) -> None:
        response = page.goto(self.base_url + spec.html_path, wait_until="load")
        if response is None or response.status >= 400:
            status = response.status if response is not None else "no response"
            result.problems.append(f"page not served ({status}): {spec.html_path}")
            return
        try:
            page.wait_for_load_state("networkidle", timeout=SETTLE_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            pass
        # The most specific article element there is (the theme's .bd-article, else <main>).
        article = next((sel for sel in ARTICLE_SELECTORS if page.query_selector(sel)), "body")
        if article == "body":
            result.problems.append("no main article element (.bd-article / main) on the page")

        # Title
        title = page.evaluate(JS_H1)
        if not title:
            result.problems.append("no <h1> title" if title is None else "empty <h1> title")
        else:
            result.notes.append(f"“{title[:60]}”")

        # Images, after scrolling through the page so that lazy ones load.
        page.evaluate(JS_SCROLL_THROUGH, article)
        try:
            page.wait_for_function(JS_IMAGES_SETTLED, arg=article, timeout=IMAGE_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            pass  # reported by JS_IMAGE_PROBLEMS below
        images = page.evaluate(JS_IMAGE_PROBLEMS, article)
        result.problems.extend(images["problems"])
        result.notes.append(f"{images['count']} image(s)")

        # Math
        n_math = page.evaluate(JS_MATH_COUNT, article)
        if n_math:
            status = page.evaluate(JS_MATHJAX_READY, MATHJAX_TIMEOUT_MS)
            if status != "ok":
                result.problems.append(f"{status} (page has {n_math} math element(s))")
            math = page.evaluate(JS_MATH_PROBLEMS, article)
            result.problems.extend(math["problems"])
            result.notes.append(f"{n_math} math, {math['containers']} typeset")

        # Colab launch link of a notebook page
        if spec.is_notebook:
            expected = f"{self.colab_expected_prefix}{spec.docname}.ipynb"
            links = sorted(set(page.evaluate(JS_LINKS_WITH_PREFIX, [self.colab_link_prefix, article])))
            if not links:
                result.problems.append(f"no Colab launch link (expected {expected})")
            for link in links:
                if link != expected:
                    result.problems.append(f"wrong Colab launch link: {link} (expected {expected})")
            if links == [expected]:
                result.notes.append("Colab link OK")

        # Exercise notebooks linked from the article: each must be served by this site, be a
        # notebook, and hold no solution; a Colab badge must open the published copy of it.
        for link in sorted(set(page.evaluate(JS_ARTICLE_NOTEBOOK_LINKS, article))):
            if link.startswith(self.colab_link_prefix):
                if not self.exercise_prefix or not link.startswith(self.exercise_prefix):
                    result.problems.append(
                        f"exercise Colab link {link} does not start with {self.exercise_prefix}"
                    )
                    continue
                local = self.base_url + link.removeprefix(self.exercise_prefix)
            elif _is_local(link):
                local = link
            else:
                result.problems.append(f"notebook link to another site: {link}")
                continue
            problem = self._notebook_problem(page, local)
            if problem:
                result.problems.append(f"{link}: {problem}")
            else:
                result.notes.append(f"notebook link OK: {local.removeprefix(self.base_url)}")

        if self.screenshots is not None:
            shot = self.screenshots / (spec.docname.replace("/", "__") + ".png")
            page.screenshot(path=str(shot), full_page=True)
            result.notes.append(f"screenshot {shot}")

    @staticmethod
    def _notebook_problem(page: Page, url: str) -> str | None:
        """Why ``url`` is not a servable, solution-free notebook (None if it is fine)."""
        response = page.request.get(url, timeout=10_000)
        if response.status != 200:
            return f"not served by the site (HTTP {response.status})"
        text = response.text()
        try:
            notebook = json.loads(text)
        except ValueError:
            return "not a JSON notebook"
        if "cells" not in notebook:
            return "not a notebook (no cells)"
        if "BEGIN SOLUTION" in text:
            return "contains solutions"
        return None


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=Path("_build/html"), help="built HTML directory")
    parser.add_argument("--toc", type=Path, default=Path("_toc.yml"), help="the book's _toc.yml")
    parser.add_argument("--config", type=Path, default=Path("_config.yml"), help="the book's _config.yml")
    parser.add_argument("--screenshots", type=Path, default=None, help="save a full-page PNG per page here")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=300.0,
        help="give up (exit 2) if the whole check takes longer than this (default: 300)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        if not args.html.is_dir():
            raise RuntimeError(f"no built site at {args.html} (run: jupyter-book build .)")
        pages = read_toc(args.toc)
        if not pages:
            raise ValueError(f"{args.toc}: no pages")
        try:
            colab_link_prefix, colab_expected_prefix = expected_colab_prefix(args.config)
            exercise_prefix = exercise_colab_prefix(args.config)
        except ValueError:
            if any(p.is_notebook for p in pages):
                raise  # the Colab links of the notebooks cannot be checked without it
            colab_link_prefix = colab_expected_prefix = exercise_prefix = ""
        chromium = find_chromium()
        if args.screenshots is not None:
            args.screenshots.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError, RuntimeError, yaml.YAMLError) as exc:
        print(f"check_site: cannot run: {exc}", file=sys.stderr)
        return 2

    def give_up() -> None:
        print(f"check_site: gave up after {args.max_seconds:.0f} s (the browser hangs?)", file=sys.stderr)
        sys.stderr.flush()
        os._exit(2)

    watchdog = threading.Timer(args.max_seconds, give_up)
    watchdog.daemon = True
    watchdog.start()
    results: list[PageResult] = []
    try:
        with StaticServer(args.html.resolve()) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS, timeout=30_000
            )
            try:
                checker = PageChecker(
                    browser,
                    args.html,
                    server.base_url,
                    colab_link_prefix,
                    colab_expected_prefix,
                    args.screenshots,
                    exercise_prefix,
                )
                for spec in pages:
                    result = checker.check(spec)
                    results.append(result)
                    if result.ok:
                        print(f"OK    {spec.html_path}  ({', '.join(result.notes)})")
                    else:
                        print(f"FAIL  {spec.html_path}")
                        for problem in result.problems:
                            print(f"        - {problem}")
                    sys.stdout.flush()
            finally:
                browser.close()
    except (PlaywrightError, OSError) as exc:
        print(f"check_site: cannot run the browser check: {exc}", file=sys.stderr)
        return 2
    finally:
        watchdog.cancel()

    n_failed = sum(not r.ok for r in results)
    print(f"(checked {len(results)} page(s) in {time.monotonic() - started:.1f} s)")
    print(f"{len(results) - n_failed} passed, {n_failed} failed")
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
