"""How close one engine step comes to this machine's memory-bandwidth floor.

A step of L blocks must at least read and write the state once per block, so its time is
bounded below by 2 * L * (state bytes) / (memory bandwidth). This script measures the
bandwidth with the STREAM triad a = b + s * c on large float32 tensors (torch.add with
alpha, bytes moved = 3 * 4 * N, best of --repeats), then times one forward step of the
engine (default circuit: RY encoding fused into one RX-RY-RZ block, CNOT ring; complex64,
no autograd) at each n, and reports the achieved bytes/s = 2 * L * state bytes / step
time and its fraction of the triad bandwidth, for the circuit alone and for circuit plus
X/Y/Z readouts. The step takes several passes over the state (one per group of
statevector.GROUP_SIZE qubits, one gather for the entangler), so 100 % is not reachable.

    python benchmarks/bandwidth_floor.py [--qubits 10 12 14 16] [--batch 32] [--device cuda] [--csv FILE]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import add_device_option, resolve_device, timed  # noqa: E402

from qrnn import atomic  # noqa: E402
from qrnn.quantum.circuit import EngineStep, StepCircuit  # noqa: E402
from qrnn.quantum.readout import pauli_expectations  # noqa: E402
from qrnn.quantum.statevector import zero_state  # noqa: E402


def triad_bandwidth(elements: int, repeats: int, device: torch.device) -> float:
    """Best bytes/s of a = b + s * c over ``repeats`` runs."""
    b = torch.rand(elements, device=device)
    c = torch.rand(elements, device=device)
    a = torch.empty_like(b)
    torch.add(b, c, alpha=3.0, out=a)  # warm-up: page faults
    best = min(timed(lambda: torch.add(b, c, alpha=3.0, out=a), device) for _ in range(repeats))
    return 3 * 4 * elements / best


def step_seconds(n_qubits: int, batch: int, layers: int, readouts: bool, repeats: int, device: torch.device) -> float:
    """Best time of one forward step (random angles) over ``repeats`` runs."""
    step = EngineStep(StepCircuit(n_qubits, layers, ("rx", "ry", "rz"), "cnot_ring", has_encoding=True))
    generator = torch.Generator().manual_seed(0)
    encoding = (torch.rand(batch, n_qubits, generator=generator) * 2 * math.pi).to(device)
    variational = (torch.rand(batch, layers, n_qubits, 3, generator=generator) * 2 * math.pi).to(device)
    state = zero_state(batch, n_qubits, torch.complex64, device)
    with torch.no_grad():
        state = step(state, encoding, variational)  # a generic state, and the warm-up

        def run():
            out = step(state, encoding, variational)
            if readouts:
                pauli_expectations(out)

        run()
        return min(timed(run, device) for _ in range(repeats))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qubits", type=int, nargs="+", default=[10, 12, 14, 16])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--layers", type=int, default=1, help="variational blocks L per step")
    parser.add_argument("--triad-mib", type=int, default=256, help="size of each triad array (well above the caches)")
    parser.add_argument("--repeats", type=int, default=10, help="runs per measurement (best reported)")
    parser.add_argument("--csv", type=Path, default=Path("results/benchmarks/bandwidth_floor.csv"))
    add_device_option(parser)
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device, args.threads)

    bandwidth = triad_bandwidth(args.triad_mib * 2**20 // 4, args.repeats, device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}; triad bandwidth {bandwidth / 1e9:.1f} GB/s")
    print(f"B={args.batch}, L={args.layers}, complex64; achieved = 2 * L * state bytes / step time")
    print(f"{'n':>3} {'state [MiB]':>12} {'step [ms]':>10} {'GB/s':>7} {'fraction':>9} {'+readout [ms]':>14} {'GB/s':>7} {'fraction':>9}")
    rows = []
    for n_qubits in args.qubits:
        state_bytes = args.batch * 2**n_qubits * 8
        floor_bytes = 2 * args.layers * state_bytes
        row = {"n_qubits": n_qubits, "batch": args.batch, "layers": args.layers, "device": str(device), "state_mib": state_bytes / 2**20, "triad_gbs": bandwidth / 1e9}
        for name, readouts in (("step", False), ("step_readout", True)):
            seconds = step_seconds(n_qubits, args.batch, args.layers, readouts, args.repeats, device)
            row[f"{name}_ms"] = seconds * 1e3
            row[f"{name}_gbs"] = floor_bytes / seconds / 1e9
            row[f"{name}_fraction"] = floor_bytes / seconds / bandwidth
        rows.append(row)
        print(f"{n_qubits:>3} {row['state_mib']:>12.1f} {row['step_ms']:>10.2f} {row['step_gbs']:>7.1f} {row['step_fraction']:>8.0%} "
              f"{row['step_readout_ms']:>14.2f} {row['step_readout_gbs']:>7.1f} {row['step_readout_fraction']:>8.0%}", flush=True)
    atomic.write_csv(args.csv, rows, list(rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
