"""tools.check_site: the static server for real, the page checker and main() against a fake
browser that replays what a real one reports (requests, console, DOM, image sizes), and one run
in the real headless Chromium on a small site with every defect the check knows planted in it
(tests/fixtures/site)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tools import check_site, site_js
from tools.book import PageSpec
from tools.site_checks import ColabPrefixes

COLAB = "https://colab.research.google.com/github/"
PREFIXES = ColabPrefixes(COLAB, f"{COLAB}o/r/blob/main/", f"{COLAB}o/r/blob/gh-pages/")

NOTEBOOK_PAGE = f"""<html><body>
<div class="header"><a href="{COLAB}o/r/blob/main/ch/nb.ipynb">Colab</a></div>
<main><article class="bd-article"><h1>Chapter<a class="headerlink" href="#c">#</a></h1>
<p><span class="math">x^2</span><img src="fig.png"></p>
<a href="{COLAB}o/r/blob/gh-pages/assignments/ch/ex.ipynb">badge</a>
<a href="../assignments/ch/ex.ipynb" download>download</a>
<a href="../assignments/ch/solved.ipynb">solutions</a>
</article></main></body></html>"""


def make_site(root: Path) -> Path:
    html = root / "html"
    (html / "ch").mkdir(parents=True)
    (html / "assignments" / "ch").mkdir(parents=True)
    (html / "intro.html").write_text("<html><body><main><h1>Intro</h1></main></body></html>")
    (html / "ch" / "nb.html").write_text(NOTEBOOK_PAGE)
    (html / "assignments" / "ch" / "ex.ipynb").write_text(json.dumps({"cells": [], "metadata": {}}))
    (html / "assignments" / "ch" / "solved.ipynb").write_text('{"cells": ["# BEGIN SOLUTION"]}')
    return html


# --------------------------------------------------------------------------------------------
# A fake browser


class FakeResponse:
    def __init__(self, url: str, status: int, text: str = "") -> None:
        self.url, self.status, self._text = url, status, text

    def text(self) -> str:
        return self._text


class FakeRoute:
    def __init__(self, url: str) -> None:
        self.request = type("Request", (), {"url": url})()
        self.outcome = ""

    def continue_(self) -> None:
        self.outcome = "continued"

    def abort(self, reason: str) -> None:
        self.outcome = f"aborted: {reason}"


class FakeRequestAPI:
    """page.request: fetches for real from the static server."""

    def get(self, url: str, timeout: int) -> FakeResponse:
        try:
            with urllib.request.urlopen(url, timeout=timeout / 1000) as resp:
                return FakeResponse(url, resp.status, resp.read().decode())
        except urllib.error.HTTPError as exc:
            return FakeResponse(url, exc.code)


class FakePage:
    """Replays a page load: requests through the context's route, then the page's events."""

    def __init__(self, context: FakeContext) -> None:
        self.context, self.handlers, self.url = context, {}, ""
        self.evaluated: list[tuple[str, Any]] = []
        self.viewports: list[dict[str, int]] = []
        self.reloads = 0
        self.request = FakeRequestAPI()
        self.script = context.browser.script

    def on(self, event: str, handler: Any) -> None:
        self.handlers[event] = handler

    def goto(self, url: str, wait_until: str) -> FakeResponse | None:
        self.url = url
        if self.script.get("goto_raises"):
            raise self.script["goto_raises"]
        for requested in self.script.get("requests", []):
            self.context.routed.append(route := FakeRoute(requested))
            self.context.route_handler(route)
        for event, payload in self.script.get("events", []):
            self.handlers[event](payload)
        if self.script.get("no_response"):
            return None
        with urllib.request.urlopen(url) as resp:  # the page itself, from the static server
            self.html = resp.read().decode()
            return FakeResponse(url, resp.status)

    def wait_for_load_state(self, state: str, timeout: int) -> None:
        raise PlaywrightTimeoutError("network never idle")  # a page with a long poll

    def content(self) -> str:
        return self.html

    def evaluate(self, js: str, arg: Any = None) -> Any:
        self.evaluated.append((js, arg))
        answers = {
            site_js.JS_SCROLL_THROUGH: None,
            site_js.JS_IMAGE_PROBLEMS: self.script.get("images", {"count": 1, "problems": []}),
            site_js.JS_MATH_COUNT: 1,
            site_js.JS_MATHJAX_READY: "ok",
            site_js.JS_MATH_PROBLEMS: {"containers": 1, "problems": []},
            site_js.JS_PHONE_NAVIGATION: self.script.get(
                "phone", {"sidebar": False, "button": False, "opened": False}
            ),
            site_js.JS_LAYOUT: self.script.get("layout", {"wide": [], "images": [], "screens": 3.0}),
            site_js.JS_PAGE_OVERFLOW: self.script.get("phone_overflow", 0),
        }
        return answers[js]

    def set_viewport_size(self, size: dict[str, int]) -> None:
        self.viewports.append(size)

    def reload(self, wait_until: str) -> None:
        self.reloads += 1

    def wait_for_function(self, js: str, arg: Any, timeout: int) -> None:
        assert js == site_js.JS_IMAGES_SETTLED
        raise PlaywrightTimeoutError("images still loading")

    def wait_for_timeout(self, ms: int) -> None:
        if self.script.get("closed"):
            raise PlaywrightError("Target closed")

    def screenshot(self, path: str, full_page: bool) -> None:
        Path(path).write_bytes(b"PNG")


class FakeContext:
    def __init__(self, browser: FakeBrowser) -> None:
        self.browser, self.routed, self.closed = browser, [], False
        self.pages: list[FakePage] = []

    def set_default_timeout(self, ms: int) -> None:
        pass

    def set_default_navigation_timeout(self, ms: int) -> None:
        pass

    def route(self, pattern: str, handler: Any) -> None:
        self.route_handler = handler

    def new_page(self) -> FakePage:
        self.pages.append(FakePage(self))
        return self.pages[-1]

    def close(self) -> None:
        self.closed = True


class FakeBrowser:
    def __init__(self, script: dict[str, Any] | None = None) -> None:
        self.script = script or {}
        self.contexts: list[FakeContext] = []
        self.closed = False

    def new_context(self, **kwargs: Any) -> FakeContext:
        self.contexts.append(FakeContext(self))
        return self.contexts[-1]

    def close(self) -> None:
        self.closed = True


# --------------------------------------------------------------------------------------------
# The static server and Chromium


def test_static_server_serves_the_folder(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<h1>A</h1>")
    with check_site.StaticServer(tmp_path) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/"
        with urllib.request.urlopen(server.base_url + "a.html") as resp:
            assert resp.read() == b"<h1>A</h1>"
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(server.base_url + "missing.html")
        assert info.value.code == 404


def test_find_chromium(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("")
    assert check_site.find_chromium({"CHROMIUM_PATH": str(chromium)}) == str(chromium)


def test_find_chromium_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_site, "CHROMIUM_CANDIDATES", ("/nonexistent/chromium",))
    with pytest.raises(RuntimeError, match="apt-get install -y chromium"):
        check_site.find_chromium({"CHROMIUM_PATH": "/also/missing"})


# --------------------------------------------------------------------------------------------
# One page


def check(tmp_path: Path, spec: PageSpec, script: dict[str, Any] | None = None, **kw: Any) -> Any:
    html = make_site(tmp_path)
    browser = FakeBrowser(script)
    with check_site.StaticServer(html) as server:
        checker = check_site.PageChecker(browser, html, server.base_url, PREFIXES, kw.get("screenshots"))
        result = checker.check(spec)
    return result, browser, server.base_url


def test_a_notebook_page_is_checked_from_its_dom_and_links(tmp_path: Path) -> None:
    spec = PageSpec("ch/nb", Path("ch/nb.ipynb"))
    result, browser, base = check(tmp_path, spec, screenshots=tmp_path)
    assert result.problems == [f"{base}assignments/ch/solved.ipynb: contains solutions"]
    assert result.notes == [
        "“Chapter”",
        "1 image(s)",
        "1 math, 1 typeset",
        "3 screens",
        "Colab link OK",
        "notebook link OK: assignments/ch/ex.ipynb",
        "notebook link OK: assignments/ch/ex.ipynb",
        f"screenshot {tmp_path / 'ch__nb.png'}",
    ]
    (context,) = browser.contexts
    assert context.closed and (tmp_path / "ch__nb.png").exists()
    # the article's selector, found in the DOM, is what the page scripts work on
    page_wide = {site_js.JS_MATHJAX_READY, site_js.JS_PHONE_NAVIGATION, site_js.JS_PAGE_OVERFLOW}
    assert {arg for js, arg in context.pages[0].evaluated if js not in page_wide} == {".bd-article"}
    # then the page again at a phone's width, for its navigation (none on this page: no problem)
    assert context.pages[0].viewports == [{"width": 390, "height": 844}] and context.pages[0].reloads == 1


@pytest.mark.parametrize(
    ("state", "problems", "note"),
    [
        ({"sidebar": True, "button": True, "opened": False}, 1, False),
        ({"sidebar": True, "button": False, "opened": False}, 1, False),
        ({"sidebar": True, "button": True, "opened": True}, 0, True),
    ],
)
def test_the_navigation_is_opened_at_a_phones_width(
    tmp_path: Path, state: dict[str, bool], problems: int, note: bool
) -> None:
    result, _, _ = check(tmp_path, PageSpec("intro", None), {"phone": state})
    assert sum("navigation" in p for p in result.problems) == problems
    assert ("navigation opens at 390 px" in result.notes) == note


def test_layout_is_measured_wide_and_on_a_phone(tmp_path: Path) -> None:
    layout = {
        "wide": [{"kind": "equation", "over": 131, "text": "z = a + b"}],
        "wrapped": [],
        "images": [{"src": "../_images/ab.png", "alt": "../_images/ab.png"}],
        "screens": 31.0,
    }
    result, browser, _ = check(tmp_path, PageSpec("intro", None), {"layout": layout, "phone_overflow": 68})
    assert result.problems == [
        "equation wider than the column at 1280 px (131 px hidden, scrolls sideways): “z = a + b…”",
        "image alt text is a file name, not a description: ../_images/ab.png",
        "page is 31 screens long at 1280 px, over the limit of 30: split it, or list it in "
        "tools/site_allow.yml with a reason",
        "at 390 px the page is 68 px wider than the screen",
    ]
    evaluated = [js for js, _ in browser.contexts[0].pages[0].evaluated]
    # the layout is measured after MathJax typeset, and MathJax is waited for again on the phone
    assert evaluated.index(site_js.JS_LAYOUT) > evaluated.index(site_js.JS_MATHJAX_READY)
    assert evaluated.count(site_js.JS_MATHJAX_READY) == 2


def test_network_and_console_problems_are_reported(tmp_path: Path) -> None:
    error = PlaywrightError("x is not defined")
    error._name = "ReferenceError"
    script = {
        "requests": ["https://cdn.example.org/mathjax.js", "data:image/png;base64,AA"],
        "events": [
            ("console", type("Msg", (), {"type": "warning", "text": "ignored", "location": {}})()),
            ("console", type("Msg", (), {"type": "error", "text": "boom", "location": None})()),
            ("pageerror", error),
        ],
    }
    result, browser, _ = check(tmp_path, PageSpec("intro", None), script)
    assert result.problems == [
        "request to another host (blocked; the site must be self-contained): https://cdn.example.org/mathjax.js",
        "console error: boom",
        "uncaught exception: ReferenceError: x is not defined",
    ]
    routed = {r.request.url: r.outcome for r in browser.contexts[0].routed}
    assert routed == {
        "https://cdn.example.org/mathjax.js": "aborted: blockedbyclient",
        "data:image/png;base64,AA": "continued",
    }


def test_failed_requests_are_reported_as_paths(tmp_path: Path) -> None:
    html = make_site(tmp_path)
    with check_site.StaticServer(html) as server:
        origin = server.base_url.rstrip("/")
        script = {
            "events": [
                ("response", FakeResponse(f"{origin}/_static/missing%20file.css", 404)),
                ("response", FakeResponse("https://elsewhere.org/x", 500)),
                ("response", FakeResponse(f"{origin}/intro.html", 200)),
                ("requestfailed", type("Req", (), {"url": f"{origin}/font.woff", "failure": None})()),
            ]
        }
        checker = check_site.PageChecker(FakeBrowser(script), html, server.base_url, PREFIXES, None)
        result = checker.check(PageSpec("intro", None))
    assert result.problems == [
        "HTTP 404: /_static/missing file.css",
        "request failed (unknown error): /font.woff",
    ]


TEXT_PAGE = """<html><body><main><article class="bd-article"><h1>Broken</h1>
<p>```{admonition} Pitfall: <code class="docutils literal">is</code> compares identity
:class: warning</p>
<div class="highlight-default notranslate"><div class="highlight"><pre><span></span>
</pre></div></div>
<p>| a | b |</p>
<div class="cell_output"><pre>saved to /tmp/tmpab12/x.csv</pre></div>
</article></main></body></html>"""


def test_what_a_reader_sees_broken_is_reported(tmp_path: Path) -> None:
    """Text and image-size problems reach the page's result (the rules: test_tools_site_checks)."""
    (tmp_path / "html" / "ch").mkdir(parents=True)
    (tmp_path / "html" / "ch" / "text.html").write_text(TEXT_PAGE)
    sizes = [{"src": "../_images/f.png", "alt": "", "natural": 1482, "shown": 688, "room": 688}]
    browser = FakeBrowser({"images": {"count": 1, "problems": [], "sizes": sizes}})
    with check_site.StaticServer(tmp_path / "html") as server:
        checker = check_site.PageChecker(browser, tmp_path / "html", server.base_url, PREFIXES, None)
        result = checker.check(PageSpec("ch/text", None))
    assert result.problems == [
        "raw MyST/Sphinx markup (code fence, directive or role, directive option): "
        "“```{admonition} Pitfall: `is` compares identity :class: warning”",
        "empty code box (after “…admonition} Pitfall: `is` compares identity :class: warning”)",
        "raw markdown table row: “| a | b |”",
        "path of the build machine in the text: /tmp/tmpab12/x.csv",
        "image shown too small: f.png is 1482 px wide, shown at 688 px (46 % < 60 %)",
    ]


