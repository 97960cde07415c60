"""Seeing a GRU's gates at work on a review: per-word traces of the update and reset gates of a
:class:`rnnlib.models.sentiment_gru.GatedSentimentGRU`, figures for the static site and an ipywidgets
explorer for a kernel.

Only :class:`GateExplorer` needs ipywidgets, and it imports it when built: this module imports
without it. The explorer uses only what ipywidgets 7.7 (Colab's) and 8 have in common, and its
callbacks are tested under both (``tests/test_gate_viz.py``, ``make widgets7``).

Explained in the chapter on gating and the GRU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display
from matplotlib.figure import Figure

from rnnlib.core.training import eval_mode
from rnnlib.datasets.sentiment import tokenize
from rnnlib.models.gru import GRUCell
from rnnlib.models.sentiment_gru import GatedSentimentGRU

__all__ = [
    "WIDGETS_REQUIREMENT",
    "GateExplorer",
    "GateTrace",
    "pick_examples",
    "plot_gate_trace",
    "trace_review",
    "unit_order",
]

#: The ipywidgets versions the explorer is tested with (also in requirements.txt and in
#: pyproject.toml's ``widgets`` extra): 7.7 is what Colab ships, 8 what pip installs today.
WIDGETS_REQUIREMENT = "ipywidgets>=7.7,<9"


@dataclass(frozen=True)
class GateTrace:
    """What the GRU did, word by word, on one review.

    Attributes:
        words: the words read (those in the vocabulary), in order.
        z, r: update and reset gates, shape ``(words, hidden)``, values in [0, 1].
        h_norm: ``‖h_t‖`` after each word.
        p_positive: the classifier's probability of *positive* if the review stopped there.
        skipped: words left out because they are not in the vocabulary.
        convention: the GRU's convention, ``"lecture"`` (``z`` weighs the candidate) or
            ``"pytorch"`` (``z`` weighs the old state); it decides what :attr:`GateTrace.rewrite` reads.
    """

    words: list[str]
    z: np.ndarray
    r: np.ndarray
    h_norm: np.ndarray
    p_positive: np.ndarray
    skipped: list[str]
    convention: str = "lecture"

    def __post_init__(self) -> None:
        if self.convention not in ("lecture", "pytorch"):
            raise ValueError(f"convention={self.convention!r}: use 'lecture' or 'pytorch'.")

    @property
    def rewrite(self) -> np.ndarray:
        """Per word, the weight of the candidate in the new state, averaged over the units.

        How much each word rewrites the state: the mean of ``z`` in the lecture's convention
        (``h_t = (1 - z) ⊙ h_{t-1} + z ⊙ ñ_t``), of ``1 - z`` in PyTorch's
        (``h_t = z ⊙ h_{t-1} + (1 - z) ⊙ ñ_t``). 0: every unit keeps its value; 1: every unit
        takes the candidate.
        """
        weight = self.z if self.convention == "lecture" else 1 - self.z
        return weight.mean(axis=1)

    @property
    def rewrite_label(self) -> str:
        """What :attr:`GateTrace.rewrite` averages here: ``"mean z"`` or ``"mean 1 − z"``."""
        return "mean z" if self.convention == "lecture" else "mean 1 − z"


@torch.no_grad()
def trace_review(model: GatedSentimentGRU, text: str, word_to_index: Mapping[str, int]) -> GateTrace:
    """Tokenize ``text``, run it through ``model`` and record its gates after every word.

    Raises:
        ValueError: no word of the text is in the vocabulary.
    """
    words = tokenize(text)
    known = [w for w in words if w in word_to_index]
    skipped = [w for w in words if w not in word_to_index]
    if not known:
        raise ValueError(
            f"None of the words of {text[:60]!r} is in the model's vocabulary "
            f"({len(skipped)} unknown words): type an ordinary English review."
        )
    device = model.head.weight.device
    indices = torch.tensor([[word_to_index[w] for w in known]], device=device)
    with eval_mode(model):
        outputs, _, gates = model.gru(model.embed(indices), return_gates=True)
        p_positive = torch.softmax(model.head(outputs[0]), dim=1)[:, 1]
    return GateTrace(
        words=known,
        z=gates[0]["z"][0].cpu().numpy(),
        r=gates[0]["r"][0].cpu().numpy(),
        h_norm=outputs[0].norm(dim=1).cpu().numpy(),
        p_positive=p_positive.cpu().numpy(),
        skipped=skipped,
        convention=cast(GRUCell, model.gru.cells[0]).convention,
    )


def unit_order(values: np.ndarray) -> np.ndarray:
    """Indices of the hidden units by decreasing mean over the words of ``values`` (words, hidden).

    Ties keep the units' original order (a stable sort), so the order is reproducible.

    Raises:
        ValueError: ``values`` is not a non-empty 2-D array.
    """
    values = np.asarray(values)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"values must be (words >= 1, hidden >= 1), got shape {values.shape}.")
    return np.argsort(-values.mean(axis=0), kind="stable")


def _share_limits(values: np.ndarray, min_span: float = 0.2) -> tuple[float, float]:
    """y-limits for shares in [0, 1]: the data's range, padded, at least ``min_span`` wide, within [0, 1]."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = max((min_span - (hi - lo)) / 2, 0.05 * (hi - lo), 0.01)
    lo, hi = lo - pad, hi + pad
    if lo < 0:
        lo, hi = 0.0, min(1.0, hi - lo)
    if hi > 1:
        lo, hi = max(0.0, lo - (hi - 1)), 1.0
    return lo, hi


