"""CPU time of the quantum RNN's no-grad forward pass (evaluation), fused against per-step calls, in one run.

"fused" is what evaluation runs (QuantumRNN.unroll with no hook, under no_grad): one C
kernel call per time step for the circuit and its readouts, no phases kept. "per-step"
is the same recurrence through the model's own ``advance`` and ``measure`` hooks, as
evaluation ran before: a kernel call for the step and another for the readouts, a pass
over the states each. Both take the same inputs (random controller features of the
copying task's shape, the config schema's default model settings) and return the same
values; the table gives milliseconds per forward (median of --repeats after a warm-up)
and their ratio.

    python benchmarks/evaluation_step.py --threads 1 --cpu-time [--qubits 4 6 8 10] [--steps 30] [--batch 64]
        [--long 10 784 32] [--csv out.csv]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import add_device_option, resolve_device, timed, write_csv  # noqa: E402
from training_step import make_model  # noqa: E402


def forward_seconds(n_qubits: int, steps: int, batch: int, repeats: int, device: torch.device) -> dict[str, float]:
    """Median seconds of the core's no-grad forward, fused and per-step."""
    core = make_model("reversible", n_qubits, device).eval().core
    width = next(core.controller.parameters()).shape[1] - (core.output_size if core.config.readout_feedback else 0)
    inputs = torch.randn(batch, steps, width, generator=torch.Generator().manual_seed(1)).to(device)
    runs = {"fused": lambda: core.unroll(inputs), "per_step": lambda: core.unroll(inputs, advance=core.advance, measure=core.measure)}
    seconds = {}
    with torch.no_grad():
        for name, run in runs.items():
            run()
            seconds[name] = statistics.median(timed(run, device) for _ in range(repeats))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8, 10], help="n at T = --steps, B = --batch")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--long", type=int, nargs=3, default=[10, 784, 32], metavar=("N", "T", "B"),
                        help="one more row at n, T, B (default: pixel-MNIST length)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--csv", type=Path, default=None, help="write the table here")
    add_device_option(parser)
    args = parser.parse_args()
    device = resolve_device(parser, args.device, args.threads, args.cpu_time)
    print(f"{'n':>3} {'T':>4} {'B':>3} {'per-step ms':>12} {'fused ms':>9} {'speed-up':>8}", flush=True)
    cases = [(n, args.steps, args.batch) for n in args.qubits] + [tuple(args.long)]
    rows = []
    for n_qubits, steps, batch in cases:
        seconds = forward_seconds(n_qubits, steps, batch, args.repeats, device)
        speed_up = seconds["per_step"] / seconds["fused"]
        print(f"{n_qubits:>3} {steps:>4} {batch:>3} {1e3 * seconds['per_step']:>12.2f} {1e3 * seconds['fused']:>9.2f} "
              f"{speed_up:>7.2f}x", flush=True)
        rows.append({"n_qubits": n_qubits, "steps": steps, "batch": batch, "per_step_ms": round(1e3 * seconds["per_step"], 3),
                     "fused_ms": round(1e3 * seconds["fused"], 3), "speed_up": round(speed_up, 3)})
    if args.csv:
        write_csv(args.csv, rows)


if __name__ == "__main__":
    main()
