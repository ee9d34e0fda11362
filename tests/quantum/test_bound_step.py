"""BoundStep (qrnn/quantum/native/bound_step.py): a sequence's kernel calls with their
checks and constant arguments worked out once must give exactly what the unbound calls
(kernels.step, kernels.step_backward) give, read each call's angles where they are, and
refuse tensors of other layouts."""

from __future__ import annotations

import pytest
import torch

from qrnn.quantum.circuit import EngineStep, StepCircuit
from qrnn.quantum.native import kernels
from tests.engine_paths import require_kernels

CIRCUITS = {
    "cnot_ring": (1, "cnot_ring", True),
    "cz_ring_two_layers": (2, "cz_ring", True),
    "no_encoding_three_layers": (3, "cnot_chain", False),
    "encoding_only": (0, "cnot_ring", True),
}


@pytest.fixture(autouse=True)
def _both_engine_paths():
    """Bound calls exist on the C kernels only (overrides tests/quantum/conftest.py): every
    test needs them, skipped without them, failed under QRNN_KERNELS=native."""
    require_kernels()


def controller_outputs(step: EngineStep, batch: int, count: int, dtype: torch.dtype, own: bool, seed: int = 0):
    """``count`` wide outputs (batch, encoding + variational + 3 spare columns) as a controller
    emits them, each with its (encoding, variational) views; with ``own`` the variational
    angles are one fixed (1, L, n, R) tensor instead (the static-angle ablation)."""
    circuit, generator = step.circuit, torch.Generator().manual_seed(seed)
    n, layers, rotations = circuit.n_qubits, circuit.n_layers, len(circuit.rotations)
    fixed = (torch.rand(1, layers, n, rotations, generator=generator, dtype=torch.float64) * 6).to(dtype) if own and layers else None
    encoding_width = n if circuit.has_encoding else 0
    variational_width = 0 if own else layers * n * rotations
    runs = []
    for _ in range(count):
        source = (torch.rand(batch, encoding_width + variational_width + 3, generator=generator, dtype=torch.float64) * 6).to(dtype)
        encoding = source[:, :n] if circuit.has_encoding else None
        if own or not layers:
            variational = fixed
        else:
            variational = source[:, encoding_width:encoding_width + variational_width].view(batch, layers, n, rotations)
        runs.append((source, encoding, variational))
    return runs


def engine_step(circuit: str, n_qubits: int) -> EngineStep:
    layers, entangler, has_encoding = CIRCUITS[circuit]
    return EngineStep(StepCircuit(n_qubits, layers, ("rx", "ry", "rz"), entangler, has_encoding))


def random_state(batch: int, n_qubits: int, dtype: torch.dtype, seed: int = 1) -> torch.Tensor:
    state = torch.randn(batch, 2**n_qubits, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    return state / state.norm(dim=1, keepdim=True)


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("mode", ["source", "given"])
@pytest.mark.parametrize("own", [False, True], ids=["controlled", "own_variational"])
@pytest.mark.parametrize("circuit", CIRCUITS)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_bound_calls_equal_the_unbound_kernel_calls(dtype, circuit, own, mode, threads):
    """Three steps in a row, each from a new controller output of the bound layout: the
    states, phases, expectations and both gradients are those of kernels.step and
    kernels.step_backward, bit for bit, on one thread and split over threads (n = 12, B = 8)."""
    n_qubits, batch = (12, 8) if threads > 1 else (5, 3)
    step = engine_step(circuit, n_qubits)
    angle_dtype = torch.float32 if dtype == torch.complex64 else torch.float64
    runs = controller_outputs(step, batch, 3, angle_dtype, own)
    state = random_state(batch, n_qubits, dtype)
    tables = step._kernel_tables(state)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        bound = step.bind(state, runs[0][0] if mode == "source" else None, *runs[0][1:])
        assert bound is not None and bound.parallel == (threads > 1)
        for source, encoding, variational in runs:
            angles = (source, None, None) if mode == "source" else (None, encoding, variational)
            out, phases, values = bound.forward(state, *angles)
            expected = kernels.step(state, encoding, variational, step.kernel_rotations, tables.index, tables.sign, inverse=False,
                                    keep_phases=True, readouts=True)
            assert all(torch.equal(a, b) for a, b in zip((out, phases, values), expected))
            grad_out, grad_readouts = random_state(batch, n_qubits, dtype, seed=2), torch.randn(batch, 3, n_qubits, dtype=torch.float64)
            grad_state, grad_angles = bound.backward(out, grad_out, grad_readouts, phases)
            expected_state, expected_angles = kernels.step_backward(out, grad_out, phases, step.kernel_rotations, tables.inverse_index,
                                                                    tables.sign, grad_readouts)
            assert torch.equal(grad_state, expected_state) and torch.equal(grad_angles, expected_angles.view(batch, -1))
            state = out
    finally:
        torch.set_num_threads(previous_threads)


def test_outputs_go_into_the_buffers_given():
    step = engine_step("cnot_ring", 4)
    ((source, encoding, variational),) = controller_outputs(step, 3, 1, torch.float32, own=False)
    state = random_state(3, 4, torch.complex64)
    bound = step.bind(state, source, encoding, variational)
    values = torch.full((3, 12), torch.nan, dtype=torch.float64)
    _, phases, written = bound.forward(state, source, values=values)
    assert written is values and not values.isnan().any()
    grad_angles = torch.full(bound.grad_angles_shape, torch.nan, dtype=torch.float64)
    _, into = bound.backward(state, state, None, phases, grad_angles)
    assert into is grad_angles and not grad_angles.isnan().any()
    with pytest.raises(ValueError, match="into a dense"):
        bound.forward(state, source, values=values.float())
    with pytest.raises(ValueError, match="into a dense"):
        bound.backward(state, state, None, phases, grad_angles[:, :-1])


def test_tensors_of_other_layouts_are_refused():
    step = engine_step("cnot_ring", 4)
    (source, encoding, variational), (other, *_) = controller_outputs(step, 3, 2, torch.float32, own=False)
    state = random_state(3, 4, torch.complex64)
    by_source, by_layout = step.bind(state, source, encoding, variational), step.bind(state, None, encoding, variational)
    with pytest.raises(ValueError, match="angle sources"):
        by_source.forward(state, other[:2])  # another batch
    with pytest.raises(ValueError, match="angle sources"):
        by_source.forward(state, other.double())
    with pytest.raises(ValueError, match="encoding angles"):
        by_layout.forward(state, None, encoding.contiguous(), variational)  # other strides
    with pytest.raises(ValueError, match="states of shape"):
        by_source.forward(random_state(3, 5, torch.complex64), source)
    with pytest.raises(ValueError, match="dense states"):
        by_source.backward(state.t().contiguous().t(), None, None, by_source.forward(state, source)[1])
    # A lazily conjugated state is made dense (as kernels.step makes it) rather than misread.
    conjugated = state.conj()
    assert torch.equal(by_source.forward(conjugated, source)[0], by_source.forward(conjugated.resolve_conj(), source)[0])


def test_angles_the_kernels_cannot_read_in_place_are_not_bound():
    step = engine_step("cnot_ring", 4)
    ((source, encoding, variational),) = controller_outputs(step, 3, 1, torch.float32, own=False)
    state = random_state(3, 4, torch.complex64)
    assert step.bind(state, source.half(), encoding.half(), variational.half()) is None  # a cast on every call
    transposed = variational.transpose(2, 3).contiguous().transpose(2, 3)  # rotations not adjacent: a copy on every call
    assert step.bind(state, None, encoding, transposed) is None
    with kernels.torch_path():
        assert step.bind(state, source, encoding, variational) is None