def test_unbuilt_page_and_browser_failures(tmp_path: Path) -> None:
    result, browser, _ = check(tmp_path, PageSpec("nowhere", Path("nowhere.md")))
    assert result.problems == ["page not built: nowhere.html is missing (source nowhere.md)"]
    assert browser.contexts == []  # no browser work for a missing file
    result, _, _ = check(tmp_path / "2", PageSpec("nowhere", None))
    assert result.problems == ["page not built: nowhere.html is missing (no source file found either)"]
    result, _, _ = check(tmp_path / "3", PageSpec("intro", None), {"no_response": True})
    assert result.problems == ["page not served (no response): intro.html"]
    slow = {"goto_raises": PlaywrightTimeoutError("Timeout 20000ms exceeded.\ncall log"), "closed": True}
    result, browser, _ = check(tmp_path / "4", PageSpec("intro", None), slow)
    assert result.problems == ["timed out: Timeout 20000ms exceeded."] and browser.contexts[0].closed
    crash = {"goto_raises": PlaywrightError("Target crashed\nmore")}
    result, _, _ = check(tmp_path / "5", PageSpec("intro", None), crash)
    assert result.problems == ["browser error: Target crashed"]


# --------------------------------------------------------------------------------------------
# main()


def book(
    tmp_path: Path, config: str = "repository:\n  url: https://github.com/o/r\n  branch: main\n"
) -> list[str]:
    html = make_site(tmp_path)
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "nb.ipynb").write_text("{}")
    (tmp_path / "intro.md").write_text("# Intro")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: ch/nb\n")
    (tmp_path / "_config.yml").write_text(config)
    return [
        "--html",
        str(html),
        "--toc",
        str(tmp_path / "_toc.yml"),
        "--config",
        str(tmp_path / "_config.yml"),
    ]


