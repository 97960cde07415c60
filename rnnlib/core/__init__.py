"""Layer 0, the general machinery every chapter uses.

- :mod:`rnnlib.core.env` -- yes/no environment flags, parsed in one place;
- :mod:`rnnlib.core.files` -- atomic file writes;
- :mod:`rnnlib.core.checks` -- argument checks shared by the models;
- :mod:`rnnlib.core.registry` -- what a dataset is (files, SHA-256, source) and the data errors;
- :mod:`rnnlib.core.catalog` -- the course's datasets, registered;
- :mod:`rnnlib.core.data` -- find, download and checksum-verify them (mirror, cache, download);
- :mod:`rnnlib.core.runtime` -- device choice, seeding, fast mode, threads, hardware and timing;
- :mod:`rnnlib.core.progress` -- progress bars (widgets in notebooks, quiet in CI);
- :mod:`rnnlib.core.batching` -- batches of similar lengths, and the padding they save;
- :mod:`rnnlib.core.training` -- the generic train / evaluate loop, its history, eval mode;
- :mod:`rnnlib.core.metrics` -- accuracy, macro F1, per-class accuracy, confusion matrices,
  intervals over seeds;
- :mod:`rnnlib.core.timeseries` -- min-max scaling, sMAPE and MAE, lazy forecasting windows.

Modules here import nothing from the other layers of rnnlib.
"""
