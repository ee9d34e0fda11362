"""The copying-memory task as the training loop sees it: batches, loss and metrics."""

from __future__ import annotations

import torch
from torch.nn import functional

from qrnn.config import CopyingConfig
from qrnn.tasks import copying_memory


class CopyingTask:
    per_step = True
    config_class = CopyingConfig
    # Units of ``metrics`` and ``reference_metrics``, for column names and axis labels.
    units = {"loss": "nats", "copy_accuracy": "fraction", "memoryless_cross_entropy": "nats"}
    # The metric the paper's tables compare models on, and which way is better.
    main_metric = ("loss", "lower")

    def __init__(self, config: CopyingConfig):
        self.config = config
        self.vocab_size = copying_memory.vocabulary_size(config)
        self.n_outputs = copying_memory.n_classes(config)

    def batch(self, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        return copying_memory.copying_batch(self.config, batch_size, generator)

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over all steps (nats), the quantity the memoryless baseline refers to."""
        return functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    def metrics(self, logits: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        copy = self.config.copy_length
        predictions = logits[:, -copy:].argmax(dim=-1)
        return {
            "loss": self.loss(logits, targets).item(),
            "copy_accuracy": (predictions == targets[:, -copy:]).float().mean().item(),
        }

    def reference_metrics(self) -> dict[str, float]:
        return {"memoryless_cross_entropy": copying_memory.memoryless_cross_entropy(self.config)}