class FakePlaywright:
    def __init__(self, browser: FakeBrowser) -> None:
        self.chromium = self
        self.browser = browser
        self.launched: dict[str, Any] = {}

    def __enter__(self) -> FakePlaywright:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def launch(self, **kwargs: Any) -> FakeBrowser:
        self.launched = kwargs
        return self.browser


@pytest.fixture
def fake_playwright(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakePlaywright:
    pw = FakePlaywright(FakeBrowser())
    monkeypatch.setattr(check_site, "sync_playwright", lambda: pw)
    monkeypatch.setattr(check_site, "find_chromium", lambda: "/usr/bin/fake-chromium")
    return pw


def test_main_checks_every_page_of_the_toc(
    tmp_path: Path, fake_playwright: FakePlaywright, capsys: pytest.CaptureFixture[str]
) -> None:
    status = check_site.main([*book(tmp_path), "--screenshots", str(tmp_path / "shots")])
    out = capsys.readouterr().out
    assert status == 1, out  # the solved notebook linked from the chapter
    assert "OK    intro.html  (“Intro”, 1 image(s), 1 math, 1 typeset" in out
    assert "FAIL  ch/nb.html" in out and "solved.ipynb: contains solutions" in out
    assert out.rstrip().endswith("1 passed, 1 failed")
    assert fake_playwright.launched["executable_path"] == "/usr/bin/fake-chromium"
    assert fake_playwright.browser.closed and (tmp_path / "shots" / "intro.png").exists()


def test_main_passes_a_clean_site(
    tmp_path: Path, fake_playwright: FakePlaywright, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = book(tmp_path)
    (tmp_path / "html" / "assignments" / "ch" / "solved.ipynb").write_text('{"cells": []}')
    assert check_site.main(argv) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_main_reports_a_browser_that_cannot_start(
    tmp_path: Path,
    fake_playwright: FakePlaywright,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def launch(**kwargs: Any) -> None:
        raise PlaywrightError("Executable doesn't exist")

    monkeypatch.setattr(fake_playwright, "launch", launch)
    assert check_site.main(book(tmp_path)) == 2
    assert "cannot run the browser check: Executable doesn't exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("no_html", "no built site at"),
        ("no_toc", "No such file"),
        ("bad_toc", "no 'root:' entry"),
        ("bad_config", "is not a GitHub repository URL"),
        ("no_chromium", "No Chromium found"),
    ],
)
def test_main_says_why_it_cannot_run_with_status_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    breakage: str,
    message: str,
) -> None:
    argv = book(
        tmp_path,
        config="repository: {}\n"
        if breakage == "bad_config"
        else "repository:\n  url: https://github.com/o/r\n",
    )
    monkeypatch.setattr(check_site, "CHROMIUM_CANDIDATES", ())
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    if breakage == "no_html":
        argv[1] = str(tmp_path / "missing")
    elif breakage == "no_toc":
        (tmp_path / "_toc.yml").unlink()
    elif breakage == "bad_toc":
        (tmp_path / "_toc.yml").write_text("chapters: []\n")
    assert check_site.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("check_site: cannot run:") and message in err


