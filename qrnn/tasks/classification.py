"""Sequence classification (MNIST, permuted MNIST, sentiment): one label per sequence; accuracy.

Training batches are drawn uniformly with replacement from the train split with the run's
seeded generator; the learning curves score the first eval_batches x batch_size valid
examples; the test evaluation scores the whole test split (or its first max_test_examples).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional

from qrnn.data.processed_files import load_processed
from qrnn.tasks import metrics
from qrnn.tasks.data_task import DataTask

Examples = tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]  # inputs, labels, lengths (or None)


class ClassificationTask(DataTask):
    main_metric = ("accuracy", "higher")
    units = {"loss": "nats", "accuracy": "fraction", "chance_accuracy": "fraction"}
    n_outputs: int

    def examples(self, tensors: dict[str, torch.Tensor]) -> Examples:  # pragma: no cover - interface
        raise NotImplementedError

    def logits(self, model, inputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        return model(inputs)

    def _subset(self, examples: Examples, index) -> Examples:
        inputs, labels, lengths = examples
        return inputs[index], labels[index], None if lengths is None else lengths[index]

    def _train_examples(self) -> Examples:
        if not hasattr(self, "_train"):
            self._train = self.examples(self.split("train"))
        return self._train

    def training_loss(self, model, batch_size: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
        examples = self._train_examples()
        index = torch.randint(len(examples[1]), (batch_size,), generator=generator)
        inputs, labels, lengths = self._subset(examples, index)
        return functional.cross_entropy(self.logits(model, inputs.to(device), lengths), labels.to(device))

    def held_out(self, batch_size: int, n_batches: int, seed: int) -> list[Examples]:
        valid = self.examples(self.split("valid"))
        return chunks(valid, min(len(valid[1]), batch_size * n_batches), batch_size, self._subset)

    @torch.no_grad()
    def evaluate_held_out(self, model, held_out: list[Examples], device: torch.device) -> dict[str, float]:
        summed_loss, correct, count = 0.0, 0.0, 0
        for inputs, labels, lengths in held_out:
            logits = self.logits(model, inputs.to(device), lengths)
            labels = labels.to(device)
            summed_loss += functional.cross_entropy(logits, labels, reduction="sum").item()
            correct += metrics.accuracy(logits.argmax(dim=-1), labels) * len(labels)
            count += len(labels)
        return {"loss": summed_loss / count, "accuracy": correct / count}

    def evaluate_test(self, model, data_dir: str | Path, device: torch.device, batch_size: int) -> dict[str, Any]:
        splits, manifest = load_processed(data_dir)
        test = self.examples(splits["test"])
        n_test = self.capped(len(test[1]), self.config.max_test_examples)
        scores = self.evaluate_held_out(model, chunks(test, n_test, batch_size, self._subset), device)
        return {"metrics": scores, "n_test": n_test, "data_sha256": manifest["sha256"]}

    def reference_metrics(self) -> dict[str, float]:
        return {"chance_accuracy": 1.0 / self.n_outputs}

    curve_reference_label = "uniform guess"

    def curve_reference(self) -> float:
        """Cross-entropy of a uniform guess over the classes."""
        return math.log(self.n_outputs)


def chunks(examples: Examples, count: int, batch_size: int, subset) -> list[Examples]:
    """The first ``count`` examples in batches of ``batch_size``."""
    return [subset(examples, slice(start, min(start + batch_size, count))) for start in range(0, count, batch_size)]
