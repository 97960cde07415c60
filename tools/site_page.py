"""Checking one page of the built site in Chromium: what ``tools.check_site`` does per page.

:class:`PageChecker` opens a page at 1280 x 900, collects failed requests, console errors and
uncaught exceptions, runs the page scripts of ``tools.site_js`` and hands what they report to
the rules (``tools.site_checks``, ``tools.site_layout``); then it opens the page again at a
phone's width, for its width and its navigation.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tools.book import PageSpec
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
    is_local,
    notebook_link_target,
    notebook_problem,
    page_facts,
    request_problems,
)
from tools.site_js import (
    JS_IMAGE_PROBLEMS,
    JS_IMAGES_SETTLED,
    JS_LAYOUT,
    JS_MATH_COUNT,
    JS_MATH_PROBLEMS,
    JS_MATHJAX_READY,
    JS_PAGE_OVERFLOW,
    JS_PHONE_NAVIGATION,
    JS_SCROLL_THROUGH,
)
from tools.site_layout import (
    Allowances,
    check_layout,
    check_phone_width,
)

#: The viewport of the wide check (a laptop); the phone's is site_checks.PHONE_WIDTH.
DESKTOP_WIDTH = 1280
DESKTOP_HEIGHT = 900
NAV_TIMEOUT_MS = 20_000
IMAGE_TIMEOUT_MS = 10_000
MATHJAX_TIMEOUT_MS = 15_000
SETTLE_TIMEOUT_MS = 3_000


class PageChecker:
    """Opens pages in one browser and collects what went wrong on each."""

    def __init__(
        self,
        browser: Browser,
        html_dir: Path,
        base_url: str,
        prefixes: ColabPrefixes,
        screenshots: Path | None,
        allow: Allowances | None = None,
    ) -> None:
        self.browser = browser
        self.html_dir = html_dir
        self.base_url = base_url
        self.origin = base_url.rstrip("/")
        self.prefixes = prefixes
        self.screenshots = screenshots
        self.allow = Allowances() if allow is None else allow

    def check(self, spec: PageSpec) -> PageResult:
        result = PageResult(spec)
        if not (self.html_dir / spec.html_path).is_file():
            where = f"source {spec.source.name}" if spec.source else "no source file found either"
            result.problems.append(f"page not built: {spec.html_path} is missing ({where})")
            return result
        context = self.browser.new_context(
            viewport={"width": DESKTOP_WIDTH, "height": DESKTOP_HEIGHT}, service_workers="block"
        )
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

        # What fits the column, alt text, length: measured once MathJax has typeset.
        layout = page.evaluate(JS_LAYOUT, facts.article)
        check_layout(result, spec.html_path, layout, self.allow, DESKTOP_WIDTH)

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
        if n_math:
            page.evaluate(JS_MATHJAX_READY, MATHJAX_TIMEOUT_MS)
        check_phone_width(result, page.evaluate(JS_PAGE_OVERFLOW), PHONE_WIDTH)
        check_phone_navigation(result, page.evaluate(JS_PHONE_NAVIGATION))
