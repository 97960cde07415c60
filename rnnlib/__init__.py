"""rnnlib: the helper package of the course "Recurrent Neural Networks for Text
Classification and Data Prediction".

The package is built in layers; a module imports only its own layer and the layers below
(ARCHITECTURE.md states the rule, ``tests/test_architecture.py`` enforces it):

- :mod:`rnnlib.core` -- environment flags, files, the data registry, run time (device, seeds,
  fast mode, threads, timing), progress bars, the training loop and metrics;
- :mod:`rnnlib.datasets` -- the surnames and the Amazon reviews;
- :mod:`rnnlib.models` -- the models the chapters derive (char-RNN, TEXTnet, GRU from scratch,
  gated and batched classifiers);
- :mod:`rnnlib.viz` -- figures, the gate explorer and source listings;
- :mod:`rnnlib.teaching` -- helpers that make one chapter's claims checkable (``nn.GRU``'s API).

The version below is the only place it is written: ``pyproject.toml`` reads it, and the
notebooks install the release named in ``_config.yml`` (README, "Cutting a release").
"""

from rnnlib.core.runtime import fast_mode, hardware_summary, pick_device, scaled, seed_everything

__version__ = "0.3.0"

__all__ = ["__version__", "fast_mode", "hardware_summary", "pick_device", "scaled", "seed_everything"]
