"""rnnlib: the helper package of the course "Recurrent Neural Networks for Text
Classification and Data Prediction".

The package is built in five layers; a module imports only its own layer and the layers
below (ARCHITECTURE.md states the rule, ``tests/test_architecture.py`` enforces it):

- :mod:`rnnlib.core` -- what every chapter uses: environment flags, files, the data registry
  and its downloads, run time (device, seeds, fast mode, threads, timing), progress bars,
  batching, the training loop, metrics and the course's statistics;
- :mod:`rnnlib.datasets` -- the course's data: surnames, Amazon reviews, the PJM power load
  and forecasting windows;
- :mod:`rnnlib.models` -- the models the chapters derive, each written once;
- :mod:`rnnlib.viz` -- figures, the gate explorer, diagrams and source listings;
- :mod:`rnnlib.studies` -- the experiments: code that runs models to measure a chapter's claim.

A notebook imports modules from a layer, ``from rnnlib.core import runtime``, and calls
``runtime.seed_everything(0)``: one way to reach every public name.

The version below is the only place it is written: ``pyproject.toml`` reads it, and the
notebooks install the release named in ``_config.yml`` (README, "Cutting a release").
"""

__version__ = "0.4.0"

__all__ = ["__version__"]
