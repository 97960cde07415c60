"""tools.site_checks and tools.site_view: the site check's rules, on small HTML strings, text
blocks, image sizes and configurations, and on the planted pages of tests/fixtures/site."""

from __future__ import annotations

import json
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
    check_phone_navigation,
    check_text,
    check_title,
    colab_prefixes,
    find_article,
    is_local,
    load_config,
    notebook_link_target,
    notebook_problem,
    page_facts,
    report_lines,
    request_problems,
    summary_line,
)
from tools.site_view import (
    CODE_CLOSE,
    CODE_OPEN,
    MAX_PATHS,
    TextBlock,
    article_blocks,
    excerpt,
    image_size_problems,
    machine_paths,
    markup_problem,
    parse_html,
    table_row_problem,
    text_problems,
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


# --------------------------------------------------------------------------------------------
# What a reader sees: the article's text


def code(text: str) -> str:
    """Inline code, as :func:`article_blocks` marks it in a prose block."""
    return CODE_OPEN + text + CODE_CLOSE


def blocks_of(html: str) -> list[TextBlock]:
    return article_blocks(find_article(parse_html(html))[1])


def test_article_blocks_cut_the_text_as_a_reader_sees_it() -> None:
    html = """<nav><p>site menu ```</p></nav><div class="bd-article">
    <h1>Title<a class="headerlink" href="#t">#</a></h1>
    <p>Text with <code class="literal"><span class="pre">x</span> = 1</code> and<br>math
       <span class="math">\\({a}\\)</span><mjx-container>a</mjx-container>.</p>
    <ul><li>one</li><li><p>two</p> tail</li></ul>
    <div class="cell"><div class="cell_input"><div><pre><span></span>print(1)</pre></div></div>
    <div class="cell_output"><div class="highlight"><pre>1\n</pre></div></div></div>
    <pre>  \n</pre><script>var x = "```";</script><button>Copy</button><svg><text>svg</text></svg>
    <div>last <em>word</em></div></div>"""
    assert blocks_of(html) == [
        TextBlock("prose", "Title"),
        TextBlock("prose", f"Text with {code('x = 1')} and\nmath\n       ."),
        TextBlock("prose", "one"),
        TextBlock("prose", "two"),
        TextBlock("prose", " tail"),
        TextBlock("source", "print(1)"),
        TextBlock("code", "1\n"),
        TextBlock("code", "  \n"),
        TextBlock("prose", "last word"),
    ]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        (
            f"```{{admonition}} Pitfall: {code('is')} compares\n:class: warning\nText.",
            "code fence, directive or role, directive option",
        ),
        ("```", "code fence"),
        (f"See {{doc}}{code('intro')} first.", "directive or role"),  # a role that failed
        ("See {doc}`intro` and {ref}`x`.", "directive or role"),
        ("{figure} images/x.png", "directive or role"),
        ("{glue:figure} fig", "directive or role"),
        ("{prf:definition} GRU", "directive or role"),
        ("{some-new-role}`x`", "directive or role"),  # any role, by the backtick after it
        (":::{note}\nx\n:::", "colon fence, directive or role"),
        ("a\n:::", "colon fence"),
        (f"a :class:{code('Foo')}.", "Sphinx role"),
        ("the :py:func:`f` function", "Sphinx role"),
        ("text\n:label: eq-1\n", "directive option"),
        ("  :name: fig-x", "directive option"),
        (":dropdown:", "directive option"),
        ("(sec-gates)=", "target"),
        ("text\n(eq:gru)=\nmore", "target"),
    ],
)
def test_raw_markup_is_found(text: str, kinds: str) -> None:
    problem = markup_problem(text)
    assert problem is not None and problem.startswith(f"raw MyST/Sphinx markup ({kinds}): “")


@pytest.mark.parametrize(
    "text",
    [
        f"MyST writes {code('```{admonition} x')}, {code('{doc}`intro`')} and {code(':class:`x`')}.",
        f"{code(':name: x')} and {code(':::')} are options.",
        "A ratio 1:2:3 at 12:30:45; a set {0, 1}; a {placeholder} in braces; Note: a colon.",
        "Run it:\nthe end. Then :) or :-) or a :: b, x = {'a': 1} and (a)= b.",
        "a `quoted` word and ``two`` backticks",
        "",
    ],
)
def test_text_that_only_looks_like_markup(text: str) -> None:
    assert markup_problem(text) is None


