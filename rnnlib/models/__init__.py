"""Layer 2, the models the chapters derive, each written once.

- :mod:`rnnlib.models.charrnn` -- the lecture's char-RNN and its manual SGD loop;
- :mod:`rnnlib.models.textnet` -- the lecture's TEXTnet / TEXTnetOrder2 and gradient tools;
- :mod:`rnnlib.models.gru` -- a GRU cell and stacked GRU from scratch, in two conventions;
- :mod:`rnnlib.models.gated` -- a small sentiment classifier on that GRU, gates visible;
- :mod:`rnnlib.models.features` -- classifier features from ``torch.nn.GRU`` states;
- :mod:`rnnlib.models.classifiers` -- batched GRU classifiers and top-k prediction.

Modules here may import :mod:`rnnlib.core` and :mod:`rnnlib.datasets`.
"""