def plot_gate_trace(trace: GateTrace, *, title: str = "", max_words: int = 60) -> Figure:
    """Five panels over the words of a review, left to right.

    - the update gate ``z`` and the reset gate ``r`` (heatmaps, one row per hidden unit,
      units sorted by the gate's mean over the drawn words, highest on top, as the axis says);
    - how much each word rewrites the state (:attr:`GateTrace.rewrite`: mean ``z`` over the
      units in the lecture's convention, mean ``1 - z`` in PyTorch's, labelled accordingly; the
      y-axis spans the data, at least 0.2 wide, within [0, 1]);
    - ``‖h_t‖``;
    - P(positive) if the review stopped at that word.

    Only the first ``max_words`` words are drawn, so the word labels stay readable. The figure
    is at most 9 inches wide, so that the book's text column shows it at three quarters of its
    size or more; beyond about 35 words the word labels get a smaller font instead.

    Raises:
        ValueError: ``max_words`` is below 1.
    """
    if max_words < 1:
        raise ValueError(f"max_words={max_words}: must be at least 1.")
    n = min(len(trace.words), max_words)
    fig, axes = plt.subplots(
        5,
        1,
        figsize=(min(9.0, max(7.5, 0.2 * n + 2)), 10.5),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 3, 1.2, 1.2, 1.2]},
    )
    for ax, symbol, name, values in (
        (axes[0], "z", "update gate", trace.z[:n]),
        (axes[1], "r", "reset gate", trace.r[:n]),
    ):
        image = ax.imshow(
            values[:, unit_order(values)].T,
            aspect="auto",
            cmap="viridis",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        ax.set_yticks([])
        ax.set_ylabel(f"{name} {symbol}\nunits sorted by\nmean {symbol} (top: highest)")
        fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01, label=f"{symbol} (gate value)")
    rewrite = trace.rewrite[:n]
    axes[2].plot(np.arange(n), rewrite, marker=".", color="tab:purple")
    axes[2].set_ylim(*_share_limits(rewrite))
    axes[2].set_ylabel(f"rewrite\n({trace.rewrite_label})")
    axes[3].plot(np.arange(n), trace.h_norm[:n], marker=".", color="tab:blue")
    axes[3].set_ylabel("‖h_t‖")
    axes[4].plot(np.arange(n), trace.p_positive[:n], marker=".", color="tab:green")
    axes[4].axhline(0.5, color="gray", ls="--", lw=1)
    axes[4].set_ylim(0, 1)
    axes[4].set_ylabel("P(positive)")
    axes[4].set_xticks(np.arange(n))
    axes[4].set_xticklabels(trace.words[:n], rotation=90, fontsize=9 if n <= 35 else 7)
    axes[4].set_xlabel("word read (time step)")
    for ax in axes[2:]:
        ax.grid(alpha=0.3)
    fig.suptitle(title or f"GRU gates on a review of {len(trace.words)} known words")
    fig.tight_layout()
    return fig


