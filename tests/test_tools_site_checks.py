"""tools.site_checks: the site check's rules, on small HTML strings and configurations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.book import PageSpec
from tools.site_checks import (
    ColabPrefixes,
    PageFacts,
    PageResult,
    check_article,
    check_images,
    check_launch_links,
    check_math,
    check_title,
    colab_prefixes,
    find_article,
    is_local,
    load_config,
    notebook_link_target,
    notebook_problem,
    page_facts,
    parse_html,
    report_lines,
    request_problems,
    summary_line,
)

COLAB = "https://colab.research.google.com/github/"
PREFIXES = ColabPrefixes(
    COLAB,
    f"{COLAB}owner/repo/blob/main/",
    f"{COLAB}owner/repo/blob/gh-pages/",
)
BASE = "http://127.0.0.1:8000/"

#: The shape of a sphinx-book-theme page: launch buttons in the header, badges in the article.
PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Chapter</title><link rel="stylesheet" href="x.css"></head>
<body>
<div class="header-article">
  <a href="{COLAB}owner/repo/blob/main/chapters/ch/nb.ipynb" class="btn">Colab</a>
  <a href="https://github.com/owner/repo">repository</a>
</div>
<main id="main-content"><article class="bd-article" role="main">
  <h1>Sentiment <em>analysis</em>
     with words<a class="headerlink" href="#s">#</a></h1>
  <p>Text<br>more &amp; more<img src="fig.png" alt=""></p>
  <a href="{COLAB}owner/repo/blob/gh-pages/assignments/ch/ex.ipynb"><img src="badge.svg"/></a>
  <a href="../../assignments/ch/ex.ipynb#top" download>download</a>
  <a href="../other.html">next</a>
  <a href="{COLAB}owner/repo/blob/main/inline.ipynb">inline launch</a>
</article></main>
<footer><a href="../../stray.ipynb">outside the article</a></footer>
</body></html>"""


def spec(docname: str = "chapters/ch/nb", notebook: bool = True) -> PageSpec:
    return PageSpec(docname, Path(f"/book/{docname}.ipynb" if notebook else f"/book/{docname}.md"))


# --------------------------------------------------------------------------------------------
# Reading a page


def test_parse_html_builds_a_tree_with_void_elements_and_stray_end_tags() -> None:
    doc = parse_html('<div class="a b"><p>x<br>y<img src=i></p></span><p>z</div><hr/>tail')
    div = doc.iter()[1]
    assert div.tag == "div" and div.has_class("b") and not div.has_class("c")
    assert [e.tag for e in doc.iter()] == ["#document", "div", "p", "br", "img", "p", "hr"]
    assert doc.text() == "xyztail"
    img = next(e for e in doc.iter() if e.tag == "img")
    assert img.attrs == {"src": "i"} and [a.tag for a in img.ancestors()] == ["p", "div", "#document"]


def test_page_facts_of_a_book_page() -> None:
    facts = page_facts(PAGE, BASE + "chapters/ch/nb.html", COLAB)
    assert facts.article == ".bd-article"
    assert facts.title == "Sentiment analysis with words"  # header link removed, spaces collapsed
    assert facts.launch_links == [f"{COLAB}owner/repo/blob/main/chapters/ch/nb.ipynb"]  # header only
    assert facts.notebook_links == [
        f"{COLAB}owner/repo/blob/gh-pages/assignments/ch/ex.ipynb",
        BASE + "assignments/ch/ex.ipynb#top",  # resolved against the page
        f"{COLAB}owner/repo/blob/main/inline.ipynb",
    ]


@pytest.mark.parametrize(
    ("html", "selector"),
    [
        ('<div class="bd-article"></div><main><article></article></main>', ".bd-article"),
        ("<article></article><main><article></article></main>", "main article"),
        ("<article></article><main></main>", "article"),
        ("<main></main><div role=main></div>", "main"),
        ('<div role="main"></div>', "[role=main]"),
        ("<div></div>", "body"),
    ],
)
def test_find_article_prefers_the_most_specific(html: str, selector: str) -> None:
    assert find_article(parse_html(html))[0] == selector


