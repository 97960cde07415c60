"""Layer 1, the course's datasets, read from the files that :mod:`rnnlib.core.data` finds.

- :mod:`rnnlib.datasets.surnames` -- the surnames: cleaning, splits, one-hot tensors;
- :mod:`rnnlib.datasets.power` -- the PJM hourly power load: reading, cleaning, calendar
  features, splits by time;
- :mod:`rnnlib.datasets.sentiment` -- the Amazon reviews: parsing
  (:mod:`~rnnlib.datasets.sentiment.parsing`), DLStudio-style datasets
  (:mod:`~rnnlib.datasets.sentiment.dlstudio`) and archives
  (:mod:`~rnnlib.datasets.sentiment.archives`), torch datasets
  (:mod:`~rnnlib.datasets.sentiment.torchdata`).

Modules here may import :mod:`rnnlib.core` only.
"""
