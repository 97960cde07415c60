"""rnnlib.viz.gate_viz: the gated classifier, gate traces, their figure and the widget callbacks.

The explorer's callbacks run under the environment's ipywidgets 8 in this process, and under
ipywidgets 7.7 (Colab's) in a subprocess that puts ``.venv/widgets7`` (``make widgets7``) first
on its path: the same scenario, :func:`explorer_scenario`, which this file also runs as a script.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib

if __name__ == "__main__":
    matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from rnnlib.core.env import env_flag
from rnnlib.datasets.sentiment import collate_for_sentiment
from rnnlib.models.sentiment_gru import GatedSentimentGRU
from rnnlib.viz import gate_viz
from rnnlib.viz.gate_viz import GateExplorer, pick_examples, plot_gate_trace, trace_review, unit_order

ROOT = Path(__file__).resolve().parents[1]
#: ipywidgets 7.7 installed beside the environment by `make widgets7`.
WIDGETS7 = ROOT / ".venv" / "widgets7"
SCENARIO_MARK = "\nexplorer scenario: "

VOCAB = {w: i for i, w in enumerate(["good", "bad", "not", "very", "the", "product"])}


def model(seed: int = 0) -> GatedSentimentGRU:
    torch.manual_seed(seed)
    return GatedSentimentGRU(len(VOCAB), embed_dim=4, hidden_size=3)


def test_forward_reads_each_reviews_own_last_word() -> None:
    m = model()
    a = torch.tensor([0, 3, 1])
    b = torch.tensor([2, 0])
    (padded, lengths), labels = collate_for_sentiment([(a, 0, 1), (b, 0, 0)])
    batched = m((padded, lengths))
    alone = torch.cat([m((x.unsqueeze(0), torch.tensor([len(x)]))) for x in (a, b)])
    torch.testing.assert_close(batched, alone)
    assert batched.shape == (2, 2) and labels.tolist() == [1, 0]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ((torch.zeros(2, 3, dtype=torch.long), torch.tensor([1])), "collate_for_sentiment"),
        ((torch.zeros(1, 3, dtype=torch.long), torch.tensor([4])), "between 1 and the padded length"),
    ],
)
def test_forward_rejects_bad_batches(inputs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        model()(inputs)


def test_constructor_rejects_zero_sizes() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GatedSentimentGRU(0)


def test_trace_records_gates_norms_and_running_prediction() -> None:
    m = model(1)
    trace = trace_review(m, "The product is NOT good, very bad!", VOCAB)
    assert trace.words == ["the", "product", "not", "good", "very", "bad"]
    assert trace.skipped == ["is"]
    assert trace.z.shape == trace.r.shape == (6, 3)
    assert ((0 <= trace.z) & (trace.z <= 1)).all() and ((0 <= trace.r) & (trace.r <= 1)).all()
    # The running prediction after the last word is the model's prediction for the whole review.
    indices = torch.tensor([[VOCAB[w] for w in trace.words]])
    with torch.no_grad():
        whole = torch.softmax(m((indices, torch.tensor([6]))), dim=1)[0, 1].item()
        h = m.gru(m.embed(indices))[0][0]
    assert trace.p_positive[-1] == pytest.approx(whole, abs=1e-6)
    np.testing.assert_allclose(trace.h_norm, h.norm(dim=1).numpy(), atol=1e-6)
    assert m.training, "the model's mode is restored"


def test_trace_of_unknown_words_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"None of the words.*vocabulary"):
        trace_review(model(), "zzz qqq", VOCAB)


def test_plot_gate_trace_draws_the_five_panels() -> None:
    trace = trace_review(model(), "good product, not bad", VOCAB)
    fig = plot_gate_trace(trace, title="t")
    axes = fig.axes[:5]
    assert [t.get_text() for t in axes[4].get_xticklabels()] == trace.words
    assert axes[0].get_ylabel().startswith("update gate z") and axes[1].get_ylabel().startswith(
        "reset gate r"
    )
    assert "sorted by" in axes[0].get_ylabel() and "mean z" in axes[0].get_ylabel()
    assert "mean r" in axes[1].get_ylabel()
    assert axes[2].get_ylabel() == "rewrite\n(mean z)"  # the chapter's classifier: lecture convention
    np.testing.assert_allclose(axes[2].lines[0].get_ydata(), trace.z.mean(axis=1), rtol=1e-6)
    assert axes[4].get_ylabel() == "P(positive)" and fig._suptitle.get_text() == "t"
    np.testing.assert_allclose(axes[3].lines[0].get_ydata(), trace.h_norm)
    plt.close(fig)
    short = plot_gate_trace(trace, max_words=2)
    assert len(short.axes[4].get_xticklabels()) == 2
    plt.close(short)
    with pytest.raises(ValueError, match="max_words=0"):
        plot_gate_trace(trace, max_words=0)


def test_heatmap_rows_are_units_sorted_by_their_mean_gate_value() -> None:
    trace = trace_review(model(2), "good product, not bad, very good", VOCAB)
    fig = plot_gate_trace(trace)
    for ax, gate in ((fig.axes[0], trace.z), (fig.axes[1], trace.r)):
        drawn = np.asarray(ax.images[0].get_array())  # (units, words), top row first
        assert drawn.shape == gate.T.shape
        row_means = drawn.mean(axis=1)
        assert np.all(np.diff(row_means) <= 1e-7), "highest mean on top, then decreasing"
        np.testing.assert_allclose(np.sort(drawn, axis=None), np.sort(gate.T, axis=None))  # a permutation
    plt.close(fig)


def test_unit_order_is_by_decreasing_mean_and_stable() -> None:
    values = np.array([[0.1, 0.9, 0.5, 0.5], [0.3, 0.7, 0.5, 0.5]])
    assert unit_order(values).tolist() == [1, 2, 3, 0]  # ties (units 2 and 3) keep their order
    for bad in (np.zeros(3), np.zeros((0, 2)), np.zeros((2, 0))):
        with pytest.raises(ValueError, match="words >= 1, hidden >= 1"):
            unit_order(bad)


@pytest.mark.parametrize(("convention", "label"), [("lecture", "mean z"), ("pytorch", "mean 1 − z")])
def test_rewrite_is_the_candidates_weight_in_each_convention(convention: str, label: str) -> None:
    """Lecture: h = (1 - z) h + z ñ, so z is the candidate's share; PyTorch: h = z h + (1 - z) ñ."""
    torch.manual_seed(3)
    m = GatedSentimentGRU(len(VOCAB), embed_dim=4, hidden_size=3, convention=convention)
    trace = trace_review(m, "very good product", VOCAB)
    assert trace.convention == convention and trace.rewrite_label == label
    share = trace.z if convention == "lecture" else 1 - trace.z
    np.testing.assert_allclose(trace.rewrite, share.mean(axis=1))
    # The share is what the new state takes from the candidate: check it on the first word,
    # where the old state is zero, so h_1 = share ⊙ ñ_1.
    with torch.no_grad():
        _, _, gates = m.gru(m.embed(torch.tensor([[VOCAB["very"]]])), return_gates=True)
        h1 = m.gru(m.embed(torch.tensor([[VOCAB["very"]]])))[0][0, 0]
    np.testing.assert_allclose(h1.numpy(), (share[0] * gates[0]["n"][0, 0].numpy()), atol=1e-6)
    fig = plot_gate_trace(trace)
    assert fig.axes[2].get_ylabel() == f"rewrite\n({label})"
    plt.close(fig)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.45, 0.55], (0.4, 0.6)),  # a narrow range is widened to 0.2 around its middle
        ([0.0, 0.05], (0.0, 0.2)),  # ... but never below 0
        ([0.97, 1.0], (0.8, 1.0)),  # ... nor above 1
        ([0.1, 0.9], (0.06, 0.94)),  # a wide range is padded by 5 %
    ],
)
def test_share_axis_spans_the_data_within_0_1(values: list[float], expected: tuple[float, float]) -> None:
    assert gate_viz._share_limits(np.array(values)) == pytest.approx(expected)


