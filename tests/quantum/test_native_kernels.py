"""The C kernels against the PyTorch path (the reference): states, readouts, inverse steps,
gradients, gate composition and thread splits (how they are built and chosen: test_kernel_build.py).

The sizes cross every code path of the kernels: n < 4 (states shorter than a vector:
scalar loops), qubits inside a vector (lane shuffles), whole-vector pairs, and n = 12 and
13, where qubits lie above the tile (2**11 amplitudes in float, 2**10 in double).
"""

from __future__ import annotations

import math

import pytest
import torch

from qrnn.quantum.circuit import EngineStep, StepCircuit
from qrnn.quantum.native import kernels
from qrnn.quantum.readout import pauli_expectations
from tests.engine_paths import require_kernels

DTYPES = {"complex64": torch.complex64, "complex128": torch.complex128}
# Relative to the largest entry: complex64 sums of 2**n float products, complex128 exact.
TOLERANCE = {"complex64": 1e-4, "complex128": 1e-11}
QUBITS = (1, 2, 3, 4, 5, 9, 12, 13, 15)
CIRCUITS = {
    "cnot_ring": dict(n_layers=1, entangler="cnot_ring", has_encoding=True),
    "cz_ring_two_layers": dict(n_layers=2, entangler="cz_ring", has_encoding=True),
    "cnot_chain_three_layers_no_encoding": dict(n_layers=3, entangler="cnot_chain", has_encoding=False),
    "no_entangler": dict(n_layers=1, entangler="none", has_encoding=True),
    "encoding_only": dict(n_layers=0, entangler="cnot_ring", has_encoding=True),
}


@pytest.fixture(autouse=True)
def _both_engine_paths():
    """This module compares the two paths itself (overrides tests/quantum/conftest.py), so
    every test needs the kernels: skipped without them, failed under QRNN_KERNELS=native."""
    require_kernels()


def relative_error(value: torch.Tensor, reference: torch.Tensor) -> float:
    return float((value - reference).detach().abs().max() / reference.detach().abs().max().clamp_min(1e-300))


