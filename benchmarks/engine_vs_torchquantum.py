"""Forward+backward time per batch of the quantum RNN: fused engine vs TorchQuantum.

Both backends run the same QuantumRNN (same weights, B = 32, T = 10, L = 1) and are timed
interleaved in one process, so machine load affects both alike; the ratio is the result.
Both use gradient: autograd (torchquantum has no inverse step), so the ratio compares
the simulators alone.

    python benchmarks/engine_vs_torchquantum.py [--qubits 8 10 12 | --all-sizes] [--repeats 5] [--csv FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from qrnn import atomic
from qrnn.config import model_config, validate
from qrnn.models.qrnn import QuantumRNN


def build(n_qubits: int, backend: str, layers: int) -> QuantumRNN:
    settings = validate({})["models"]["qrnn"]
    config = replace(model_config("qrnn", settings), n_qubits=n_qubits, n_layers=layers, backend=backend, gradient="autograd")
    torch.manual_seed(0)
    return QuantumRNN(input_size=16, config=config)


def time_forward_backward(model: QuantumRNN, inputs: torch.Tensor) -> float:
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    model(inputs).square().mean().backward()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qubits", type=int, nargs="+", default=[8, 10, 12], help="qubit counts to time")
    parser.add_argument("--all-sizes", action="store_true", help="time every n = 4..14 instead (n = 14 takes minutes and GiBs)")
    parser.add_argument("--batch", type=int, default=32, help="batch size B")
    parser.add_argument("--steps", type=int, default=10, help="sequence length T")
    parser.add_argument("--layers", type=int, default=1, help="variational blocks L")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions per backend (median reported)")
    parser.add_argument("--csv", type=Path, default=Path("results/benchmarks/engine_vs_torchquantum.csv"), help="CSV file for the table")
    args = parser.parse_args(argv)
    if args.all_sizes:
        args.qubits = list(range(4, 15))

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, B={args.batch}, T={args.steps}, L={args.layers}")
    print(f"{'n':>3} {'engine [ms]':>12} {'torchquantum [ms]':>18} {'speed-up':>9}")
    rows = []
    for n_qubits in args.qubits:
        models = {backend: build(n_qubits, backend, args.layers) for backend in ("engine", "torchquantum")}
        inputs = torch.randn(args.batch, args.steps, 16, generator=torch.Generator().manual_seed(1))
        times: dict[str, list[float]] = {backend: [] for backend in models}
        for backend, model in models.items():  # warm-up: first calls allocate and import
            time_forward_backward(model, inputs)
        for _ in range(args.repeats):
            for backend, model in models.items():
                times[backend].append(time_forward_backward(model, inputs))
        engine, reference = (statistics.median(times[b]) * 1e3 for b in ("engine", "torchquantum"))
        rows.append({"n_qubits": n_qubits, "engine_ms": engine, "torchquantum_ms": reference, "speedup": reference / engine})
        print(f"{n_qubits:>3} {engine:>12.1f} {reference:>18.1f} {reference / engine:>8.1f}x", flush=True)
    if args.csv:
        atomic.write_csv(args.csv, rows, list(rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
