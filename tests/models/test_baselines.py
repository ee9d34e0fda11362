"""The classical baselines: shapes, scoRNN's orthogonality under training, parameter matching."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from qrnn.config import model_config, validate
from qrnn.models.factory import build_model, matched_baseline_settings, parameter_counts
from qrnn.models.parameters import count_trainable_parameters, matched_hidden_size
from qrnn.models.scornn import ScoRNN, modrelu
from qrnn.training.loop import build_optimizers

DEFAULTS = validate({})["models"]


def settings(model: str, **overrides):
    if model == "scornn" and "hidden_size" in overrides:
        overrides.setdefault("n_negative", overrides["hidden_size"] // 2)
    return dataclasses.replace(model_config(model, DEFAULTS[model]), **overrides)


@pytest.mark.parametrize("model", ["rnn", "lstm", "scornn"])
def test_cores_map_sequences_to_hidden_states(model):
    torch.manual_seed(0)
    sequence_model = build_model(model, settings(model, hidden_size=12, embedding_dim=5), vocab_size=7, n_outputs=3, per_step=True)
    tokens = torch.randint(0, 7, (4, 9))
    assert sequence_model.core(sequence_model.embedding(tokens)).shape == (4, 9, 12)
    assert sequence_model(tokens).shape == (4, 9, 3)


def test_parameter_counts_of_the_classical_cores_follow_their_formulas():
    """h hidden units, e inputs: RNN h(h+e+2), LSTM 4h(h+e+2), scoRNN h(h-1)/2 + h e + h."""
    h, e = 10, 6
    counts = {m: count_trainable_parameters(build_model(m, settings(m, hidden_size=h, embedding_dim=e, **({"n_negative": 3} if m == "scornn" else {})), 5, 2, False).core) for m in ("rnn", "lstm", "scornn")}
    assert counts == {"rnn": h * (h + e + 2), "lstm": 4 * h * (h + e + 2), "scornn": h * (h - 1) // 2 + h * e + h}


def test_scornn_matrix_is_the_scaled_cayley_transform():
    torch.manual_seed(0)
    core = ScoRNN(4, settings("scornn", hidden_size=6, n_negative=2))
    skew = core.skew_matrix()
    torch.testing.assert_close(skew, -skew.T)
    identity = torch.eye(6)
    expected = torch.linalg.inv(identity + skew) @ (identity - skew) @ torch.diag(torch.tensor([-1.0, -1, 1, 1, 1, 1]))
    torch.testing.assert_close(core.recurrent_matrix(), expected, atol=1e-6, rtol=0)


def test_scornn_stays_orthogonal_over_200_training_steps_with_its_own_optimizer():
    torch.manual_seed(0)
    config = settings("scornn", hidden_size=32, embedding_dim=8, n_negative=8, orthogonal_learning_rate=1e-2)
    model = build_model("scornn", config, vocab_size=10, n_outputs=10, per_step=True)
    run = type("Run", (), {"training": type("T", (), {"optimizer": "adam", "learning_rate": 1e-2})(), "model_settings": config})()
    optimizers = build_optimizers(model, run)
    assert isinstance(optimizers[1], torch.optim.RMSprop) and optimizers[1].param_groups[0]["lr"] == 1e-2
    assert optimizers[1].param_groups[0]["params"] == [model.core.skew_upper]
    assert all(p is not model.core.skew_upper for p in optimizers[0].param_groups[0]["params"])
    start = model.core.recurrent_matrix().detach().clone()
    generator = torch.Generator().manual_seed(1)
    for _ in range(200):
        tokens = torch.randint(0, 10, (16, 12), generator=generator)
        loss = torch.nn.functional.cross_entropy(model(tokens).reshape(-1, 10), tokens.roll(3, dims=1).reshape(-1))
        for optimizer in optimizers:
            optimizer.zero_grad()
        loss.backward()
        for optimizer in optimizers:
            optimizer.step()
    weights = model.core.recurrent_matrix().detach()
    assert (weights - start).norm() > 0.1, "A did not train"
    deviation = (weights.T @ weights - torch.eye(32)).norm().item()
    assert deviation < 1e-5, f"||W^T W - I|| = {deviation:.2e}"
    assert (torch.diag(model.core.scaling) == -1).sum() == 8


def test_modrelu_shrinks_magnitudes_and_keeps_signs():
    z = torch.tensor([-2.0, -0.5, 0.3, 1.5])
    torch.testing.assert_close(modrelu(z, torch.full((4,), -1.0)), torch.tensor([-1.0, 0.0, 0.0, 0.5]))


def test_lstm_starts_with_forget_gate_bias_one():
    core = build_model("lstm", settings("lstm", hidden_size=5), 4, 2, False).core
    total = core.lstm.bias_hh_l0 + core.lstm.bias_ih_l0
    torch.testing.assert_close(total[5:10], torch.ones(5))


@pytest.mark.parametrize("baseline", ["rnn", "lstm", "scornn"])
@pytest.mark.parametrize("n_qubits", [4, 8])
def test_baselines_are_matched_to_the_quantum_rnn_within_five_percent(baseline, n_qubits):
    quantum = build_model("qrnn", settings("qrnn", n_qubits=n_qubits, n_layers=2), vocab_size=10, n_outputs=9, per_step=True)
    target = parameter_counts(quantum)["total"]
    matched = matched_baseline_settings(baseline, settings(baseline), target, vocab_size=10, n_outputs=9, per_step=True)
    count = count_trainable_parameters(build_model(baseline, matched, 10, 9, True))
    assert abs(count - target) / target <= 0.05
    bigger = count_trainable_parameters(build_model(baseline, dataclasses.replace(matched, hidden_size=matched.hidden_size + 1), 10, 9, True))
    assert abs(count - target) <= abs(bigger - target), "not the closest size"


def test_matching_refuses_a_target_no_size_reaches():
    with pytest.raises(ValueError, match="within 5%"):
        matched_hidden_size(lambda hidden: 1000 * hidden, target=1500)  # 1000 or 2000, never within 5%
    assert matched_hidden_size(lambda hidden: hidden * hidden, target=10_000) == 100
