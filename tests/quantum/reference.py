"""Independent references for the engine: Qiskit circuits built gate by gate.

Qiskit numbers qubits the other way round (its qubit 0 is the least significant bit),
so our qubit k is Qiskit's qubit n-1-k; with that mapping the two state vectors are the
same array, index for index.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp, Statevector

from qrnn.quantum.entanglers import entangler_pairs


def qiskit_qubit(k: int, n_qubits: int) -> int:
    return n_qubits - 1 - k


def pauli_label(pauli: str, k: int, n_qubits: int) -> str:
    """Qiskit label (highest Qiskit qubit first) of Pauli ``pauli`` on our qubit k."""
    return "I" * k + pauli.upper() + "I" * (n_qubits - 1 - k)


def append_step(circuit: QuantumCircuit, n_qubits: int, rotations, entangler: str, encoding, variational) -> None:
    """Append one step: RY(encoding[k]) on each qubit, then per layer the rotations and the entangler."""
    if encoding is not None:
        for k in range(n_qubits):
            circuit.ry(float(encoding[k]), qiskit_qubit(k, n_qubits))
    for layer in range(0 if variational is None else variational.shape[0]):
        for k in range(n_qubits):
            for index, kind in enumerate(rotations):
                getattr(circuit, kind)(float(variational[layer, k, index]), qiskit_qubit(k, n_qubits))
        for control, target in entangler_pairs(entangler, n_qubits):
            gate = circuit.cx if entangler.startswith("cnot") else circuit.cz
            gate(qiskit_qubit(control, n_qubits), qiskit_qubit(target, n_qubits))


def statevector(circuit: QuantumCircuit) -> np.ndarray:
    return Statevector(circuit).data


def expectations(circuit: QuantumCircuit, n_qubits: int, paulis=("x", "y", "z")) -> np.ndarray:
    """Pauli-major expectation values, the layout of qrnn.quantum.readout.pauli_expectations."""
    state = Statevector(circuit)
    return np.array(
        [state.expectation_value(SparsePauliOp(pauli_label(p, k, n_qubits))).real for p in paulis for k in range(n_qubits)]
    )
