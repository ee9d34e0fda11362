"""Vanilla (Elman) RNN baseline: h_t = tanh(W h_{t-1} + V x_t + b), h_0 = 0."""

from __future__ import annotations

import torch
from torch import nn

from qrnn.config import ClassicalRNNConfig
from qrnn.models.base import RecurrentCore


class VanillaRNN(RecurrentCore):
    """Input (batch, time, input_size) -> hidden states h_1..h_T (batch, time, hidden_size)."""

    def __init__(self, input_size: int, config: ClassicalRNNConfig):
        super().__init__()
        self.output_size = config.hidden_size
        self.rnn = nn.RNN(input_size, config.hidden_size, nonlinearity="tanh", batch_first=True)

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):
        """State: h (batch, hidden_size)."""
        hidden_states, last = self.rnn(inputs, None if initial_state is None else initial_state.unsqueeze(0))
        return hidden_states, last.squeeze(0)
