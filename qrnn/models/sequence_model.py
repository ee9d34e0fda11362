"""Input layer -> recurrent core -> linear head: the model every task but translation trains."""

from __future__ import annotations

import torch
from torch import nn

from qrnn.models.base import RecurrentCore


class SequenceModel(nn.Module):
    """Token sequence (batch, time), or real-valued sequence (batch, time, input_size) -> logits.

    Tokens go through an embedding; real-valued inputs (``input_size`` given, e.g. MNIST
    pixels) through a linear layer of the same width ``embedding_dim`` instead.
    ``per_step``: logits at every step (batch, time, n_outputs), as in copying memory and
    language modelling; otherwise logits from the last step only (batch, n_outputs), as in
    classification. For the quantum RNN the head reads the readouts z_t.
    """

    def __init__(
        self, vocab_size: int, embedding_dim: int, core: RecurrentCore, n_outputs: int, per_step: bool, input_size: int | None = None
    ):
        super().__init__()
        if input_size is None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
        else:
            self.input_projection = nn.Linear(input_size, embedding_dim)
        self.core = core
        self.head = nn.Linear(core.output_size, n_outputs)
        self.per_step = per_step

    def embed(self, inputs: torch.Tensor) -> torch.Tensor:
        if hasattr(self, "embedding"):
            return self.embedding(inputs)
        return self.input_projection(inputs)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.forward_with_state(inputs)[0]

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):
        """(logits, the core's final state), continuing from ``initial_state`` if given."""
        features, state = self.core.forward_with_state(self.embed(inputs), initial_state)
        return self.head(features if self.per_step else features[:, -1]), state

    def orthogonal_parameters(self) -> list[nn.Parameter]:
        return self.core.orthogonal_parameters()
