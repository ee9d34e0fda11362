"""LSTM baseline (Hochreiter and Schmidhuber 1997), PyTorch's fused implementation."""

from __future__ import annotations

import torch
from torch import nn

from qrnn.config import ClassicalRNNConfig
from qrnn.models.base import RecurrentCore


class LSTM(RecurrentCore):
    """Input (batch, time, input_size) -> hidden states h_1..h_T (batch, time, hidden_size)."""

    def __init__(self, input_size: int, config: ClassicalRNNConfig):
        super().__init__()
        self.output_size = config.hidden_size
        self.lstm = nn.LSTM(input_size, config.hidden_size, batch_first=True)
        # Forget-gate bias 1 (Jozefowicz et al. 2015): the usual start for long memory tasks.
        with torch.no_grad():
            hidden = config.hidden_size
            self.lstm.bias_hh_l0[hidden : 2 * hidden].fill_(1.0)
            self.lstm.bias_ih_l0[hidden : 2 * hidden].zero_()

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):
        """State: (h, c), each (batch, hidden_size)."""
        start = None if initial_state is None else tuple(part.unsqueeze(0) for part in initial_state)
        hidden_states, (hidden, cell) = self.lstm(inputs, start)
        return hidden_states, (hidden.squeeze(0), cell.squeeze(0))
