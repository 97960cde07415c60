"""Layer 1, the course's datasets, read from the files that :mod:`rnnlib.core.data` finds.

- :mod:`rnnlib.datasets.surnames` -- the surnames: cleaning, splits, one-hot tensors, loaders;
- :mod:`rnnlib.datasets.sentiment` -- the Amazon reviews: parsing
  (:mod:`~rnnlib.datasets.sentiment.parsing`), DLStudio-style datasets
  (:mod:`~rnnlib.datasets.sentiment.dlstudio`) and archives
  (:mod:`~rnnlib.datasets.sentiment.archives`), torch datasets and loaders
  (:mod:`~rnnlib.datasets.sentiment.torchdata`), all re-exported by the package;
- :mod:`rnnlib.datasets.power` -- the PJM hourly power load: fetching, cleaning with counts,
  and re-exported from its helpers: reading a CSV (:mod:`~rnnlib.datasets.power_csv`), the checks
  before cleaning (:mod:`~rnnlib.datasets.power_checks`), the cleaning report
  (:mod:`~rnnlib.datasets.power_report`), calendar features and splits by time
  (:mod:`~rnnlib.datasets.power_features`);
- :mod:`rnnlib.datasets.windows` -- min-max scaling and lazy forecasting windows of any series.

Modules here may import :mod:`rnnlib.core` only.
"""
