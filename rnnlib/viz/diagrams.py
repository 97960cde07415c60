"""The course's architecture diagrams, drawn in code: an unrolled RNN, TEXTnet / TEXTnetOrder2
and a GRU cell.

Shown in chapters 1 to 3 as committed SVG files (``chapters/figures/*.svg``), which
``python -m tools.draw_diagrams`` regenerates from this module (``--check`` tells whether the
committed files are current). Each ``draw_*`` function returns a
:class:`matplotlib.figure.Figure` (not registered with pyplot: nothing to close) whose data
coordinates are inches (one axes covering the whole figure), drawn in a fixed style
(:data:`rnnlib.viz.diagrams.STYLE`) whatever the caller's ``rcParams``;
:func:`rnnlib.viz.diagrams.save_svg` writes it byte for byte the same on every call: no date, a
fixed hash salt, glyphs as paths (the SVG needs no font to render the same in every browser).

The drawings follow the code they depict: :mod:`rnnlib.models.textnet` for TEXTnet and
TEXTnetOrder2 (layer names as there), :mod:`rnnlib.models.gru` for the GRU's two conventions.
:func:`rnnlib.viz.diagrams.layout_problems` checks a drawing for overlapping or clipped labels.

"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text

from rnnlib.core.files import atomic_write_bytes

__all__ = [
    "MAX_STEPS",
    "STYLE",
    "draw_gru_cell",
    "draw_textnet",
    "draw_unrolled_rnn",
    "layout_problems",
    "save_svg",
    "svg_bytes",
]

#: The 8 rcParams every diagram is drawn and saved with, over matplotlib's defaults -- DejaVu Sans
#: text and math (shipped with matplotlib), glyphs written as SVG paths, a fixed hash salt for
#: the SVG's ids.
#:
#: :meta hide-value:
STYLE: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 11.0,
    "mathtext.fontset": "dejavusans",
    "svg.fonttype": "path",
    "svg.hashsalt": "rnnlib-diagrams",
    "svg.image_inline": True,
    "text.usetex": False,
    "axes.unicode_minus": True,
}
#: The most time steps :func:`rnnlib.viz.diagrams.draw_unrolled_rnn` draws legibly in its 9.6-inch width.
MAX_STEPS = 5
#: Figure widths in inches: at most 10, so that the book's ~750 px column shows the SVG at
#: more than 60 % of its natural width (the site check's rule).
WIDTH = 9.6

# Colour-blind-safe colours (Okabe & Ito) and light fills of the same hues.
BLUE, ORANGE, GREEN, RED, PURPLE, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#555555"
FILL = {
    BLUE: "#DCEBF7",
    ORANGE: "#FCEFD2",
    GREEN: "#D6F0E8",
    RED: "#F8E0D2",
    PURPLE: "#F5E4EE",
    GREY: "#EEEEEE",
}


@contextmanager
def _style() -> Iterator[None]:
    """Matplotlib's defaults plus :data:`STYLE`, whatever the caller (or seaborn) has set."""
    with matplotlib.style.context(["default", STYLE]):
        yield


