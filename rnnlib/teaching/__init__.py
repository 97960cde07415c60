"""Layer 4, helpers that exist to make one chapter's claims checkable.

- :mod:`rnnlib.teaching.gru_api` -- ``torch.nn.GRU`` made explicit: shapes, stepping,
  directions, packing and speed (chapter 4).

Modules here may import every other layer; nothing imports them.
"""
