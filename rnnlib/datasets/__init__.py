"""Layer 1, the course's datasets, read from the files that :mod:`rnnlib.core.data` finds.

- :mod:`rnnlib.datasets.surnames` -- the surnames: cleaning, splits, one-hot tensors, loaders;
- :mod:`rnnlib.datasets.sentiment` -- the Amazon reviews: parsing
  (:mod:`~rnnlib.datasets.sentiment.parsing`), DLStudio-style datasets
  (:mod:`~rnnlib.datasets.sentiment.dlstudio`) and archives
  (:mod:`~rnnlib.datasets.sentiment.archives`), torch datasets and loaders
  (:mod:`~rnnlib.datasets.sentiment.torchdata`), all re-exported by the package;
- :mod:`rnnlib.datasets.power` -- the PJM hourly power load: reading, cleaning, calendar
  features, splits by time;
- :mod:`rnnlib.datasets.windows` -- min-max scaling and lazy forecasting windows of any series.

Modules here may import :mod:`rnnlib.core` only.
"""
