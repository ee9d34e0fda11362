"""Peak memory and time of one training step of the quantum RNN vs sequence length T.

Each configuration (gradient method, T) runs in a fresh child process that builds the
model (default config, n = 10, B = 32 unless told otherwise), runs one training step
(forward, backward, Adam step) and reports its own peak memory (peak RSS from
resource.getrusage on CPU, torch.cuda.max_memory_allocated with --device cuda) and the
step's wall time. A baseline child builds the model without running it, so the table
also shows the peak above that baseline. Autograd at a T whose estimated peak (a line
through its two shorter runs) exceeds --max-gib is skipped, and the estimate printed.

The acceptance case is T = 784 (a pixel-by-pixel MNIST sequence), n = 10, B = 32 with
gradient: reversible: one training step must fit in 24 GiB; its time and peak are
printed on the last line. Autograd at T = 784 is skipped when its estimate exceeds
--max-gib.

    python benchmarks/memory_vs_sequence_length.py [--steps 10 100 784] [--qubits 10] [--batch 32] [--device cuda]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import INPUT_WIDTH, add_device_option, build_model, peak_mib, reset_peak, resolve_device, timed  # noqa: E402

from qrnn.io import atomic  # noqa: E402


def child(gradient: str, steps: int, n_qubits: int, batch: int, device: torch.device) -> dict:
    """One training step in this process; returns its peak memory and time."""
    model = build_model(n_qubits, device, gradient=gradient)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = 0.0
    if steps > 0:
        # Warm-up at T = 2: first calls initialise kernels and caches, which is not per-step cost.
        model(torch.randn(batch, 2, INPUT_WIDTH, device=device)).square().mean().backward()
        model.zero_grad(set_to_none=True)
        inputs = torch.randn(batch, steps, INPUT_WIDTH, generator=torch.Generator().manual_seed(1)).to(device)
        reset_peak(device)

        def train_step():
            model(inputs).square().mean().backward()
            optimizer.step()

        seconds = timed(train_step, device)
    return {"peak_mib": peak_mib(device), "seconds": seconds}


def run_child(gradient: str, steps: int, n_qubits: int, batch: int, device: torch.device) -> dict:
    command = [sys.executable, __file__, "--child", gradient, str(steps), str(n_qubits), str(batch), str(device), str(torch.get_num_threads())]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        gradient, steps, n_qubits, batch = sys.argv[2], *map(int, sys.argv[3:6])
        torch.set_num_threads(int(sys.argv[7]))
        print(json.dumps(child(gradient, steps, n_qubits, batch, torch.device(sys.argv[6]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100, 784], help="sequence lengths T (ascending)")
    parser.add_argument("--qubits", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-gib", type=float, default=20.0, help="skip autograd runs estimated above this peak")
    parser.add_argument("--csv", type=Path, default=Path("results/benchmarks/memory_vs_sequence_length.csv"))
    add_device_option(parser)
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device, args.threads)
    what = "torch.cuda.max_memory_allocated" if device.type == "cuda" else "peak RSS"

    base = run_child("reversible", 0, args.qubits, args.batch, device)["peak_mib"]
    print(f"n={args.qubits} B={args.batch} device {device}, one training step (forward, backward, Adam); peak = {what}; baseline {base:.0f} MiB")
    print(f"{'gradient':>10} {'T':>5} {'peak [MiB]':>11} {'above base':>11} {'time [s]':>9}")
    rows = []
    for gradient in ("reversible", "autograd"):
        for steps in args.steps:
            done = [row for row in rows if row["gradient"] == gradient]
            if gradient == "autograd" and len(done) >= 2:
                slope = (done[-1]["peak_mib"] - done[-2]["peak_mib"]) / (done[-1]["steps"] - done[-2]["steps"])
                estimate = done[-1]["peak_mib"] + slope * (steps - done[-1]["steps"])
                if estimate > args.max_gib * 1024:
                    print(f"{gradient:>10} {steps:>5} skipped: estimated peak {estimate / 1024:.1f} GiB > {args.max_gib} GiB", flush=True)
                    continue
            result = run_child(gradient, steps, args.qubits, args.batch, device)
            row = {"gradient": gradient, "steps": steps, "n_qubits": args.qubits, "batch": args.batch, "device": str(device), **result, "above_base_mib": result["peak_mib"] - base}
            rows.append(row)
            print(f"{gradient:>10} {steps:>5} {row['peak_mib']:>11.0f} {row['above_base_mib']:>11.0f} {row['seconds']:>9.2f}", flush=True)
    peaks = {(row["gradient"], row["steps"]): row for row in rows}
    first, last = args.steps[0], args.steps[-1]
    if ("reversible", last) in peaks:
        ratio = peaks["reversible", last]["peak_mib"] / peaks["reversible", first]["peak_mib"]
        print(f"reversible peak T={last} / T={first}: {ratio:.2f}x")
    for steps in args.steps:
        if ("autograd", steps) in peaks and ("reversible", steps) in peaks:
            a, r = peaks["autograd", steps], peaks["reversible", steps]
            print(f"T={steps}: autograd / reversible peak {a['peak_mib'] / r['peak_mib']:.2f}x "
                  f"(above base {a['above_base_mib'] / max(r['above_base_mib'], 1):.1f}x), time {a['seconds'] / r['seconds']:.2f}x")
    if ("reversible", last) in peaks:
        row = peaks["reversible", last]
        print(f"one training step, reversible, T={last}, n={args.qubits}, B={args.batch}: {row['seconds']:.1f} s, peak {row['peak_mib'] / 1024:.2f} GiB")
    atomic.write_csv(args.csv, rows, list(rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
