"""What every task offers the training loop and the evaluation.

A task owns its data, its forward pass and its metrics; it knows no model class, only the
calls a model answers (``forward``, ``forward_with_state``, ``greedy``, ``beam_search``).
The defaults here serve tasks that are ``batch`` + ``loss`` + ``metrics`` (copying memory).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


class Task:
    per_step = False
    model_kind = "sequence"  # or "seq2seq" (translation)
    main_metric = ("loss", "lower")  # (metric name, which direction is better): read by the statistics
    # (name, direction) of the held-out metric that stops training and picks the best
    # weights: the main metric unless a task sets its own (set per class, so it can be read
    # without building a task, which needs its data).
    validation_metric: tuple[str, str] = main_metric

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "validation_metric" not in vars(cls) and "main_metric" in vars(cls):
            cls.validation_metric = cls.main_metric

    units: dict[str, str] = {}
    data_sha256: str | None = None  # the processed data's hash (manifest "sha256"); None for synthetic data

    def training_loss(self, model, batch_size: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
        """Loss of one training batch drawn with ``generator`` (the run's seeded generator)."""
        inputs, targets = self.batch(batch_size, generator)
        return self.loss(model(inputs.to(device)), targets.to(device))

    def held_out(self, batch_size: int, n_batches: int, seed: int) -> Any:
        """The fixed held-out data of the learning curves."""
        generator = torch.Generator().manual_seed(seed)
        return [self.batch(batch_size, generator) for _ in range(n_batches)]

    @torch.no_grad()
    def evaluate_held_out(self, model, held_out: Any, device: torch.device) -> dict[str, float]:
        """Mean metrics over the held-out batches."""
        totals: dict[str, float] = {}
        for inputs, targets in held_out:
            for name, value in self.metrics(model(inputs.to(device)), targets.to(device)).items():
                totals[name] = totals.get(name, 0.0) + value / len(held_out)
        return totals

    def state_dict(self) -> dict[str, Any]:
        """Training-time state that is neither model nor optimizer (e.g. a carried hidden state)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass

    def dimensions(self) -> dict[str, int]:
        """Sizes read from the data that the model needs; saved with the checkpoint so a finished
        run can be rebuilt without its data."""
        return {}

    def reference_metrics(self) -> dict[str, float]:
        return {}

    curve_reference_label = "reference"

    def curve_reference(self) -> float | None:
        """A reference value of the held-out loss (nats) for the learning-curve figure, or None."""
        return None

    def evaluate_test(self, model, data_dir: str | Path, device: torch.device, batch_size: int) -> dict[str, Any]:
        """{"metrics", "n_test", "data_sha256", optional "tables": {file name: rows}} on the test split."""
        raise NotImplementedError
