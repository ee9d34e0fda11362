"""The interface every recurrent core (quantum or classical) implements."""

from __future__ import annotations

import torch
from torch import nn


class RecurrentCore(nn.Module):
    """Maps an input sequence (batch, time, input_size) to per-step features (batch, time, output_size).

    ``output_size`` is the width of those features: the readout vector z_t for the quantum
    RNN, the hidden state h_t for the classical baselines.
    """

    output_size: int

    def forward(self, inputs: torch.Tensor, initial_state=None) -> torch.Tensor:
        return self.forward_with_state(inputs, initial_state)[0]

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):  # pragma: no cover - interface
        """(per-step features, final state). ``initial_state`` None starts from the core's
        fixed initial state; otherwise it is a final state this core returned earlier, so a
        sequence can be continued across calls (truncated backpropagation through time)."""
        raise NotImplementedError

    def orthogonal_parameters(self) -> list[nn.Parameter]:
        """Parameters trained by a separate optimizer (scoRNN's skew-symmetric A); none by default."""
        return []

