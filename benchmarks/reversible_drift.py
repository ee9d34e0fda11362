"""Drift of states recomputed by inverse steps, as the reversible backward pass does them.

Runs T random steps of the default circuit (RY encoding, one RX-RY-RZ block, CNOT ring)
forward, keeping every state, then walks back from psi_T with EngineStep.inverse and
reports the largest (over the batch) 2-norm ||recomputed psi_{T-k} - forward psi_{T-k}||
after k undone steps (the states have norm 1). No
checkpoints are used here: this is the drift that CHECKPOINT_INTERVAL in
qrnn/quantum/reversible.py bounds.

    python benchmarks/reversible_drift.py [--qubits 10] [--batch 4] [--csv FILE]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch

from qrnn.io import atomic
from qrnn.quantum.circuit import EngineStep, StepCircuit
from qrnn.quantum.statevector import zero_state

DTYPES = {"complex64": (torch.complex64, torch.float32), "complex128": (torch.complex128, torch.float64)}


def drift(n_qubits: int, batch: int, steps: int, checkpoints: list[int], dtype: str) -> dict[int, float]:
    complex_dtype, real_dtype = DTYPES[dtype]
    step = EngineStep(StepCircuit(n_qubits, 1, ("rx", "ry", "rz"), "cnot_ring", has_encoding=True))
    generator = torch.Generator().manual_seed(0)
    angles = [
        (
            torch.rand(batch, n_qubits, generator=generator, dtype=real_dtype) * 2 * math.pi,
            torch.rand(batch, 1, n_qubits, 3, generator=generator, dtype=real_dtype) * 2 * math.pi,
        )
        for _ in range(steps)
    ]
    with torch.no_grad():
        states = [zero_state(batch, n_qubits, complex_dtype)]
        for encoding, variational in angles:
            states.append(step(states[-1], encoding, variational))
        state, errors = states[-1], {}
        for undone in range(1, steps + 1):
            encoding, variational = angles[steps - undone]
            state = step.inverse(state, encoding, variational)
            if undone in checkpoints:
                errors[undone] = (state - states[steps - undone]).norm(dim=1).max().item()
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qubits", type=int, default=10)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--undone", type=int, nargs="+", default=[10, 64, 100, 784], help="report after this many inverse steps")
    parser.add_argument("--csv", type=Path, default=Path("results/benchmarks/reversible_drift.csv"))
    args = parser.parse_args(argv)
    rows = []
    print(f"n={args.qubits} B={args.batch}: max ||recomputed - forward|| (2-norm, states of norm 1) after k inverse steps")
    print(f"{'dtype':>10} " + " ".join(f"{'k=' + str(k):>10}" for k in args.undone))
    for dtype in DTYPES:
        errors = drift(args.qubits, args.batch, max(args.undone), args.undone, dtype)
        print(f"{dtype:>10} " + " ".join(f"{errors[k]:>10.1e}" for k in args.undone), flush=True)
        rows += [{"dtype": dtype, "n_qubits": args.qubits, "batch": args.batch, "undone_steps": k, "max_error_norm": errors[k]} for k in args.undone]
    atomic.write_csv(args.csv, rows, list(rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
