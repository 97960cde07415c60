"""Checks of the book's sources: configuration, table of contents and notebooks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tools.book import toc_notebooks, toc_pages

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
NOTEBOOKS = toc_notebooks(ROOT / "_toc.yml")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_config_names_repository_and_colab() -> None:
    repo = CONFIG["repository"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo["url"]), repo["url"]
    assert repo["branch"]
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert CONFIG["execute"]["execute_notebooks"] == "off"


def test_every_toc_entry_exists() -> None:
    for page in toc_pages(ROOT / "_toc.yml"):
        assert page.source is not None, (
            f"_toc.yml lists {page.docname!r} but neither {page.docname}.md nor {page.docname}.ipynb exists"
        )


def test_there_is_at_least_one_chapter_notebook() -> None:
    assert NOTEBOOKS, "no notebook is listed in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_full_run_outputs_and_no_errors(path: Path) -> None:
    nb = load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    missing = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    assert not missing, f"{path.name}: code cells {missing} were not executed; run `make full`"
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"{path.name}: committed error outputs: {errors[:1]}"
    text = "".join(
        "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
        for c in code
        for o in c["outputs"]
        if o["output_type"] == "stream"
    )
    assert "fast mode: False" in text, f"{path.name}: the committed outputs are not from a full run"
    assert re.search(r"CPU: .* \| GPU: ", text), f"{path.name}: the outputs must state the hardware"
    widget_type = "application/vnd.jupyter.widget-view+json"
    widgets = [o for c in code for o in c["outputs"] if widget_type in o.get("data", {})]
    assert not widgets, f"{path.name}: widget outputs cannot render on the static site"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_metadata_is_clean(path: Path) -> None:
    nb = load(path)
    assert "widgets" not in nb["metadata"]
    noisy = [i for i, c in enumerate(nb["cells"]) if "execution" in c.get("metadata", {})]
    assert not noisy, f"{path.name}: cells {noisy} carry execution timestamps; run `make full`"


def exercise_masters() -> dict[str, Path]:
    """chapter folder name -> its otter master notebook."""
    return {p.parent.name: p for p in sorted((ROOT / "exercises").glob("*/*.ipynb"))}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_links_its_exercises_in_colab_and_for_download(path: Path) -> None:
    chapter = path.parent.name
    masters = exercise_masters()
    assert chapter in masters, f"{chapter} has no exercises: add exercises/{chapter}/<name>.ipynb"
    site_path = f"assignments/{chapter}/{masters[chapter].name}"
    repo = CONFIG["repository"]["url"]
    colab = f"https://colab.research.google.com/github/{repo.removeprefix('https://github.com/')}"
    expected = f"{colab}/blob/{CONFIG['course']['site_branch']}/{site_path}"
    text = "".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "markdown")
    assert f'href="{expected}"' in text, f"{path.name}: no Colab badge linking {expected}"
    assert f'href="../../{site_path}" download' in text, f"{path.name}: no download link to {site_path}"


@pytest.mark.parametrize("master", sorted(exercise_masters().values()), ids=lambda p: p.parent.name)
def test_exercise_master_installs_rnnlib_from_the_configured_repository(master: Path) -> None:
    repo = CONFIG["repository"]
    expected = [f'REPO = "{repo["url"]}"', f'RELEASE = "{CONFIG["course"]["rnnlib_release"]}"']
    setup = next("".join(c["source"]) for c in load(master)["cells"] if c["cell_type"] == "code")
    assert "google.colab" in setup and "otter-grader" in setup
    assert all(line in setup for line in expected) and '"rnnlib @ git+{REPO}@{RELEASE}"' in setup