def test_prepare_needs_no_colab_configuration_without_notebooks(tmp_path: Path) -> None:
    argv = book(tmp_path, config="title: only text pages\n")
    (tmp_path / "_toc.yml").write_text("root: intro\n")
    pages, prefixes, _allow = check_site.prepare(check_site.parse_args(argv))
    assert [p.docname for p in pages] == ["intro"] and prefixes == check_site.NO_PREFIXES


# --------------------------------------------------------------------------------------------
# The real Chromium, on a site with planted defects

SITE = Path(__file__).parent / "fixtures" / "site"


def chromium_missing() -> bool:
    try:
        check_site.find_chromium()
    except RuntimeError:
        return True
    return False


def reported(out: str) -> dict[str, list[str]]:
    """``{page: [problem, ...]}`` from check_site's output (an empty list for a page that passed)."""
    pages: dict[str, list[str]] = {}
    page = ""
    for line in out.splitlines():
        if line.startswith(("OK    ", "FAIL  ")):
            page = line[6:].split("  (")[0]
            pages[page] = []
        elif line.startswith("        - "):
            pages[page].append(line.removeprefix("        - "))
    return pages


@pytest.mark.skipif(chromium_missing(), reason="no Chromium (make test installs it)")
def test_real_chromium_reports_every_planted_defect(capsys: pytest.CaptureFixture[str]) -> None:
    """Each page of tests/fixtures/site plants the defects of one rule beside look-alikes that are
    fine; the check must report exactly what expected.json lists (the clean page passes)."""
    argv = [
        "--html",
        str(SITE / "html"),
        "--toc",
        str(SITE / "_toc.yml"),
        "--config",
        str(SITE / "_config.yml"),
        "--allow",
        str(SITE / "site_allow.yml"),
    ]
    status = check_site.main([*argv, "--max-seconds", "120"])
    out = capsys.readouterr().out
    expected = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
    assert reported(out) == expected, out
    assert status == 1 and out.rstrip().endswith("2 passed, 9 failed")