def test_gate_trace_rejects_an_unknown_convention() -> None:
    trace = trace_review(model(), "good", VOCAB)
    with pytest.raises(ValueError, match="convention='keras'"):
        gate_viz.GateTrace(trace.words, trace.z, trace.r, trace.h_norm, trace.p_positive, [], "keras")


def test_gate_trace_figures_fit_the_text_column() -> None:
    """At most 9 inches wide (the book's column, ~690 px at 100 dpi, shows it at >= 75 %) and
    never narrower than 7.5; long reviews get smaller word labels rather than a wider figure."""
    words = " ".join(["good", "bad", "product"] * 30)
    trace = trace_review(model(), words, VOCAB)
    widths = {}
    for n in (3, 30, 60):
        fig = plot_gate_trace(trace, max_words=n)
        widths[n] = fig.get_size_inches()[0]
        sizes = {t.get_fontsize() for t in fig.axes[4].get_xticklabels()}
        assert sizes == ({9.0} if n <= 35 else {7.0})
        plt.close(fig)
    assert widths[3] == 7.5 and widths[30] == pytest.approx(8.0)  # 0.2 inch a word + 2
    assert widths[60] == 9.0


def explorer_scenario() -> dict[str, Any]:
    """Drive a GateExplorer through its widgets as a reader would; return what happened.

    Runs under whichever ipywidgets is importable: in this process (ipywidgets 8) and in the
    ipywidgets 7.7 subprocess. Figures are recorded instead of displayed.
    """
    import ipywidgets

    shown: list[Any] = []
    original = gate_viz.display
    gate_viz.display = shown.append
    try:
        explorer = GateExplorer(model(), VOCAB, {"pos": "very good product", "neg": "bad, not good"})
        result: dict[str, Any] = {
            "version": ipywidgets.__version__,
            "location": ipywidgets.__file__,
            "options": list(explorer.choice.options),
            "initial": [explorer.choice.value, explorer.text.value, len(shown)],
            "children": [type(w).__name__ for w in explorer.widget.children],
            "children_are_the_parts": list(explorer.widget.children)
            == [explorer.choice, explorer.text, explorer.button, explorer.output],
        }
        explorer.choice.value = "neg"  # the Dropdown's observer, as a click in the list
        result["chosen"] = [explorer.text.value, explorer.last_trace.words, len(shown)]
        result["drawn"] = [t.get_text() for t in shown[-1].axes[4].get_xticklabels()]
        result["closed"] = not plt.fignum_exists(shown[-1].number)
        explorer.choice.value = GateExplorer.CUSTOM  # keeps the text, draws nothing new
        result["custom"] = [explorer.text.value, len(shown)]
        explorer.text.value = "the the good"  # typing, then the button
        explorer.button.click()
        result["typed"] = [explorer.last_trace.words, len(shown), explorer.last_error]
        explorer.text.value = "unknown words only"
        explorer.button.click()
        result["error"] = [explorer.last_trace is None, explorer.last_error, len(shown)]
        explorer.on_select({"new": "pos"})  # the call a chapter makes to draw the first example
        result["direct"] = [explorer.text.value, explorer.last_trace.words, len(shown)]
    finally:
        gate_viz.display = original
    return result


