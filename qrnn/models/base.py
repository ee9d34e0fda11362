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

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def orthogonal_parameters(self) -> list[nn.Parameter]:
        """Parameters trained by a separate optimizer (scoRNN's skew-symmetric A); none by default."""
        return []
