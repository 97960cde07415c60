"""Layer 2, the models the chapters derive, each written once.

- :mod:`rnnlib.models.charrnn` -- the lecture's char-RNN and its manual SGD loop;
- :mod:`rnnlib.models.textnet` -- the lecture's TEXTnet / TEXTnetOrder2, one review or a padded
  batch at a time;
- :mod:`rnnlib.models.recurrences` -- linear, tanh, GRU and LSTM recurrences on one-hot words,
  gradients by distance;
- :mod:`rnnlib.models.onehot_runs` -- chapter 2's controlled runs: TEXTnet, linear, tanh RNN and GRU
  on one-hot words, to convergence;
- :mod:`rnnlib.models.gru` -- a GRU cell and stacked GRU from scratch, in two conventions;
- :mod:`rnnlib.models.gated` -- a small sentiment classifier on that GRU, gates visible;
- :mod:`rnnlib.models.lstm` -- an LSTM cell and stacked LSTM from scratch, equal to ``torch.nn.LSTM``;
- :mod:`rnnlib.models.memory_task` -- carrying one bit across noisy steps: tanh RNN, GRU, LSTM, each
  with and without a start that keeps the state;
- :mod:`rnnlib.models.features` -- classifier features from ``torch.nn.GRU`` states;
- :mod:`rnnlib.models.classifiers` -- batched GRU classifiers and top-k prediction;
- :mod:`rnnlib.models.fastgru` -- the GRU from scratch with its input projection batched (chapter 5);
- :mod:`rnnlib.models.word2vec` -- Word2Vec vectors of the training reviews (cached), pretrained vectors;
- :mod:`rnnlib.models.baselines` -- majority, TF-IDF and mean-word-vector baselines;
- :mod:`rnnlib.models.review_rnn` -- one review classifier with four recurrent encoders;
- :mod:`rnnlib.models.throughput` -- how fast those encoders train, against a GEMM roofline;
- :mod:`rnnlib.models.pmgru` -- the lecture's pmGRU and a window-to-value forecaster (chapter 6);
- :mod:`rnnlib.models.forecast_baselines` -- persistence, seasonal naive and lagged ridge forecasts.

Modules here may import :mod:`rnnlib.core` and :mod:`rnnlib.datasets`.
"""
