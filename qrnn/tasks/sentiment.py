"""Binary sentiment of movie reviews: token sequences classified from the output at the
last real token (never from padding); accuracy."""

from __future__ import annotations

import torch

from qrnn.config import SentimentConfig
from qrnn.tasks.classification import ClassificationTask


class SentimentTask(ClassificationTask):
    config_class = SentimentConfig
    n_outputs = 2
    per_step = True  # the model returns logits at every step; we pick the last real one

    def read_dimensions(self, manifest, data_dir):
        return {"vocab_size": int(manifest["vocab_size"])}

    def examples(self, tensors):
        return tensors["tokens"], tensors["labels"], tensors["lengths"]

    def logits(self, model, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        lengths = lengths.to(inputs.device)
        per_step = model(inputs[:, : int(lengths.max())])  # steps past the longest review are all padding
        return per_step[torch.arange(len(inputs), device=inputs.device), lengths - 1]