def test_pages_are_checked_side_by_side_and_reported_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    pages = [PageSpec(f"p{i}", None) for i in range(5)]
    shares: list[list[str]] = []

    def check_share(share: list[PageSpec], report: Any) -> None:
        shares.append([p.docname for p in share])
        for spec in reversed(share):  # finish out of order: the report keeps the toc's
            report(check_site.PageResult(spec))

    results = check_site._check_in_parallel(pages, check_share, jobs=2)
    assert [r.spec.docname for r in results] == [p.docname for p in pages]
    assert sorted(shares) == [["p0", "p2", "p4"], ["p1", "p3"]]
    out = capsys.readouterr().out
    assert [line.split()[1] for line in out.splitlines()] == [f"p{i}.html" for i in range(5)]


def test_a_failing_browser_thread_stops_the_check() -> None:
    def check_share(share: list[PageSpec], report: Any) -> None:
        if share[0].docname == "p1":
            raise PlaywrightError("browser crashed")
        for spec in share:
            report(check_site.PageResult(spec))

    with pytest.raises(PlaywrightError, match="browser crashed"):
        check_site._check_in_parallel([PageSpec(f"p{i}", None) for i in range(4)], check_share, jobs=2)


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(jobs: str) -> None:
    with pytest.raises(SystemExit):
        check_site.parse_args(["--jobs", jobs])
