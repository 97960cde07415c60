"""Check the built course website in a real browser (headless Chromium through Playwright).

Usage, from the book's root after ``jupyter-book build .``::

    python -m tools.check_site [--html _build/html] [--toc _toc.yml] [--config _config.yml]
                               [--allow tools/site_allow.yml] [--screenshots DIR]
                               [--max-seconds 300]

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
* at 1280 px no code block, printed output, table or display equation is wider than the
  article (none scrolls sideways); every image's alt text describes it (not empty, not a file
  name or path); the page is at most 30 screens long (``tools.site_layout``);
* opened again at a phone's width (390 x 844), the page is no wider than the screen, and a page
  with the theme's navigation sidebar has a visible button that, clicked, brings the sidebar on
  screen.

Exceptions to the layout rules are listed with their reasons in ``tools/site_allow.yml``; an
entry that no longer matches anything fails the check, so the list stays true.

The rules are pure functions in ``tools.site_checks`` and ``tools.site_layout``; this module
drives the browser. One line
per page is printed (``OK`` or the list of problems), then ``N passed, M failed``. The exit
status (see :mod:`tools`) is 0 when every page passed, 1 when a page failed and 2 when the check
could not run (no built site, no browser, a bad ``_toc.yml`` or allow-list, or the browser hung).

Chromium comes from the system (Playwright's own browser download is not used): the first of
``$CHROMIUM_PATH``, ``/usr/bin/chromium`` and ``/usr/bin/chromium-browser`` that exists.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import (
    sync_playwright,
)

from tools import EXIT_CANNOT_RUN, EXIT_FAILED, EXIT_OK
from tools.book import PageSpec, TocError, toc_pages
from tools.site_checks import (
    ColabPrefixes,
    PageResult,
    colab_prefixes,
    load_config,
    report_lines,
    summary_line,
)
from tools.site_layout import (
    ALLOW_FILE,
    Allowances,
    load_allowances,
    unused_allowances,
)
from tools.site_page import PageChecker
from tools.site_server import StaticServer

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
NO_PREFIXES = ColabPrefixes("", "", "")

# --------------------------------------------------------------------------------------------
# Static server and browser


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


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1")
    return int(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.check_site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=Path("_build/html"), help="built HTML directory")
    parser.add_argument("--toc", type=Path, default=Path("_toc.yml"), help="the book's _toc.yml")
    parser.add_argument("--config", type=Path, default=Path("_config.yml"), help="the book's _config.yml")
    parser.add_argument(
        "--allow",
        type=Path,
        default=ALLOW_FILE,
        help="the allow-list of layout exceptions, each with its reason (default: tools/site_allow.yml)",
    )
    parser.add_argument("--screenshots", type=Path, default=None, help="save a full-page PNG per page here")
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=min(2, os.cpu_count() or 1),
        help="browsers checking pages side by side (default: 2, or 1 on a 1-core machine)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=900.0,
        help="give up (exit 2) if the whole check takes longer than this (default: 900)",
    )
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace) -> tuple[list[PageSpec], ColabPrefixes, Allowances]:
    """The pages to check, the expected Colab prefixes and the layout allow-list; raises what
    stops the check."""
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
    return pages, prefixes, load_allowances(args.allow)


def _check_share(pages: list[PageSpec], report: Callable[[PageResult], None], **setup: Any) -> None:
    """Check ``pages`` in a browser of this thread's own (Playwright is not thread-safe: one
    instance per thread), handing each result to ``report``."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=setup.pop("chromium"), headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            checker = PageChecker(browser, **setup)
            for spec in pages:
                report(checker.check(spec))
        finally:
            browser.close()


def _check_in_parallel(
    pages: list[PageSpec], check_share: Callable[..., None], jobs: int
) -> list[PageResult]:
    """Split ``pages`` among ``jobs`` threads, one browser each (the browsers do the work, on as
    many cores); print each page's report in the table of contents' order as soon as it and all
    pages before it are done. The first error of a thread is raised here."""
    done: dict[str, PageResult] = {}
    ready = threading.Condition()
    errors: list[BaseException] = []

    def report(result: PageResult) -> None:
        with ready:
            done[result.spec.html_path] = result
            ready.notify_all()

    def run(share: list[PageSpec]) -> None:
        try:
            check_share(share, report)
        except BaseException as exc:  # raised again in the main thread
            with ready:
                errors.append(exc)
                ready.notify_all()

    threads = [
        threading.Thread(target=run, args=(pages[k::jobs],), name=f"check-site-{k}", daemon=True)
        for k in range(min(jobs, len(pages)))
    ]
    for thread in threads:
        thread.start()
    results = []
    for spec in pages:

        def arrived(path: str = spec.html_path) -> bool:
            return path in done or bool(errors)

        with ready:
            ready.wait_for(arrived)
            if errors:
                raise errors[0]
            results.append(done[spec.html_path])
        print("\n".join(report_lines(results[-1])), flush=True)
    for thread in threads:
        thread.join()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        pages, prefixes, allow = prepare(args)
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
    try:
        with StaticServer(args.html.resolve()) as server:
            checker = functools.partial(
                _check_share,
                chromium=chromium,
                html_dir=args.html,
                base_url=server.base_url,
                prefixes=prefixes,
                screenshots=args.screenshots,
                allow=allow,
            )
            results = _check_in_parallel(pages, checker, args.jobs)
    except (PlaywrightError, OSError) as exc:
        print(f"check_site: cannot run the browser check: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    finally:
        watchdog.cancel()

    stale = unused_allowances(allow, [r.spec.html_path for r in results])
    if stale:
        print(f"FAIL  {args.allow.name}", *(f"        - {line}" for line in stale), sep="\n")
    print(f"(checked {len(results)} page(s) in {time.monotonic() - started:.1f} s)")
    print(summary_line(results))
    return EXIT_OK if all(r.ok for r in results) and not stale else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
