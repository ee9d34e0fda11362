"""Compute cost of a training step against the number of qubits, next to an LSTM of the
same parameter count: wall time and the memory autograd keeps for the backward pass.

Time: forward + backward of a (batch, T) sequence on one thread, the median of a few
repeats, divided by T. Memory: the bytes of every tensor autograd saves for the backward
pass (counted with torch.autograd.graph.saved_tensors_hooks), divided by T; this is the
part of the memory that grows with the sequence and it is exact and repeatable, unlike
the process's resident size. The reversible quantum RNN saves almost nothing per step.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import torch

from qrnn.errors import QrnnError
from qrnn.io import atomic
from qrnn.models.factory import build_model, parameter_counts, resized
from qrnn.models.parameters import count_trainable_parameters, matched_hidden_size
from qrnn.study.resolve import run_config
from qrnn.tasks.registry import build_task

MIB = 2**20


def _saved_bytes(model, tokens: torch.Tensor) -> tuple[int, torch.Tensor]:
    """Bytes autograd saves during one forward pass, and the scalar to backpropagate."""
    total = 0
    seen: set[int] = set()

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal total
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in seen:  # a tensor saved by several operations counts once
            seen.add(storage.data_ptr())
            total += storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = model(tokens).float().square().mean()
    return total, loss


def measure(model, tokens: torch.Tensor, repeats: int) -> dict[str, float]:
    """Seconds per time step (median of ``repeats`` forward+backward passes) and MiB saved for backward per step."""
    steps = tokens.shape[1]
    model(tokens[:, :2]).float().square().mean().backward()  # warm-up: first calls set up kernels and caches
    saved, loss = _saved_bytes(model, tokens)
    loss.backward()
    times = []
    for _ in range(repeats):
        model.zero_grad(set_to_none=True)
        start = time.perf_counter()
        model(tokens).float().square().mean().backward()
        times.append(time.perf_counter() - start)
    times.sort()
    return {"time_per_step_ms": 1000 * times[len(times) // 2] / steps, "saved_memory_per_step_mib": saved / MIB / steps}


def compute_cost_rows(document: dict[str, Any], task: str, qubits: list[int], batch_size: int = 16, sequence_length: int = 32, repeats: int = 3, progress: bool = False) -> list[dict[str, Any]]:
    """Per qubit count: the quantum RNN (the study's settings at that size) and an LSTM
    resized to the same number of trainable parameters (closest hidden size)."""
    if not qubits or min(qubits) < 1:
        raise QrnnError(f"qubit counts must be positive integers, got {qubits}")
    from tqdm import tqdm

    quantum_run = run_config(document, task, "qrnn", 0)
    lstm_run = run_config(document, task, "lstm", 0)
    task_object = build_task(quantum_run)
    vocab, outputs, per_step = task_object.vocab_size, task_object.n_outputs, task_object.per_step
    tokens = torch.randint(0, vocab, (batch_size, sequence_length), generator=torch.Generator().manual_seed(0))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # per-core cost; a study runs one job per core
    rows = []
    try:
        for n_qubits in tqdm(qubits, desc="compute cost", disable=not progress):
            torch.manual_seed(0)
            quantum = build_model("qrnn", dataclasses.replace(quantum_run.model_settings, n_qubits=n_qubits), vocab, outputs, per_step)
            target = parameter_counts(quantum)["total"]

            def count(hidden: int) -> int:
                with torch.device("meta"):
                    return count_trainable_parameters(build_model("lstm", resized(lstm_run.model_settings, hidden), vocab, outputs, per_step))

            hidden = matched_hidden_size(count, target, tolerance=float("inf"))
            lstm = build_model("lstm", resized(lstm_run.model_settings, hidden), vocab, outputs, per_step)
            for model_name, model, size in (("qrnn", quantum, 2**n_qubits), ("lstm", lstm, hidden)):
                rows.append({
                    "model": model_name, "n_qubits": n_qubits, "state_size": size, "trainable_parameters": count_trainable_parameters(model),
                    "batch_size": batch_size, "sequence_length": sequence_length, **measure(model, tokens, repeats),
                })
    finally:
        torch.set_num_threads(threads)
    return rows


def write_compute_cost(document: dict[str, Any], task: str, qubits: list[int], out_csv: str | Path, **options) -> list[dict[str, Any]]:
    rows = compute_cost_rows(document, task, qubits, **options)
    atomic.write_csv(out_csv, rows, list(rows[0]))
    return rows