def test_page_without_article_or_title() -> None:
    html = f'<html><body><a href="{COLAB}x/y/blob/main/a.ipynb">a</a><a href="b.ipynb">b</a></body></html>'
    facts = page_facts(html, BASE + "p.html", COLAB)
    assert facts.article == "body" and facts.title is None
    assert facts.launch_links == []  # as the browser: with no article, every link is in the "body"
    assert facts.notebook_links == [f"{COLAB}x/y/blob/main/a.ipynb", BASE + "b.ipynb"]
    assert page_facts("<h1> </h1>", BASE, "").title == ""
    assert page_facts(f'<main></main><a href="{COLAB}z">z</a>', BASE, "").launch_links == []  # no prefix


# --------------------------------------------------------------------------------------------
# Configuration


def test_colab_prefixes_from_a_configuration() -> None:
    config = {
        "repository": {
            "url": "https://github.com/Owner/Repo.git",
            "branch": "main",
            "path_to_book": "/book/",
        },
        "launch_buttons": {"colab_url": "https://colab.example.org/"},
        "course": {"site_branch": "pages"},
    }
    assert colab_prefixes(config) == (
        "https://colab.example.org/github/",
        "https://colab.example.org/github/Owner/Repo/blob/main/book/",
        "https://colab.example.org/github/Owner/Repo/blob/pages/",
    )


def test_colab_prefixes_defaults() -> None:
    assert colab_prefixes({"repository": {"url": "https://github.com/o/r"}}) == (
        COLAB,
        f"{COLAB}o/r/blob/master/",
        f"{COLAB}o/r/blob/gh-pages/",
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "is not a GitHub repository URL"),
        ({"repository": {"url": "https://gitlab.com/o/r"}}, "is not a GitHub repository URL"),
        ({"repository": {"url": "https://github.com/only-owner"}}, "does not name owner/repo"),
    ],
)
def test_colab_prefixes_need_a_github_repository(config: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        colab_prefixes(config, "book/_config.yml")
    assert "book/_config.yml" in str(info.value)


def test_load_config(tmp_path: Path) -> None:
    path = tmp_path / "_config.yml"
    path.write_text("")
    assert load_config(path) == {}
    path.write_text("repository:\n  url: https://github.com/o/r\n")
    assert colab_prefixes(load_config(path)).launch == f"{COLAB}o/r/blob/master/"
    path.write_text("- a list\n")
    with pytest.raises(ValueError, match="not a mapping"):
        load_config(path)


def test_the_real_books_prefixes_match_its_configuration() -> None:
    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "_config.yml")
    prefixes = colab_prefixes(config)
    owner_repo = config["repository"]["url"].removeprefix("https://github.com/")
    assert prefixes.launch == f"{COLAB}{owner_repo}/blob/{config['repository']['branch']}/"
    assert prefixes.exercise == f"{COLAB}{owner_repo}/blob/{config['course']['site_branch']}/"


# --------------------------------------------------------------------------------------------
# Rules


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/a.js", True),
        ("http://localhost/x", True),
        ("http://[::1]:80/x", True),
        ("data:image/png;base64,AAAA", True),
        ("about:blank", True),
        ("https://cdn.jsdelivr.net/mathjax.js", False),
        ("https://LOCALHOST.example.org/", False),
    ],
)
def test_is_local(url: str, local: bool) -> None:
    assert is_local(url) is local


def test_title_and_article_rules() -> None:
    good = PageResult(spec())
    check_article(good, PageFacts(".bd-article", "A title", [], []))
    check_title(good, PageFacts(".bd-article", "A title", [], []))
    assert good.ok and good.notes == ["“A title”"]
    bad = PageResult(spec())
    check_article(bad, PageFacts("body", None, [], []))
    check_title(bad, PageFacts("body", None, [], []))
    check_title(bad, PageFacts("body", "", [], []))
    assert bad.problems == [
        "no main article element (.bd-article / main) on the page",
        "no <h1> title",
        "empty <h1> title",
    ]


def test_launch_link_rules() -> None:
    expected = f"{PREFIXES.launch}chapters/ch/nb.ipynb"
    ok = PageResult(spec())
    check_launch_links(ok, PageFacts("main", "t", [expected, expected], []), PREFIXES.launch)
    assert ok.ok and ok.notes == ["Colab link OK"]
    none = PageResult(spec())
    check_launch_links(none, PageFacts("main", "t", [], []), PREFIXES.launch)
    assert none.problems == [f"no Colab launch link (expected {expected})"]
    wrong = PageResult(spec())
    other = f"{COLAB}owner/repo/blob/master/chapters/ch/nb.ipynb"
    check_launch_links(wrong, PageFacts("main", "t", [expected, other], []), PREFIXES.launch)
    assert wrong.problems == [f"wrong Colab launch link: {other} (expected {expected})"]
    assert wrong.notes == []


