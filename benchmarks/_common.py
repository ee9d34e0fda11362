"""Shared pieces of the benchmark scripts: the device option, synchronised timing, peak memory."""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

import torch

from qrnn.config import model_config, validate
from qrnn.models.qrnn import QuantumRNN

INPUT_WIDTH = 16


def add_device_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda[:index]")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice, one per core)")


def resolve_device(parser: argparse.ArgumentParser, name: str, threads: int | None = None) -> torch.device:
    """The requested device, or a clear parser error when CUDA is asked for but absent;
    also applies --threads."""
    if threads is not None:
        torch.set_num_threads(threads)
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error(f"--device {name}: CUDA is not available here (torch {torch.__version__}, torch.cuda.is_available() is False)")
    if device.type not in ("cpu", "cuda"):
        parser.error(f"--device {name}: only cpu and cuda are supported")
    return device


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(function, device: torch.device) -> float:
    """Seconds of one call, with CUDA work finished before the clock stops."""
    synchronize(device)
    start = time.perf_counter()
    function()
    synchronize(device)
    return time.perf_counter() - start


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_mib(device: torch.device) -> float:
    """Peak memory so far: torch.cuda.max_memory_allocated on CUDA, the process's peak RSS on CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def build_model(n_qubits: int, device: torch.device, **changes) -> QuantumRNN:
    """The default quantum RNN (config schema defaults) with ``changes``, seeded."""
    config = replace(model_config("qrnn", validate({})["models"]["qrnn"]), n_qubits=n_qubits, **changes)
    torch.manual_seed(0)
    return QuantumRNN(INPUT_WIDTH, config).to(device)
