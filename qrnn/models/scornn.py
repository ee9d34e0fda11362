"""scoRNN: the scaled Cayley orthogonal RNN of Helfrich, Willmott and Ye (ICML 2018).

Recurrent matrix W = (I + A)^-1 (I - A) D with A skew-symmetric and D diagonal with
``n_negative`` entries -1 (the rest +1). W is orthogonal for every skew A, so training
A keeps it orthogonal. A is stored as its strictly upper triangle (h(h-1)/2 free
numbers, the honest parameter count) and gets its own optimizer and learning rate
(``orthogonal_parameters``), as in the paper. Nonlinearity: modReLU,
modReLU(z)_i = sign(z_i) * relu(|z_i| + b_i) (Arjovsky et al. 2016).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from qrnn.config import ScoRNNConfig
from qrnn.models.base import RecurrentCore


def cayley_init_(upper: torch.Tensor, hidden_size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill the upper triangle of A so that W starts block-diagonal with 2x2 rotations.

    scoRNN's "Cayley initialisation": A's 2x2 diagonal blocks are [[0, s], [-s, 0]] with
    s = sqrt((1 - cos t) / (1 + cos t)), t uniform in [0, pi/2], so the eigenvalues of W are
    spread over a quarter of the unit circle instead of all sitting at 1.
    """
    with torch.no_grad():
        upper.zero_()
        rows = torch.arange(0, 2 * (hidden_size // 2), 2)
        theta = torch.rand(len(rows), generator=generator, dtype=torch.float64) * (math.pi / 2)
        # Entry (r, r + 1) of the row-major strict upper triangle sits at r * (2h - r - 1) / 2.
        positions = rows * (2 * hidden_size - rows - 1) // 2
        upper[positions] = torch.sqrt((1 - torch.cos(theta)) / (1 + torch.cos(theta))).to(upper.dtype)
    return upper


def modrelu(z: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return torch.sign(z) * torch.relu(z.abs() + bias)


class ScoRNN(RecurrentCore):
    """Input (batch, time, input_size) -> hidden states h_1..h_T (batch, time, hidden_size)."""

    def __init__(self, input_size: int, config: ScoRNNConfig):
        super().__init__()
        hidden = config.hidden_size
        if not 0 <= config.n_negative <= hidden:
            raise ValueError(f"n_negative must be between 0 and hidden_size ({hidden}), got {config.n_negative}")
        self.output_size = hidden
        self.skew_upper = nn.Parameter(torch.empty(hidden * (hidden - 1) // 2))
        self.register_buffer("upper_index", torch.triu_indices(hidden, hidden, offset=1), persistent=False)
        scaling = torch.ones(hidden)
        scaling[: config.n_negative] = -1.0
        self.register_buffer("scaling", scaling)
        self.input_weights = nn.Linear(input_size, hidden, bias=False)
        self.modrelu_bias = nn.Parameter(torch.empty(hidden))
        if not self.skew_upper.is_meta:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        cayley_init_(self.skew_upper, self.output_size)
        nn.init.xavier_uniform_(self.input_weights.weight)
        nn.init.uniform_(self.modrelu_bias, -0.01, 0.01)

    def skew_matrix(self) -> torch.Tensor:
        hidden = self.output_size
        upper = torch.zeros(hidden, hidden, dtype=self.skew_upper.dtype, device=self.skew_upper.device)
        upper = upper.index_put((self.upper_index[0], self.upper_index[1]), self.skew_upper)
        return upper - upper.T

    def recurrent_matrix(self) -> torch.Tensor:
        """W = (I + A)^-1 (I - A) D, orthogonal by construction."""
        skew = self.skew_matrix()
        identity = torch.eye(self.output_size, dtype=skew.dtype, device=skew.device)
        return torch.linalg.solve(identity + skew, identity - skew) * self.scaling

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):
        """State: h (batch, hidden_size)."""
        recurrent = self.recurrent_matrix()
        driven = self.input_weights(inputs)  # all input contributions in one matmul
        hidden = inputs.new_zeros(inputs.shape[0], self.output_size) if initial_state is None else initial_state
        states = []
        for t in range(inputs.shape[1]):
            hidden = modrelu(hidden @ recurrent.T + driven[:, t], self.modrelu_bias)
            states.append(hidden)
        return torch.stack(states, dim=1), hidden

    def orthogonal_parameters(self) -> list[nn.Parameter]:
        return [self.skew_upper]
