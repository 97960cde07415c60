"""Typical wrong submissions of the char-RNN exercises, as edits of the reference solution.

Each entry names the submission, the exact text replaced in the reference solution, its
replacement, and the one question on which it must lose points (and only there).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswer:
    name: str
    old: str
    new: str
    loses_on: str


WRONG_ANSWERS = [
    # The lecture's alphabet: the apostrophe is missing (56 symbols, not 57).
    WrongAnswer(
        "alphabet_off_by_one",
        """ALPHABET = string.ascii_letters + " .,;'\"""",
        """ALPHABET = string.ascii_letters + " .,;\"""",
        "q1",
    ),
    # The hidden state is carried over from the previous name.
    WrongAnswer(
        "hidden_not_reset",
        """def classify_name(model, name):
    # BEGIN SOLUTION
    hidden = model.init_hidden()
    for letter in line_to_tensor(name):
        output, hidden = model(letter, hidden)
    return output""",
        """_CARRIED = {}


def classify_name(model, name):
    hidden = _CARRIED.get(id(model), model.init_hidden())
    for letter in line_to_tensor(name):
        output, hidden = model(letter, hidden)
    _CARRIED[id(model)] = hidden
    return output""",
        "q3",
    ),
    # Softmax instead of log-softmax in front of NLLLoss.
    WrongAnswer(
        "softmax_with_nll",
        "return nn.functional.nll_loss(torch.log_softmax(scores, dim=1), target)",
        "return nn.functional.nll_loss(torch.softmax(scores, dim=1), target)",
        "q4",
    ),
    # Confusion matrix read by columns (predicted class) instead of rows (true class).
    WrongAnswer(
        "confusion_axes_swapped",
        "support = cm.sum(axis=1)",
        "support = cm.sum(axis=0)",
        "q5",
    ),
]
