"""The baselines every sentiment model must beat: majority class, TF-IDF and mean word vectors.

Each takes tokenized documents (lists of words) and labels and returns a fitted
scikit-learn estimator whose ``predict`` takes tokenized documents too, so a notebook
compares them with the recurrent models on exactly the same reviews.

- :func:`majority_baseline` -- always the most frequent training label;
- :func:`tfidf_logistic` -- TF-IDF of words (fitted on the training documents only) and a
  logistic regression;
- :func:`mean_vector_logistic` -- the mean of each review's word vectors and a logistic
  regression: what the word vectors alone know, without any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gensim.models import KeyedVectors
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

__all__ = ["majority_baseline", "mean_vector_features", "mean_vector_logistic", "tfidf_logistic"]

Documents = Sequence[Sequence[str]]


def _check_training(documents: Documents, labels: Sequence[int] | np.ndarray) -> np.ndarray:
    if isinstance(documents, str) or any(isinstance(d, str) for d in documents):
        raise TypeError("documents must be tokenized: a list of lists of words, not strings.")
    y = np.asarray(labels)
    if len(documents) == 0:
        raise ValueError("The training set is empty: a baseline needs labelled documents to fit.")
    if y.shape != (len(documents),):
        raise ValueError(f"{len(documents)} documents but labels of shape {y.shape}: give one label each.")
    if len(np.unique(y)) < 2:
        raise ValueError("All training labels are the same class: a classifier needs at least two.")
    return y


def _identity(doc: Sequence[str]) -> Sequence[str]:
    return doc


def majority_baseline(documents: Documents, labels: Sequence[int] | np.ndarray) -> DummyClassifier:
    """A classifier that always answers the most frequent training label."""
    y = _check_training(documents, labels)
    return DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y), 1)), y)


def tfidf_logistic(
    documents: Documents, labels: Sequence[int] | np.ndarray, *, C: float = 10.0, min_df: int = 2
) -> Pipeline:
    """TF-IDF (words seen in ``min_df`` training documents, sublinear counts) + logistic regression.

    The vectorizer's vocabulary and IDF weights come from ``documents`` only.
    """
    y = _check_training(documents, labels)
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=min_df, sublinear_tf=True)
    model = make_pipeline(vectorizer, LogisticRegression(C=C, max_iter=5000))
    return model.fit(list(documents), y)


def mean_vector_features(vectors: KeyedVectors, documents: Documents) -> np.ndarray:
    """``(documents, dim)``: each document's mean word vector over the words that have one.

    Raises:
        ValueError: a document none of whose words has a vector (it names the document).
    """
    rows = []
    for i, doc in enumerate(documents):
        known = [w for w in doc if w in vectors.key_to_index]
        if not known:
            raise ValueError(
                f"Document {i} has no word with a vector ({list(doc)[:5]}…): drop it, or train the "
                "vectors with a lower min_count."
            )
        rows.append(vectors[known].mean(axis=0))
    return np.stack(rows).astype(np.float32)


def mean_vector_logistic(
    vectors: KeyedVectors, documents: Documents, labels: Sequence[int] | np.ndarray, *, C: float = 1.0
) -> Pipeline:
    """Mean word vector + logistic regression; ``predict`` takes tokenized documents."""
    y = _check_training(documents, labels)

    def features(docs: Any) -> np.ndarray:
        return mean_vector_features(vectors, docs)

    model = make_pipeline(FunctionTransformer(features), LogisticRegression(C=C, max_iter=5000))
    return model.fit(list(documents), y)