def _canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure whose single axes spans it, with data units of inches."""
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(0.0, height)
    ax.set_axis_off()
    return fig, ax


def _box(
    ax: Axes,
    x: float,
    y: float,
    w: float,
    h: float,
    text: str,
    color: str,
    *,
    size: float = 11.0,
    bold: bool = False,
) -> FancyBboxPatch:
    """A rounded box centred on ``(x, y)``, ``w`` × ``h`` inches, with centred text."""
    box = FancyBboxPatch(
        (x - w / 2, y - h / 2),
        w,
        h,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor=FILL[color],
        edgecolor=color,
        linewidth=1.6,
        zorder=2,
    )
    ax.add_patch(box)
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=size,
        fontweight="bold" if bold else "normal",
        linespacing=1.35,
        zorder=3,
    )
    return box


def _arrow(
    ax: Axes,
    points: Sequence[tuple[float, float]],
    color: str = GREY,
    *,
    dashed: bool = False,
    lw: float = 1.6,
    head: float = 12.0,
) -> None:
    """A polyline through ``points`` ending in a solid arrow head (also when ``dashed``)."""
    if len(points) < 2:
        raise ValueError("An arrow needs at least two points.")
    xs, ys = zip(*points, strict=True)
    style = (0, (4.0, 3.0)) if dashed else "solid"
    ax.plot(xs, ys, color=color, lw=lw, linestyle=style, zorder=1, solid_capstyle="butt",
            dash_capstyle="butt")
    # the head: a solid arrow on the last 0.14 inch, drawn over the line
    (x0, y0), (x1, y1) = points[-2], points[-1]
    seg = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    back = min(0.14, seg)
    start = (x1 - (x1 - x0) * back / seg, y1 - (y1 - y0) * back / seg)
    ax.add_patch(
        FancyArrowPatch(
            start, (x1, y1), arrowstyle=f"-|>,head_length={head / 24:.2f},head_width={head / 40:.2f}",
            mutation_scale=12.0, color=color, lw=lw, shrinkA=0.0, shrinkB=0.0, zorder=4,
        )
    )


def _arc(
    start: tuple[float, float], end: tuple[float, float], lift: float, n: int = 24
) -> list[tuple[float, float]]:
    """Points of a quadratic Bézier from ``start`` to ``end`` bulging ``lift`` inches upwards."""
    (x0, y0), (x1, y1) = start, end
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 + 2 * lift
    return [
        ((1 - s) ** 2 * x0 + 2 * (1 - s) * s * cx + s**2 * x1,
         (1 - s) ** 2 * y0 + 2 * (1 - s) * s * cy + s**2 * y1)
        for s in (i / n for i in range(n + 1))
    ]


def _label(ax: Axes, x: float, y: float, text: str, *, color: str = "black", size: float = 11.0,
           ha: str = "center", va: str = "center", style: str = "normal", weight: str = "normal") -> Text:
    return ax.text(x, y, text, ha=ha, va=va, color=color, fontsize=size, fontstyle=style,
                   fontweight=weight, zorder=5, linespacing=1.35)


def draw_unrolled_rnn(steps: int = 4) -> Figure:
    """A recurrent cell folded (left) and unrolled over ``steps`` time steps (right).

    Inputs :math:`x_1, \\dots, x_T` at the bottom, hidden states :math:`h_0 \\to \\dots \\to h_T`
    along the middle with the same :math:`W_{hh}` on every horizontal arrow (weights shared),
    the output :math:`\\hat y_T` read after the last step only (the course's classifiers use
    the last output), and, dashed, the gradient :math:`\\partial L/\\partial h_t` flowing back
    through one factor :math:`W_{hh}^\\top` per step (backpropagation through time).

    Args:
        steps: how many time steps to unroll, 1 to :data:`rnnlib.viz.diagrams.MAX_STEPS`; the
            last is labelled :math:`T`.

    Raises:
        ValueError: ``steps`` is not an integer from 1 to :data:`rnnlib.viz.diagrams.MAX_STEPS`.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(
            f"steps={steps!r}: pass an integer from 1 to {MAX_STEPS} (more steps do not fit the "
            "figure's width legibly; 4 shows the pattern)."
        )
    with _style():
        return _unrolled(steps)


