"""tools/bench_threads.py: its synthetic data and a tiny interleaved run of each loop."""

from __future__ import annotations

import re

import pytest
import torch

from rnnlib.datasets.surnames import ALPHABET
from tools import bench_threads


def test_synthetic_names_follow_the_length_table() -> None:
    corpus = bench_threads.synthetic_corpus(size=500, seed=1)
    assert len(corpus.names) == 500 and all(c in ALPHABET for n in corpus.names for c in n)
    lengths = {len(n) for n in corpus.names}
    assert lengths <= set(bench_threads.NAME_LENGTHS)
    assert 5 <= sum(map(len, corpus.names)) / 500 <= 9  # the table's mean is about 7.1 letters


def test_synthetic_reviews_are_word_indices_in_the_vocabulary() -> None:
    reviews = bench_threads.synthetic_reviews(6, seed=2)
    low, high = bench_threads.REVIEW_WORDS
    assert [s for _, s in reviews] == [0, 1, 0, 1, 0, 1]
    assert all(low <= len(r) <= high and int(r.max()) < bench_threads.VOCAB for r, _ in reviews)


@pytest.mark.parametrize("loop", ["lecture", "textnet"])
def test_a_tiny_run_prints_every_configuration_and_restores_threads(
    loop: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = torch.get_num_threads()
    args = ["--loop", loop, "--steps", "20", "--reviews", "1", "--repeats", "1", "--threads", "3"]
    assert bench_threads.main([*args, "--bounds", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert torch.get_num_threads() == before
    for name in ("3 threads, unbounded", "3 threads, bound 1", "3 threads, bound 2", "2 threads, unbounded"):
        assert re.search(rf"^{re.escape(name)}.*\s\d+\.\d\d\s", out, flags=re.M), (name, out)
    assert "(default)" in out and "not slower than 2 threads" in out


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(SystemExit):
        bench_threads.main(["--repeats", "0"])
