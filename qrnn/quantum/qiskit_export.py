"""Export the circuit a quantum RNN runs to Qiskit.

Qubit order: engine qubit k (the most significant bit of the state index, see
statevector.py) is Qiskit qubit n-1-k, so the exported circuit's Statevector has the
engine's amplitudes in the same order. A step is an RY encoding layer followed by the
variational blocks (rotations in the configured order, then the entangler's pairs in
application order); a barrier closes every layer, the granularity at which
qrnn.noise.trajectories.NoisyStep applies gate noise.

Angles can be numbers (one input sequence, after the controller ran) or Qiskit
Parameters (``parametrised_sequence``), so a circuit is transpiled once and bound to every
test sequence's angles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import SparsePauliOp

from qrnn.quantum.entanglers import entangler_pairs

# Called after each layer with (circuit, qiskit qubits): lets callers insert noise or saves.
LayerHook = Callable[[QuantumCircuit, list[int]], None]


def qiskit_qubit(qubit: int, n_qubits: int) -> int:
    return n_qubits - 1 - qubit


def append_step(
    qc: QuantumCircuit,
    circuit,
    encoding: Sequence | None,
    variational: Sequence | None,
    qubits: Sequence[int] | None = None,
    after_layer: LayerHook | None = None,
) -> None:
    """Append one step of StepCircuit ``circuit``: ``encoding`` (n,) and ``variational``
    (L, n, R) angles (floats or Parameters) on the Qiskit qubits ``qubits`` (engine order:
    qubits[k] carries engine qubit k; default n-1-k)."""
    n = circuit.n_qubits
    qubits = [qiskit_qubit(k, n) for k in range(n)] if qubits is None else list(qubits)
    if circuit.has_encoding != (encoding is not None) or (circuit.n_layers > 0) != (variational is not None):
        raise ValueError("angles do not match the step circuit (encoding / variational blocks)")
    if encoding is not None:
        for k in range(n):
            qc.ry(encoding[k], qubits[k])
        qc.barrier(qubits)
        if after_layer is not None:
            after_layer(qc, qubits)
    for layer in range(circuit.n_layers):
        for k in range(n):
            for index, kind in enumerate(circuit.rotations):
                getattr(qc, kind)(variational[layer][k][index], qubits[k])
        for control, target in entangler_pairs(circuit.entangler, n):
            if circuit.entangler.startswith("cnot"):
                qc.cx(qubits[control], qubits[target])
            else:
                qc.cz(qubits[control], qubits[target])
        qc.barrier(qubits)
        if after_layer is not None:
            after_layer(qc, qubits)


def step_angles(circuit, encoding, variational) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Numpy angles of one batch row: encoding (n,), variational (L, n, R); None where absent."""
    enc = None if encoding is None else np.asarray(encoding, dtype=float).reshape(circuit.n_qubits)
    var = None
    if variational is not None:
        var = np.asarray(variational, dtype=float).reshape(circuit.n_layers, circuit.n_qubits, len(circuit.rotations))
    return enc, var


def sequence_circuit(circuit, angles: Sequence[tuple], after_step: LayerHook | None = None, after_layer: LayerHook | None = None) -> QuantumCircuit:
    """The whole circuit for one input sequence: ``angles`` is a list of (encoding, variational) per step."""
    qc = QuantumCircuit(circuit.n_qubits)
    for encoding, variational in angles:
        append_step(qc, circuit, encoding, variational, after_layer=after_layer)
        if after_step is not None:
            after_step(qc, [qiskit_qubit(k, circuit.n_qubits) for k in range(circuit.n_qubits)])
    return qc


def n_step_parameters(circuit) -> int:
    return (circuit.n_qubits if circuit.has_encoding else 0) + circuit.n_variational_angles


def parametrised_steps(circuit, steps: int) -> tuple[list, ParameterVector]:
    """Angles of ``steps`` steps as Qiskit Parameters, flattened per step as
    [encoding (n), variational (L*n*R)], and the ParameterVector holding them."""
    per_step = n_step_parameters(circuit)
    vector = ParameterVector("theta", per_step * steps)
    angles = []
    for t in range(steps):
        block = list(vector[t * per_step : (t + 1) * per_step])
        encoding = block[: circuit.n_qubits] if circuit.has_encoding else None
        rest = block[circuit.n_qubits :] if circuit.has_encoding else block
        variational = None
        if circuit.n_layers > 0:
            R = len(circuit.rotations)
            variational = [[rest[(layer * circuit.n_qubits + k) * R : (layer * circuit.n_qubits + k + 1) * R] for k in range(circuit.n_qubits)] for layer in range(circuit.n_layers)]
        angles.append((encoding, variational))
    return angles, vector


def flat_step_values(circuit, encoding, variational) -> np.ndarray:
    """(batch, per_step) parameter values of one step, in the order of ``parametrised_steps``.

    encoding: (batch, n) or None; variational: (batch or 1, L, n, R) or None.
    """
    parts = []
    batch = None
    if encoding is not None:
        parts.append(np.asarray(encoding, dtype=float))
        batch = parts[-1].shape[0]
    if variational is not None:
        values = np.asarray(variational, dtype=float)
        batch = batch or values.shape[0]
        parts.append(np.broadcast_to(values.reshape(values.shape[0], -1), (batch, values[0].size)))
    return np.concatenate(parts, axis=1)


def pauli_observables(n_qubits: int, paulis: Sequence[str]) -> list[SparsePauliOp]:
    """The readouts as Qiskit observables, in the engine's order (pauli-major, then engine qubit)."""
    labels = []
    for pauli in paulis:
        for k in range(n_qubits):
            label = ["I"] * n_qubits
            label[k] = pauli.upper()  # Qiskit labels list qubit n-1 first: engine qubit k is character k
            labels.append("".join(label))
    return [SparsePauliOp(label) for label in labels]
