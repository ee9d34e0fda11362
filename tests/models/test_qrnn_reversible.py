"""Reversible backpropagation: same outputs and gradients as autograd, memory flat in T."""

from dataclasses import replace

import pytest
import torch

from qrnn.errors import ConfigError
from qrnn.models.qrnn import QuantumRNN
from qrnn.quantum import reversible
from qrnn.quantum.circuit import EngineStep
from tests.engine_paths import engine_path  # noqa: F401  (the fixture)
from tests.models.test_qrnn import qrnn_config

# Every test here on both CPU paths of the engine: the C kernels and the PyTorch reference.
pytestmark = pytest.mark.usefixtures("engine_path")

# Every ablation switch, each on a small random model (n = 2..5).
SWITCHES = {
    "default": dict(n_qubits=3),
    "two_qubits_two_layers": dict(n_qubits=2, n_layers=2),
    "encoding_none": dict(n_qubits=4, encoding="none", n_layers=2),
    "variational_static": dict(n_qubits=3, variational="static", n_layers=2),
    "variational_frozen": dict(n_qubits=3, variational="frozen"),
    "variational_none": dict(n_qubits=4, variational="none"),
    "no_feedback": dict(n_qubits=3, readout_feedback=False),
    "linear_controller": dict(n_qubits=3, controller={"kind": "linear"}),
    "cz_ring": dict(n_qubits=5, entangler="cz_ring", rotations=["rz", "rx"]),
    "cnot_chain": dict(n_qubits=4, entangler="cnot_chain", rotations=["ry"]),
    "no_entangler": dict(n_qubits=3, entangler="none"),
    "readouts_z": dict(n_qubits=3, readouts=["z"]),
    "readouts_yx": dict(n_qubits=4, readouts=["y", "x"]),
}
TOLERANCE = {"complex128": 1e-10, "complex64": 1e-4}  # relative, per parameter tensor


def pair(switches: dict, dtype: str, seed: int = 0) -> tuple[QuantumRNN, QuantumRNN]:
    torch.manual_seed(seed)
    plain = QuantumRNN(5, qrnn_config(**switches, dtype=dtype, gradient="autograd"))
    fast = QuantumRNN(5, replace(plain.config, gradient="reversible"))
    fast.load_state_dict(plain.state_dict())
    if dtype == "complex128":  # the controller in float64 too, or it would limit the agreement
        plain, fast = plain.double(), fast.double()
    return plain, fast


def outputs_and_gradients(model: QuantumRNN, inputs: torch.Tensor, weights: torch.Tensor):
    model.zero_grad(set_to_none=True)
    result = model(inputs)
    (result * weights).sum().backward()
    return result.detach(), {name: p.grad for name, p in model.named_parameters()}


# Every switch at T = 1, 10 and 100. T = 100 takes about a second per case on 2 shared
# cores, so it runs in the default selection for the default model only and is `slow`
# for the other switches.
CASES = [(switch, steps) for switch in SWITCHES for steps in (1, 10)] + [
    pytest.param(switch, 100, marks=() if switch == "default" else pytest.mark.slow) for switch in SWITCHES
]


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("switch,steps", CASES)
def test_reversible_gradients_equal_autograd(switch, steps, dtype):
    plain, fast = pair(SWITCHES[switch], dtype)
    real = torch.float64 if dtype == "complex128" else torch.float32
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(3, steps, 5, generator=generator).to(real)
    weights = torch.randn(3, steps, plain.output_size, generator=generator).to(real)
    expected, expected_grads = outputs_and_gradients(plain, inputs, weights)
    result, grads = outputs_and_gradients(fast, inputs, weights)
    assert torch.equal(result, expected)  # the forward pass runs the very same operations
    assert grads.keys() == expected_grads.keys()
    for name, grad in grads.items():
        error = ((grad - expected_grads[name]).norm() / expected_grads[name].norm()).item()
        assert error < TOLERANCE[dtype], f"{name}: relative gradient error {error:.1e}"


def inverse_steps_with_equal_gradients(monkeypatch, plain: QuantumRNN, fast: QuantumRNN) -> int:
    """Inverse steps the reversible model runs for T = 11, B = 2, after checking that its
    gradients equal autograd's."""
    calls = []
    original = EngineStep.inverse
    monkeypatch.setattr(EngineStep, "inverse", lambda self, *args: calls.append(1) or original(self, *args))
    inputs = torch.randn(2, 11, 5, dtype=torch.float64)
    weights = torch.randn(2, 11, plain.output_size, dtype=torch.float64)
    _, expected = outputs_and_gradients(plain, inputs, weights)
    _, grads = outputs_and_gradients(fast, inputs, weights)
    for name, grad in grads.items():
        torch.testing.assert_close(grad, expected[name], rtol=1e-10, atol=0)
    return len(calls)


