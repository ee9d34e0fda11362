"""Forward+backward time per batch of the quantum RNN on three simulators, side by side.

This package's engine (its C kernels where they are built, and its PyTorch path, the one
GPUs run), TorchQuantum and PennyLane ``default.qubit`` (torch interface,
``diff_method="backprop"``, the only PennyLane method that differentiates a returned
state) run the same model: one controller (same weights), the same inputs, hence the same
angles, B = 32, T = 10, L = 1, complex64, gradient: autograd everywhere (TorchQuantum and
PennyLane have no inverse step). The readouts are mid-circuit and non-collapsing: each
step's <X>, <Y>, <Z> feed the next step's angles, so in PennyLane one step is one qnode
that starts from the previous state (qml.StatePrep, broadcast over the batch) and returns
the new state plus the 3n expectation values. Before timing, each simulator's readouts
over the T steps are checked against the engine's (max |difference| < --tolerance).
Backends are timed interleaved in one process, so machine load affects them alike; the
ratios are the result. On a machine shared with other jobs, --threads 1 --cpu-time counts
only the CPU time of the one working thread (set OMP_NUM_THREADS=1 as well, so that no
library starts threads of its own outside that clock).

    python benchmarks/simulators.py [--qubits 4 6 8 10 12 14] [--repeats 3] [--device cuda] [--threads 1 --cpu-time] [--csv FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import INPUT_WIDTH, add_device_option, build_model, resolve_device, timed  # noqa: E402

from qrnn.io import atomic  # noqa: E402
from qrnn.models.qrnn import QuantumRNN  # noqa: E402
from qrnn.quantum.entanglers import entangler_pairs  # noqa: E402
from qrnn.quantum.native import build, kernels  # noqa: E402
from qrnn.quantum.statevector import zero_state  # noqa: E402

BACKENDS = ("engine", "engine_pytorch", "torchquantum", "pennylane")


class PennyLaneStep:
    """(state, encoding, variational) -> (state, readouts) as one broadcast PennyLane qnode."""

    def __init__(self, model: QuantumRNN):
        import pennylane as qml

        circuit, n = model.circuit, model.n_qubits
        paulis = {"x": qml.PauliX, "y": qml.PauliY, "z": qml.PauliZ}
        readouts = [paulis[p] for p in model.config.readouts]
        pairs = entangler_pairs(circuit.entangler, n)
        gates = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}

        @qml.qnode(qml.device("default.qubit", wires=n), interface="torch", diff_method="backprop")
        def step(state, encoding, variational):
            qml.StatePrep(state, wires=range(n))
            if encoding is not None:
                for k in range(n):
                    qml.RY(encoding[:, k], wires=k)
            for layer in range(circuit.n_layers):
                for k in range(n):
                    for index, kind in enumerate(circuit.rotations):
                        gates[kind](variational[:, layer, k, index], wires=k)
                two_qubit = qml.CNOT if circuit.entangler.startswith("cnot") else qml.CZ
                for control, target in pairs:
                    two_qubit(wires=[control, target])
            return [qml.state()] + [qml.expval(pauli(k)) for pauli in readouts for k in range(n)]

        self.step = step

    def __call__(self, state, encoding, variational):
        if variational is not None:
            variational = variational.expand(state.shape[0], -1, -1, -1)
        result = self.step(state, encoding, variational)
        return result[0], torch.stack(result[1:], dim=1)


def engine_like(model: QuantumRNN, pytorch_path: bool = False):
    """The model's own step and readout; with pytorch_path, the engine's PyTorch path even where the C kernels are built."""

    def step(state, encoding, variational):
        with kernels.torch_path() if pytorch_path else contextlib.nullcontext():
            return model.measure(model.advance(state, encoding, variational))

    return step


def sequence(model: QuantumRNN, step, inputs: torch.Tensor) -> torch.Tensor:
    """QuantumRNN.forward with the circuit step and readout replaced by ``step``."""
    batch, steps, _ = inputs.shape
    state = zero_state(batch, model.n_qubits, model.dtype, inputs.device)
    readouts = model.initial_readouts(batch, inputs.device).to(inputs.dtype)
    outputs = []
    for t in range(steps):
        angles = model.controller(torch.cat([inputs[:, t], readouts], dim=1))
        state, readouts = step(state, *model.circuit_angles(angles))
        readouts = readouts.to(inputs.dtype)
        outputs.append(readouts)
    return torch.stack(outputs, dim=1)


def forward_backward(model: QuantumRNN, step, inputs: torch.Tensor) -> None:
    model.zero_grad(set_to_none=True)
    sequence(model, step, inputs).square().mean().backward()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 6, 8, 10, 12], help="qubit counts to time (4..14)")
    parser.add_argument("--batch", type=int, default=32, help="batch size B")
    parser.add_argument("--steps", type=int, default=10, help="sequence length T")
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions per backend (median reported)")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS, help="simulators to time (engine always runs)")
    parser.add_argument("--tolerance", type=float, default=1e-5, help="largest allowed |readout - engine readout|")
    parser.add_argument("--csv", type=Path, default=Path("results/benchmarks/simulators.csv"), help="CSV file for the table")
    add_device_option(parser)
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device, args.threads, args.cpu_time)
    backends = ["engine"] + [b for b in args.backends if b != "engine"]

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, B={args.batch}, T={args.steps}, L=1, complex64, autograd")
    print(f"engine: {build.description() if device.type == 'cpu' else 'PyTorch (CUDA)'}; engine_pytorch: its PyTorch path (the GPU path)")
    print(f"{'n':>3} " + " ".join(f"{b + ' [ms]':>17}" for b in backends) + " " + " ".join(f"{'vs ' + b:>16}" for b in backends[1:]))
    rows = []
    for n_qubits in args.qubits:
        engine = build_model(n_qubits, device, gradient="autograd")
        steps = {"engine": (engine, engine_like(engine))}
        if "engine_pytorch" in backends:
            steps["engine_pytorch"] = (engine, engine_like(engine, pytorch_path=True))
        if "torchquantum" in backends:
            reference = build_model(n_qubits, device, gradient="autograd", backend="torchquantum")
            reference.load_state_dict(engine.state_dict())
            steps["torchquantum"] = (reference, engine_like(reference))
        if "pennylane" in backends:
            steps["pennylane"] = (engine, PennyLaneStep(engine))
        inputs = torch.randn(args.batch, args.steps, INPUT_WIDTH, generator=torch.Generator().manual_seed(1)).to(device)
        with torch.no_grad():
            expected = sequence(engine, steps["engine"][1], inputs)
            for backend, (model, step) in steps.items():
                error = (sequence(model, step, inputs) - expected).abs().max().item()
                if error > args.tolerance:
                    raise SystemExit(f"n={n_qubits}: {backend} readouts differ from the engine's by {error:.1e} > {args.tolerance}")
        times: dict[str, list[float]] = {backend: [] for backend in steps}
        for backend, (model, step) in steps.items():  # warm-up: first calls allocate and import
            forward_backward(model, step, inputs)
        for _ in range(args.repeats):
            for backend, (model, step) in steps.items():
                times[backend].append(timed(lambda: forward_backward(model, step, inputs), device))
        medians = {backend: statistics.median(values) * 1e3 for backend, values in times.items()}
        row = {"n_qubits": n_qubits, "batch": args.batch, "steps": args.steps, "device": str(device)}
        for backend in BACKENDS:
            row[f"{backend}_ms"] = medians.get(backend, float("nan"))
        for backend in BACKENDS[1:]:
            row[f"speedup_vs_{backend}"] = medians[backend] / medians["engine"] if backend in medians else float("nan")
        rows.append(row)
        print(f"{n_qubits:>3} " + " ".join(f"{medians[b]:>17.1f}" for b in backends) + " "
              + " ".join(f"{medians[b] / medians['engine']:>15.1f}x" for b in backends[1:]), flush=True)
    atomic.write_csv(args.csv, rows, list(rows[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
