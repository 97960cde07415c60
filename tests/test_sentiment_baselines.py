"""rnnlib.models.sentiment_baselines on toy corpora: majority class, TF-IDF, mean word vectors, errors."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import KeyedVectors

from rnnlib.models.sentiment_baselines import (
    majority_baseline,
    mean_vector_features,
    mean_vector_logistic,
    tfidf_logistic,
)

# "good" makes a review positive (1), "bad" negative (0); the other words carry nothing.
TRAIN = [
    ["a", "good", "film"],
    ["good", "plot", "and", "cast"],
    ["the", "cast", "was", "good"],
    ["really", "good"],
    ["a", "bad", "film"],
    ["bad", "plot", "and", "cast"],
    ["the", "cast", "was", "bad"],
    ["really", "bad"],
]
LABELS = [1, 1, 1, 1, 0, 0, 0, 0]
TEST = [["good", "unseen", "words"], ["bad", "another", "novelty"], ["good", "good", "cast"]]


def test_majority_predicts_the_most_frequent_training_label() -> None:
    model = majority_baseline(TRAIN[:5], [1, 1, 0, 0, 0])
    assert model.predict(TEST).tolist() == [0, 0, 0]
    model = majority_baseline(TRAIN, np.array([2, 2, 2, 1, 1, 2, 0, 2]))
    assert model.predict([["x"], ["y", "z"]]).tolist() == [2, 2]


def test_tfidf_learns_a_separable_corpus() -> None:
    model = tfidf_logistic(TRAIN, LABELS)
    assert model.predict(TRAIN).tolist() == LABELS
    assert model.predict(TEST).tolist() == [1, 0, 1]


def test_tfidf_vocabulary_is_the_training_words_in_min_df_documents() -> None:
    model = tfidf_logistic(TRAIN, LABELS)
    vectorizer = model.steps[0][1]
    # by hand: the words of at least two training reviews
    in_two = {"a", "good", "film", "plot", "and", "cast", "the", "was", "really", "bad"}
    assert set(vectorizer.vocabulary_) == in_two
    model.predict(TEST)  # predicting does not add the test-only words
    assert not {"unseen", "words", "another", "novelty"} & set(vectorizer.vocabulary_)
    assert set(tfidf_logistic(TRAIN, LABELS, min_df=1).steps[0][1].vocabulary_) == {
        w for doc in TRAIN for w in doc
    }


def hand_vectors() -> KeyedVectors:
    vectors = KeyedVectors(vector_size=2)
    vectors.add_vectors(
        ["good", "bad", "film", "plot"],
        np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -2.0]], dtype=np.float32),
    )
    return vectors


def test_mean_vector_features_by_hand() -> None:
    docs = [["good", "film"], ["bad", "unknown", "plot", "bad"], ["plot"]]
    features = mean_vector_features(hand_vectors(), docs)
    expected = np.array([[0.5, 0.5], [-2 / 3, -2 / 3], [0.0, -2.0]], dtype=np.float32)
    assert features.dtype == np.float32 and features.shape == (3, 2)
    np.testing.assert_allclose(features, expected, rtol=1e-6)


def test_mean_vector_features_name_a_document_without_known_words() -> None:
    with pytest.raises(ValueError, match=r"Document 1 has no word with a vector \(\['zzz', 'qqq'\]…\)"):
        mean_vector_features(hand_vectors(), [["good"], ["zzz", "qqq"]])
    with pytest.raises(ValueError, match=r"Document 0 has no word with a vector \(\[\]…\)"):
        mean_vector_features(hand_vectors(), [[]])


def test_mean_vector_logistic_learns_from_the_vectors() -> None:
    docs = [["good", "film"], ["good", "plot"], ["good"], ["bad", "film"], ["bad", "plot"], ["bad"]]
    model = mean_vector_logistic(hand_vectors(), docs, [1, 1, 1, 0, 0, 0], C=10.0)
    assert model.predict([["good", "good", "plot"], ["film", "bad", "bad"], ["bad", "new"]]).tolist() == [
        1,
        0,
        0,
    ]


BASELINES = {
    "majority": majority_baseline,
    "tfidf": tfidf_logistic,
    "mean vector": lambda docs, labels: mean_vector_logistic(hand_vectors(), docs, labels),
}


@pytest.mark.parametrize("name", list(BASELINES))
@pytest.mark.parametrize(
    ("documents", "labels", "error", "message"),
    [
        ([], [], ValueError, r"training set is empty"),
        ([["good"], ["bad"]], [1, 1], ValueError, r"All training labels are the same class"),
        (["good film", "bad film"], [1, 0], TypeError, r"documents must be tokenized"),
        ("good film", [1, 0], TypeError, r"documents must be tokenized"),
        ([["good"], ["bad"], ["film"]], [1, 0], ValueError, r"3 documents but labels of shape \(2,\)"),
        ([["good"], ["bad"]], [[1, 0]], ValueError, r"2 documents but labels of shape \(1, 2\)"),
    ],
)
def test_bad_training_sets(
    name: str, documents: object, labels: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        BASELINES[name](documents, labels)
