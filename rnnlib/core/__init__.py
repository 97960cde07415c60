"""Layer 0, the general machinery every chapter uses.

- :mod:`rnnlib.core.env` -- yes/no environment flags, parsed in one place;
- :mod:`rnnlib.core.files` -- atomic file writes;
- :mod:`rnnlib.core.checks` -- argument checks shared by the models (sizes, lengths, padded batches);
- :mod:`rnnlib.core.registry` -- what a dataset is (files, SHA-256, source) and the data errors;
- :mod:`rnnlib.core.catalog` -- the course's datasets, registered;
- :mod:`rnnlib.core.data` -- find, download and checksum-verify them (mirror, cache, download);
- :mod:`rnnlib.core.local_data` -- the two local places of a data file: the mirror and the cache;
- :mod:`rnnlib.core.download` -- a dataset's download: a timeout per read, a deadline for the whole;
- :mod:`rnnlib.core.unpack` -- archives unpacked under a cap on their unpacked size;
- :mod:`rnnlib.core.runtime` -- device choice, seeding, fast mode, threads, denormals, hardware
  and timing;
- :mod:`rnnlib.core.progress` -- progress bars (widgets in notebooks, quiet in CI);
- :mod:`rnnlib.core.parallel` -- independent runs side by side in worker processes;
- :mod:`rnnlib.core.batching` -- batches of similar lengths, and the padding they save;
- :mod:`rnnlib.core.training` -- the generic train / evaluate loop, early stopping, its history,
  eval mode, parameter counts;
- :mod:`rnnlib.core.metrics` -- accuracy, macro F1, per-class accuracy, confusion matrices;
- :mod:`rnnlib.core.forecast_metrics` -- sMAPE and MAE of forecasts;
- :mod:`rnnlib.core.stats` -- comparing two models on the same test items, and intervals.

Modules here import nothing from the other layers of rnnlib.
"""
