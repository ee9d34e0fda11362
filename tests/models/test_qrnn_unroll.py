"""The one public recurrence: forward_with_state, unroll with its default hooks and unroll
with hooks that call the defaults give the same numbers; hooks see every step."""

from __future__ import annotations

import pytest
import torch

from qrnn.models.qrnn import QuantumRNN
from tests.engine_paths import engine_path  # noqa: F401  (the fixture)
from tests.models.test_qrnn import inputs, qrnn_config

# On both CPU paths of the engine: the C kernels and the PyTorch reference.
pytestmark = pytest.mark.usefixtures("engine_path")

SWITCHES = {
    "default": dict(n_qubits=3),
    "complex128_autograd": dict(n_qubits=3, dtype="complex128", gradient="autograd"),
    "encoding_none": dict(n_qubits=3, encoding="none", n_layers=2),
    "variational_static": dict(n_qubits=3, variational="static", n_layers=2),
    "variational_frozen": dict(n_qubits=3, variational="frozen"),
    "variational_none": dict(n_qubits=3, variational="none"),
    "no_feedback": dict(n_qubits=3, readout_feedback=False, readouts=["z"]),
}


def model(switches: dict) -> QuantumRNN:
    torch.manual_seed(0)
    return QuantumRNN(6, qrnn_config(**switches))


def calling_the_defaults(core: QuantumRNN) -> dict:
    return {"advance": lambda state, encoding, variational: core.advance(state, encoding, variational), "measure": lambda state: core.measure(state)}


@pytest.mark.parametrize("grad", [False, True], ids=["no_grad", "grad"])
@pytest.mark.parametrize("switch", SWITCHES)
def test_forward_with_state_and_unroll_with_default_or_explicit_hooks_agree_bit_for_bit(switch, grad):
    core, x = model(SWITCHES[switch]), inputs(steps=6)
    with torch.set_grad_enabled(grad):
        results = [core.forward_with_state(x), core.unroll(x), core.unroll(x, **calling_the_defaults(core))]
        (first, (state, readouts)), *others = results
        for outputs, (other_state, other_readouts) in others:
            assert torch.equal(outputs, first) and torch.equal(other_state, state) and torch.equal(other_readouts, readouts)
        assert torch.equal(readouts, first[:, -1])
        # Continuing from the final state equals running the whole sequence at once.
        whole, _ = core.unroll(torch.cat([x, x], dim=1))
        rest, _ = core.unroll(x, (state, readouts), **calling_the_defaults(core))
        assert torch.equal(torch.cat([first, rest], dim=1), whole)


def test_on_state_sees_every_step_with_the_tensors_the_recurrence_carries():
    core, x = model(SWITCHES["default"]), inputs(steps=5)
    seen = []
    with torch.no_grad():
        outputs, (state, readouts) = core.unroll(x, on_state=lambda t, s, z: seen.append((t, s, z)))
    assert [t for t, _, _ in seen] == list(range(5))
    for t, step_state, step_readouts in seen:
        assert torch.equal(step_readouts, outputs[:, t])
        assert torch.equal(core.measure(step_state)[1].to(step_readouts.dtype), step_readouts)
    assert seen[-1][1] is state and seen[-1][2] is readouts


def test_reversible_steps_by_default_and_plain_autograd_when_a_hook_runs_the_step():
    core, x = model(SWITCHES["default"]), inputs(steps=3)
    assert core.reversible
    backward_nodes = {}
    for name, hooks in {"default": {}, "hooked": {"advance": core.advance}}.items():
        states = []
        core.unroll(x, **hooks, on_state=lambda _t, state, _z: states.append(state))
        backward_nodes[name] = {type(state.grad_fn).__name__ for state in states}
    assert backward_nodes["default"] == {"ReversibleStepBackward"}
    assert "ReversibleStepBackward" not in backward_nodes["hooked"]
    with torch.no_grad():  # no backward pass to run: no reversible bookkeeping either
        states = []
        core.unroll(x, on_state=lambda _t, state, _z: states.append(state))
    assert all(state.grad_fn is None for state in states)


def test_substituted_hooks_carry_their_own_state():
    """A caller may carry something other than a state vector (the device run: its angle history)."""
    core, x = model(SWITCHES["default"]), inputs(batch=2, steps=4)
    fixed = torch.tensor([[0.5, -0.25, 1.0] * 3] * 2)

    def advance(history, encoding, variational):
        return history + [(encoding, variational)]

    with torch.no_grad():
        outputs, (history, readouts) = core.unroll(x, ([], core.initial_readouts(2, x.device)), advance, lambda history: (history, fixed))
    assert len(history) == 4 and all(encoding.shape == (2, 3) and variational.shape == (2, 1, 3, 3) for encoding, variational in history)
    assert torch.equal(outputs, fixed.expand(4, 2, 9).transpose(0, 1)) and torch.equal(readouts, fixed)
