"""Embedding -> recurrent core -> linear head: the model every task trains."""

from __future__ import annotations

import torch
from torch import nn

from qrnn.models.base import RecurrentCore


class SequenceModel(nn.Module):
    """Token sequence (batch, time) -> logits.

    ``per_step``: logits at every step (batch, time, n_outputs), as in copying memory and
    language modelling; otherwise logits from the last step only (batch, n_outputs), as in
    classification. For the quantum RNN the head reads the readouts z_t.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, core: RecurrentCore, n_outputs: int, per_step: bool):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.core = core
        self.head = nn.Linear(core.output_size, n_outputs)
        self.per_step = per_step

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        features = self.core(self.embedding(tokens))
        return self.head(features if self.per_step else features[:, -1])

    def orthogonal_parameters(self) -> list[nn.Parameter]:
        return self.core.orthogonal_parameters()
