"""The API reference documents every rnnlib module exactly once, one page per layer and per module
(the strict book build then checks that each one imports and that its docstrings'
cross-references into rnnlib resolve; ``tools.check_site`` measures the pages).

The pages: ``api.md`` (the index: the package and its layers), ``api/<layer>.md`` (a layer's
package, whose docstring lists its modules) and ``api/<layer>/<module>.md`` (one module, or one
subpackage with its modules), all in ``_toc.yml`` under ``api``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
import yaml
from sphinx.ext.napoleon import Config, GoogleDocstring
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.inspect import object_description

import rnnlib
from tools.book import toc_docnames

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "api.md"
LAYERS = ("core", "datasets", "models", "viz", "studies")
#: A constant whose value autodoc would print longer than this is shown by name and size only
#: (about 80 characters fill the column at 1280 px) ...
MAX_VALUE_CHARS = 80
#: ... and so is one with a run of characters without a space longer than this, which cannot
#: wrap and is wider than a phone's column (390 px).
MAX_UNBROKEN_CHARS = 40
MODULES = sorted({m.name for m in pkgutil.walk_packages(rnnlib.__path__, "rnnlib.")} | {"rnnlib"})


def documented_modules(text: str) -> list[str]:
    return re.findall(r"^\.\. automodule:: (\S+)$", text, flags=re.M)


def directive_options(text: str, module: str) -> set[str]:
    """The options (``:no-members:`` ...) of the ``automodule`` directive of ``module`` in ``text``."""
    match = re.search(rf"^\.\. automodule:: {re.escape(module)}\n((?:   :[\w-]+:.*\n)*)", text, flags=re.M)
    assert match, f"no automodule directive for {module}"
    return set(re.findall(r":([\w-]+):", match.group(1)))


def api_pages() -> dict[str, str]:
    """Every API page's text by its path from the book root (``api.md``, ``api/...``)."""
    paths = [INDEX, *sorted((ROOT / "api").rglob("*.md"))]
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in paths}


def pages_by_module() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for page, text in api_pages().items():
        for module in documented_modules(text):
            found.setdefault(module, []).append(page)
    return found


def expected_page(module: str) -> str:
    """Where ``module`` is documented: the index, its layer's page, or its own page in the layer."""
    parts = module.split(".")
    if len(parts) == 1:
        return "api.md"
    if len(parts) == 2:
        return f"api/{parts[1]}.md"
    return f"api/{parts[1]}/{parts[2]}.md"  # a subpackage's modules share its page


def test_every_module_is_on_exactly_one_page() -> None:
    found = pages_by_module()
    missing = [m for m in MODULES if m not in found]
    assert not missing, "modules on no API page (add '.. automodule::' on the page named): " + ", ".join(
        f"{m} -> {expected_page(m)}" for m in missing
    )
    twice = {m: pages for m, pages in found.items() if len(pages) > 1}
    assert not twice, f"modules documented more than once: {twice}"
    assert sorted(set(found) - set(MODULES)) == [], "API pages document modules that no longer exist"


def test_each_module_is_on_its_own_layers_page() -> None:
    wrong = {m: pages[0] for m, pages in pages_by_module().items() if pages[0] != expected_page(m)}
    assert not wrong, f"module -> page it is on (expected: api/<layer>/<module>.md): {wrong}"
    assert sorted({m.split(".")[1] for m in MODULES if m != "rnnlib"}) == sorted(LAYERS)


def test_every_api_page_is_in_the_table_of_contents() -> None:
    in_toc = [d for d in toc_docnames(ROOT / "_toc.yml") if d == "api" or d.startswith("api/")]
    pages = [page.removesuffix(".md") for page in api_pages()]
    assert sorted(in_toc) == sorted(pages), "every API page, and only those, under api in _toc.yml"
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    reference = [e for part in toc["parts"] for e in part["chapters"] if e.get("file") == "api"]
    assert len(reference) == 1, "api must be a chapter of _toc.yml"
    layers = {s["file"]: [x["file"] for x in s.get("sections", [])] for s in reference[0]["sections"]}
    assert list(layers) == [f"api/{layer}" for layer in LAYERS], "the layer pages, in layer order"
    for layer_page, sections in layers.items():
        assert all(s.startswith(layer_page + "/") for s in sections), f"{layer_page}: {sections}"
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "sphinx.ext.autodoc" in config["sphinx"]["extra_extensions"]


