"""rnnlib.viz.listings: showing rnnlib source code in a chapter."""

from __future__ import annotations

import pytest
from IPython.display import Code

from rnnlib.models.charrnn import LectureRNN, run_name
from rnnlib.models.surname_classifiers import GRUClassifier
from rnnlib.viz.listings import plain_roles, show_source


def test_show_source_of_a_class() -> None:
    code = show_source(LectureRNN)
    assert isinstance(code, Code)
    assert "class LectureRNN(nn.Module):" in code.data
    assert "def forward(" in code.data
    assert code.language == "python"
    assert '<span class="k">class</span>' in code._repr_html_()  # highlighted as Python


def test_show_source_of_a_function() -> None:
    code = show_source(run_name)
    assert code.data.startswith("def run_name(")
    assert "class LectureRNN" not in code.data


@pytest.mark.parametrize("obj", [3, len, "LectureRNN"])
def test_show_source_rejects_objects_without_source(obj: object) -> None:
    with pytest.raises(TypeError, match=r"Cannot show the source of .*: pass a class or function"):
        show_source(obj)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a :class:`PackedSequence` of", "a `PackedSequence` of"),
        ("see :func:`~rnnlib.core.data.fetch`.", "see `fetch`."),
        ("see :func:`rnnlib.core.data.fetch`.", "see `rnnlib.core.data.fetch`."),
        (":py:meth:`Forecaster.init_hidden`", "`Forecaster.init_hidden`"),
        ("the :doc:`second chapter <chapters/02/x>`", "the `second chapter`"),
        ("``x`` and `y` and :math:`h_t`", "``x`` and `y` and `h_t`"),
        ("a ratio 1:2 and a dict {'a': `b`}", "a ratio 1:2 and a dict {'a': `b`}"),
    ],
)
def test_plain_roles(text: str, shown: str) -> None:
    assert plain_roles(text) == shown


def test_listings_show_roles_as_plain_names() -> None:
    code = show_source(GRUClassifier)
    assert ":class:`" not in code.data and "`PackedSequence`" in code.data
    assert "def forward(" in code.data