def test_the_markup_problem_shows_where_it_is() -> None:
    text = "A long first line of prose that goes on and on.\nMore ```{note} here " + "x " * 60
    problem = markup_problem(text)
    assert problem == f"raw MyST/Sphinx markup (code fence, directive or role): “…{excerpt(text, 54)[1:]}”"
    assert excerpt(text, 54).startswith("…More ```{note} here x x") and excerpt(text, 54).endswith("x…")
    assert len(excerpt(text, 54)) == 81  # "…" and 80 characters
    assert excerpt("  a\n  b  ", 0) == "a b"


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("| a | b |\n| --- | --- |\n| 1 | 2 |", "| a | b |"),
        (f"The results:\n  | model | {code('GRU')} | 0.8 |\n", "| model | `GRU` | 0.8 |"),
        ("|a|b|", "|a|b|"),
        (f"| {code('a|b')} |", None),  # pipes in code do not count
        ("a | b | c | d", None),  # not at the start of a line
        ("| a |", None),
        ("a single |pipe", None),
    ],
)
def test_raw_table_rows(text: str, row: str | None) -> None:
    assert table_row_problem(text) == (None if row is None else f"raw markdown table row: “{row}”")


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("18 files, e.g. /work/shared/data/names/Korean.txt\n", ["/work/shared/data/names/Korean.txt"]),
        ("refused: /tmp/tmpkayo826p/x.tar.gz has SHA-256", ["/tmp/tmpkayo826p/x.tar.gz"]),
        ("PosixPath('/home/me/a.txt'), \"/root/.cache/x\"", ["/home/me/a.txt", "/root/.cache/x"]),
        ("(see /Users/me/data.csv).", ["/Users/me/data.csv"]),
        (
            "/private/var/folders/x/T/y and /var/folders/ab/T/z:",
            ["/private/var/folders/x/T/y", "/var/folders/ab/T/z"],
        ),
        ("file:///home/me/x.html", ["/home/me/x.html"]),  # a file URL is the machine's path
        ("C:\\Users\\me\\data or c:/Users/me/x", ["C:\\Users\\me\\data", "c:/Users/me/x"]),
        ("WindowsPath('C:\\\\Users\\\\me')", ["C:\\\\Users\\\\me"]),
        (
            "/usr/lib/python3/dist-packages/torch/nn/rnn.py:83: UserWarning: x",
            ["/usr/lib/python3/dist-packages/torch/nn/rnn.py:83"],
        ),
        (
            'File "/opt/conda/lib/python3.11/site-packages/torch/x.py", line 3',
            ["/opt/conda/lib/python3.11/site-packages/torch/x.py"],
        ),
        ("`/tmp/a` and `/tmp/b` | /tmp/c", ["/tmp/a", "/tmp/b", "/tmp/c"]),
        ("https://example.org/home/work/tmp/x and http://h/a /tmp/z", ["/tmp/z"]),  # not in URLs
        ("/dev/null, /usr/bin/python, /etc/hosts, ~/data, ./tmp/x, ../work/x, data/home/x", []),
        ("files go to /tmp/, the /home/ folder; /workspace/x, /homes/x, /tmpfs/x", []),
        ("pip installs into site-packages/ by default", []),
    ],
)
def test_machine_paths(text: str, paths: list[str]) -> None:
    assert machine_paths(text) == paths


def test_text_problems_of_an_article() -> None:
    blocks = [
        TextBlock("code", " \n"),  # an empty box first
        TextBlock("prose", f"Intro {code('code')}."),
        TextBlock("code", "\n  \n"),
        TextBlock("source", 'open("/home/me/x")  # run, not printed'),
        TextBlock("source", ""),
        TextBlock("code", "saved /tmp/a/b and /tmp/a/b"),
        TextBlock("prose", "| a | b |\nthe end ```"),
        TextBlock("prose", f"again /tmp/a/b, and {code('/home/u/c')}; " + "word " * 20),
        TextBlock("prose", "/root/" + "long/" * 30),
    ]
    long_path = "/root/" + "long/" * 30
    assert text_problems(blocks) == [
        "empty code box (at the top of the article)",
        "empty code box (after “Intro `code`.”)",
        'empty code box (after “open("/home/me/x") # run, not printed”)',
        "raw MyST/Sphinx markup (code fence): “…the end ```”",
        "raw markdown table row: “| a | b |”",
        "path of the build machine in the text: /tmp/a/b",
        "path of the build machine in the text: /home/u/c",
        f"path of the build machine in the text: {long_path[:79]}…",
    ]
    many = [TextBlock("code", " ".join(f"/tmp/{i}" for i in range(MAX_PATHS + 2)))]
    assert text_problems(many)[MAX_PATHS:] == ["... and 2 more paths of the build machine"]
    assert text_problems([TextBlock("prose", "x " * 40), TextBlock("code", "")]) == [
        f"empty code box (after “…{'x ' * 29}x”)"
    ]