def _unrolled(steps: int) -> Figure:
    height = 5.65
    fig, ax = _canvas(WIDTH, height)
    hy, xy, oy, ty = 2.85, 1.37, 4.35, 5.35  # rows: hidden states, inputs, output, titles
    bh = 0.62

    # folded cell
    fx = 0.85
    _label(ax, fx + 0.1, ty, "folded", size=12, weight="bold")
    _box(ax, fx, hy, 0.8, bh, "$h_t$", BLUE, size=14)
    _arrow(ax, [(fx + 0.4, hy + 0.14), (fx + 0.72, hy + 0.14), (fx + 0.72, hy - 0.14), (fx + 0.4, hy - 0.14)],
           BLUE, head=10)
    _label(ax, fx + 0.8, hy, "$W_{hh}$", color=BLUE, size=12, ha="left")
    _box(ax, fx, xy, 0.62, 0.44, "$x_t$", GREEN, size=14)
    _arrow(ax, [(fx, xy + 0.22), (fx, hy - bh / 2)], GREEN)
    _label(ax, fx + 0.08, (xy + hy) / 2, "$W_{xh}$", color=GREEN, size=12, ha="left")
    _box(ax, fx, oy, 0.62, 0.44, "$\\hat{y}_t$", PURPLE, size=14)
    _arrow(ax, [(fx, hy + bh / 2), (fx, oy - 0.22)], PURPLE)

    # unroll arrow
    _arrow(ax, [(2.12, hy), (2.56, hy)], GREY, lw=2.4, head=16)
    _label(ax, 2.34, hy + 0.3, "unroll", color=GREY, size=11)

    # unrolled chain: h_0 at x0, steps at x0 + k * s; the last is step T
    x0, x_last = 3.05, 8.2
    s = (x_last - x0) / steps
    bw = min(0.84, 0.62 * s)
    names = [str(k) for k in range(1, steps)] + ["T"]
    _label(ax, (x0 + x_last) / 2 + 0.3, ty, f"unrolled over T = {steps} time step{'s' * (steps > 1)}",
           size=12, weight="bold")
    _label(ax, (x0 + x_last) / 2 + 0.3, ty - 0.36,
           "$h_t = f\\,(W_{hh}\\,h_{t-1} + W_{xh}\\,x_t + b)$,   "
           "$f$ = identity (lecture RNN, TEXTnet) or tanh",
           size=11)
    _box(ax, x0, hy, 0.62, bh, "$h_0$", GREY, size=14)
    _label(ax, x0, hy - bh / 2 - 0.2, "zeros", color=GREY, size=10)
    for k, name in enumerate(names, start=1):
        x = x0 + k * s
        _box(ax, x, hy, bw, bh, f"$h_{{{name}}}$", BLUE, size=14)
        _box(ax, x, xy, 0.62, 0.44, f"$x_{{{name}}}$", GREEN, size=14)
        _arrow(ax, [(x, xy + 0.22), (x, hy - bh / 2)], GREEN)
        _label(ax, x + 0.07, (xy + hy) / 2 - 0.06, "$W_{xh}$", color=GREEN, size=11, ha="left")
        left = x - s + (0.31 if k == 1 else bw / 2)
        _arrow(ax, [(left, hy), (x - bw / 2, hy)], BLUE)
        _label(ax, (left + x - bw / 2) / 2, hy + 0.15, "$W_{hh}$", color=BLUE, size=11)
        # gradient: from this state back to the previous one, over the top
        start = (x - 0.12, hy + bh / 2 + 0.02)
        end = (x - s + 0.12, hy + bh / 2 + 0.02)
        _arrow(ax, _arc(start, end, 0.24), RED, dashed=True, lw=1.4, head=10)
        _label(ax, x - s / 2, hy + bh / 2 + 0.42, "$\\times W_{hh}^{\\top}$", color=RED, size=11)
    xt = x_last
    _box(ax, xt, oy, 0.62, 0.44, "$\\hat{y}_T$", PURPLE, size=14)
    _arrow(ax, [(xt, hy + bh / 2), (xt, oy - 0.22)], PURPLE)
    _label(ax, xt + 0.42, oy, "→ loss $L$", color=PURPLE, size=11, ha="left")
    _label(ax, xt - 0.45, oy, "only the last output is used", color=PURPLE, size=10.5, ha="right")
    _arrow(ax, [(xt + 0.5, oy - 0.2), (xt + 0.5, hy + 0.12), (xt + bw / 2 + 0.02, hy + 0.12)], RED,
           dashed=True, lw=1.4, head=10)
    _label(ax, xt + 0.58, (oy + hy) / 2 + 0.05, "$\\partial L/\\partial h_T$", color=RED, size=11, ha="left")

    # legend
    lx, ly = 0.3, 0.8
    ax.plot([lx, lx + 0.45], [ly, ly], color=BLUE, lw=1.6)
    _label(ax, lx + 0.55, ly, "forward: the same $W_{xh}$ and $W_{hh}$ at every step (shared weights)",
           size=11, ha="left")
    ax.plot([lx, lx + 0.45], [ly - 0.3, ly - 0.3], color=RED, lw=1.4, linestyle=(0, (4.0, 3.0)))
    _label(ax, lx + 0.55, ly - 0.3,
           "backward (BPTT): $\\partial L/\\partial h_{t-1} = W_{hh}^{\\top}\\,\\partial L/\\partial h_t$:"
           "  a factor $W_{hh}^{\\top}$ per step ($f$ = identity; tanh adds diag$(1 - h_t^2)$)",
           size=11, ha="left")
    _label(ax, lx, ly - 0.6,
           "The lecture's RNN and TEXTnet read $\\hat{y}_T$ from $[x_T;\\ h_{T-1}]$, not from $h_T$:"
           " their gradient enters the chain at $h_{T-1}$.", size=11, ha="left", color=GREY)
    return fig


