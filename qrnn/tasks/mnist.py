"""Sequential MNIST (Le, Jaitly and Hinton 2015) and permuted MNIST.

order pixel: the 784 grey values one per step (inputs (N, 784, 1)); order row: the 28 rows,
28 values per step (inputs (N, 28, 28)). Grey values are scaled to [0, 1]. Permuted MNIST
reorders the 784 pixels by the fixed permutation saved with the data (permutation.pt)
before the sequence is cut into steps.
"""

from __future__ import annotations

from pathlib import Path

import torch

from qrnn.config import MnistConfig, PermutedMnistConfig
from qrnn.errors import QrnnError
from qrnn.tasks.classification import ClassificationTask

N_PIXELS, SIDE = 784, 28


def pixel_sequences(images: torch.Tensor, order: str, permutation: torch.Tensor | None = None) -> torch.Tensor:
    """uint8 images (N, 784) -> float sequences (N, 784, 1) or (N, 28, 28)."""
    values = images.float() / 255.0
    if permutation is not None:
        values = values[:, permutation]
    return values.reshape(len(images), N_PIXELS, 1) if order == "pixel" else values.reshape(len(images), SIDE, SIDE)


class MnistTask(ClassificationTask):
    config_class = MnistConfig
    n_outputs = 10
    vocab_size = 0  # real-valued inputs: no embedding

    @property
    def input_size(self) -> int:
        return 1 if self.config.order == "pixel" else SIDE

    def permutation(self) -> torch.Tensor | None:
        return None

    def examples(self, tensors):
        return pixel_sequences(tensors["images"], self.config.order, self.permutation()), tensors["labels"], None


class PermutedMnistTask(MnistTask):
    config_class = PermutedMnistConfig

    def __init__(self, config, data_dir=None, dimensions=None):
        super().__init__(config, data_dir, dimensions)
        self._permutation = None
        if data_dir is not None:
            self._permutation = torch.load(Path(data_dir) / "permutation.pt", weights_only=True)
            expected = torch.randperm(N_PIXELS, generator=torch.Generator().manual_seed(config.permutation_seed))
            if not torch.equal(self._permutation, expected):
                raise QrnnError(f"{Path(data_dir) / 'permutation.pt'} is not the permutation of tasks.pmnist.permutation_seed {config.permutation_seed}")

    def permutation(self) -> torch.Tensor:
        if self._permutation is None:  # rebuilt without data: the permutation follows from its seed
            self._permutation = torch.randperm(N_PIXELS, generator=torch.Generator().manual_seed(self.config.permutation_seed))
        return self._permutation
