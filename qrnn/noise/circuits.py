"""Circuits of the two hardware protocols, built on the Qiskit export of the step circuit.

Readouts of one Pauli basis P come from measuring every logical qubit in P (a basis
rotation, then a Z measurement): outcome bit b gives the eigenvalue 1 - 2b. The Paulis
of the readouts are measured in separate circuits (one per basis), so every readout
(P, k) is estimated from the shots of its basis' circuit.

- re-preparation: the first t+1 steps, then a measurement of all logical qubits in P into
  the register ``meas`` (bit k = engine qubit k). The state is destroyed; step t+1 reruns
  the circuit from |0...0>.
- mid-circuit: all T steps; after each step every logical qubit k is rotated into P,
  copied onto one ancilla by a CNOT, rotated back, and the ancilla is measured into bit k
  of register ``t{step}`` and reset. This collapses the logical qubit onto the measured
  eigenstate (a projective readout with back-action), as a device's mid-circuit readout does.
"""

from __future__ import annotations

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qrnn.quantum.qiskit_export import append_step, parametrised_steps, qiskit_qubit


def rotate_into_basis(qc: QuantumCircuit, qubit: int, pauli: str, inverse: bool = False) -> None:
    """Map the eigenbasis of ``pauli`` onto Z's (X: H; Y: S^dagger then H), or back."""
    if pauli == "x":
        qc.h(qubit)
    elif pauli == "y":
        if inverse:
            qc.h(qubit)
            qc.s(qubit)
        else:
            qc.sdg(qubit)
            qc.h(qubit)


def repreparation_circuit(circuit, steps: int, pauli: str) -> QuantumCircuit:
    """Steps 0..steps-1 (parametrised, see qiskit_export.parametrised_steps), then every logical qubit measured in ``pauli``."""
    n = circuit.n_qubits
    angles, _ = parametrised_steps(circuit, steps)
    qc = QuantumCircuit(QuantumRegister(n, "q"), ClassicalRegister(n, "meas"))
    for encoding, variational in angles:
        append_step(qc, circuit, encoding, variational)
    for k in range(n):
        rotate_into_basis(qc, qiskit_qubit(k, n), pauli)
        qc.measure(qiskit_qubit(k, n), k)
    return qc


def midcircuit_circuit(circuit, steps: int, pauli: str) -> QuantumCircuit:
    """All steps with an ancilla readout of every logical qubit in ``pauli`` after each step."""
    n = circuit.n_qubits
    angles, _ = parametrised_steps(circuit, steps)
    data, ancilla = QuantumRegister(n, "q"), QuantumRegister(1, "ancilla")
    registers = [ClassicalRegister(n, f"t{t}") for t in range(steps)]
    qc = QuantumCircuit(data, ancilla, *registers)
    qubits = [data[qiskit_qubit(k, n)] for k in range(n)]
    for t, (encoding, variational) in enumerate(angles):
        append_step(qc, circuit, encoding, variational, qubits=qubits)
        for k in range(n):
            rotate_into_basis(qc, qubits[k], pauli)
            qc.cx(qubits[k], ancilla[0])
            rotate_into_basis(qc, qubits[k], pauli, inverse=True)
            qc.measure(ancilla[0], registers[t][k])
            qc.reset(ancilla[0])
    return qc
