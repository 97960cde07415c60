"""Layer 2, the models the chapters derive, each written once, named by what they model.

Cells written from scratch, used by several chapters:

- :mod:`rnnlib.models.gru` -- a GRU cell and stacked GRU from scratch, in two conventions;
- :mod:`rnnlib.models.lstm` -- an LSTM cell and stacked LSTM from scratch, equal to ``torch.nn.LSTM``;
- :mod:`rnnlib.models.batched_gru` -- the GRU from scratch with its input projection batched;
- :mod:`rnnlib.models.gru_features` -- classifier features from ``torch.nn.GRU`` states
  (last states by direction, reversal within lengths, splitting a bidirectional GRU).

Surnames (chapter 1):

- :mod:`rnnlib.models.charrnn` -- the lecture's char-RNN and its manual SGD loop;
- :mod:`rnnlib.models.surname_classifiers` -- batched GRU classifiers of surnames, class
  weights, prior correction, top-k languages.

Sentiment of reviews (chapters 2, 3 and 5):

- :mod:`rnnlib.models.textnet` -- the lecture's TEXTnet / TEXTnetOrder2, one review or a batch;
- :mod:`rnnlib.models.recurrences` -- linear, tanh, GRU and LSTM recurrences on one-hot words;
- :mod:`rnnlib.models.sentiment_gru` -- a small sentiment classifier on the scratch GRU, gates visible;
- :mod:`rnnlib.models.word2vec` -- Word2Vec vectors of the training reviews (cached), pretrained vectors;
- :mod:`rnnlib.models.sentiment_baselines` -- majority, TF-IDF and mean-word-vector baselines;
- :mod:`rnnlib.models.review_classifier` -- one review classifier with four recurrent encoders;
- :mod:`rnnlib.models.review_architectures` -- six ways to read a review, the contestants of the
  model battlefield (chapter 7).

Power load (chapter 6):

- :mod:`rnnlib.models.pmgru` -- the lecture's pmGRU and a window-to-value forecaster;
- :mod:`rnnlib.models.forecast_baselines` -- persistence, seasonal naive and lagged ridge forecasts.

Modules here may import :mod:`rnnlib.core` and :mod:`rnnlib.datasets`.
"""
