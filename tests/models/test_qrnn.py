"""The quantum RNN: backends agree, and every ablation switch does what it says."""

from dataclasses import replace

import pytest
import torch
from torch import nn

from qrnn.config import model_config, validate
from qrnn.errors import ConfigError
from qrnn.models.qrnn import QuantumRNN


def qrnn_config(**overrides):
    settings = validate({})["models"]["qrnn"]
    controller = overrides.pop("controller", {})
    settings = {**settings, **overrides, "controller": {**settings["controller"], **controller}}
    return model_config("qrnn", settings)


def inputs(batch=3, steps=5, width=6, seed=0):
    return torch.randn(batch, steps, width, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("entangler", ["cnot_ring", "cz_ring", "cnot_chain"])
def test_torchquantum_backend_gives_same_outputs_and_gradients(entangler):
    torch.manual_seed(0)
    engine = QuantumRNN(6, qrnn_config(n_qubits=4, n_layers=2, entangler=entangler))
    reference = QuantumRNN(6, qrnn_config(n_qubits=4, n_layers=2, entangler=entangler, backend="torchquantum", gradient="autograd"))
    reference.load_state_dict(engine.state_dict())
    x = inputs()
    outputs = {}
    for name, model in {"engine": engine, "torchquantum": reference}.items():
        result = model(x)
        result.square().sum().backward()
        outputs[name] = (result.detach(), [p.grad.clone() for p in model.parameters()])
    torch.testing.assert_close(outputs["engine"][0], outputs["torchquantum"][0], atol=1e-5, rtol=0)
    for ours, theirs in zip(outputs["engine"][1], outputs["torchquantum"][1]):
        torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4)


def test_output_shape_and_readout_layout():
    model = QuantumRNN(6, qrnn_config(n_qubits=3, readouts=["z", "x"]))
    assert model.output_size == 6
    assert model(inputs()).shape == (3, 5, 6)
    assert torch.equal(model.initial_readouts(2, "cpu"), torch.tensor([[1.0, 1, 1, 0, 0, 0]] * 2))


def test_readout_feedback_switch_changes_the_controller_input():
    with_feedback = QuantumRNN(6, qrnn_config(n_qubits=3))
    without = QuantumRNN(6, qrnn_config(n_qubits=3, readout_feedback=False))
    assert with_feedback.controller[0].in_features == 6 + 9
    assert without.controller[0].in_features == 6


def test_controller_kinds_and_activations():
    assert isinstance(QuantumRNN(6, qrnn_config(controller={"kind": "linear"})).controller, nn.Linear)
    glu = QuantumRNN(6, qrnn_config(controller={"activation": "glu", "width": 8, "depth": 2, "dropout": 0.1}))
    kinds = [type(layer) for layer in glu.controller]
    assert kinds.count(nn.GLU) == 2 and kinds.count(nn.Dropout) == 2
    assert glu.controller[0].out_features == 16 and glu.controller[3].in_features == 8
    assert glu(inputs()).shape == (3, 5, 18)


def test_static_variational_angles_are_trainable_quantum_parameters():
    model = QuantumRNN(6, qrnn_config(n_qubits=3, n_layers=2, variational="static"))
    assert model.static_angles.shape == (1, 2, 3, 3)
    assert model.quantum_parameters() == [model.static_angles]
    assert model.controller[-1].out_features == 3  # only the encoding layer comes from the controller
    model(inputs()).sum().backward()
    assert model.static_angles.grad.abs().sum() > 0


def test_frozen_variational_angles_do_not_train():
    model = QuantumRNN(6, qrnn_config(n_qubits=3, variational="frozen"))
    assert "frozen_angles" in dict(model.named_buffers())
    assert all("frozen" not in name for name, _ in model.named_parameters())
    assert model.quantum_parameters() == []


def test_encoding_only_keeps_a_real_product_state():
    """RY layers alone from |0..0> keep every qubit in the XZ plane of its Bloch sphere: <Y> = 0."""
    model = QuantumRNN(6, qrnn_config(n_qubits=3, variational="none"))
    assert model.circuit.n_layers == 0
    readouts = model(inputs())
    torch.testing.assert_close(readouts[..., 3:6], torch.zeros(3, 5, 3), atol=1e-6, rtol=0)


def bloch_lengths(readouts: torch.Tensor, n_qubits: int) -> torch.Tensor:
    x, y, z = readouts[..., :n_qubits], readouts[..., n_qubits : 2 * n_qubits], readouts[..., 2 * n_qubits :]
    return (x.square() + y.square() + z.square()).sqrt()


def test_no_entanglement_gives_product_states_and_the_ring_does_not():
    torch.manual_seed(1)
    product = QuantumRNN(6, qrnn_config(n_qubits=4, entangler="none"))
    torch.testing.assert_close(bloch_lengths(product(inputs()), 4), torch.ones(3, 5, 4), atol=1e-5, rtol=0)
    entangled = QuantumRNN(6, qrnn_config(n_qubits=4, entangler="cnot_ring"))
    assert bloch_lengths(entangled(inputs()), 4).min() < 0.9  # mixed reduced states: entanglement


def test_no_encoding_layer_uses_controller_driven_variational_layers_only():
    model = QuantumRNN(6, qrnn_config(n_qubits=3, n_layers=2, encoding="none"))
    assert not model.circuit.has_encoding
    assert model.controller[-1].out_features == 2 * 3 * 3
    assert model(inputs()).shape == (3, 5, 9)


@pytest.mark.parametrize("variational", ["static", "frozen", "none"])
def test_settings_where_the_input_cannot_reach_the_circuit_are_refused(variational):
    with pytest.raises(ConfigError, match="encoding: none"):
        QuantumRNN(6, qrnn_config(encoding="none", variational=variational))


def test_complex128_agrees_with_complex64():
    torch.manual_seed(0)
    single = QuantumRNN(6, qrnn_config(n_qubits=5))
    double = QuantumRNN(6, replace(single.config, dtype="complex128"))
    double.load_state_dict(single.state_dict())
    torch.testing.assert_close(single(inputs()), double(inputs()), atol=1e-5, rtol=0)