@pytest.mark.parametrize("interval,inverse_steps", [(3, 7), (64, 10)])
def test_checkpoints_replace_inverse_steps_without_changing_the_gradients(monkeypatch, interval, inverse_steps):
    """T = 11: with a checkpoint every 3 steps psi_0, psi_3, psi_6, psi_9 are exact copies, so
    only 7 of the 11 earlier states are recomputed; with 64 all but psi_0 (10) are (no
    states stored besides the checkpoints: a budget of 0 bytes)."""
    plain, fast = pair(SWITCHES["default"], "complex128")
    monkeypatch.setattr(reversible, "CHECKPOINT_INTERVAL", interval)
    monkeypatch.setattr(reversible, "STORED_STATES_BUDGET", 0)
    assert inverse_steps_with_equal_gradients(monkeypatch, plain, fast) == inverse_steps


@pytest.mark.parametrize("budget_states,inverse_steps", [(None, 0), (4, 6)])
def test_stored_states_replace_inverse_steps_within_their_budget(monkeypatch, engine_path, budget_states, inverse_steps):  # noqa: F811
    """T = 11, B = 2, n = 3: the C path keeps psi_1..psi_10 while they fit the budget (all of
    them by default; 4 of them with a budget of 4 states and their phases), and recomputes
    only the others; the PyTorch path keeps none. The gradients do not change."""
    plain, fast = pair(SWITCHES["default"], "complex128")
    if budget_states is not None:
        phases_bytes = 2 * 1 * 3 * 4 * 2 * 8  # (batch, layers, n, rotations with the encoding, cos and sin) float64
        monkeypatch.setattr(reversible, "STORED_STATES_BUDGET", budget_states * (2 * 2**3 * 16 + phases_bytes))
    assert inverse_steps_with_equal_gradients(monkeypatch, plain, fast) == (10 if engine_path == "torch" else inverse_steps)


def saved_bytes(model: QuantumRNN, steps: int) -> int:
    """Bytes autograd keeps for the backward pass of one forward through ``steps`` steps."""
    storages: dict[int, int] = {}

    def pack(tensor):
        # By storage: views of one tensor (e.g. the controller's weight, transposed every
        # step) cost their memory once.
        storages[tensor.untyped_storage().data_ptr()] = tensor.untyped_storage().nbytes()
        return tensor

    inputs = torch.randn(4, steps, 5, generator=torch.Generator().manual_seed(0))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        result = model(inputs)
    result.sum().backward()  # the graph must still work after the count
    return sum(storages.values())


def test_saved_memory_is_flat_in_sequence_length_for_reversible_only(engine_path):  # noqa: F811
    """Bytes saved for backward at T = 40 minus T = 10, per step (a checkpoint every 64 steps is not among them)."""
    plain, fast = pair(dict(n_qubits=8, controller={"kind": "linear"}), "complex64")
    state_bytes = 4 * 2**8 * 8  # one complex64 state of the batch
    growth = {name: (saved_bytes(model, 40) - saved_bytes(model, 10)) / 30 for name, model in {"autograd": plain, "reversible": fast}.items()}
    # Per extra step autograd keeps every step's state (the kernels' step and readout share
    # the one output state; the PyTorch path keeps several, one per qubit group), while
    # reversible keeps only the angles and the controller's small activations (here
    # 8-qubit angles and readouts: < 1 state).
    assert growth["autograd"] > (2 if engine_path == "torch" else 1) * state_bytes, growth
    assert growth["reversible"] < 0.5 * state_bytes, growth


def test_reversible_backward_twice_is_refused():
    _, fast = pair(SWITCHES["default"], "complex64")
    result = fast(torch.randn(2, 4, 5))
    result.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="out of order"):
        result.sum().backward()


def test_reversible_with_torchquantum_is_a_config_error():
    with pytest.raises(ConfigError, match="gradient reversible"):
        QuantumRNN(5, qrnn_config(backend="torchquantum", gradient="reversible"))


def test_no_grad_forward_needs_no_holder():
    plain, fast = pair(SWITCHES["default"], "complex64")
    inputs = torch.randn(2, 6, 5)
    with torch.no_grad():
        assert torch.equal(fast(inputs), plain(inputs))
