"""How close one engine step comes to this machine's memory-bandwidth floor, and why not closer.

A step of L blocks must at least read and write the state once per block, so its time is
bounded below by floor = 2 * L * (state bytes) / (memory bandwidth). The bandwidth is the
STREAM triad a = b + s * c on large float32 tensors (torch.add with alpha, bytes moved
= 3 * 4 * N, best of --repeats). One forward step of the engine (default circuit: RY
encoding fused into one RX-RY-RZ block, CNOT ring; complex64, no autograd) is timed at
each n, each call after a triad (untimed) has pushed its data out of the caches, and the achieved fraction floor / step time is reported for the circuit alone
(the acceptance number of issue 5) and for circuit plus X/Y/Z readouts, for the engine
as it runs here (the C kernels of qrnn/quantum/native when they are built, see
QRNN_KERNELS) and for its PyTorch path (the GPU path and the kernels' reference), side by
side in the same rounds.

The second table says where the kernels' step goes and what bounds it from below:
  kernel     the C call (from Python, with its output's allocation) that takes the angles'
             half-angle cosines and sines, builds the gates and applies the layers and the entangler,
  overhead   step - kernel: the engine's checks and the autograd Function around that call,
  memory     that call with no layers: splitting the state into planar arrays and
             interleaving it back, i.e. reading and writing it once (the kernel's own floor),
  readout    the X/Y/Z readouts,
  compute    the layer's arithmetic (2 complex multiply-adds per amplitude per qubit, 8
             real flops each) at the rate of one large complex64 matmul: the step cannot
             beat this either, and on a CPU it sits above the bandwidth floor,
  best       floor / max(floor, compute): the fraction reachable if the arithmetic ran at
             the machine's GEMM rate and overlapped the memory traffic completely.

    python benchmarks/bandwidth_floor.py [--qubits 10 12 14 16] [--batch 32] [--device cuda] [--threads 1 --cpu-time] [--csv FILE]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import add_device_option, resolve_device, timed  # noqa: E402

from qrnn.io import atomic  # noqa: E402
from qrnn.quantum.circuit import EngineStep, StepCircuit  # noqa: E402
from qrnn.quantum.native import build, kernels  # noqa: E402
from qrnn.quantum.readout import pauli_expectations  # noqa: E402
from qrnn.quantum.statevector import zero_state  # noqa: E402


def best_seconds(functions: dict, repeats: int, device: torch.device, flush=None) -> tuple[dict, dict]:
    """Best seconds of each function over ``repeats`` interleaved rounds, so that a load
    burst on a shared machine hits all of them alike: (cold, warm).

    Cold: ``flush`` (untimed) runs before the call, so the function starts with its data
    out of the caches, as the bandwidth floor assumes, and inherits nothing (caches, a
    GEMM's AVX-512 clock drop) from the function before it. Warm: the call right after,
    with its data in the caches, as in a training loop whose state stays in L2/L3
    between steps (there the DRAM floor does not bind).
    """
    for function in functions.values():  # warm-up: page faults, first-call allocations
        function()
    cold = {name: [] for name in functions}
    warm = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            if flush is not None:
                flush()
            cold[name].append(timed(function, device))
            warm[name].append(timed(function, device))
    return {name: min(values) for name, values in cold.items()}, {name: min(values) for name, values in warm.items()}


def triad(elements: int, device: torch.device):
    """(a = b + s * c on float32 arrays of ``elements``, its bytes moved)."""
    b = torch.rand(elements, device=device)
    c = torch.rand(elements, device=device)
    a = torch.empty_like(b)
    return (lambda: torch.add(b, c, alpha=3.0, out=a)), 3 * 4 * elements


def complex_gemm(device: torch.device, size: int = 512):
    """(a (size x size) @ (size x size) complex64 matmul, its flops: 8 per multiply-add)."""
    a = torch.randn(size, size, dtype=torch.complex64, device=device)
    b = torch.randn(size, size, dtype=torch.complex64, device=device)
    return (lambda: a @ b), 8 * size**3


def layer_flops(n_qubits: int, batch: int, layers: int) -> int:
    """Real flops of L single-qubit layers: 2 complex multiply-adds (8 flops each) per amplitude per qubit."""
    return 16 * n_qubits * layers * batch * 2**n_qubits


class Step:
    """One forward step of the default circuit at random angles, and its parts."""

    def __init__(self, n_qubits: int, batch: int, layers: int, device: torch.device):
        self.step = EngineStep(StepCircuit(n_qubits, layers, ("rx", "ry", "rz"), "cnot_ring", has_encoding=True))
        generator = torch.Generator().manual_seed(0)
        self.encoding = (torch.rand(batch, n_qubits, generator=generator) * 2 * math.pi).to(device)
        self.variational = (torch.rand(batch, layers, n_qubits, 3, generator=generator) * 2 * math.pi).to(device)
        with torch.no_grad():  # a generic state
            self.state = self.step(zero_state(batch, n_qubits, torch.complex64, device), self.encoding, self.variational)
        self.kernels = kernels.usable(self.state)
        if self.kernels:
            self.tables = self.step._kernel_tables(self.state)

    def run(self, readouts: bool = False):
        out = self.step(self.state, self.encoding, self.variational)
        return pauli_expectations(out) if readouts else out

    def run_pytorch_path(self, readouts: bool = False):
        with kernels.torch_path():
            return self.run(readouts)

    def kernel(self, layers: int | None = None):
        variational = self.variational if layers is None else self.variational[:, :layers]
        encoding = self.encoding if layers is None else None
        kinds = self.step.kernel_rotations if layers is None else self.step.circuit.rotations
        return kernels.step(self.state, encoding, variational, kinds, self.tables.index, self.tables.sign, inverse=False)[0]

    def memory_pass(self):
        return self.kernel(layers=0)

    def readout(self):
        return pauli_expectations(self.state)


def measure(n_qubits: int, args, device: torch.device) -> dict:
    """Everything for one n, timed in interleaved rounds with the DRAM triad and the GEMM."""
    state_bytes = args.batch * 2**n_qubits * 8
    step = Step(n_qubits, args.batch, args.layers, device)
    dram, dram_bytes = triad(args.triad_mib * 2**20 // 4, device)
    gemm, gemm_flops = complex_gemm(device)
    functions = {
        "dram": dram, "gemm": gemm, "step": step.run, "step_readout": lambda: step.run(readouts=True),
        "pytorch_step": step.run_pytorch_path, "pytorch_step_readout": lambda: step.run_pytorch_path(readouts=True),
    }
    if step.kernels:
        functions.update({"kernel": step.kernel, "memory": step.memory_pass, "readout": step.readout})
    with torch.no_grad():
        seconds, warm = best_seconds(functions, args.repeats, device, flush=dram)
    bandwidth = dram_bytes / seconds["dram"]
    floor = 2 * args.layers * state_bytes / bandwidth
    compute = layer_flops(n_qubits, args.batch, args.layers) / (gemm_flops / seconds["gemm"])
    row = {"n_qubits": n_qubits, "batch": args.batch, "layers": args.layers, "device": str(device), "threads": torch.get_num_threads(),
           "engine": build.description() if step.kernels else "PyTorch", "state_mib": state_bytes / 2**20,
           "triad_gbs": bandwidth / 1e9, "gemm_gflops": gemm_flops / seconds["gemm"] / 1e9, "floor_ms": floor * 1e3}
    for name in ("step", "step_readout", "pytorch_step", "pytorch_step_readout"):
        row[f"{name}_ms"] = seconds[name] * 1e3
        row[f"{name}_gbs"] = 2 * args.layers * state_bytes / seconds[name] / 1e9
        row[f"{name}_fraction"] = floor / seconds[name]
        row[f"{name}_warm_ms"] = warm[name] * 1e3
    for name in ("kernel", "memory", "readout"):
        row[f"{name}_ms"] = seconds[name] * 1e3 if name in seconds else math.nan
    row["overhead_ms"] = row["step_ms"] - row["kernel_ms"]
    row["compute_floor_ms"] = compute * 1e3
    row["best_fraction"] = floor / max(floor, compute)
    return row


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
    device = resolve_device(parser, args.device, args.threads, args.cpu_time)

    clock = "CPU time of this thread" if args.cpu_time else "wall clock"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, {clock}; B={args.batch}, L={args.layers}, complex64")
    print(f"engine here: {build.description() if device.type == 'cpu' else 'PyTorch (CUDA)'}")
    print("floor = 2 * L * state bytes / DRAM triad (measured alongside each n), fraction = floor / time")
    rows = [measure(n_qubits, args, device) for n_qubits in args.qubits]
    print(f"{'n':>3} {'state [MiB]':>12} {'triad GB/s':>11} {'floor [ms]':>11} {'step [ms]':>10} {'fraction':>9} {'+readout [ms]':>14} "
          f"{'fraction':>9} {'PyTorch path [ms]':>18} {'fraction':>9} {'+readout [ms]':>14}")
    for row in rows:
        print(f"{row['n_qubits']:>3} {row['state_mib']:>12.2f} {row['triad_gbs']:>11.1f} {row['floor_ms']:>11.3f} {row['step_ms']:>10.3f} "
              f"{row['step_fraction']:>8.1%} {row['step_readout_ms']:>14.3f} {row['step_readout_fraction']:>8.1%} "
              f"{row['pytorch_step_ms']:>18.3f} {row['pytorch_step_fraction']:>8.1%} {row['pytorch_step_readout_ms']:>14.3f}")
    print("warm caches (each call right after a cold one; the state stays cached, as between the steps of training):")
    print(f"{'n':>3} {'step [ms]':>10} {'+readout [ms]':>14} {'PyTorch path [ms]':>18} {'+readout [ms]':>14} {'step vs PyTorch':>16}")
    for row in rows:
        print(f"{row['n_qubits']:>3} {row['step_warm_ms']:>10.3f} {row['step_readout_warm_ms']:>14.3f} {row['pytorch_step_warm_ms']:>18.3f} "
              f"{row['pytorch_step_readout_warm_ms']:>14.3f} {row['pytorch_step_warm_ms'] / row['step_warm_ms']:>15.1f}x")
    print("where the kernels' step goes (ms, cold) and what bounds it (see --help):")
    print(f"{'n':>3} {'kernel':>7} {'overhead':>9} {'memory':>7} {'readout':>8} {'GEMM GFLOP/s':>13} {'compute [ms]':>13} {'best':>6}")
    for row in rows:
        print(f"{row['n_qubits']:>3} {row['kernel_ms']:>7.3f} {row['overhead_ms']:>9.3f} {row['memory_ms']:>7.3f} {row['readout_ms']:>8.3f} "
              f"{row['gemm_gflops']:>13.1f} {row['compute_floor_ms']:>13.3f} {row['best_fraction']:>5.0%}")
    atomic.write_csv(args.csv, rows, list(rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
