"""rnnlib.viz.diagrams: the course's architecture diagrams (Agg backend, see conftest)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

from rnnlib.models.gru import GRUCell
from rnnlib.models.textnet import TEXTnet, TEXTnetOrder2
from rnnlib.viz import diagrams
from rnnlib.viz.diagrams import (
    MAX_STEPS,
    draw_gru_cell,
    draw_textnet,
    draw_unrolled_rnn,
    layout_problems,
    save_svg,
    svg_bytes,
)


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]


def joined(fig: Figure) -> str:
    return "\n".join(texts(fig))


@pytest.fixture(scope="module")
def unrolled() -> Figure:
    return draw_unrolled_rnn()


@pytest.fixture(scope="module")
def textnet() -> Figure:
    return draw_textnet()


@pytest.fixture(scope="module")
def gru() -> Figure:
    return draw_gru_cell()


def test_figures_are_modest_and_not_left_open_in_pyplot(
    unrolled: Figure, textnet: Figure, gru: Figure
) -> None:
    before = plt.get_fignums()
    draw_unrolled_rnn(2)
    assert plt.get_fignums() == before  # plain Figures: nothing to close
    for fig in (unrolled, textnet, gru):
        width, height = fig.get_size_inches()
        assert 8.0 <= width <= 10.0 and height <= 7.0


@pytest.mark.parametrize("name", ["unrolled", "textnet", "gru"])
def test_no_label_overlaps_or_spills(name: str, request: pytest.FixtureRequest) -> None:
    assert layout_problems(request.getfixturevalue(name)) == []


def test_unrolled_rnn_labels(unrolled: Figure) -> None:
    labels = texts(unrolled)
    assert labels.count("$W_{hh}$") == 1 + 4  # the folded loop, then one per step: weights shared
    assert labels.count("$W_{xh}$") == 1 + 4
    assert labels.count("$\\times W_{hh}^{\\top}$") == 4  # one factor per step on the way back
    for label in ["$h_0$", "$h_{1}$", "$h_{3}$", "$h_{T}$", "$x_{1}$", "$x_{T}$", "$\\hat{y}_T$"]:
        assert label in labels
    assert "$\\partial L/\\partial h_T$" in labels
    assert "$h_{4}$" not in labels  # the last step is T
    text = joined(unrolled)
    assert "T = 4 time steps" in text
    assert "backward (BPTT)" in text and "only the last output is used" in text


@pytest.mark.parametrize("steps", range(1, MAX_STEPS + 1))
def test_unrolled_rnn_steps(steps: int) -> None:
    fig = draw_unrolled_rnn(steps)
    labels = texts(fig)
    assert labels.count("$W_{hh}$") == 1 + steps
    assert sum(bool(re.fullmatch(r"\$x_\{(\d|T)\}\$", t)) for t in labels) == steps
    assert layout_problems(fig) == []


@pytest.mark.parametrize("steps", [0, -1, MAX_STEPS + 1, 2.5, True, "4", None])
def test_unrolled_rnn_rejects_bad_steps(steps: object) -> None:
    with pytest.raises(ValueError, match=f"integer from 1 to {MAX_STEPS}"):
        draw_unrolled_rnn(steps)  # type: ignore[arg-type]


def test_textnet_names_the_code_layers(textnet: Figure) -> None:
    text = joined(textnet)
    plain, order2 = TEXTnet(11, 3), TEXTnetOrder2(11, 3)
    for name in ["combined_to_hidden", "combined_to_middle", "middle_to_out", "dropout"]:
        assert name in text and hasattr(plain, name) and hasattr(order2, name)
    assert "linear_for_cell" in text and hasattr(order2, "linear_for_cell")
    assert not hasattr(plain, "linear_for_cell")
    # the sizes written on the figure are the code's
    assert plain.combined_to_hidden.in_features == 11 + 3 and "Linear(V+H → H)" in text
    assert order2.combined_to_hidden.in_features == 11 + 2 * 3 and "Linear(V+2H → H)" in text
    assert plain.combined_to_middle.out_features == 100 and "Linear(V+H → 100)" in text
    assert "Linear(V+2H → 100)" in text and "Linear(100 → 2)" in text
    assert plain.middle_to_out.out_features == 2
    assert plain.dropout.p == pytest.approx(0.1) and "dropout (p = 0.1)" in text
    assert order2.linear_for_cell.in_features == order2.linear_for_cell.out_features == 3
    assert "Linear(H → H)" in text
    labels = texts(textnet)
    assert "TEXTnet" in labels and "TEXTnetOrder2" in labels
    assert labels.count("ReLU") == 2 and sum("LogSoftmax" in t for t in labels) == 2
    assert "$c_t = [x_t;\\ h_{t-1}]$" in text
    assert "$c_t = [x_t;\\ h_{t-1};\\ \\mathrm{cell}_{t-2}]$" in text
    assert "no non-linearity" in text


#: The figure's LaTeX, rewritten as Python over torch tensors (longer names first).
LATEX_TO_PYTHON = [
    ("$", ""), ("\\tilde{h}_t", "n"), ("h_{t-1}", "h"), ("h_t", "h_new"), ("r_t", "r"), ("z_t", "z"),
    ("x_t", "x"), ("b_{in}", "b_in"), ("b_{hn}", "b_hn"), ("\\odot", "*"), ("\\,", " @ "),
    ("\\sigma", "sigmoid"), ("\\tanh", "tanh"),
]  # fmt: skip


def equations_by_convention(fig: Figure) -> dict[str, dict[str, str]]:
    """The equation rows of the figure as Python, ``{convention: {left-hand side: right-hand
    side}}``: a row whose note (same height) names the lecture or nn.GRU belongs to that
    convention, a row without a note to both."""
    by_height: dict[float, list[str]] = {}
    for t in fig.findobj(Text):
        by_height.setdefault(round(t.get_position()[1], 6), []).append(t.get_text())
    found: dict[str, dict[str, str]] = {"lecture": {}, "pytorch": {}}
    for row in by_height.values():
        equations = [t for t in row if t.startswith("$") and t.endswith("$") and " = " in t]
        if len(equations) != 1:
            continue
        python = equations[0]
        for latex, code in LATEX_TO_PYTHON:
            python = python.replace(latex, code)
        lhs, rhs = (side.strip() for side in python.split("=", 1))
        notes = " ".join(t for t in row if t not in equations)
        owners = [c for c, word in (("lecture", "lecture"), ("pytorch", "nn.GRU")) if word in notes]
        for owner in owners or list(found):
            assert lhs not in found[owner], f"two equations for {lhs} in the {owner} convention"
            found[owner][lhs] = rhs
    return found


@pytest.mark.parametrize("convention", ["lecture", "pytorch"])
def test_gru_cell_equations_compute_what_the_cell_computes(gru: Figure, convention: str) -> None:
    """The figure's equations, evaluated, give rnnlib's GRUCell of the convention they are
    labelled with: two gates, one candidate, one new state, each equal to the cell's."""
    equations = equations_by_convention(gru)[convention]
    assert list(equations) == ["r", "z", "n", "h_new"]  # two gates, a candidate, the new state
    assert sum("sigmoid" in rhs for rhs in equations.values()) == 2
    torch.manual_seed(0)
    cell = GRUCell(3, 2, convention=convention)  # type: ignore[arg-type]
    x, h = torch.randn(3), torch.randn(2)
    with torch.no_grad():
        h_new, gates = cell(x[None], h[None])
        w_r, w_z, w_h = cell.weight_ih.chunk(3)
        u_r, u_z, u_h = cell.weight_hh.chunk(3)
        b_ir, b_iz, b_in = cell.bias_ih.chunk(3)
        b_hr, b_hz, b_hn = cell.bias_hh.chunk(3)
        values: dict[str, object] = {
            "sigmoid": torch.sigmoid, "tanh": torch.tanh, "x": x, "h": h,
            "W_r": w_r, "W_z": w_z, "W_h": w_h, "U_r": u_r, "U_z": u_z, "U_h": u_h,
            "b_r": b_ir + b_hr, "b_z": b_iz + b_hz, "b_h": b_in + b_hn, "b_in": b_in, "b_hn": b_hn,
        }  # fmt: skip
        expected = {"r": gates["r"][0], "z": gates["z"][0], "n": gates["n"][0], "h_new": h_new[0]}
        for name, rhs in equations.items():
            values[name] = eval(rhs, {"__builtins__": {}}, values)
            torch.testing.assert_close(values[name], expected[name], msg=f"{name} = {rhs}")