def draw_textnet() -> Figure:
    """TEXTnet (left) and TEXTnetOrder2 (right) as :mod:`rnnlib.models.textnet` defines them.

    TEXTnet concatenates the one-hot word and the previous hidden state,
    :math:`c_t = [x_t; h_{t-1}]`; ``combined_to_hidden`` (a Linear layer, no non-linearity)
    gives :math:`h_t`; ``combined_to_middle`` → ReLU → dropout → ``middle_to_out`` →
    LogSoftmax gives :math:`\\hat y_t`. TEXTnetOrder2 also concatenates the cell computed two
    words earlier, :math:`\\mathrm{cell}_{t-2}`, where
    :math:`\\mathrm{cell}_t = \\sigma(W_{cell} h_t + b_{cell})` (``linear_for_cell``).
    Layer names are the code's.
    """
    with _style():
        fig, ax = _canvas(WIDTH, 6.25)
        half = WIDTH / 2
        ax.plot([half, half], [0.45, 6.1], color="#BBBBBB", lw=1.0)
        _textnet_panel(ax, 0.0, order2=False)
        _textnet_panel(ax, half, order2=True)
        _label(ax, WIDTH / 2, 0.16,
               "V: vocabulary size (one-hot word), H: hidden size; layer names as in rnnlib.models.textnet",
               color=GREY, size=10.5)
    return fig


