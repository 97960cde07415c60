"""One sentiment classifier, four recurrent encoders: chapter 5's comparison.

:class:`ReviewClassifier` is ``embedding → encoder → Linear``. The embedding is a fixed
matrix of word vectors (row 0 all zeros, the padding; see
:func:`rnnlib.models.word2vec.embedding_matrix`), frozen unless asked otherwise, so every
encoder reads the same inputs. It takes what
:func:`rnnlib.datasets.sentiment.torchdata.collate_for_sentiment` makes, ``(padded indices, lengths)``,
and returns one row of class scores per review. The encoders (:data:`ENCODERS`):

- ``"scratch"`` -- :class:`rnnlib.models.batched_gru.BatchedGRU` (chapter 3's GRU, batched), the
  state at each review's last real word;
- ``"gru"`` -- ``torch.nn.GRU``, run on the padded batch, its output read at each review's
  last real word (a recurrence only looks back, so the padding behind a review cannot change
  that state: exact, and faster on a CPU than packing);
- ``"bigru"`` -- a bidirectional GRU with the right features: the forward state after the last
  real word and the backward state after reading back to the first. The forward direction is
  an ``nn.GRU`` read at each review's last real word; the backward direction is a second
  ``nn.GRU`` run on each review reversed within its own length
  (:func:`rnnlib.models.gru_features.reverse_within_lengths`). Both run on the padded batch: exact,
  and about twice as fast on a CPU as packing;
- ``"bigru_packed"`` -- the same features from one bidirectional ``nn.GRU`` on a *packed*
  batch (:func:`rnnlib.models.gru_features.final_features`): the textbook way, kept to check
  ``"bigru"`` against (:func:`rnnlib.models.gru_features.split_directions` copies its weights);
- ``"bigru_padded_last"`` -- the homework's head: the same bidirectional GRU on the padded
  batch, features = ``out[:, -1]``. Its forward half is read after the padding, and its
  backward half has read only the last position (often a padding zero): the pitfall, kept
  to measure it.
"""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnnlib.core.checks import check_padded_batch, check_sizes
from rnnlib.models.batched_gru import BatchedGRU, states_at_lengths
from rnnlib.models.gru_features import final_features, reverse_within_lengths

Encoder = Literal["scratch", "gru", "bigru", "bigru_packed", "bigru_padded_last"]
#: The encoders :class:`ReviewClassifier` offers.
ENCODERS: tuple[str, ...] = get_args(Encoder)

__all__ = ["ENCODERS", "ReviewClassifier"]


class ReviewClassifier(nn.Module):
    """Word vectors → a recurrent encoder → ``Linear(features, num_classes)``.

    Args:
        embedding: ``(vocabulary + 1, dim)`` float tensor, row 0 the padding (zeros).
        encoder: one of :data:`ENCODERS`.
        hidden_size: the GRU's state size (per direction).
        num_classes: output scores per review.
        input_size: the vector width the GRU is meant to read; if given it must equal the
            embedding's width (a check for code written for other vectors, e.g. 300-d Google News).
        freeze_embedding: keep the word vectors fixed (the default, as in the homework; the
            model then shares ``embedding``). False trains them too, on a copy: the caller's
            matrix, and every other model built from it, keep the vectors they were given.

    Raises:
        ValueError: an unknown encoder, bad sizes, or an embedding whose width is not ``input_size``.
    """

    def __init__(
        self,
        embedding: torch.Tensor,
        encoder: Encoder,
        *,
        hidden_size: int = 100,
        num_classes: int = 2,
        input_size: int | None = None,
        freeze_embedding: bool = True,
    ) -> None:
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"encoder={encoder!r}: use one of {', '.join(repr(e) for e in ENCODERS)}.")
        if not isinstance(embedding, torch.Tensor) or embedding.ndim != 2 or embedding.shape[0] < 2:
            raise ValueError(
                "embedding must be a (vocabulary + 1, dim) tensor with the padding in row 0: "
                "build it with rnnlib.models.word2vec.embedding_matrix()."
            )
        dim = int(embedding.shape[1])
        check_sizes(hidden_size=hidden_size, num_classes=num_classes, embedding_dim=dim)
        if input_size is not None and input_size != dim:
            raise ValueError(
                f"The embedding has {dim}-dimensional vectors but the model was asked to read "
                f"input_size={input_size}: use vectors of width {input_size}, or set input_size={dim}."
            )
        self.encoder_name: Encoder = encoder
        # Frozen, the caller's matrix is shared (nothing writes to it); fine-tuned, each model
        # trains its own copy, so that one model's training never moves another's vectors.
        weights = embedding.float() if freeze_embedding else embedding.detach().float().clone()
        self.embedding = nn.Embedding.from_pretrained(weights, freeze=freeze_embedding, padding_idx=0)
        self.rnn: nn.Module
        #: The backward direction (``"bigru"`` only), a forward GRU fed reversed reviews.
        self.rnn_reverse: nn.GRU | None = None
        if encoder == "scratch":
            self.rnn = BatchedGRU(dim, hidden_size, convention="pytorch")
        elif encoder in ("gru", "bigru"):
            self.rnn = nn.GRU(dim, hidden_size, batch_first=True)
            if encoder == "bigru":
                self.rnn_reverse = nn.GRU(dim, hidden_size, batch_first=True)
        else:
            self.rnn = nn.GRU(dim, hidden_size, batch_first=True, bidirectional=True)
        directions = 1 if encoder in ("scratch", "gru") else 2
        self.head = nn.Linear(directions * hidden_size, num_classes)

    def features(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """The encoder's features ``(batch, directions * hidden_size)`` for ``(padded, lengths)``."""
        padded, lengths = check_padded_batch(inputs, "ReviewClassifier")
        vectors = self.embedding(padded)
        if self.encoder_name == "scratch":
            _, h_n = self.rnn(vectors, lengths=lengths)
            return h_n[-1]
        if self.encoder_name == "gru":
            output, _ = self.rnn(vectors)
            return states_at_lengths(output, lengths)
        if self.encoder_name == "bigru":
            assert self.rnn_reverse is not None
            forward, _ = self.rnn(vectors)
            backward, _ = self.rnn_reverse(self.embedding(reverse_within_lengths(padded, lengths)))
            return torch.cat([states_at_lengths(forward, lengths), states_at_lengths(backward, lengths)], 1)
        if self.encoder_name == "bigru_packed":
            packed = pack_padded_sequence(vectors, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, h_n = self.rnn(packed)
            assert isinstance(self.rnn, nn.GRU)
            return final_features(self.rnn, h_n)
        output, _ = self.rnn(vectors)  # "bigru_padded_last": the homework's head, wrong on purpose
        return output[:, -1]

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Class scores ``(batch, num_classes)`` for ``(padded indices, lengths)``."""
        return self.head(self.features(inputs))
