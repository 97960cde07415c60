"""The API reference page documents every rnnlib module (the strict book build then checks
that each one imports and that its docstrings' cross-references into rnnlib resolve)."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import yaml

import rnnlib

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "api.md"


def documented_modules(text: str) -> list[str]:
    return re.findall(r"^\.\. automodule:: (\S+)$", text, flags=re.M)


def test_every_module_has_a_section() -> None:
    modules = {m.name for m in pkgutil.walk_packages(rnnlib.__path__, "rnnlib.")} | {"rnnlib"}
    listed = documented_modules(PAGE.read_text(encoding="utf-8"))
    missing = sorted(modules - set(listed))
    assert not missing, f"api.md has no '.. automodule::' for {missing}: add a section for each."
    assert sorted(set(listed) - modules) == [], "api.md documents modules that no longer exist"
    assert len(listed) == len(set(listed)), "a module is documented twice"


def test_documented_modules_reads_the_directives() -> None:
    text = "```{eval-rst}\n.. automodule:: rnnlib.core.env\n   :no-members:\n```\n.. automodule:: x y\n"
    assert documented_modules(text) == ["rnnlib.core.env"]


def test_the_page_is_in_the_table_of_contents() -> None:
    assert "file: api" in (ROOT / "_toc.yml").read_text(encoding="utf-8")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "sphinx.ext.autodoc" in config["sphinx"]["extra_extensions"]
