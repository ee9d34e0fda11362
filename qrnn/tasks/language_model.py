"""Word-level language modelling (Penn Treebank) with truncated backpropagation through time.

The training stream is cut into ``batch_size`` parallel streams (Zaremba et al. 2014);
batch k is window k of bptt_length steps of every stream, so each batch continues the
previous one. The model's final state is detached and becomes the next batch's initial
state: gradients stop at window boundaries, memory does not. At the end of the streams
they start again from the beginning with a fresh state. Position and carried state are
task state, saved in the checkpoint, so a resumed run continues exactly. Loss: nats per
token; perplexity = exp(summed NLL / tokens), on a whole stream read the same way.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional

from qrnn.config import LanguageModelConfig
from qrnn.data.processed_files import load_processed
from qrnn.tasks import metrics
from qrnn.tasks.data_task import DataTask


def parallel_streams(tokens: torch.Tensor, n_streams: int) -> torch.Tensor:
    """(n_streams, length): the stream cut into n_streams consecutive pieces (the tail that does not fill a row is dropped)."""
    length = len(tokens) // n_streams
    return tokens[: length * n_streams].reshape(n_streams, length)


def detach_state(state):
    """A carried state (tensor or tuple of tensors) cut from the graph that made it."""
    if state is None or isinstance(state, torch.Tensor):
        return None if state is None else state.detach()
    return tuple(detach_state(part) for part in state)


def move_state(state, device):
    if state is None or isinstance(state, torch.Tensor):
        return None if state is None else state.to(device)
    return tuple(move_state(part, device) for part in state)


class LanguageModelTask(DataTask):
    config_class = LanguageModelConfig
    per_step = True
    main_metric = ("perplexity", "lower")
    units = {"loss": "nats", "perplexity": "perplexity", "valid_perplexity": "perplexity", "valid_loss": "nats",
             "uniform_perplexity": "perplexity", "unigram_perplexity": "perplexity"}

    def __init__(self, config, data_dir=None, dimensions=None):
        super().__init__(config, data_dir, dimensions)
        self.position, self.state, self._streams = 0, None, None

    def read_dimensions(self, manifest, data_dir):
        return {"vocab_size": int(manifest["vocab_size"]), "n_outputs": int(manifest["vocab_size"])}

    def training_loss(self, model, batch_size: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
        if self._streams is None:
            self._streams = parallel_streams(self.split("train")["tokens"], batch_size)
        window = self.config.bptt_length
        if self.position + window + 1 > self._streams.shape[1]:  # end of the streams: start over, fresh state
            self.position, self.state = 0, None
        inputs = self._streams[:, self.position : self.position + window].to(device)
        targets = self._streams[:, self.position + 1 : self.position + window + 1].to(device)
        logits, state = model.forward_with_state(inputs, move_state(self.state, device))
        self.state, self.position = detach_state(state), self.position + window
        return functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    def state_dict(self) -> dict[str, Any]:
        return {"position": self.position, "state": move_state(self.state, "cpu")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.position, self.state = state["position"], state["state"]

    @torch.no_grad()
    def stream_scores(self, model, tokens: torch.Tensor, n_streams: int, device: torch.device) -> dict[str, float]:
        """Loss and perplexity over ``tokens`` read as ``n_streams`` streams, state carried throughout."""
        streams = parallel_streams(tokens, n_streams)
        state, summed, count = None, 0.0, 0
        for start in range(0, streams.shape[1] - 1, self.config.bptt_length):
            end = min(start + self.config.bptt_length, streams.shape[1] - 1)
            logits, state = model.forward_with_state(streams[:, start:end].to(device), state)
            targets = streams[:, start + 1 : end + 1].to(device)
            summed += functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum").item()
            count += targets.numel()
        return {"loss": summed / count, "perplexity": metrics.perplexity(summed, count)}

    def held_out(self, batch_size: int, n_batches: int, seed: int) -> tuple[torch.Tensor, int]:
        """The first n_batches windows of batch_size valid streams."""
        tokens = self.split("valid")["tokens"]
        return tokens[: min(len(tokens), batch_size * (n_batches * self.config.bptt_length + 1))], batch_size

    def evaluate_held_out(self, model, held_out, device: torch.device) -> dict[str, float]:
        tokens, n_streams = held_out
        return self.stream_scores(model, tokens, n_streams, device)

    def evaluate_test(self, model, data_dir: str | Path, device: torch.device, batch_size: int) -> dict[str, Any]:
        """Perplexity on the valid and the test stream (each up to max_test_tokens), read as
        ``batch_size`` parallel streams (fewer if a stream is short)."""
        splits, manifest = load_processed(data_dir)
        scores = {}
        for split in ("valid", "test"):
            tokens = splits[split]["tokens"]
            tokens = tokens[: self.capped(len(tokens), self.config.max_test_tokens)]
            n_streams = max(1, min(batch_size, (len(tokens) - 1) // 2))
            result = self.stream_scores(model, tokens, n_streams, device)
            prefix = "" if split == "test" else "valid_"
            scores.update({f"{prefix}{name}": value for name, value in result.items()})
        n_test = self.capped(len(splits["test"]["tokens"]), self.config.max_test_tokens)
        return {"metrics": scores, "n_test": n_test, "data_sha256": manifest["sha256"]}

    def reference_metrics(self) -> dict[str, float]:
        if not self._dimensions:
            return {}
        references = {"uniform_perplexity": float(self.vocab_size)}
        if self.splits is not None:
            references["unigram_perplexity"] = metrics.unigram_perplexity(
                self.splits["train"]["tokens"], self.splits["test"]["tokens"], self.vocab_size
            )
        return references

    curve_reference_label = "uniform guess"

    def curve_reference(self) -> float | None:
        return math.log(self.vocab_size) if self._dimensions else None
