import math

import torch

from qrnn.config import CopyingConfig
from qrnn.data.copying_memory import copying_batch, memoryless_cross_entropy, n_classes, vocabulary_size


def test_layout_of_a_copying_sequence():
    config = CopyingConfig(blank_length=5, n_symbols=8, copy_length=10)
    inputs, targets = copying_batch(config, 16, torch.Generator().manual_seed(0))
    assert inputs.shape == targets.shape == (16, 25)
    assert ((inputs[:, :10] >= 1) & (inputs[:, :10] <= 8)).all()
    assert (inputs[:, 10:15] == 0).all() and (inputs[:, 15] == 9).all() and (inputs[:, 16:] == 0).all()
    assert (targets[:, :15] == 0).all() and torch.equal(targets[:, 15:], inputs[:, :10])
    assert inputs.max() < vocabulary_size(config) and targets.max() < n_classes(config)


def test_memoryless_baseline_is_the_cross_entropy_of_the_memoryless_strategy():
    """Predict blank with certainty until the copy phase, then uniform over the symbols."""
    config = CopyingConfig(blank_length=10, n_symbols=8, copy_length=10)
    assert math.isclose(memoryless_cross_entropy(config), 10 * math.log(8) / 30)
    _, targets = copying_batch(config, 64, torch.Generator().manual_seed(1))
    logits = torch.full((64, 30, 9), -1e9)
    logits[:, :20, 0] = 0
    logits[:, 20:, 1:] = 0
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 9), targets.reshape(-1))
    assert math.isclose(loss.item(), memoryless_cross_entropy(config), rel_tol=1e-6)


def test_same_generator_seed_gives_same_batch():
    config = CopyingConfig(blank_length=3, n_symbols=4, copy_length=2)
    first = copying_batch(config, 8, torch.Generator().manual_seed(5))
    second = copying_batch(config, 8, torch.Generator().manual_seed(5))
    assert all(torch.equal(a, b) for a, b in zip(first, second))