def check_scenario(result: dict[str, Any]) -> None:
    assert result["options"] == ["pos", "neg", GateExplorer.CUSTOM]
    assert result["initial"] == ["pos", "very good product", 0]  # nothing drawn until asked
    assert result["children"] == ["Dropdown", "Textarea", "Button", "Output"]
    assert result["children_are_the_parts"]
    assert result["chosen"] == ["bad, not good", ["bad", "not", "good"], 1]
    assert result["drawn"] == ["bad", "not", "good"] and result["closed"]
    assert result["custom"] == ["bad, not good", 1]
    assert result["typed"] == [["the", "the", "good"], 2, None]
    is_none, error, count = result["error"]
    assert is_none and count == 2
    assert error.startswith("None of the words of 'unknown words only' is in the model's vocabulary")
    assert result["direct"] == ["very good product", ["very", "good", "product"], 3]


def test_explorer_callbacks_under_ipywidgets_8() -> None:
    result = explorer_scenario()
    assert result["version"].startswith("8."), "the course environment has ipywidgets 8"
    check_scenario(result)


def test_explorer_callbacks_under_ipywidgets_7_7() -> None:
    if not (WIDGETS7 / "ipywidgets").is_dir():
        message = f"ipywidgets 7.7 is not installed in {WIDGETS7}: run `make widgets7`."
        if env_flag("CI"):
            pytest.fail(f"{message} CI is set: the ipywidgets 7.7 test must not be skipped in CI.")
        pytest.skip(message)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(WIDGETS7), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, __file__], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.rsplit(SCENARIO_MARK, 1)[-1])
    assert result["version"].startswith("7.7"), result["version"]
    assert Path(result["location"]).is_relative_to(WIDGETS7)
    check_scenario(result)


def test_explorer_needs_at_least_one_example() -> None:
    with pytest.raises(ValueError, match="at least one example review"):
        GateExplorer(model(), VOCAB, {})


