"""Layer 4, the course's experiments (studies): code that runs models to measure something a chapter claims.

- :mod:`rnnlib.studies.gradients` -- how far back a recurrence's gradient reaches, BPTT's weight
  gradient, exact or truncated (chapter 2);
- :mod:`rnnlib.studies.onehot_runs` -- chapter 2's controlled runs: TEXTnet, linear, tanh RNN and
  GRU on one-hot words, to convergence;
- :mod:`rnnlib.studies.memory_task` -- carrying one bit across noisy steps: tanh RNN, GRU, LSTM,
  each with and without a start that keeps the state (chapter 3);
- :mod:`rnnlib.studies.gru_api` -- ``torch.nn.GRU`` made explicit: shapes, stepping, directions,
  packing and speed (chapter 4);
- :mod:`rnnlib.studies.roofline` -- the GEMM roofline of a GRU training step, and the interleaved
  timing both benchmarks share (chapter 5);
- :mod:`rnnlib.studies.throughput` -- how fast chapter 5's review encoders train, against that
  roofline;
- :mod:`rnnlib.studies.forecast_runs` -- chapter 6's forecasters trained to convergence, seeds side
  by side;
- :mod:`rnnlib.studies.review_tournament` -- chapter 7's tournament: every review classifier trained
  the same way, with its inference speed and the memory of a training step.

Modules here may import every other layer; nothing in rnnlib imports them.
"""