def random_case(n_qubits: int, circuit: dict, dtype: torch.dtype, batch: int = 3, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    step = EngineStep(StepCircuit(n_qubits, circuit["n_layers"], ("rx", "ry", "rz"), circuit["entangler"], circuit["has_encoding"]))
    encoding = torch.rand(batch, n_qubits, generator=generator, dtype=torch.float64) * 6 if circuit["has_encoding"] else None
    # Batch 1: the static-angle ablation broadcasts one set of variational angles.
    variational = torch.rand(1, circuit["n_layers"], n_qubits, 3, generator=generator, dtype=torch.float64) * 6 if circuit["n_layers"] else None
    state = torch.randn(batch, 2**n_qubits, generator=generator, dtype=dtype)
    return step, encoding, variational, state / state.norm(dim=1, keepdim=True)


def step_outputs(step, encoding, variational, state, weights):
    """Two steps with readouts after each, and the gradients of a weighted sum of the readouts."""
    leaves = [t.clone().requires_grad_() if t is not None else None for t in (state, encoding, variational)]
    first = step(leaves[0], leaves[1], leaves[2])
    second = step(first, leaves[1], leaves[2])
    readouts = torch.cat([pauli_expectations(first), pauli_expectations(second)], dim=1).double()
    (readouts * weights).sum().backward()
    with torch.no_grad():
        undone = step.inverse(second.detach(), encoding, variational)
    values = {"state": second.detach(), "readouts": readouts.detach(), "inverse": undone}
    values.update({f"grad_{name}": leaf.grad for name, leaf in zip(("state", "encoding", "variational"), leaves) if leaf is not None})
    return values


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("circuit", CIRCUITS)
@pytest.mark.parametrize("n_qubits", QUBITS)
def test_kernels_equal_the_pytorch_path(n_qubits, circuit, dtype):
    step, encoding, variational, state = random_case(n_qubits, CIRCUITS[circuit], DTYPES[dtype])
    weights = torch.randn(state.shape[0], 6 * n_qubits, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    fast = step_outputs(step, encoding, variational, state, weights)
    with kernels.torch_path():
        reference = step_outputs(step, encoding, variational, state, weights)
    assert fast.keys() == reference.keys()
    for name in reference:
        assert relative_error(fast[name], reference[name]) < TOLERANCE[dtype], name


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_inverse_step_returns_the_state_before_it(dtype):
    step, encoding, variational, state = random_case(10, CIRCUITS["cz_ring_two_layers"], DTYPES[dtype])
    with torch.no_grad():
        after = step(state, encoding, variational)
        assert kernels.usable(after)
        assert relative_error(step.inverse(after, encoding, variational), state) < TOLERANCE[dtype] / 10


def test_readouts_of_known_states():
    """|0..0>: Z = 1; |+>|1>: X_0 = 1, Z_1 = -1; (|0> + i|1>)/sqrt 2 on qubit 0: Y_0 = 1 (n = 2, 5: scalar and vector paths)."""
    for n in (2, 5):
        zero = torch.zeros(1, 2**n, dtype=torch.complex64)
        zero[0, 0] = 1
        assert torch.equal(pauli_expectations(zero).view(3, n), torch.tensor([[0.0] * n, [0.0] * n, [1.0] * n]))
        plus_one = torch.zeros(1, 2**n, dtype=torch.complex128)
        plus_one[0, 2 ** (n - 2)] = plus_one[0, 2 ** (n - 1) + 2 ** (n - 2)] = 2**-0.5  # qubit 0 in |+>, qubit 1 in |1>
        values = pauli_expectations(plus_one).view(3, n)
        assert values[0, 0] == pytest.approx(1) and values[2, 1] == pytest.approx(-1) and values[2, 0] == pytest.approx(0)
        circular = torch.zeros(1, 2**n, dtype=torch.complex128)
        circular[0, 0], circular[0, 2 ** (n - 1)] = 2**-0.5, 1j * 2**-0.5
        assert pauli_expectations(circular).view(3, n)[1, 0] == pytest.approx(1)


@pytest.mark.parametrize("kinds", [("ry",), ("rx", "ry", "rz"), ("ry", "rx", "ry", "rz"), ("rz", "rz", "rx")])
@pytest.mark.parametrize("with_encoding", [False, True])
def test_gradcheck_of_the_step_and_the_readouts(kinds, with_encoding):
    """Finite differences in double precision against the hand-written backwards (the
    step's through its input state and its angles, an encoding RY's among them, over two
    layers and a CNOT ring)."""
    from qrnn.quantum.native.functions import Expectations, Step

    generator = torch.Generator().manual_seed(3)
    n_qubits = 5
    state = torch.randn(2, 2**n_qubits, generator=generator, dtype=torch.complex128)
    state = (state / state.norm(dim=1, keepdim=True)).requires_grad_()
    variational = (torch.rand(2, 2, n_qubits, len(kinds), generator=generator, dtype=torch.float64) * 6).requires_grad_()
    tables = EngineStep(StepCircuit(n_qubits, 2, kinds, "cnot_ring", False))._kernel_tables(state)
    if with_encoding:
        encoding = (torch.rand(2, n_qubits, generator=generator, dtype=torch.float64) * 6).requires_grad_()
        rotations = ("ry", *kinds)
        assert torch.autograd.gradcheck(lambda s, e, v: Step.apply(s, e, v, rotations, tables), (state, encoding, variational))
    else:
        assert torch.autograd.gradcheck(lambda s, v: Step.apply(s, None, v, kinds, tables), (state, variational))
    assert torch.autograd.gradcheck(Expectations.apply, (state,))


def test_half_angle_phases_match_libm_over_the_whole_range():
    """The kernels' vectorised cos(t/2), sin(t/2) (range reduction and polynomials) against
    torch's to 2 ulp, from tiny angles through every quadrant to angles past the reduction's
    range (libm there) and infinite ones (NaN, as torch's), float32 and float64 angles alike."""
    generator = torch.Generator().manual_seed(5)
    angles = torch.cat([
        torch.tensor([0.0, -0.0, 1e-300, math.pi, -math.pi, 2 * math.pi, 3 * math.pi / 2, 1e6, -3e7, 1e300], dtype=torch.float64),
        (torch.rand(4000, generator=generator, dtype=torch.float64) - 0.5) * 40,
        (torch.rand(1000, generator=generator, dtype=torch.float64) - 0.5) * 2e6,
    ])
    for dtype in (torch.float64, torch.float32):
        values = angles.to(dtype)
        state = torch.zeros(values.numel(), 2, dtype=torch.complex128)
        _, phases = kernels.step(state, None, values.view(-1, 1, 1, 1), ("rx",), None, None, False, keep_phases=True)
        half = values.double() / 2
        assert torch.allclose(phases.view(-1, 2), torch.stack((half.cos(), half.sin()), -1), rtol=0, atol=4.5e-16, equal_nan=True)
    special = kernels.step(torch.zeros(2, 2, dtype=torch.complex128), None, torch.tensor([math.inf, math.nan]).view(2, 1, 1, 1),
                           ("rx",), None, None, False, keep_phases=True)[1]
    assert torch.isnan(special).all()


def test_unknown_rotations_and_misshapen_angles_are_refused_by_name():
    state = torch.zeros(1, 4, dtype=torch.complex64)
    with pytest.raises(ValueError, match="not \\('rx', 'rw'\\)"):
        kernels.step(state, None, torch.zeros(1, 1, 2, 2), ("rx", "rw"), None, None, False)
    with pytest.raises(ValueError, match="variational angles of shape \\(1, 1, 3, 2\\)"):
        kernels.step(state, None, torch.zeros(1, 1, 3, 2), ("rx", "ry"), None, None, False)
    with pytest.raises(ValueError, match="'ry' first"):
        kernels.step(state, torch.zeros(1, 2), torch.zeros(1, 1, 2, 1), ("rx", "ry"), None, None, False)


@pytest.mark.parametrize("angle_dtype", [torch.float32, torch.float64])
def test_angles_read_in_place_from_a_controller_output(angle_dtype):
    """Encoding and variational angles sliced out of one wide controller output (rows a
    batch stride apart, not contiguous) give the states and the gradients of contiguous
    copies, in float32 and float64; the slices reach the kernels without a copy."""
    n_qubits, layers, batch = 6, 2, 3
    step = EngineStep(StepCircuit(n_qubits, layers, ("rx", "ry", "rz"), "cnot_ring", True))
    generator = torch.Generator().manual_seed(7)
    state = torch.randn(batch, 2**n_qubits, generator=generator, dtype=torch.complex128)
    state = state / state.norm(dim=1, keepdim=True)
    width = n_qubits + layers * n_qubits * 3 + 5  # a few columns for something else
    wide = (torch.rand(batch, width, generator=generator, dtype=torch.float64) * 6).to(angle_dtype)

    def run(contiguous: bool):
        output = wide.clone().requires_grad_()
        encoding = output[:, :n_qubits]
        variational = output[:, n_qubits:n_qubits + layers * n_qubits * 3].view(batch, layers, n_qubits, 3)
        if contiguous:
            encoding, variational = encoding.contiguous(), variational.contiguous()
        else:
            assert not encoding.is_contiguous() and kernels._angles(encoding)[0].data_ptr() == encoding.data_ptr()
        after = step(state, encoding, variational)
        (pauli_expectations(after).double() * torch.arange(3 * n_qubits, dtype=torch.float64)).sum().backward()
        return after.detach(), output.grad

    (strided, strided_grad), (dense, dense_grad) = run(False), run(True)
    assert torch.equal(strided, dense)
    assert torch.equal(strided_grad, dense_grad)
    assert strided_grad[:, -5:].abs().max() == 0


def test_results_do_not_depend_on_the_thread_count():
    step, encoding, variational, state = random_case(12, CIRCUITS["cnot_ring"], torch.complex64, batch=8)
    threads = torch.get_num_threads()
    results = []
    try:
        for count in (1, 3):
            torch.set_num_threads(count)
            with torch.no_grad():
                after = step(state, encoding, variational)
            results.append((after, pauli_expectations(after)))
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(results[0][0], results[1][0]) and torch.equal(results[0][1], results[1][1])


def test_states_off_the_cpu_or_of_other_types_take_the_pytorch_path():
    assert kernels.usable(torch.zeros(2, 8, dtype=torch.complex64))
    assert not kernels.usable(torch.zeros(2, 8, dtype=torch.float32))
    assert not kernels.usable(torch.zeros(2, 6, dtype=torch.complex64))  # not a power of two
    with kernels.torch_path():
        assert not kernels.usable(torch.zeros(2, 8, dtype=torch.complex64))


def test_only_xor_linear_permutations_reach_the_kernels():
    """The kernels move whole vectors through an entangler's permutation, which holds for
    XOR-linear index maps (every CNOT pattern); anything else is refused by name."""
    from qrnn.quantum.entanglers import ENTANGLERS, Entangler, _check_xor_linear

    for kind in ENTANGLERS:
        for n_qubits in (2, 5, 12):
            Entangler(kind, n_qubits).kernel_tables(torch.device("cpu"), torch.float32)  # no error
    with pytest.raises(ValueError, match="not XOR-linear"):
        _check_xor_linear(__import__("numpy").array([1, 0, 2, 3]))
