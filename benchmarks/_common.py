"""Shared pieces of the benchmark scripts: the device option, synchronised timing, peak memory, the CSV table."""

from __future__ import annotations

import argparse
import csv
import resource
import time
from dataclasses import replace
from pathlib import Path

import torch

from qrnn.config import model_config, validate
from qrnn.models.qrnn import QuantumRNN

INPUT_WIDTH = 16


def add_device_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda[:index]")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice, one per core)")
    parser.add_argument(
        "--cpu-time", action="store_true",
        help="time with this thread's CPU clock instead of the wall clock (cpu, --threads 1 only): on a shared "
        "machine the wall clock also counts the turns of other processes",
    )


_clock = time.perf_counter


def resolve_device(parser: argparse.ArgumentParser, name: str, threads: int | None = None, cpu_time: bool = False) -> torch.device:
    """The requested device, or a clear parser error when CUDA is asked for but absent;
    also applies --threads and --cpu-time."""
    global _clock
    if threads is not None:
        torch.set_num_threads(threads)
    device = torch.device(name)
    if cpu_time:
        if device.type != "cpu" or threads != 1:
            parser.error("--cpu-time needs --device cpu and --threads 1 (with more threads the work runs outside this thread's clock)")
        _clock = time.thread_time
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error(f"--device {name}: CUDA is not available here (torch {torch.__version__}, torch.cuda.is_available() is False)")
    if device.type not in ("cpu", "cuda"):
        parser.error(f"--device {name}: only cpu and cuda are supported")
    return device


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(function, device: torch.device) -> float:
    """Seconds of one call (wall clock, or CPU clock with --cpu-time), with CUDA work finished before the clock stops."""
    synchronize(device)
    start = _clock()
    function()
    synchronize(device)
    return _clock() - start


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


def write_csv(path: Path, rows: list[dict]) -> None:
    """A script's table (one dict per row, the first row's keys as the header) at ``path``, its folder made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
