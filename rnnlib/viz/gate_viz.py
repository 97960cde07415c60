"""Seeing a GRU's gates at work on a review: per-word traces of the update and reset gates of a
:class:`rnnlib.models.gated.GatedSentimentGRU`, figures for the static site and an ipywidgets
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

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display
from matplotlib.figure import Figure

from rnnlib.core.training import eval_mode
from rnnlib.datasets.sentiment import tokenize
from rnnlib.models.gated import GatedSentimentGRU

__all__ = [
    "WIDGETS_REQUIREMENT",
    "GateExplorer",
    "GateTrace",
    "pick_examples",
    "plot_gate_trace",
    "trace_review",
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
    """

    words: list[str]
    z: np.ndarray
    r: np.ndarray
    h_norm: np.ndarray
    p_positive: np.ndarray
    skipped: list[str]


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
    )


def plot_gate_trace(trace: GateTrace, *, title: str = "", max_words: int = 60) -> Figure:
    """Heatmaps of the update and reset gates (hidden units × words), ``‖h_t‖`` and P(positive).

    Only the first ``max_words`` words are drawn, so the word labels stay readable. The figure
    is at most 9 inches wide, so that the book's text column shows it at three quarters of its
    size or more; beyond about 35 words the word labels get a smaller font instead.
    """
    if max_words < 1:
        raise ValueError(f"max_words={max_words}: must be at least 1.")
    n = min(len(trace.words), max_words)
    fig, axes = plt.subplots(
        4,
        1,
        figsize=(min(9.0, max(7.5, 0.2 * n + 2)), 9),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 3, 1.2, 1.2]},
    )
    for ax, name, values in ((axes[0], "update gate z", trace.z), (axes[1], "reset gate r", trace.r)):
        image = ax.imshow(
            values[:n].T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest"
        )
        ax.set_ylabel(f"{name}\nhidden unit")
        fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01, label="gate value")
    axes[2].plot(np.arange(n), trace.h_norm[:n], marker=".", color="tab:blue")
    axes[2].set_ylabel("‖h_t‖")
    axes[3].plot(np.arange(n), trace.p_positive[:n], marker=".", color="tab:green")
    axes[3].axhline(0.5, color="gray", ls="--", lw=1)
    axes[3].set_ylim(0, 1)
    axes[3].set_ylabel("P(positive)")
    axes[3].set_xticks(np.arange(n))
    axes[3].set_xticklabels(trace.words[:n], rotation=90, fontsize=9 if n <= 35 else 7)
    axes[3].set_xlabel("word read (time step)")
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
