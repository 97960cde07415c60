"""rnnlib: the helper package of the course "Recurrent Neural Networks for Text
Classification and Data Prediction".

Modules, one job each:

- :mod:`rnnlib.data` -- find, download and checksum-verify the datasets;
- :mod:`rnnlib.runtime` -- device choice, seeding, fast mode, hardware and timing;
- :mod:`rnnlib.progress` -- progress bars (widgets in notebooks, quiet in CI);
- :mod:`rnnlib.training` -- the generic train / evaluate loop and its history;
- :mod:`rnnlib.metrics` -- accuracy, per-class accuracy, confusion matrices;
- :mod:`rnnlib.plots` -- confusion heatmaps and loss curves;
- :mod:`rnnlib.surnames` -- the surnames data: cleaning, splits, one-hot tensors;
- :mod:`rnnlib.charrnn` -- the lecture's char-RNN and its manual SGD loop;
- :mod:`rnnlib.classifiers` -- batched GRU classifiers and top-k prediction;
- :mod:`rnnlib.sentiment` -- the Amazon reviews: parsing, DLStudio-style datasets and archives;
- :mod:`rnnlib.textnet` -- the lecture's TEXTnet / TEXTnetOrder2 and vanishing-gradient tools;
- :mod:`rnnlib.gru` -- a GRU cell and stacked GRU from scratch, in two conventions;
- :mod:`rnnlib.gate_viz` -- gate traces of a sentiment GRU and their explorer;
- :mod:`rnnlib.gru_api` -- ``torch.nn.GRU`` made explicit: shapes, stepping, directions, packing;
- :mod:`rnnlib.display` -- show rnnlib source code inside a chapter.
"""

from .runtime import fast_mode, hardware_summary, pick_device, scaled, seed_everything

__version__ = "0.1.0"

__all__ = ["__version__", "fast_mode", "hardware_summary", "pick_device", "scaled", "seed_everything"]
