"""A real-data task's own test evaluation, cut to the few examples a noisy or device run affords.

The noisy and hardware evaluations score a wrapped model with ``task.evaluate_test`` (so the
metrics are the task's own: accuracy, perplexity, BLEU) on a copy of the task whose test cap
is lowered to ``count``:

- classification and translation: the first ``count`` test examples (``max_test_examples``);
- language model: a "sequence" is one bptt_length window of the stream. The first
  count x bptt_length + 1 tokens of the valid and of the test stream (``max_test_tokens``)
  are read as ceil(count / windows_per_stream) parallel streams, so each stream spans about
  windows_per_stream windows with the state carried across them (the batch size handed to
  evaluate_test is that number of streams: it changes the metric, so it never depends on
  the noise condition). windows_per_stream = 1 gives streams of one window each.

An existing, smaller cap of the run's task settings wins.

Translation's evaluation encodes every test sentence three times (loss, greedy and, one
sentence at a time, beam search). A device would run the encoder once per sentence and
reuse its readouts; ``one_encoder_run_per_sentence`` does that for the noisy and device
cores (one noise realisation per sentence, shared by the three passes), which also keeps
the slow per-sentence noisy runs out of the beam search.
"""

from __future__ import annotations

import copy
import dataclasses
import math

import torch
from torch import nn

from qrnn.tasks.data_task import DataTask

# Noisy LM evaluation: streams of 5 windows, so the carried state is exercised; the cost
# grows with the sequential steps, 5 x bptt_length per split and sweep point.
LM_WINDOWS_PER_STREAM = 5


def is_real_data(task) -> bool:
    """Tasks on processed data own their test evaluation; copying memory has a fixed token test set."""
    return isinstance(task, DataTask)


def trained_precision(run):
    """The model a noisy or device run wraps: copying memory's in double precision (as its noisy
    evaluation always ran); a real-data task's in the precision it was trained in, because its
    inputs (MNIST pixels) arrive in that precision. The noisy core's state is complex128 anyway."""
    return run.model if is_real_data(run.task) else run.model.double()


def _lowered(limit: int, cap: int) -> int:
    return cap if limit == 0 else min(limit, cap)


def capped_task(task: DataTask, count: int, windows_per_stream: int = LM_WINDOWS_PER_STREAM) -> tuple[DataTask, int | None]:
    """(a copy of ``task`` scoring ``count`` examples, the LM's number of streams or None)."""
    capped = copy.copy(task)
    config = task.config
    if hasattr(config, "max_test_tokens"):
        streams = max(1, math.ceil(count / windows_per_stream))
        capped.config = dataclasses.replace(config, max_test_tokens=_lowered(config.max_test_tokens, count * config.bptt_length + 1))
        return capped, streams
    capped.config = dataclasses.replace(config, max_test_examples=_lowered(config.max_test_examples, count))
    return capped, None


def flat(captured: list[torch.Tensor]) -> torch.Tensor:
    """The readouts of every core call of an evaluation, in call order, as one flat vector
    (calls differ in batch and length: LM windows, translation's loss/greedy/beam passes)."""
    return torch.cat([c.reshape(-1) for c in captured]).double() if captured else torch.zeros(0, dtype=torch.float64)


def per_step_error(device: list[torch.Tensor], ideal: list[torch.Tensor]) -> list[float]:
    """Mean |device - ideal| readout per time step t, over every call's sequences and readouts
    that have a step t (calls are (batch, T, readouts) with T varying between calls)."""
    longest = max(c.shape[1] for c in device)
    sums, counts = torch.zeros(longest, dtype=torch.float64), torch.zeros(longest, dtype=torch.float64)
    for d, i in zip(device, ideal, strict=True):
        error = (d.double() - i.double()).abs()
        sums[: error.shape[1]] += error.sum(dim=(0, 2))
        counts[: error.shape[1]] += error.shape[0] * error.shape[2]
    return (sums / counts).tolist()


class _EncoderOncePerSentence(nn.Module):
    """A seq2seq model's encoder core that runs each distinct source row (embedded, as the
    core sees it) once and returns the same readouts when the row comes again."""

    def __init__(self, core: nn.Module):
        super().__init__()
        self.core, self.output_size = core, core.output_size
        self.cache: dict[bytes, torch.Tensor] = {}

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        keys = [row.detach().cpu().numpy().tobytes() for row in inputs]
        if any(key not in self.cache for key in keys):
            outputs = self.core(inputs)
            for key, row in zip(keys, outputs):
                self.cache.setdefault(key, row)
        return torch.stack([self.cache[key] for key in keys])


def one_encoder_run_per_sentence(model: nn.Module) -> nn.Module:
    """``model`` with its encoder core cached per source sentence if it is a seq2seq model (in place)."""
    if hasattr(model, "encode") and not isinstance(model.core, _EncoderOncePerSentence):
        model.core = _EncoderOncePerSentence(model.core)
    return model
