"""Copying memory (Arjovsky, Shah and Bengio 2016, "Unitary evolution recurrent neural networks").

Input: ``copy_length`` symbols drawn uniformly from 1..n_symbols, then ``blank_length``
blanks (token 0), a delimiter (token n_symbols + 1), and ``copy_length - 1`` more blanks.
Target: blanks everywhere except the last ``copy_length`` steps, which must reproduce the
symbols. A model that outputs blanks for the first T + copy_length steps and a uniform
guess over the symbols afterwards scores the memoryless cross-entropy
copy_length * log(n_symbols) / (T + 2 * copy_length).
"""

from __future__ import annotations

import math

import torch

from qrnn.config import CopyingConfig

BLANK = 0


def vocabulary_size(config: CopyingConfig) -> int:
    """Input tokens: blank, the symbols, and the delimiter."""
    return config.n_symbols + 2


def n_classes(config: CopyingConfig) -> int:
    """Output classes: blank and the symbols (the delimiter is never a target)."""
    return config.n_symbols + 1


def sequence_length(config: CopyingConfig) -> int:
    return config.blank_length + 2 * config.copy_length


def memoryless_cross_entropy(config: CopyingConfig) -> float:
    """Cross-entropy (nats per step) of the best strategy that remembers nothing."""
    return config.copy_length * math.log(config.n_symbols) / sequence_length(config)


def copying_batch(config: CopyingConfig, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One batch of (inputs, targets), both int64 of shape (batch, T + 2 * copy_length)."""
    length, copy = sequence_length(config), config.copy_length
    symbols = torch.randint(1, config.n_symbols + 1, (batch_size, copy), generator=generator)
    inputs = torch.full((batch_size, length), BLANK, dtype=torch.long)
    targets = torch.full((batch_size, length), BLANK, dtype=torch.long)
    inputs[:, :copy] = symbols
    inputs[:, copy + config.blank_length] = config.n_symbols + 1  # the delimiter
    targets[:, -copy:] = symbols
    return inputs, targets
