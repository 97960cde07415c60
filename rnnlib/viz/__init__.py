"""Layer 3, what a reader sees: figures, widgets, diagrams and source listings.

- :mod:`rnnlib.viz.plots` -- confusion heatmaps, loss and learning curves;
- :mod:`rnnlib.viz.gate_viz` -- gate traces of a GRU on a review, their figure and explorer;
- :mod:`rnnlib.viz.diagrams` -- the architecture diagrams of chapters 1 to 3 (RNN, TEXTnet, GRU cell);
- :mod:`rnnlib.viz.listings` -- show rnnlib source code inside a chapter;
- :mod:`rnnlib.viz.throughput_plot` -- chapter 5's training throughput against its roofline.

Modules here may import :mod:`rnnlib.core`, :mod:`rnnlib.datasets` and :mod:`rnnlib.models`.
"""