def test_explorer_without_ipywidgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets now fails
    with pytest.raises(ImportError, match=r'needs ipywidgets.*pip install "ipywidgets>=7\.7,<9"'):
        GateExplorer(model(), VOCAB, {"pos": "good"})


def test_module_imports_without_ipywidgets() -> None:
    """A fresh interpreter in which ipywidgets cannot be imported still imports gate_viz."""
    script = """
import sys
class NoWidgets:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "ipywidgets":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoWidgets())
from rnnlib.viz import gate_viz
assert "ipywidgets" not in sys.modules
try:
    gate_viz.GateExplorer(None, {}, {"a": "b"})
except ImportError as err:
    print(err)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'pip install "ipywidgets>=7.7,<9"' in done.stdout


def test_requirement_is_stated_alike_everywhere() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert gate_viz.WIDGETS_REQUIREMENT in requirements
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["optional-dependencies"]["widgets"] == [gate_viz.WIDGETS_REQUIREMENT]
    assert not any(d.startswith("ipywidgets") for d in project["dependencies"])


AGG_SCRIPT = """
import matplotlib
assert matplotlib.get_backend().lower() == "agg", matplotlib.get_backend()
import matplotlib.pyplot as plt
import torch
from rnnlib.models.sentiment_gru import GatedSentimentGRU
from rnnlib.viz.gate_viz import GateExplorer, plot_gate_trace, trace_review

vocab = {"good": 0, "bad": 1, "not": 2}
torch.manual_seed(0)
m = GatedSentimentGRU(3, embed_dim=4, hidden_size=3)
fig = plot_gate_trace(trace_review(m, "not good", vocab), title="agg")
plt.show()  # the notebooks' call: no figure argument
plt.close(fig)
explorer = GateExplorer(m, vocab, {"a": "good", "b": "not bad"})
explorer.on_select({"new": "b"})
explorer.text.value = "bad bad good"
explorer.on_show()
assert explorer.last_trace.words == ["bad", "bad", "good"] and explorer.last_error is None
assert not plt.get_fignums(), "the explorer closes the figures it shows"
print("agg ok")
"""


def test_figure_and_explorer_callbacks_work_under_agg() -> None:
    """With MPLBACKEND=Agg (a GPU machine, CI), where ``plt.show(fig)`` raises TypeError, the
    figure function and the explorer's callbacks run with the real ``display``."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", AGG_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "agg ok" in done.stdout


def _show_calls_with_arguments(source: str) -> list[int]:
    """Lines of ``source`` that call ``plt.show`` / ``pyplot.show`` with an argument."""
    import ast

    # IPython magics (`%pip ...`, `!ls`) are not Python: each becomes a `pass` at its indentation.
    code = "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    )
    return [
        node.lineno
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "show"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in ("plt", "pyplot")
        and (node.args or node.keywords)
    ]


def test_no_plt_show_with_a_figure_anywhere() -> None:
    """``plt.show`` takes no figure (it raises under Agg): rnnlib and every notebook call it bare."""
    assert _show_calls_with_arguments("plt.show(fig)\n%matplotlib inline\nplt.show()") == [1]
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "rnnlib").rglob("*.py"))
        for line in _show_calls_with_arguments(path.read_text(encoding="utf-8"))
    ]
    notebooks = sorted([*(ROOT / "chapters").rglob("*.ipynb"), *(ROOT / "exercises").rglob("*.ipynb")])
    assert notebooks, "the chapters' notebooks were not found"
    for path in notebooks:
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for k, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                where = f"{path.relative_to(ROOT)} cell {k}"
                offenders += [f"{where} line {n}" for n in _show_calls_with_arguments(source)]
    assert not offenders, f"plt.show called with a figure: {offenders}; call plt.show() with no argument"


def test_pick_examples_takes_the_first_short_review_of_each_sentiment() -> None:
    reviews = [
        ("too short", 1),
        ("a fine and solid product, works", 1),
        ("later one is also fine ok", 1),
        ("broke after two days, avoid it", 0),
    ]
    assert pick_examples(reviews) == {
        "a short positive review": "a fine and solid product, works",
        "a short negative review": "broke after two days, avoid it",
    }


if __name__ == "__main__":
    # The ipywidgets 7.7 test runs this file as a script: the scenario's result, as JSON after a
    # mark (outside a kernel, the Output widget lets the callbacks' prints through to stdout).
    print(SCENARIO_MARK + json.dumps(explorer_scenario()))
