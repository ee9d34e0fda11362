"""The copying-memory task as the training loop sees it: batches, loss and metrics."""

from __future__ import annotations

import dataclasses

import torch
from torch.nn import functional

from qrnn.config import CopyingConfig, differences
from qrnn.data import copying_memory
from qrnn.data.copying import read_test_set
from qrnn.errors import QrnnError
from qrnn.tasks.base import Task


class CopyingTask(Task):
    per_step = True
    config_class = CopyingConfig
    main_metric = ("loss", "lower")
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

    curve_reference_label = "memoryless baseline"

    def curve_reference(self) -> float:
        return copying_memory.memoryless_cross_entropy(self.config)

    @torch.no_grad()
    def evaluate_test(self, model, data_dir, device: torch.device, batch_size: int) -> dict:
        """Means over the fixed test set of `qrnn prepare-data`, which must have been made with
        this task's settings. Every sequence has the same length, so each batch's per-step
        means are weighted by its number of sequences."""
        tensors, manifest = read_test_set(data_dir)
        expected = {"task": "copying", "task_settings": dataclasses.asdict(self.config)}
        changed = differences({key: manifest.get(key) for key in expected}, expected)
        if changed:
            raise QrnnError(f"the test set in {data_dir} was made with other task settings than this run (test set -> run): {'; '.join(changed)}")
        inputs, targets = tensors["inputs"], tensors["targets"]
        totals: dict[str, float] = {}
        for start in range(0, len(inputs), batch_size):
            batch_inputs, batch_targets = inputs[start : start + batch_size], targets[start : start + batch_size]
            for name, value in self.metrics(model(batch_inputs.to(device)), batch_targets.to(device)).items():
                totals[name] = totals.get(name, 0.0) + value * len(batch_inputs)
        return {"metrics": {name: total / len(inputs) for name, total in totals.items()}, "n_test": manifest["n_sequences"], "data_sha256": manifest["sha256"]}