def _import_widgets() -> ModuleType:
    """ipywidgets, or an ImportError that says how to install it."""
    try:
        import ipywidgets
    except ImportError as err:
        raise ImportError(
            "The gate explorer needs ipywidgets, which is not installed here: run "
            f'`pip install "{WIDGETS_REQUIREMENT}"` (in a notebook: `%pip install ...`) and restart '
            "the kernel. trace_review and plot_gate_trace work without it."
        ) from err
    return ipywidgets


def _show(fig: Figure) -> None:
    """Display ``fig`` where output goes now (in the explorer: its Output widget) and close it.

    ``display`` rather than ``plt.show(fig)``: ``plt.show`` takes no figure (outside the inline
    backend it raises TypeError), and a figure left open would be drawn again by the inline
    backend at the end of the next cell.
    """
    display(fig)
    plt.close(fig)


class GateExplorer:
    """An ipywidgets explorer: pick an example review or type one, see its gate trace.

    The callbacks (:meth:`on_select`, :meth:`on_show`) hold the logic and can be called
    directly (the tests do); :attr:`widget` is what a notebook displays. Works with
    ipywidgets 7.7 and 8 (see :data:`WIDGETS_REQUIREMENT`).

    Raises:
        ImportError: ipywidgets is not installed (the message says how to install it).
        ValueError: ``examples`` is empty.
    """

    CUSTOM = "(type your own)"

    def __init__(
        self, model: GatedSentimentGRU, word_to_index: Mapping[str, int], examples: Mapping[str, str]
    ) -> None:
        widgets = _import_widgets()  # imported here: only the explorer needs it
        if not examples:
            raise ValueError("Give at least one example review: {name: text}.")
        self.model, self.word_to_index, self.examples = model, word_to_index, dict(examples)
        # Only what ipywidgets 7.7 and 8 share: a list of option labels with an explicit value,
        # an explicit Layout, observe(names="value") and Button.on_click.
        options = [*self.examples, self.CUSTOM]
        self.choice = widgets.Dropdown(options=options, value=options[0], description="review")
        self.text = widgets.Textarea(value=self.examples[options[0]], layout=widgets.Layout(width="100%"))
        self.button = widgets.Button(description="Show gates")
        self.output = widgets.Output()
        self.last_trace: GateTrace | None = None
        self.last_error: str | None = None
        self.choice.observe(self.on_select, names="value")
        self.button.on_click(self.on_show)
        self.widget = widgets.VBox(children=[self.choice, self.text, self.button, self.output])

    def on_select(self, change: Mapping[str, object]) -> None:
        """Dropdown callback: load the chosen example into the text box and show it."""
        name = str(change["new"])
        if name != self.CUSTOM:
            self.text.value = self.examples[name]
            self.on_show()

    def on_show(self, _button: object = None) -> None:
        """Button callback: trace the text in the box and draw it (or say why not)."""
        self.output.clear_output(wait=True)
        with self.output:
            try:
                self.last_trace = trace_review(self.model, self.text.value, self.word_to_index)
            except ValueError as err:
                self.last_trace, self.last_error = None, str(err)
                print(err)
                return
            self.last_error = None
            _show(plot_gate_trace(self.last_trace))


def pick_examples(reviews: Sequence[tuple[str, int]], *, max_words: int = 40) -> dict[str, str]:
    """The first short positive and short negative review of ``(text, sentiment)`` pairs."""
    found: dict[str, str] = {}
    for text, sentiment in reviews:
        name = "a short positive review" if sentiment == 1 else "a short negative review"
        if name not in found and 5 <= len(tokenize(text)) <= max_words:
            found[name] = text
    return found