def test_check_text_reports_the_blocks_of_page_facts() -> None:
    html = "<main><p>```{note}</p><pre>\n</pre><pre>/home/me/x</pre></main>"
    result = PageResult(spec())
    check_text(result, page_facts(html, BASE, COLAB))
    assert result.problems == [
        "raw MyST/Sphinx markup (code fence, directive or role): “```{note}”",
        "empty code box (after “```{note}”)",
        "path of the build machine in the text: /home/me/x",
    ]
    assert PageFacts("main", "t", [], []).blocks == []  # the text is optional


# --------------------------------------------------------------------------------------------
# What a reader sees: images


def size(natural: float, shown: float, room: float = 688, alt: str = "") -> dict[str, object]:
    return {"src": "../../_images/fig.png?v=1", "alt": alt, "natural": natural, "shown": shown, "room": room}


def test_images_shown_at_60_percent_or_more_pass() -> None:
    fine = [size(600, 600), size(1090, 688), size(1146, 688), size(500, 0), size(0, 0), size(100, 0, room=0)]
    assert image_size_problems(fine) == []  # 688 / 1146 = 0.6003; hidden but fits; unknown sizes


def test_images_shown_too_small() -> None:
    assert image_size_problems(
        [
            size(1482, 688.0, alt="three panels"),
            size(1482, 688.0, alt="../../_images/fig.png?v=1"),  # MyST-NB's alt: the src itself
            size(3000, 0),
            size(2000, 2000, alt="x" * 60),
            size(100, 50),
        ]
    ) == [
        "image shown too small: fig.png (alt “three panels”) is 1482 px wide, shown at 688 px (46 % < 60 %)",
        "image shown too small: fig.png is 1482 px wide, shown at 688 px (46 % < 60 %)",
        "image shown too small: fig.png is 3000 px wide, hidden, at most 688 px when shown (23 % < 60 %)",
        f"image shown too small: fig.png (alt “{'x' * 49}…”) is 2000 px wide, wider than the article "
        "(688 px): it scrolls (34 % < 60 %)",
        "image shown too small: fig.png is 100 px wide, shown at 50 px (50 % < 60 %)",
    ]
    assert image_size_problems([size(100, 50)], min_shown=0.5) == []


def test_check_images_judges_the_sizes_too() -> None:
    result = PageResult(spec())
    check_images(
        result, {"count": 2, "problems": ["broken image (naturalWidth 0): a.png"], "sizes": [size(1482, 688)]}
    )
    assert result.problems == [
        "broken image (naturalWidth 0): a.png",
        "image shown too small: fig.png is 1482 px wide, shown at 688 px (46 % < 60 %)",
    ]


# --------------------------------------------------------------------------------------------
# The planted pages, without a browser (tests/test_tools_check_site.py opens them in Chromium)

SITE = Path(__file__).parent / "fixtures" / "site"
TEXT_RULES = ("raw MyST/Sphinx markup", "raw markdown table row", "empty code box", "path of the build")


def test_planted_pages_text_rules_without_a_browser() -> None:
    """Every text problem the browser check must report on a planted page, and no other."""
    expected = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
    for page, problems in expected.items():
        if not page.endswith(".html"):
            continue  # the allow-list's own report
        html = (SITE / "html" / page).read_text(encoding="utf-8")
        found = text_problems(page_facts(html, BASE + page, "").blocks)
        assert found == [p for p in problems if p.startswith(TEXT_RULES)], page


def test_check_phone_navigation_needs_a_visible_button_that_opens_the_sidebar() -> None:
    themeless = PageResult(PageSpec("intro", None))
    check_phone_navigation(themeless, {"sidebar": False, "button": False, "opened": False})
    assert themeless.problems == [] and themeless.notes == []
    no_button = PageResult(PageSpec("intro", None))
    check_phone_navigation(no_button, {"sidebar": True, "button": False, "opened": False})
    assert no_button.problems == ["at 390 px no visible button opens the navigation"]
    dead = PageResult(PageSpec("intro", None))
    check_phone_navigation(dead, {"sidebar": True, "button": True, "opened": False})
    assert len(dead.problems) == 1 and "does not open the navigation" in dead.problems[0]
    works = PageResult(PageSpec("intro", None))
    check_phone_navigation(works, {"sidebar": True, "button": True, "opened": True})
    assert works.problems == [] and works.notes == ["navigation opens at 390 px"]


def test_request_problems_reports_an_error_logged_twice_once() -> None:
    errors = [("planted", "http://h/p.html"), ("planted", "http://h/p.html"), ("other", "")]
    problems = request_problems("http://h", {}, [], errors, ["TypeError: x", "TypeError: x"])
    assert problems == [
        "console error: planted [/p.html]",
        "console error: other",
        "uncaught exception: TypeError: x",
    ]
