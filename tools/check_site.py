"""Check the built course website in a real browser (headless Chromium through Playwright).

Usage, from the book's root after ``jupyter-book build .``::

    python -m tools.check_site [--html _build/html] [--toc _toc.yml] [--config _config.yml]
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
  was scrolled through, so that lazy images load too, and is shown at least 60 % of its natural
  width (in the 1280 x 900 viewport; an image wider than the article can show fails too);
* the article's text shows no raw MyST/Sphinx markup (fences, directives, roles, directive
  options) and no raw markdown table row outside code, no empty code box, and no absolute path
  of the build machine (``/home/...``, ``/tmp/...``, ``.../site-packages/...``, ...) in prose or
  outputs (see ``tools.site_view``);
* if the article holds math (elements of class ``math``), MathJax has started and typeset it:
  there is at least one ``mjx-container``, every math element holds one, there is no MathJax
  error (``mjx-merror``) and no raw ``\\(`` or ``\\[`` left in the article's text;
* the page has a non-empty ``<h1>``;
* for a page whose source is a notebook (``.ipynb``), the Colab launch link is
  ``https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{path_to_book}{file}.ipynb``
  with the values of the ``repository`` section of ``_config.yml``;
* every notebook linked from the article is served by this site, is a notebook and holds no
  solution; a Colab badge opens the published copy of it;
* opened again at a phone's width (390 x 844), a page with the theme's navigation sidebar has a
  visible button that, clicked, brings the sidebar on screen.

The rules are pure functions in ``tools.site_checks``; this module drives the browser. One line
per page is printed (``OK`` or the list of problems), then ``N passed, M failed``. The exit
status (see :mod:`tools`) is 0 when every page passed, 1 when a page failed and 2 when the check
could not run (no built site, no browser, a bad ``_toc.yml``, or the browser hung).

Chromium comes from the system (Playwright's own browser download is not used): the first of
``$CHROMIUM_PATH``, ``/usr/bin/chromium`` and ``/usr/bin/chromium-browser`` that exists.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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

from tools import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from tools.book import PageSpec, TocError, toc_pages
from tools.site_checks import (
    PHONE_HEIGHT,
    PHONE_WIDTH,
    ColabPrefixes,
    PageResult,
    check_article,
    check_images,
    check_launch_links,
    check_math,
    check_phone_navigation,
    check_text,
    check_title,
    colab_prefixes,
    is_local,
    load_config,
    notebook_link_target,
    notebook_problem,
    page_facts,
    report_lines,
    request_problems,
    summary_line,
)
from tools.site_js import (
    JS_IMAGE_PROBLEMS,
    JS_IMAGES_SETTLED,
    JS_MATH_COUNT,
    JS_MATH_PROBLEMS,
    JS_MATHJAX_READY,
    JS_PHONE_NAVIGATION,
    JS_SCROLL_THROUGH,
)

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
NAV_TIMEOUT_MS = 20_000
IMAGE_TIMEOUT_MS = 10_000
MATHJAX_TIMEOUT_MS = 15_000
SETTLE_TIMEOUT_MS = 3_000
NO_PREFIXES = ColabPrefixes("", "", "")

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
        serve = functools.partial(self._httpd.serve_forever, poll_interval=0.05)  # quick to shut down
        self._thread = threading.Thread(target=serve, name="static-server", daemon=True)

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


def find_chromium(environ: Mapping[str, str] | None = None) -> str:
    """Path of the system's Chromium, or a RuntimeError that says how to install it."""
    env = os.environ if environ is None else environ
    for candidate in (env.get("CHROMIUM_PATH", ""), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    raise RuntimeError(
        "No Chromium found (looked at $CHROMIUM_PATH, " + ", ".join(CHROMIUM_CANDIDATES) + "). "
        "Install it with: apt-get update && apt-get install -y chromium"
    )


# --------------------------------------------------------------------------------------------
# Checking one page


class PageChecker:
    """Opens pages in one browser and collects what went wrong on each."""

    def __init__(
        self,
        browser: Browser,
        html_dir: Path,
        base_url: str,
        prefixes: ColabPrefixes,
        screenshots: Path | None,
    ) -> None:
        self.browser = browser
        self.html_dir = html_dir
        self.base_url = base_url
        self.origin = base_url.rstrip("/")
        self.prefixes = prefixes
        self.screenshots = screenshots

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
            if is_local(url):
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
        result.problems += request_problems(self.origin, failed, external, console_errors, page_errors)
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
        facts = page_facts(page.content(), page.url, self.prefixes.link)
        check_article(result, facts)
        check_title(result, facts)
        check_text(result, facts)

        # Images, after scrolling through the page so that lazy ones load.
        page.evaluate(JS_SCROLL_THROUGH, facts.article)
        try:
            page.wait_for_function(JS_IMAGES_SETTLED, arg=facts.article, timeout=IMAGE_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            pass  # reported by JS_IMAGE_PROBLEMS below
        check_images(result, page.evaluate(JS_IMAGE_PROBLEMS, facts.article))

        n_math = page.evaluate(JS_MATH_COUNT, facts.article)
        if n_math:
            status = page.evaluate(JS_MATHJAX_READY, MATHJAX_TIMEOUT_MS)
            check_math(result, n_math, status, page.evaluate(JS_MATH_PROBLEMS, facts.article))

        if spec.is_notebook:
            check_launch_links(result, facts, self.prefixes.launch)

        # Exercise notebooks linked from the article: each must be served by this site, be a
        # notebook, and hold no solution; a Colab badge must open the published copy of it.
        for link in sorted(set(facts.notebook_links)):
            local, problem = notebook_link_target(link, self.prefixes, self.base_url)
            if local is not None:
                fetched = page.request.get(local, timeout=10_000)
                problem = notebook_problem(fetched.status, fetched.text())
            if problem:
                result.problems.append(f"{link}: {problem}")
            else:
                result.notes.append(f"notebook link OK: {str(local).removeprefix(self.base_url)}")

        if self.screenshots is not None:
            shot = self.screenshots / (spec.docname.replace("/", "__") + ".png")
            page.screenshot(path=str(shot), full_page=True)
            result.notes.append(f"screenshot {shot}")

        # On a phone: the page again, narrow, and its navigation button clicked.
        page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
        page.reload(wait_until="load")
        check_phone_navigation(result, page.evaluate(JS_PHONE_NAVIGATION))


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.check_site", description=__doc__.split("\n\n")[0])
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


def prepare(args: argparse.Namespace) -> tuple[list[PageSpec], ColabPrefixes]:
    """The pages to check and the expected Colab prefixes; raises what stops the check."""
    if not args.html.is_dir():
        raise RuntimeError(f"no built site at {args.html} (run: jupyter-book build .)")
    pages = toc_pages(args.toc)
    config = load_config(args.config)
    try:
        prefixes = colab_prefixes(config, str(args.config))
    except ValueError:
        if any(p.is_notebook for p in pages):
            raise  # the Colab links of the notebooks cannot be checked without it
        prefixes = NO_PREFIXES
    return pages, prefixes


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        pages, prefixes = prepare(args)
        chromium = find_chromium()
        if args.screenshots is not None:
            args.screenshots.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError, RuntimeError, TocError, yaml.YAMLError) as exc:
        print(f"check_site: cannot run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN

    def give_up() -> None:
        print(f"check_site: gave up after {args.max_seconds:.0f} s (the browser hangs?)", file=sys.stderr)
        sys.stderr.flush()
        os._exit(EXIT_CANNOT_RUN)

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
                checker = PageChecker(browser, args.html, server.base_url, prefixes, args.screenshots)
                for spec in pages:
                    results.append(checker.check(spec))
                    print("\n".join(report_lines(results[-1])), flush=True)
            finally:
                browser.close()
    except (PlaywrightError, OSError) as exc:
        print(f"check_site: cannot run the browser check: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    finally:
        watchdog.cancel()

    print(f"(checked {len(results)} page(s) in {time.monotonic() - started:.1f} s)")
    print(summary_line(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