def _textnet_panel(ax: Axes, ox: float, *, order2: bool) -> None:
    lx, rx, cw = ox + 1.25, ox + 3.55, 2.0  # left and right column centres, column width
    size = "V+2H" if order2 else "V+H"
    _label(ax, ox + 2.4, 5.95, "TEXTnetOrder2" if order2 else "TEXTnet", size=13, weight="bold")

    # inputs and their concatenation
    iy, cy = 0.95, 1.78
    if order2:
        inputs = [
            (ox + 0.8, "$x_t$  (V)\none-hot word", GREEN),
            (ox + 2.4, "$h_{t-1}$  (H)\nprevious word", BLUE),
            (ox + 4.0, "$\\mathrm{cell}_{t-2}$  (H)\nzeros for words 1, 2", ORANGE),
        ]
        width = 1.52
        concat = "torch.cat: $c_t = [x_t;\\ h_{t-1};\\ \\mathrm{cell}_{t-2}]$  (V+2H)"
    else:
        inputs = [
            (ox + 1.25, "$x_t$  (V)\none-hot word", GREEN),
            (ox + 3.55, "$h_{t-1}$  (H)\nprevious word", BLUE),
        ]
        width = 1.6
        concat = "torch.cat: $c_t = [x_t;\\ h_{t-1}]$  (V+H)"
    for x, text, color in inputs:
        _box(ax, x, iy, width, 0.62, text, color, size=11)
        _arrow(ax, [(x, iy + 0.3), (x, cy - 0.22)], color)
    _box(ax, ox + 2.4, cy, 4.5, 0.46, concat, GREY, size=11)

    # left column: the next hidden state (and TEXTnetOrder2's cell)
    y1 = 2.75
    _arrow(ax, [(lx, cy + 0.22), (lx, y1 - 0.28)], GREY)
    _box(ax, lx, y1, cw, 0.58, f"combined_to_hidden\nLinear({size} → H)", BLUE, size=11)
    y2 = 3.6
    _arrow(ax, [(lx, y1 + 0.28), (lx, y2 - 0.22)], BLUE)
    _box(ax, lx, y2, cw, 0.44, "$h_t$  → next word", BLUE, size=11)
    if order2:
        y3, y4 = 4.42, 5.3
        _arrow(ax, [(lx, y2 + 0.22), (lx, y3 - 0.28)], BLUE)
        _box(ax, lx, y3, cw, 0.58, "linear_for_cell\nLinear(H → H)", ORANGE, size=11)
        _arrow(ax, [(lx, y3 + 0.28), (lx, y4 - 0.28)], ORANGE)
        _box(ax, lx, y4, cw, 0.58, "sigmoid → $\\mathrm{cell}_t$\nan input 2 words later", ORANGE, size=11)
    else:
        _label(ax, lx, 4.6, "no non-linearity:\n$h_t = W_{ch}\\,c_t + b_{ch}$", color=BLUE, size=11.5,
               style="italic")

    # right column: the classifier head
    levels = [
        (2.75, 0.56, "combined_to_middle\nLinear(" + size + " → 100)"),
        (3.47, 0.34, "ReLU"),
        (4.05, 0.34, "dropout (p = 0.1)"),
        (4.7, 0.56, "middle_to_out\nLinear(100 → 2)"),
        (5.4, 0.38, "LogSoftmax → $\\hat{y}_t$"),
    ]
    _arrow(ax, [(rx, cy + 0.22), (rx, levels[0][0] - levels[0][1] / 2)], GREY)
    for (y, h, text), (ny, nh, _) in itertools.pairwise(levels):
        _arrow(ax, [(rx, y + h / 2), (rx, ny - nh / 2)], PURPLE)
        _box(ax, rx, y, cw, h, text, PURPLE, size=11)
    y, h, text = levels[-1]
    _box(ax, rx, y, cw, h, text, PURPLE, size=11)


def draw_gru_cell() -> Figure:
    """One GRU step: two gates (reset :math:`r_t`, update :math:`z_t`) and one candidate state.

    The reset gate scales :math:`h_{t-1}` before it enters the candidate
    :math:`\\tilde h_t = \\tanh(W_h x_t + U_h (r_t \\odot h_{t-1}) + b_h)` (``nn.GRU``, the
    cuDNN variant, applies it after :math:`U_h`); the update gate :math:`z_t` interpolates
    between :math:`h_{t-1}` and :math:`\\tilde h_t`. Both conventions' update equations are
    written on the figure: the lecture's :math:`h_t = (1-z_t) \\odot h_{t-1} + z_t \\odot
    \\tilde h_t` and PyTorch's (Cho et al. 2014) :math:`h_t = z_t \\odot h_{t-1} + (1-z_t)
    \\odot \\tilde h_t`, as in :mod:`rnnlib.models.gru`.
    """
    with _style():
        return _gru()


