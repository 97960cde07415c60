"""rnnlib.core.batching: length-bucketed batches, plain shuffled batches and the padding they cost."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from rnnlib.core.batching import LengthBucketSampler, padding_fraction, shuffled_batches


def skewed_lengths(n: int = 1000, seed: int = 0) -> np.ndarray:
    """Review-like lengths: most short, a long tail (5 to a few thousand words)."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.lognormal(4.0, 1.0, n).astype(int), 1, 3500)


def flat(batches: list[list[int]]) -> list[int]:
    return [i for batch in batches for i in batch]


@pytest.mark.parametrize(("n", "batch_size", "pool"), [(1000, 32, 10), (10, 3, 2), (7, 7, 1), (5, 10, 50)])
def test_every_index_once_per_epoch_in_full_batches(n: int, batch_size: int, pool: int) -> None:
    sampler = LengthBucketSampler(skewed_lengths(n), batch_size, pool_batches=pool, seed=3)
    for epoch in range(3):
        batches = sampler.batches(epoch)
        assert sorted(flat(batches)) == list(range(n))
        sizes = [len(b) for b in batches]
        # pools hold whole batches, so only the last pool's last batch may be short
        assert sorted(sizes, reverse=True)[:-1] == [batch_size] * (len(sizes) - 1)
        assert 1 <= min(sizes) <= batch_size
        assert len(batches) == len(sampler) == -(-n // batch_size)
        assert all(isinstance(i, int) for i in batches[0])


def test_epochs_differ_and_the_seed_repeats_them() -> None:
    lengths = skewed_lengths(200)
    one, two = LengthBucketSampler(lengths, 16, seed=5), LengthBucketSampler(lengths, 16, seed=5)
    epochs_one = [list(one) for _ in range(3)]  # each iteration is the next epoch
    epochs_two = [list(two) for _ in range(3)]
    assert epochs_one == epochs_two
    assert epochs_one[0] != epochs_one[1] != epochs_one[2]
    assert epochs_one == [one.batches(k) for k in range(3)]
    assert list(LengthBucketSampler(lengths, 16, seed=6)) != epochs_one[0]


def test_batches_group_similar_lengths() -> None:
    lengths = skewed_lengths(1000)
    sampler = LengthBucketSampler(lengths, 32, pool_batches=10, seed=1)
    bucketed = padding_fraction(lengths, sampler.batches(0))
    shuffled = padding_fraction(lengths, shuffled_batches(1000, 32, seed=1))
    assert bucketed < 0.6 * shuffled  # about 0.44 against 0.81 here
    # inside every pool of pool_batches * batch_size examples the batches are sorted by length:
    # with one pool holding everything, the batches cut the sorted lengths into ranges
    everything = LengthBucketSampler(lengths, 32, pool_batches=1000, seed=1).batches(0)
    by_min = sorted(everything, key=lambda b: (lengths[b].min(), lengths[b].max()))
    joined = np.concatenate([np.sort(lengths[b]) for b in by_min])
    assert np.all(np.diff(joined) >= 0)


def test_pool_of_one_batch_sorts_nothing_across_batches() -> None:
    lengths = skewed_lengths(300)
    plain = padding_fraction(lengths, LengthBucketSampler(lengths, 20, pool_batches=1, seed=2).batches(0))
    pooled = padding_fraction(lengths, LengthBucketSampler(lengths, 20, pool_batches=15, seed=2).batches(0))
    assert pooled < plain


def test_no_shuffle_is_fully_sorted_and_fixed() -> None:
    lengths = [5, 1, 4, 1, 3, 9, 2]
    sampler = LengthBucketSampler(lengths, 3, shuffle=False)
    # by hand: lengths sorted (stable) are indices 1, 3, 6, 4, 2, 0, 5
    assert sampler.batches(0) == [[1, 3, 6], [4, 2, 0], [5]]
    assert list(sampler) == list(sampler) == sampler.batches(7)
    assert len(sampler) == 3


def test_works_as_a_dataloader_batch_sampler() -> None:
    lengths = [3, 1, 2, 5, 4, 2]
    data = torch.arange(6)
    loader = DataLoader(data, batch_sampler=LengthBucketSampler(lengths, 2, shuffle=False))
    assert [b.tolist() for b in loader] == [[1, 2], [5, 0], [4, 3]]
    assert len(loader) == 3


def test_shuffled_batches() -> None:
    batches = shuffled_batches(10, 4, seed=1)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(flat(batches)) == list(range(10))
    assert batches == shuffled_batches(10, 4, seed=1) != shuffled_batches(10, 4, seed=2)
    with pytest.raises(ValueError, match=r"n=0"):
        shuffled_batches(0, 4)
    with pytest.raises(ValueError, match=r"batch_size=0"):
        shuffled_batches(4, 0)


def test_padding_fraction_by_hand() -> None:
    # batch [0, 1] pads to 2 x 3 = 6 for 4 real words; batch [2, 3] to 2 x 2 = 4 for 4: 1 - 8 / 10
    assert padding_fraction([1, 3, 2, 2], [[0, 1], [2, 3]]) == pytest.approx(0.2)
    assert padding_fraction([1, 3, 2, 2], [[0], [1], [2, 3]]) == 0.0
    assert padding_fraction(np.array([1, 3, 2, 2]), [[0, 1, 2, 3]]) == pytest.approx(1 - 8 / 12)


@pytest.mark.parametrize(
    ("lengths", "batches", "message"),
    [
        ([1, 2], [], r"batches must be a non-empty list of non-empty lists"),
        ([1, 2], [[0], []], r"batches must be a non-empty list of non-empty lists"),
        ([1, 2], [[0, 2]], r"A batch holds an index outside 0\.\.1"),
        ([1, 2], [[-1]], r"A batch holds an index outside 0\.\.1"),
        ([], [[0]], r"lengths must be a non-empty list"),
        ([1, 0], [[0]], r"at least 1: drop empty examples"),
        ([1.5, 2], [[0]], r"whole number of at least 1"),
        ([[1, 2]], [[0]], r"lengths must be a non-empty list with one length per example"),
    ],
)
def test_padding_fraction_errors(lengths: list[int], batches: list[list[int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        padding_fraction(lengths, batches)


@pytest.mark.parametrize(
    ("lengths", "kwargs", "message"),
    [
        ([1, 2], {"batch_size": 0}, r"batch_size=0"),
        ([1, 2], {"batch_size": 2, "pool_batches": 0}, r"pool_batches=0"),
        ([], {"batch_size": 2}, r"lengths must be a non-empty list"),
        ([3, 0, 2], {"batch_size": 2}, r"drop empty examples before batching"),
    ],
)
def test_sampler_errors(lengths: list[int], kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LengthBucketSampler(lengths, **kwargs)
