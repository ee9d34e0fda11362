"""Every core continues a sequence from the final state it returned: running T steps at once
equals running the first k steps, then the rest from the carried state."""

from __future__ import annotations

import pytest
import torch

from qrnn.config import model_config, validate
from qrnn.models.factory import build_core

DOCUMENT = validate({"models": {
    "qrnn": {"n_qubits": 2, "embedding_dim": 3, "controller": {"width": 5}, "dtype": "complex128"},
    "rnn": {"hidden_size": 4, "embedding_dim": 3},
    "lstm": {"hidden_size": 4, "embedding_dim": 3},
    "scornn": {"hidden_size": 4, "embedding_dim": 3, "n_negative": 2},
}})


@pytest.mark.parametrize(
    "model,gradient",
    [("qrnn", "autograd"), ("qrnn", "reversible"), ("qrnn", "classical_bottleneck"), ("rnn", None), ("lstm", None), ("scornn", None)],
)
def test_split_sequence_with_carried_state_equals_the_whole(model, gradient):
    values = dict(DOCUMENT["models"][model])
    if gradient == "classical_bottleneck":  # the ablation core that replaces the circuit
        values["core"] = gradient
    elif model == "qrnn":
        values["gradient"] = gradient
    torch.manual_seed(0)
    core = build_core(model, model_config(model, values), 3).double()
    inputs = torch.randn(2, 6, 3, dtype=torch.float64)
    whole, _ = core.forward_with_state(inputs)
    first, state = core.forward_with_state(inputs[:, :4])
    rest, _ = core.forward_with_state(inputs[:, 4:], state)
    assert torch.allclose(torch.cat([first, rest], dim=1), whole, atol=1e-10)
    assert torch.equal(core(inputs), whole)  # forward without a state is unchanged


def test_reversible_gradients_with_a_carried_state_match_autograd():
    """Truncated BPTT: the second window starts from a detached carried state; the reversible
    backward must give autograd's gradients there too."""
    gradients = {}
    for gradient in ("autograd", "reversible"):
        values = {**DOCUMENT["models"]["qrnn"], "gradient": gradient}
        torch.manual_seed(0)
        core = build_core("qrnn", model_config("qrnn", values), 3).double()
        inputs = torch.randn(2, 6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        _, state = core.forward_with_state(inputs[:, :3])
        state = tuple(part.detach() for part in state)
        features, _ = core.forward_with_state(inputs[:, 3:], state)
        features.pow(2).sum().backward()
        gradients[gradient] = [p.grad.clone() for p in core.parameters()]
    for reference, reversible in zip(gradients["autograd"], gradients["reversible"]):
        assert torch.allclose(reference, reversible, atol=1e-9)
