"""Batches of similar lengths: less padding for the same shuffled data.

A padded batch costs as much as its longest member times the batch size. Shuffling reviews
of 5 to 3,500 words into batches of 64 wastes most of that work on padding;
:class:`LengthBucketSampler` shuffles, then sorts each *pool* of a few batches by length
before cutting it into batches, and shuffles the batch order: every epoch sees the data in a
new order, and each batch holds reviews of similar length. :func:`padding_fraction` measures
the waste.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler

from rnnlib.core.checks import check_lengths, check_sizes

__all__ = ["LengthBucketSampler", "padding_fraction", "shuffled_batches"]


class LengthBucketSampler(Sampler[list[int]]):
    """A batch sampler (``DataLoader(dataset, batch_sampler=...)``) grouping similar lengths.

    Args:
        lengths: one length per example of the dataset.
        batch_size: examples per batch (the last batch of a pool may be smaller).
        pool_batches: how many batches' worth of examples are sorted together; 1 sorts
            nothing (plain shuffled batches), ``len(lengths)`` sorts everything.
        shuffle: shuffle every epoch (training); False gives one fixed, fully sorted order.
        seed: seeds the shuffles; epoch ``k`` uses ``seed + k``, so runs are repeatable.
    """

    def __init__(
        self,
        lengths: Sequence[int] | np.ndarray,
        batch_size: int,
        *,
        pool_batches: int = 50,
        shuffle: bool = True,
        seed: int = 0,
    ) -> None:
        check_sizes(batch_size=batch_size, pool_batches=pool_batches)
        self.lengths = check_lengths(lengths)
        self.batch_size, self.pool_batches, self.shuffle, self.seed = batch_size, pool_batches, shuffle, seed
        self.epoch = 0

    def batches(self, epoch: int) -> list[list[int]]:
        """The batches of epoch ``epoch`` (0-based), as lists of example indices."""
        n = len(self.lengths)
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
            return [order[i : i + self.batch_size].tolist() for i in range(0, n, self.batch_size)]
        rng = np.random.default_rng(self.seed + epoch)
        order = rng.permutation(n)
        pool = self.batch_size * self.pool_batches
        batches = []
        for start in range(0, n, pool):
            chunk = order[start : start + pool]
            chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")]
            cuts = range(0, len(chunk), self.batch_size)
            batches += [chunk[i : i + self.batch_size].tolist() for i in cuts]
        return [batches[i] for i in rng.permutation(len(batches))]

    def __iter__(self) -> Iterator[list[int]]:
        batches = self.batches(self.epoch)
        self.epoch += 1
        return iter(batches)

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)  # pools hold whole batches: ceil(n / batch)


def shuffled_batches(n: int, batch_size: int, *, seed: int = 0) -> list[list[int]]:
    """Plain shuffled batches of ``range(n)``, what ``DataLoader(shuffle=True)`` gives."""
    check_sizes(n=n, batch_size=batch_size)
    order = np.random.default_rng(seed).permutation(n)
    return [order[i : i + batch_size].tolist() for i in range(0, n, batch_size)]


def padding_fraction(lengths: Sequence[int] | np.ndarray, batches: Sequence[Sequence[int]]) -> float:
    """Share of a padded batch's positions that are padding, over all ``batches``.

    ``1 - (real elements) / sum(len(batch) * longest in batch)``: 0 when every batch holds
    equal lengths.

    Raises:
        ValueError: no batches, an empty batch, or an index outside ``lengths``.
    """
    array = check_lengths(lengths)
    if not batches or any(len(b) == 0 for b in batches):
        raise ValueError("batches must be a non-empty list of non-empty lists of indices.")
    real = total = 0
    for batch in batches:
        idx = np.asarray(batch)
        if int(idx.min()) < 0 or int(idx.max()) >= len(array):
            raise ValueError(f"A batch holds an index outside 0..{len(array) - 1}.")
        real += int(array[idx].sum())
        total += len(idx) * int(array[idx].max())
    return 1.0 - real / total
