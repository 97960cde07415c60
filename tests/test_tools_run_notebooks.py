"""tools.run_notebooks with the notebook execution replaced: no kernel is started."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from tools import run_notebooks

WIDGET = {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}


def stream(text: str, name: str = "stdout") -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_merge_streams_joins_consecutive_blocks_of_the_same_stream() -> None:
    outputs = [
        stream("a\n"),
        stream("b\n"),
        stream("warn\n", "stderr"),
        stream("c\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "1"}),
        stream("d\n"),
    ]
    merged = run_notebooks.merge_streams(outputs)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "a\nb\n"),
        ("stream", "stderr", "warn\n"),
        ("stream", "stdout", "c\n"),
        ("execute_result", None, None),
        ("stream", "stdout", "d\n"),
    ]
    assert run_notebooks.merge_streams([]) == []


def test_strip_noise_removes_run_metadata_and_widgets() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["papermill"] = {}
    nb.metadata["kernelspec"] = {"name": "python3"}
    code = nbformat.v4.new_code_cell("print(1)")
    code.metadata.update(execution={"t": 1}, collapsed=True, scrolled=False, tags=["keep"])
    code.outputs = [stream("1\n"), nbformat.v4.new_output("display_data", data=WIDGET), stream("2\n")]
    text = nbformat.v4.new_markdown_cell("# title")
    text.metadata["execution"] = {"t": 2}
    nb.cells = [code, text]
    run_notebooks.strip_noise(nb)
    assert nb.metadata == {"kernelspec": {"name": "python3"}}
    assert code.metadata == {"tags": ["keep"]} and text.metadata == {}
    assert [o.get("text") for o in code.outputs] == ["1\n2\n"]  # widget gone, streams joined


class FakeClient:
    """Stands in for nbclient.NotebookClient: 'executes' by writing outputs into the notebook."""

    calls: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, nb: nbformat.NotebookNode, **kwargs: Any) -> None:
        self.nb = nb
        FakeClient.calls.append(kwargs)

    def execute(self) -> None:
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                if "raise" in cell.source:
                    raise CellExecutionError("traceback", "ValueError", "boom")
                cell.execution_count = i + 1
                cell.metadata["execution"] = {"iopub.status.busy": "now"}
                cell.outputs = [stream("epoch 1\n"), stream("epoch 2\n")]


def write_notebook(path: Path, source: str = "print('hi')") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell(source)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def fake_client(monkeypatch: pytest.MonkeyPatch) -> type[FakeClient]:
    FakeClient.calls = []
    monkeypatch.setattr(run_notebooks, "NotebookClient", FakeClient)
    return FakeClient


def test_run_executes_in_the_notebooks_folder_and_saves_clean_outputs(
    tmp_path: Path, fake_client: type[FakeClient]
) -> None:
    path = write_notebook(tmp_path / "ch" / "nb.ipynb")
    seconds = run_notebooks.run(path, timeout=12)
    assert 0 <= seconds < 5
    (kwargs,) = fake_client.calls
    assert kwargs["timeout"] == 12 and kwargs["kernel_name"] == "python3"
    assert kwargs["resources"] == {"metadata": {"path": str(tmp_path / "ch")}}
    saved = nbformat.read(path, as_version=4)
    code = saved.cells[1]
    assert code.execution_count == 2 and "execution" not in code.metadata
    assert [o.text for o in code.outputs] == ["epoch 1\nepoch 2\n"]


def test_run_leaves_a_failing_notebook_unchanged(tmp_path: Path, fake_client: type[FakeClient]) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", "raise ValueError")
    before = path.read_text()
    with pytest.raises(CellExecutionError):
        run_notebooks.run(path, timeout=1)
    assert path.read_text() == before


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, int]]:
    calls: list[tuple[Path, int]] = []

    def fake_run(path: Path, timeout: int) -> float:
        calls.append((path, timeout))
        return 1.0

    monkeypatch.setattr(run_notebooks, "run", fake_run)
    return calls


def test_main_runs_the_notebooks_given(
    tmp_path: Path, ran: list, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = write_notebook(tmp_path / "a.ipynb"), write_notebook(tmp_path / "b.ipynb")
    monkeypatch.delenv("RNNLIB_PROGRESS")
    assert run_notebooks.main([str(a), str(b), "--timeout", "7"]) == 0
    assert ran == [(a.resolve(), 7), (b.resolve(), 7)]
    assert os.environ["RNNLIB_PROGRESS"] == "0"  # no progress widgets in saved pages
    out = capsys.readouterr().out
    assert f"running {a} (full mode) ..." in out and "done in 1 s" in out


def test_main_defaults_to_the_tocs_notebooks_and_says_fast_mode(
    tmp_path: Path, ran: list, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = write_notebook(tmp_path / "c.ipynb")
    monkeypatch.setattr(run_notebooks, "toc_notebooks", lambda: [nb])
    monkeypatch.setenv("RNNLIB_FAST", "yes")
    monkeypatch.setenv("RNNLIB_PROGRESS", "1")
    assert run_notebooks.main([]) == 0
    assert ran == [(nb.resolve(), 3600)]
    assert os.environ["RNNLIB_PROGRESS"] == "1"  # an explicit choice is kept
    assert "(fast mode)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such notebook"),
        ("bad_flag", "RNNLIB_FAST='maybe' is not understood"),
        ("empty_toc", "no notebook to run"),
    ],
)
def test_main_refuses_what_it_cannot_run_with_status_2(
    tmp_path: Path,
    ran: list,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    message: str,
) -> None:
    argv: list[str] = []
    if setup == "missing":
        argv = [str(write_notebook(tmp_path / "ok.ipynb")), str(tmp_path / "nope.ipynb")]
    elif setup == "bad_flag":
        monkeypatch.setenv("RNNLIB_FAST", "maybe")
    else:
        monkeypatch.setattr(run_notebooks, "toc_notebooks", lambda: [])
    assert run_notebooks.main(argv) == 2
    assert message in capsys.readouterr().err
    assert ran == []  # nothing ran, not even the notebooks that exist


def test_main_stops_at_a_failing_notebook_with_status_1(
    tmp_path: Path, fake_client: type[FakeClient], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_notebook(tmp_path / "bad.ipynb", "raise ValueError")
    good = write_notebook(tmp_path / "good.ipynb")
    assert run_notebooks.main([str(bad), str(good)]) == 1
    assert "bad.ipynb failed; its outputs were not saved" in capsys.readouterr().err
    assert len(fake_client.calls) == 1  # the batch stopped


def test_main_refuses_a_non_positive_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run_notebooks.main(["--timeout", "0"])
    assert info.value.code == 2 and "must be positive" in capsys.readouterr().err