@pytest.mark.parametrize("package", ["rnnlib", *(f"rnnlib.{layer}" for layer in LAYERS)])
def test_package_docstring_links_each_of_its_modules(package: str) -> None:
    """The index and each layer page show their package's docstring: it must link every child."""
    children = [m for m in MODULES if m.rpartition(".")[0] == package]
    doc = importlib.import_module(package).__doc__ or ""
    unlinked = [c for c in children if not re.search(rf":mod:`~?{re.escape(c)}`", doc)]
    assert not unlinked, f"{package}'s docstring does not link {unlinked} (:mod:`...` with one line each)"


def test_reexports_are_documented_where_they_are_defined() -> None:
    """A module whose ``__all__`` re-exports another module's functions or classes documents only its
    own (``:ignore-module-all:``), so that no object is described twice."""
    found = pages_by_module()
    texts = api_pages()
    for module in MODULES:
        mod = importlib.import_module(module)
        names = getattr(mod, "__all__", ())
        foreign = [
            n
            for n in names
            if (inspect.isfunction(getattr(mod, n)) or inspect.isclass(getattr(mod, n)))
            and getattr(mod, n).__module__ != module
        ]
        if not foreign:
            continue
        options = directive_options(texts[found[module][0]], module)
        assert options & {"ignore-module-all", "no-members"}, (
            f"{module} re-exports {foreign}: give its automodule ':ignore-module-all:' "
            "(they are documented in their own modules)"
        )


_NO_VALUE = object()


def attribute_docs() -> list[tuple[str, object, list[str]]]:
    """``(qualified name, value, doc-comment lines)`` of every documented public attribute of rnnlib:
    module constants and class attributes (value ``_NO_VALUE`` where the class has none)."""
    found = []
    texts, pages = api_pages(), pages_by_module()
    for module in MODULES:
        mod = importlib.import_module(module)
        ignore_all = "ignore-module-all" in directive_options(texts[pages[module][0]], module)
        shown = None if ignore_all else getattr(mod, "__all__", None)  # what autodoc documents
        for (scope, name), lines in ModuleAnalyzer.for_module(module).find_attr_docs().items():
            owner = getattr(mod, scope, None) if scope else mod
            if name.startswith("_") or owner is None or (shown is not None and (scope or name) not in shown):
                continue
            qualname = ".".join(p for p in (module, scope, name) if p)
            found.append((qualname, getattr(owner, name, _NO_VALUE), list(lines)))
    return found


def test_long_constants_are_shown_by_name_and_size() -> None:
    """A value that autodoc would print wider than the column (a registry of digests, a dict of
    URLs) or than a phone's is hidden with ``:meta hide-value:``; its doc comment says what it holds
    and how many."""
    problems = []
    for name, value, lines in attribute_docs():
        if value is _NO_VALUE:
            continue
        printed = object_description(value)
        longest_run = max(map(len, printed.split()), default=0)
        if len(printed) <= MAX_VALUE_CHARS and longest_run <= MAX_UNBROKEN_CHARS:
            continue
        doc = "\n".join(lines)
        if ":meta hide-value:" not in doc:
            problems.append(f"{name}: add '#:' then '#: :meta hide-value:' to its doc comment")
        if hasattr(value, "__len__") and not re.search(rf"\b{len(value)}\b", doc):
            problems.append(f"{name}: its doc comment should say its size ({len(value)} items)")
    assert not problems, "\n".join(problems)


def test_constant_docs_do_not_open_with_a_napoleon_type() -> None:
    """Napoleon reads a first line ``words: more words`` of an attribute's doc as ``type: text`` and
    prints the words before the colon as its type."""
    config = Config(napoleon_numpy_docstring=False)
    misread = [
        f"{name}: {lines[0]!r}"
        for name, _value, lines in attribute_docs()
        if ":type:" in str(GoogleDocstring(lines, config, what="data", name=name))
    ]
    assert not misread, "rephrase the first line without a colon:\n" + "\n".join(misread)


def test_documented_modules_reads_the_directives() -> None:
    text = "```{eval-rst}\n.. automodule:: rnnlib.core.env\n   :no-members:\n```\n.. automodule:: x y\n"
    assert documented_modules(text) == ["rnnlib.core.env"]
    assert directive_options(text, "rnnlib.core.env") == {"no-members"}


def test_missing_module_is_named_with_its_page() -> None:
    assert expected_page("rnnlib") == "api.md"
    assert expected_page("rnnlib.core") == "api/core.md"
    assert expected_page("rnnlib.core.stats") == "api/core/stats.md"
    assert expected_page("rnnlib.datasets.sentiment.parsing") == "api/datasets/sentiment.md"