def test_notebook_link_targets() -> None:
    badge = f"{PREFIXES.exercise}assignments/ch/ex.ipynb"
    assert notebook_link_target(badge, PREFIXES, BASE) == (BASE + "assignments/ch/ex.ipynb", None)
    assert notebook_link_target(BASE + "a.ipynb", PREFIXES, BASE) == (BASE + "a.ipynb", None)
    launch = f"{PREFIXES.launch}x.ipynb"
    assert notebook_link_target(launch, PREFIXES, BASE) == (
        None,
        f"exercise Colab link {launch} does not start with {PREFIXES.exercise}",
    )
    assert notebook_link_target("https://example.org/a.ipynb", PREFIXES, BASE) == (
        None,
        "notebook link to another site: https://example.org/a.ipynb",
    )
    # without a configuration, a Colab link cannot be an exercise badge
    no_config = ColabPrefixes("", "", "")
    assert notebook_link_target(badge, no_config, BASE)[1] == f"notebook link to another site: {badge}"


@pytest.mark.parametrize(
    ("status", "text", "problem"),
    [
        (200, '{"cells": [], "metadata": {}}', None),
        (404, "Not found", "not served by the site (HTTP 404)"),
        (200, "<html>", "not a JSON notebook"),
        (200, '{"metadata": {}}', "not a notebook (no cells)"),
        (200, "[1, 2]", "not a notebook (no cells)"),
        (200, '{"cells": [{"source": "# BEGIN SOLUTION"}]}', "contains solutions"),
    ],
)
def test_notebook_problem(status: int, text: str, problem: str | None) -> None:
    assert notebook_problem(status, text) == problem


def test_image_and_math_rules() -> None:
    result = PageResult(spec())
    check_images(result, {"count": 3, "problems": []})
    check_math(result, 4, "ok", {"containers": 4, "problems": []})
    assert result.ok and result.notes == ["3 image(s)", "4 math, 4 typeset"]
    bad = PageResult(spec())
    check_images(bad, {"count": 1, "problems": ["broken image (naturalWidth 0): a.png"]})
    check_math(bad, 2, "MathJax did not start (no MathJax.startup)", {"containers": 0, "problems": ["x"]})
    assert bad.problems == [
        "broken image (naturalWidth 0): a.png",
        "MathJax did not start (no MathJax.startup) (page has 2 math element(s))",
        "x",
    ]


def test_request_problems() -> None:
    origin = BASE.rstrip("/")
    problems = request_problems(
        origin,
        failed={f"{origin}/_static/my%20file.js": "HTTP 404"},
        external=["https://cdn.example.org/x.js"],
        console_errors=[
            ("Failed to load resource: 404", f"{origin}/_static/my%20file.js"),  # already listed
            ("Failed to load resource: blocked", "https://cdn.example.org/x.js"),  # already listed
            ("Uncaught ReferenceError: x", f"{origin}/_static/app.js"),
            ("no location", ""),
        ],
        page_errors=["TypeError: y is undefined"],
    )
    assert problems == [
        "HTTP 404: /_static/my file.js",
        "request to another host (blocked; the site must be self-contained): https://cdn.example.org/x.js",
        "console error: Uncaught ReferenceError: x [/_static/app.js]",
        "console error: no location",
        "uncaught exception: TypeError: y is undefined",
    ]
    assert request_problems(origin, {}, [], [], []) == []


def test_report_lines_and_summary() -> None:
    ok = PageResult(spec("intro", notebook=False), notes=["“Intro”", "0 image(s)"])
    bad = PageResult(spec(), problems=["no <h1> title", "HTTP 404: /x.png"])
    assert report_lines(ok) == ["OK    intro.html  (“Intro”, 0 image(s))"]
    assert report_lines(bad) == [
        "FAIL  chapters/ch/nb.html",
        "        - no <h1> title",
        "        - HTTP 404: /x.png",
    ]
    assert summary_line([ok, bad, ok]) == "2 passed, 1 failed"
