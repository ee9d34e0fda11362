"""CPU time of the noisy-evaluation core (qrnn/noise/noisy_core.py) per evaluated batch, in one run.

Each row times one forward of NoisyQuantumRNN (no_grad, as the noise sweeps run it) over B
test sequences of T steps at n qubits, under one noise condition of the default study's
sweeps (an ideal point, shot noise, gate noise with trajectories, a collapsing readout):
on the C kernels (a step with no channel is one kernel call, with its readouts when they do
not collapse; each unitary part between channels one call) and on the PyTorch path (the
layer-by-layer step, ``kernels.torch_path()``). With ``--baseline DIR`` the kernels column
is timed once more in a subprocess that imports qrnn from the checkout DIR (e.g. the code
before a change), on the same inputs and seeds, and the table gives that one's ratio too.
Milliseconds per forward are the median of --repeats after a warm-up.

    python benchmarks/noisy_evaluation.py --threads 1 --cpu-time [--qubits 4 6 8] [--steps 30] [--batch 100]
        [--baseline /path/to/other/checkout] [--csv out.csv]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import INPUT_WIDTH, add_device_option, build_model, resolve_device, timed, write_csv  # noqa: E402

from qrnn.noise.noisy_core import NoiseCondition, NoisyQuantumRNN  # noqa: E402
from qrnn.quantum.native import kernels  # noqa: E402

# The default study's sweep points (config/config.yaml, noise:), one of each kind.
CONDITIONS = {
    "ideal": NoiseCondition(),
    "shots 1000": NoiseCondition(shots=1000),
    "depolarizing 0.01, 8 traj.": NoiseCondition(channel="depolarizing", strength=0.01, trajectories=8),
    "projective, 48 registers": NoiseCondition(measurement="projective", trajectories=48),
}


def forward_seconds(n_qubits: int, steps: int, batch: int, name: str, repeats: int, device: torch.device) -> float:
    """Median seconds of one no-grad forward of the noisy core under CONDITIONS[name], seeded."""
    core = build_model(n_qubits, device).eval()
    inputs = torch.randn(batch, steps, INPUT_WIDTH, generator=torch.Generator().manual_seed(1)).to(device)

    def run():
        NoisyQuantumRNN(core, CONDITIONS[name], torch.Generator().manual_seed(0))(inputs)

    with torch.no_grad():
        run()
        return statistics.median(timed(run, device) for _ in range(repeats))


def baseline_seconds(checkout: Path, args: argparse.Namespace) -> dict[str, float]:
    """{"n/name": seconds} on the C kernels of the qrnn at ``checkout``, from a subprocess of this script."""
    command = [sys.executable, __file__, "--emit-json", "--qubits", *map(str, args.qubits), "--steps", str(args.steps), "--batch",
               str(args.batch), "--repeats", str(args.repeats), "--device", args.device]
    command += (["--threads", str(args.threads)] if args.threads else []) + (["--cpu-time"] if args.cpu_time else [])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"--baseline {checkout}: the baseline run failed:\n{result.stderr.strip()}")
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=100, help="test sequences per forward (the default study's noise.test_sequences)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="also time the kernels path of the qrnn in this checkout")
    parser.add_argument("--emit-json", action="store_true", help=argparse.SUPPRESS)  # the --baseline subprocess
    parser.add_argument("--csv", type=Path, default=None, help="write the table here")
    add_device_option(parser)
    args = parser.parse_args()
    device = resolve_device(parser, args.device, args.threads, args.cpu_time)
    cases = [(n, name) for n in args.qubits for name in CONDITIONS]
    if args.emit_json:
        print(json.dumps({f"{n}/{name}": forward_seconds(n, args.steps, args.batch, name, args.repeats, device) for n, name in cases}))
        return
    baseline = baseline_seconds(args.baseline.resolve(), args) if args.baseline else {}
    print(f"T = {args.steps}, B = {args.batch}; ms per forward" + (f"; baseline: {args.baseline}" if baseline else ""), flush=True)
    print(f"{'n':>3} {'condition':<28} {'PyTorch path':>12} {'kernels':>9} {'speed-up':>8}"
          + (f" {'baseline':>9} {'vs baseline':>11}" if baseline else ""), flush=True)
    rows = []
    for n_qubits, name in cases:
        fused = forward_seconds(n_qubits, args.steps, args.batch, name, args.repeats, device)
        with kernels.torch_path():
            layered = forward_seconds(n_qubits, args.steps, args.batch, name, args.repeats, device)
        row = {"n_qubits": n_qubits, "steps": args.steps, "batch": args.batch, "condition": name,
               "pytorch_path_ms": round(1e3 * layered, 3), "kernels_ms": round(1e3 * fused, 3), "speed_up": round(layered / fused, 3)}
        line = f"{n_qubits:>3} {name:<28} {1e3 * layered:>12.2f} {1e3 * fused:>9.2f} {layered / fused:>7.2f}x"
        if baseline:
            before = baseline[f"{n_qubits}/{name}"]
            row.update(baseline_ms=round(1e3 * before, 3), speed_up_vs_baseline=round(before / fused, 3))
            line += f" {1e3 * before:>9.2f} {before / fused:>10.2f}x"
        print(line, flush=True)
        rows.append(row)
    if args.csv:
        write_csv(args.csv, rows)


if __name__ == "__main__":
    main()
