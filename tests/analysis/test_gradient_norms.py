"""Step-by-step forward passes equal each core's own, and ||dL/dh_t|| is the total derivative."""

from __future__ import annotations

import pytest
import torch

from qrnn.analysis.gradient_norms import gradient_norms, stepwise_features
from qrnn.config import validate
from qrnn.models.factory import build_model
from qrnn.study.resolve import run_config
from qrnn.tasks.registry import build_task
from tests.analysis.recurrence_spy import observed_steps

DOCUMENT = validate(
    {
        "tasks": {"copying": {"blank_length": 2, "copy_length": 2, "n_symbols": 3}},
        "models": {
            "qrnn": {"n_qubits": 3, "embedding_dim": 4, "controller": {"width": 8}, "dtype": "complex128"},
            "rnn": {"hidden_size": 5, "embedding_dim": 4},
            "lstm": {"hidden_size": 5, "embedding_dim": 4},
            "scornn": {"hidden_size": 6, "embedding_dim": 4, "n_negative": 3},
        },
    }
)
MODELS = ("qrnn", "rnn", "lstm", "scornn")


def model_and_task(name):
    run = run_config(DOCUMENT, "copying", name, 0)
    task = build_task(run)
    torch.manual_seed(0)
    model = build_model(name, run.model_settings, task.vocab_size, task.n_outputs, task.per_step).double()
    return model, task, *task.batch(3, torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name", MODELS)
def test_stepwise_forward_equals_the_cores_own(name):
    model, _, tokens, _ = model_and_task(name)
    inputs = model.embedding(tokens)
    with torch.no_grad():
        expected = model.core(inputs)
        stepped = torch.stack(stepwise_features(model.core, inputs), dim=1)
    torch.testing.assert_close(stepped, expected.to(stepped.dtype), rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("name", MODELS)
def test_gradient_norms_are_total_derivatives(name):
    model, task, tokens, targets = model_and_task(name)
    norms = gradient_norms(model, task, tokens, targets)
    assert norms.shape == (tokens.shape[1], 3) and torch.all(norms >= 0)
    # The last step has nothing after it: its gradient is the head's alone.
    features = model.core(model.embedding(tokens)).detach().requires_grad_()
    (task.loss(model.head(features), targets) * len(tokens)).backward()
    torch.testing.assert_close(norms[-1], features.grad[:, -1].norm(dim=1))
    # An earlier step also reaches the loss through later steps: the direct gradient alone differs.
    assert not torch.allclose(norms[0], features.grad[:, 0].norm(dim=1))


def test_quantum_features_are_the_readouts_of_the_models_public_recurrence(monkeypatch):
    model, _, tokens, _ = model_and_task("qrnn")
    steps = observed_steps(monkeypatch)
    features = stepwise_features(model.core, model.embedding(tokens))
    assert steps == list(range(tokens.shape[1])) and len(features) == tokens.shape[1]