def test_svg_is_deterministic_and_font_free(gru: Figure, tmp_path: Path) -> None:
    first = svg_bytes(gru)
    assert svg_bytes(gru) == first
    assert svg_bytes(draw_gru_cell()) == first  # a fresh drawing too
    path = save_svg(gru, tmp_path / "sub" / "gru.svg")
    assert path == tmp_path / "sub" / "gru.svg" and path.read_bytes() == first
    assert save_svg(gru, tmp_path / "again.svg").read_bytes() == first
    head = first[:2000].decode("utf-8")
    assert 'width="691.2pt"' in head  # 9.6 in: about 920 px, shown at > 60 % in the book's column
    assert b"<text" not in first  # glyphs as paths: the same in every browser, no font needed
    assert b"<dc:date>" not in first


def test_svg_ignores_and_keeps_the_callers_style(textnet: Figure) -> None:
    reference = svg_bytes(textnet)
    with matplotlib.rc_context({"font.size": 20, "svg.fonttype": "none", "svg.hashsalt": "other"}):
        assert svg_bytes(draw_textnet()) == reference
        assert matplotlib.rcParams["svg.fonttype"] == "none"


def test_save_svg_wants_an_svg_path(unrolled: Figure, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"ending in \.svg"):
        save_svg(unrolled, tmp_path / "diagram.png")
    assert not list(tmp_path.iterdir())


def test_layout_problems_finds_overlaps_spills_and_edges() -> None:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 3)
    ax.set_axis_off()
    ax.text(1, 1, "first label")
    ax.text(1.1, 1.02, "second label")
    ax.text(3.9, 2.5, "past the edge")
    ax.add_patch(FancyBboxPatch((1.0, 2.0), 0.3, 0.3))
    ax.text(1.15, 2.15, "too long for its box", ha="center")
    assert layout_problems(fig) == [
        "texts overlap: 'first label' and 'second label'",
        "text 'past the edge' reaches past the figure's edge",
        "text 'too long for its box' crosses the edge of a box",
    ]
    ax.texts[1].set_visible(False)  # a hidden text is not a problem
    assert len(layout_problems(fig)) == 2


def test_an_arrow_needs_two_points() -> None:
    fig = Figure()
    with pytest.raises(ValueError, match="two points"):
        diagrams._arrow(fig.add_subplot(), [(0.0, 0.0)])
