"""rnnlib: the helper package of the course "Recurrent Neural Networks for Text
Classification and Data Prediction".

Modules, one job each:

- :mod:`rnnlib.core.data` -- find, download and checksum-verify the datasets;
- :mod:`rnnlib.core.runtime` -- device choice, seeding, fast mode, hardware and timing;
- :mod:`rnnlib.core.progress` -- progress bars (widgets in notebooks, quiet in CI);
- :mod:`rnnlib.core.training` -- the generic train / evaluate loop and its history;
- :mod:`rnnlib.core.metrics` -- accuracy, per-class accuracy, confusion matrices;
- :mod:`rnnlib.viz.plots` -- confusion heatmaps and loss curves;
- :mod:`rnnlib.datasets.surnames` -- the surnames data: cleaning, splits, one-hot tensors;
- :mod:`rnnlib.models.charrnn` -- the lecture's char-RNN and its manual SGD loop;
- :mod:`rnnlib.models.classifiers` -- batched GRU classifiers and top-k prediction;
- :mod:`rnnlib.datasets.sentiment` -- the Amazon reviews: parsing, DLStudio-style datasets and archives;
- :mod:`rnnlib.models.textnet` -- the lecture's TEXTnet / TEXTnetOrder2 and vanishing-gradient tools;
- :mod:`rnnlib.models.gru` -- a GRU cell and stacked GRU from scratch, in two conventions;
- :mod:`rnnlib.viz.gate_viz` -- gate traces of a sentiment GRU and their explorer;
- :mod:`rnnlib.teaching.gru_api` -- ``torch.nn.GRU`` made explicit: shapes, stepping, directions, packing;
- :mod:`rnnlib.viz.display` -- show rnnlib source code inside a chapter.
"""

from rnnlib.core.runtime import fast_mode, hardware_summary, pick_device, scaled, seed_everything

__version__ = "0.1.0"

__all__ = ["__version__", "fast_mode", "hardware_summary", "pick_device", "scaled", "seed_everything"]
