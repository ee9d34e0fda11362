"""The same step circuit and readouts computed with TorchQuantum, the paper's simulator.

This is the reference backend: gate by gate, one TorchQuantum kernel per gate, in
complex64 (TorchQuantum's precision). Both TorchQuantum and this package put qubit 0 at
the most significant bit, so states pass between the two unchanged.
"""

from __future__ import annotations

import torch

from qrnn.quantum.circuit import StepCircuit
from qrnn.quantum.entanglers import entangler_pairs


def _torchquantum():
    # Imported lazily: TorchQuantum imports torchvision and qiskit, which takes seconds.
    import torchquantum
    import torchquantum.functional

    return torchquantum


class TorchQuantumStep:
    """Applies a StepCircuit with TorchQuantum gates; same call signature as EngineStep."""

    def __init__(self, circuit: StepCircuit):
        self.circuit = circuit
        self.pairs = entangler_pairs(circuit.entangler, circuit.n_qubits)

    def __call__(self, state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None) -> torch.Tensor:
        tq = _torchquantum()
        functional = tq.functional
        self.circuit.check_angles(encoding, variational)
        if state.dtype != torch.complex64:
            raise ValueError("the torchquantum backend computes in complex64; set dtype: complex64")
        n, batch = self.circuit.n_qubits, state.shape[0]
        device = tq.QuantumDevice(n_wires=n, bsz=batch, device=state.device)
        device.set_states(state)
        if encoding is not None:
            for k in range(n):
                functional.ry(device, wires=k, params=encoding[:, k])
        for layer in range(self.circuit.n_layers):
            angles = variational[:, layer].expand(batch, -1, -1)
            for k in range(n):
                for index, kind in enumerate(self.circuit.rotations):
                    getattr(functional, kind)(device, wires=k, params=angles[:, k, index])
            gate = functional.cnot if self.circuit.entangler.startswith("cnot") else functional.cz
            for control, target in self.pairs:
                gate(device, wires=[control, target])
        return device.get_states_1d()


def torchquantum_expectations(state: torch.Tensor, paulis: tuple[str, ...] = ("x", "y", "z")) -> torch.Tensor:
    """Pauli-major expectations of every qubit with ``torchquantum.expval``.

    ``expval`` rotates the device's state in place, so each Pauli gets its own device
    holding a copy of the state; the caller's tensor is left unchanged.
    """
    tq = _torchquantum()
    observables = {"x": tq.PauliX, "y": tq.PauliY, "z": tq.PauliZ}
    n = state.shape[1].bit_length() - 1
    columns = []
    for pauli in paulis:
        device = tq.QuantumDevice(n_wires=n, bsz=state.shape[0], device=state.device)
        device.set_states(state.clone())
        columns.append(tq.expval(device, list(range(n)), [observables[pauli]() for _ in range(n)]))
    return torch.cat(columns, dim=1)
