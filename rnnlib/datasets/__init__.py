"""Layer 1, the course's datasets, read from the files that :mod:`rnnlib.core.data` finds.

- :mod:`rnnlib.datasets.surnames` -- the surnames: cleaning, splits, one-hot tensors;
- :mod:`rnnlib.datasets.sentiment` -- the Amazon reviews: parsing, DLStudio-style datasets
  and archives, torch datasets.

Modules here may import :mod:`rnnlib.core` only.
"""
