"""||dL/dh_t|| against t: how much the loss depends on the core's per-step output h_t,
through everything after step t (the head at t and every later step).

h_t is the core's per-step output (the readouts z_t for the quantum RNN, the hidden state
for the baselines). Each core is run one step at a time so that h_t is a node that the
later steps read, and its gradient is the total derivative. The loss is the sum of the
per-sequence losses, so row i of the gradient is d(loss of sequence i)/dh_t^(i).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch.nn import functional

from qrnn.data.prepare import read_test_set
from qrnn.data.processed_files import load_processed
from qrnn.errors import QrnnError
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.io import atomic
from qrnn.models.qrnn import QuantumRNN
from qrnn.models.scornn import modrelu
from qrnn.tasks.registry import build_task


def _quantum_steps(core: QuantumRNN, inputs: torch.Tensor) -> list[torch.Tensor]:
    """The readouts z_1..z_T that the core's own recurrence feeds to its next step. The
    model's step is passed explicitly, so the steps run under plain autograd (the
    reference the reversible backward is tested against)."""
    outputs: list[torch.Tensor] = []
    core.unroll(inputs, advance=core.advance, on_state=lambda _t, _state, readouts: outputs.append(readouts))
    return outputs


def _scornn_steps(core, inputs: torch.Tensor) -> list[torch.Tensor]:
    recurrent, driven = core.recurrent_matrix(), core.input_weights(inputs)
    hidden = inputs.new_zeros(inputs.shape[0], core.output_size)
    outputs = []
    for t in range(inputs.shape[1]):
        hidden = modrelu(hidden @ recurrent.T + driven[:, t], core.modrelu_bias)
        outputs.append(hidden)
    return outputs


def _torch_rnn_steps(module: torch.nn.Module, inputs: torch.Tensor, has_cell: bool) -> list[torch.Tensor]:
    state = None
    outputs = []
    for t in range(inputs.shape[1]):
        output, new_state = module(inputs[:, t : t + 1], state)
        hidden = output[:, 0]
        # feed h_t itself (not PyTorch's copy of it) to the next step, so gradients flow through it
        state = (hidden.unsqueeze(0), new_state[1]) if has_cell else hidden.unsqueeze(0)
        outputs.append(hidden)
    return outputs


def stepwise_features(core, inputs: torch.Tensor) -> list[torch.Tensor]:
    """The core's outputs h_1..h_T (each (batch, features)), computed one step at a time."""
    kind = type(core).__name__
    if kind == "QuantumRNN":
        return _quantum_steps(core, inputs)
    if kind == "ScoRNN":
        return _scornn_steps(core, inputs)
    if kind == "LSTM":
        return _torch_rnn_steps(core.lstm, inputs, has_cell=True)
    if kind == "VanillaRNN":
        return _torch_rnn_steps(core.rnn, inputs, has_cell=False)
    raise QrnnError(f"no step-by-step forward pass for recurrent core {kind}")


def gradient_norms(model, task, tokens: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(T, batch) tensor of ||d loss_i / d h_t^(i)||."""
    model.eval()
    features = stepwise_features(model.core, model.embed(tokens))
    for feature in features:
        feature.retain_grad()
    stacked = torch.stack(features, dim=1)
    logits = model.head(stacked if model.per_step else stacked[:, -1])
    # Copying memory's loss is its mean per-step cross-entropy; classification tasks (pMNIST)
    # score one label per sequence.
    loss = task.loss(logits, targets) if hasattr(task, "loss") else functional.cross_entropy(logits, targets)
    (loss * len(tokens)).backward()
    return torch.stack([feature.grad.double().norm(dim=1) for feature in features])


def gradient_norm_rows(run_dirs: list[str | Path], data_dir: str | Path, n_sequences: int = 64) -> list[dict[str, Any]]:
    """Per run and step t: mean and standard deviation over test sequences of ||dL/dh_t||."""
    rows = []
    for run_dir in run_dirs:
        run = load_finished_run(run_dir)
        inputs, targets = _test_sequences(run, data_dir, n_sequences)
        norms = gradient_norms(run.model, run.task, inputs, targets)
        for step, values in enumerate(norms, start=1):
            rows.append({
                "model": run.config.model, "variant": run.config.variant, "seed": run.config.seed, "step": step,
                "gradient_norm_mean": float(values.mean()), "gradient_norm_std": float(values.std()) if len(values) > 1 else 0.0,
                "n_sequences": len(values),
            })
    return rows


def _test_sequences(run, data_dir: str | Path, n_sequences: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first test sequences and their targets: copying memory's fixed test set, or the
    test split of a classification task with a fixed length (MNIST, pMNIST)."""
    if run.config.task == "copying":
        tensors, _ = read_test_set("copying", data_dir)
        return tensors["inputs"][:n_sequences], tensors["targets"][:n_sequences]

    task = build_task(run.config, data_dir, run.task.dimensions())
    if not hasattr(task, "examples"):
        raise QrnnError(f"gradient norms need fixed-length labelled sequences; task {run.config.task!r} has none")
    inputs, labels, lengths = task.examples(load_processed(data_dir)[0]["test"])
    if lengths is not None:
        raise QrnnError(f"gradient norms need fixed-length sequences; task {run.config.task!r} pads them")
    return inputs[:n_sequences], labels[:n_sequences]


def write_gradient_norms(run_dirs: list[str | Path], data_dir: str | Path, out_csv: str | Path, n_sequences: int = 64) -> list[dict[str, Any]]:
    if not run_dirs:
        raise QrnnError("no run folders given")
    rows = gradient_norm_rows(run_dirs, data_dir, n_sequences)
    atomic.write_csv(out_csv, rows, list(rows[0]))
    return rows