def _gru() -> Figure:
    fig, ax = _canvas(WIDTH, 6.6)
    top, chan, gy, bus, gh = 6.05, 5.3, 4.3, 3.45, 0.8  # rails, channel and gate row heights

    # h_{t-1} rail along the top, into the mix; a branch down to the input bus
    _label(ax, 0.25, top + 0.22, "$h_{t-1}$", color=BLUE, size=15, ha="left")
    ax.plot([0.2, 7.05], [top, top], color=BLUE, lw=1.8, zorder=1)
    _arrow(ax, [(0.6, top), (0.6, bus), (0.9, bus)], BLUE)
    _label(ax, 1.05, 2.75, "$x_t$", color=GREEN, size=15, ha="center")
    _arrow(ax, [(1.05, 2.95), (1.05, bus)], GREEN)
    ax.plot([0.9, 5.5], [bus, bus], color=GREY, lw=2.6, zorder=1)
    _label(ax, 1.2, bus + 0.2, "$[x_t,\\ h_{t-1}]$", color=GREY, size=11, ha="left")

    # reset gate, r ⊙ h_{t-1}, candidate
    rx, px, cx, zx = 2.25, 3.5, 4.0, 5.5
    _box(ax, rx, gy, 1.35, gh, "reset gate\n$r_t = \\sigma(\\cdot)$", ORANGE, size=12)
    _arrow(ax, [(rx, bus), (rx, gy - gh / 2)], GREY)
    _arrow(ax, [(rx, gy + gh / 2), (rx, chan), (px - 0.18, chan)], ORANGE)
    _label(ax, rx + 0.1, chan + 0.2, "$r_t$", color=ORANGE, size=13, ha="left")
    _arrow(ax, [(px, top), (px, chan + 0.18)], BLUE)
    ax.add_patch(Circle((px, chan), 0.18, facecolor="white", edgecolor=GREY, lw=1.6, zorder=3))
    _label(ax, px, chan, "$\\odot$", size=15)
    _arrow(ax, [(px, chan - 0.18), (px, gy + gh / 2)], BLUE)
    _label(ax, px - 0.08, (chan + gy + gh / 2) / 2 - 0.03, "$r_t \\odot h_{t-1}$", color=BLUE, size=11,
           ha="right")
    _box(ax, cx, gy, 1.45, gh, "candidate\n$\\tilde{h}_t = \\tanh(\\cdot)$", GREEN, size=12)
    _arrow(ax, [(cx + 0.3, bus), (cx + 0.3, gy - gh / 2)], GREEN)
    _label(ax, cx + 0.38, bus + 0.2, "$x_t$", color=GREEN, size=11, ha="left")
    _arrow(ax, [(cx + 0.5, gy + gh / 2), (cx + 0.5, chan), (6.75, chan)], GREEN)
    _label(ax, 6.0, chan + 0.2, "$\\tilde{h}_t$", color=GREEN, size=13)

    # update gate
    _box(ax, zx, gy, 1.35, gh, "update gate\n$z_t = \\sigma(\\cdot)$", ORANGE, size=12)
    _arrow(ax, [(zx, bus), (zx, gy - gh / 2)], GREY)
    _arrow(ax, [(zx + 0.675, gy), (7.2, gy), (7.2, 4.75)], ORANGE)
    _label(ax, 6.7, gy + 0.2, "$z_t$", color=ORANGE, size=13)

    # the mix: an interpolation between h_{t-1} and the candidate, set by z_t
    mx0, mx1, my0, my1 = 6.75, 8.55, 4.75, 5.75
    _arrow(ax, [(7.05, top), (7.05, my1)], BLUE)
    ax.add_patch(FancyBboxPatch((mx0, my0), mx1 - mx0, my1 - my0, boxstyle="round,pad=0,rounding_size=0.08",
                                facecolor=FILL[PURPLE], edgecolor=PURPLE, lw=1.6, zorder=2))
    _label(ax, (mx0 + mx1) / 2 + 0.12, my1 - 0.2, "mix, set by $z_t$", size=11)
    bx0, bx1, by = mx0 + 0.35, mx1 - 0.35, 5.13
    ax.plot([bx0, bx1], [by, by], color=GREY, lw=2.0, zorder=3)
    for bx in (bx0, bx1):
        ax.plot([bx, bx], [by - 0.07, by + 0.07], color=GREY, lw=2.0, zorder=3)
    ax.add_patch(Circle((bx0 + 0.7 * (bx1 - bx0), by), 0.07, color=PURPLE, zorder=4))
    _label(ax, bx0, by - 0.22, "$h_{t-1}$", color=BLUE, size=11)
    _label(ax, bx1, by - 0.22, "$\\tilde{h}_t$", color=GREEN, size=11)
    _arrow(ax, [(mx1, 5.25), (9.15, 5.25)], BLUE, lw=1.8)
    _label(ax, 9.2, 5.25, "$h_t$", color=BLUE, size=15, ha="left")
    _label(ax, 7.38, 4.3, "lecture: $z_t \\to 1$ takes $\\tilde{h}_t$\nPyTorch: $z_t \\to 1$ keeps $h_{t-1}$",
           size=10.5, ha="left", va="center")

    # the equations, both conventions
    _label(ax, 0.2, 2.4, "Two gates ($r_t$, $z_t$) and one candidate state $\\tilde{h}_t$"
           "   (σ: logistic sigmoid, ⊙: element-wise product; $\\tilde{h}_t$ is n in nn.GRU and rnnlib)",
           size=11, ha="left", color=GREY)
    rows = [
        ("reset gate", "$r_t = \\sigma(W_r\\,x_t + U_r\\,h_{t-1} + b_r)$", ""),
        ("update gate", "$z_t = \\sigma(W_z\\,x_t + U_z\\,h_{t-1} + b_z)$", ""),
        ("candidate", "$\\tilde{h}_t = \\tanh(W_h\\,x_t + U_h\\,(r_t \\odot h_{t-1}) + b_h)$",
         "lecture: $r_t$ applied before $U_h$"),
        ("", "$\\tilde{h}_t = \\tanh(W_h\\,x_t + b_{in} + r_t \\odot (U_h\\,h_{t-1} + b_{hn}))$",
         "nn.GRU / cuDNN: $r_t$ applied after $U_h$"),
        ("new state", "$h_t = (1 - z_t) \\odot h_{t-1} + z_t \\odot \\tilde{h}_t$",
         "lecture (Kak & Bouman; Chung et al. 2014)"),
        ("", "$h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde{h}_t$",
         "PyTorch nn.GRU (Cho et al. 2014; d2l)"),
    ]
    for i, (name, equation, note) in enumerate(rows):
        y = 1.98 - 0.36 * i
        _label(ax, 0.2, y, name, size=11, ha="left", weight="bold")
        _label(ax, 1.45, y, equation, size=12.5, ha="left")
        _label(ax, 6.25, y, note, size=11, ha="left", color=GREY)
    return fig


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def layout_problems(fig: Figure, *, pad: float = 1.0) -> list[str]:
    """What makes ``fig`` hard to read, as sentences; an empty list when nothing does.

    Three checks on the drawn extents (in pixels, each text's extent grown by ``pad``): two
    visible texts overlap; a text reaches past the figure's edge; a text crosses the edge of a
    box (a :class:`matplotlib.patches.FancyBboxPatch`), i.e. overlaps it without fitting in it.
    """
    problems: list[str] = []
    with _style():
        fig.draw_without_rendering()
        texts = [(t.get_text(), t, t.get_window_extent().padded(pad)) for t in _texts(fig)]
        boxes = [
            p.get_window_extent() for ax in fig.axes for p in ax.patches if isinstance(p, FancyBboxPatch)
        ]
    canvas = fig.bbox
    for i, (a, _, box_a) in enumerate(texts):
        problems.extend(
            f"texts overlap: {a!r} and {b!r}" for b, _, box_b in texts[i + 1 :] if box_a.overlaps(box_b)
        )
    for name, _, box in texts:
        if not (canvas.x0 <= box.x0 and box.x1 <= canvas.x1 and canvas.y0 <= box.y0 and box.y1 <= canvas.y1):
            problems.append(f"text {name!r} reaches past the figure's edge")
        for patch in boxes:
            inside = patch.x0 <= box.x0 and box.x1 <= patch.x1 and patch.y0 <= box.y0 and box.y1 <= patch.y1
            if box.overlaps(patch) and not inside:
                problems.append(f"text {name!r} crosses the edge of a box")
    return problems


def svg_bytes(fig: Figure) -> bytes:
    """``fig`` as SVG, the same bytes on every call: no date, fixed ids, glyphs as paths."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def save_svg(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` to ``path`` (``.svg``) atomically, as :func:`rnnlib.viz.diagrams.svg_bytes`
    gives it; return the path.

    Raises:
        ValueError: ``path`` does not end in ``.svg``.
    """
    dest = Path(path)
    if dest.suffix.lower() != ".svg":
        raise ValueError(f"save_svg writes SVG: give a path ending in .svg, not {dest.name!r}.")
    return atomic_write_bytes(dest, svg_bytes(fig))
