"""Figure of the benchmark CSVs: time per batch vs n for the simulators (log scale), peak
memory vs sequence length T for autograd and reversible gradients, and the fraction of
the memory-bandwidth floor one step achieves vs n (with issue 5's 30% target).

    python benchmarks/plot.py [--simulators results/benchmarks/simulators.csv]
        [--memory results/benchmarks/memory_vs_sequence_length.csv]
        [--bandwidth results/benchmarks/bandwidth_floor.csv] [--out results/benchmarks/benchmarks]

writes OUT.png and OUT.pdf.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qrnn.io import atomic

LABELS = {
    "engine": "this engine (C kernels)",
    "engine_pytorch": "this engine, PyTorch path",
    "torchquantum": "TorchQuantum",
    "pennylane": "PennyLane default.qubit",
}
TARGET_FRACTION = 0.30  # issue 5


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise SystemExit(f"{path}: no such file (run the benchmark that writes it first)")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise SystemExit(f"{path}: no rows")
    return rows


def draw(simulators: list[dict[str, str]], memory: list[dict[str, str]], bandwidth: list[dict[str, str]]) -> Figure:
    figure = Figure(figsize=(13.5, 3.8))
    FigureCanvasAgg(figure)
    timing, peaks, fractions = figure.subplots(1, 3)
    for backend, label in LABELS.items():
        points = [(int(r["n_qubits"]), float(r[f"{backend}_ms"])) for r in simulators if not math.isnan(float(r.get(f"{backend}_ms", "nan")))]
        if points:
            timing.plot(*zip(*points), marker="o", label=label)
    first = simulators[0]
    timing.set(yscale="log", xlabel="qubits n", ylabel="forward+backward per batch [ms]",
               title=f"B = {first['batch']}, T = {first['steps']}, {first['device']}")
    timing.legend(fontsize="small")
    for gradient in ("autograd", "reversible"):
        points = [(int(r["steps"]), float(r["peak_mib"])) for r in memory if r["gradient"] == gradient]
        if points:
            peaks.plot(*zip(*points), marker="o", label=gradient)
    peaks.set(xscale="log", xlabel="sequence length T", ylabel="peak memory of one training step [MiB]",
              title=f"n = {memory[0]['n_qubits']}, B = {memory[0]['batch']}")
    peaks.set_ylim(bottom=0)
    peaks.legend(fontsize="small")
    for prefix, label in (("step", "step, C kernels"), ("step_readout", "step + readouts, C kernels"), ("pytorch_step", "step, PyTorch path")):
        points = [(int(r["n_qubits"]), 100 * float(r[f"{prefix}_fraction"])) for r in bandwidth if f"{prefix}_fraction" in r]
        if points:
            fractions.plot(*zip(*points), marker="o", label=label)
    fractions.axhline(100 * TARGET_FRACTION, color="grey", linestyle="--", linewidth=1, label="target (issue 5)")
    first = bandwidth[0]
    threads = "1 thread" if first["threads"] == "1" else f"{first['threads']} threads"
    fractions.set(xlabel="qubits n", ylabel="bandwidth floor / step time [%]",
                  title=f"B = {first['batch']}, {threads}, data cold (DRAM)")
    fractions.set_ylim(0, max(45, fractions.get_ylim()[1]))
    fractions.legend(fontsize="small", loc="upper left")
    figure.tight_layout()
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulators", type=Path, default=Path("results/benchmarks/simulators.csv"))
    parser.add_argument("--memory", type=Path, default=Path("results/benchmarks/memory_vs_sequence_length.csv"))
    parser.add_argument("--bandwidth", type=Path, default=Path("results/benchmarks/bandwidth_floor.csv"))
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks/benchmarks"), help="output path without suffix")
    args = parser.parse_args(argv)
    figure = draw(read_rows(args.simulators), read_rows(args.memory), read_rows(args.bandwidth))
    for suffix in ("png", "pdf"):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=suffix, dpi=150, metadata={"CreationDate": None} if suffix == "pdf" else None)
        atomic.write_atomically(args.out.with_suffix(f".{suffix}"), lambda handle: handle.write(buffer.getvalue()))
        print(args.out.with_suffix(f".{suffix}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
