"""ControllerTape: the controller run by hand for the sequence-level reversible backward."""

import pytest
import torch
from torch import nn

from qrnn.config import ControllerConfig
from qrnn.models.controller import ControllerTape, build_controller

CONTROLLERS = {
    "linear": ControllerConfig(kind="linear", depth=1, width=8, activation="relu", dropout=0.0),
    "relu": ControllerConfig(kind="mlp", depth=2, width=8, activation="relu", dropout=0.0),
    "gelu": ControllerConfig(kind="mlp", depth=1, width=8, activation="gelu", dropout=0.0),
    "glu": ControllerConfig(kind="mlp", depth=2, width=8, activation="glu", dropout=0.0),
}


@pytest.mark.parametrize("name", CONTROLLERS)
def test_tape_gives_the_controllers_outputs_and_gradients(name):
    """Three steps through the tape, run backward from the last: the same outputs (bit for
    bit) and the same feature and parameter gradients as autograd through the module."""
    torch.manual_seed(0)
    controller = build_controller(6, 5, CONTROLLERS[name]).double()
    features = torch.randn(3, 4, 6, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(3, 4, 5, dtype=torch.float64)
    expected = controller(features)
    expected_grads = torch.autograd.grad((expected * weights).sum(), [features, *controller.parameters()])
    tape = ControllerTape(controller)
    with torch.no_grad():
        outputs = [tape.step(features[t]) for t in range(3)]
        feature_grads = [tape.backward(t, weights[t]) for t in reversed(range(3))][::-1]
    assert torch.equal(torch.stack(outputs), expected)
    torch.testing.assert_close(torch.stack(feature_grads), expected_grads[0])
    for grad, expected_grad in zip(tape.parameter_gradients(), expected_grads[1:], strict=True):
        torch.testing.assert_close(grad, expected_grad)


def test_tape_runs_dropout_only_while_it_is_the_identity():
    controller = build_controller(6, 5, ControllerConfig(kind="mlp", depth=1, width=8, activation="relu", dropout=0.5))
    assert not ControllerTape.supports(controller)  # training mode: a random mask per step
    controller.eval()
    assert ControllerTape.supports(controller)
    assert not ControllerTape.supports(nn.Sequential(nn.Linear(6, 8), nn.Tanh()))
    with pytest.raises(ValueError, match="cannot run"):
        ControllerTape(nn.Sequential(nn.Linear(6, 8), nn.Tanh()))
