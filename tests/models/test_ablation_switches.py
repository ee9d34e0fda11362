"""Each ablation switch does what its name says, checked on what the circuit really receives
and on the state it produces, with every check also run on the full model to show it can fail."""

from __future__ import annotations

import pytest
import torch

from qrnn.config import validate
from qrnn.models.bottleneck import ClassicalBottleneck
from qrnn.models.factory import build_model, parameter_counts
from qrnn.models.qrnn import QuantumRNN
from qrnn.study.resolve import run_config
from qrnn.tasks.registry import build_task
from qrnn.training.loop import build_optimizers

SMALL = {
    "training": {"max_steps": 3, "batch_size": 4, "eval_every": 3, "eval_batches": 1, "learning_rate": 0.05},
    "tasks": {"copying": {"blank_length": 2, "n_symbols": 3, "copy_length": 2}},
    "models": {"qrnn": {"n_qubits": 3, "n_layers": 2, "embedding_dim": 4, "controller": {"width": 8}, "gradient": "autograd"}},
}


def model_and_run(variant: str, seed: int = 0, **models):
    document = validate({**SMALL, "models": {"qrnn": {**SMALL["models"]["qrnn"], **models}}})
    run = run_config(document, "copying", "qrnn", seed, variant)
    task = build_task(run)
    torch.manual_seed(seed)
    return build_model("qrnn", run.model_settings, task.vocab_size, task.n_outputs, task.per_step), run, task


def record(core: QuantumRNN, what: str) -> list:
    """Replace the core's step or readout function by one that records its arguments or results."""
    calls: list = []
    original = getattr(core, f"_{what}")

    def step(state, encoding, variational):
        calls.append((encoding, variational))
        result = original(state, encoding, variational)
        calls[-1] += (result,)
        return result

    def readout(state, paulis):
        result = original(state, paulis)
        result.retain_grad()
        calls.append(result)
        return result

    setattr(core, f"_{what}", step if what == "step" else readout)
    return calls


def embedded(seed: int, batch: int = 3, steps: int = 4, width: int = 4) -> torch.Tensor:
    return torch.randn(batch, steps, width, generator=torch.Generator().manual_seed(seed))


def test_frozen_angles_are_a_buffer_outside_the_optimizer_and_stay_put_while_training():
    model, run, task = model_and_run("frozen_variational")
    frozen = model.core.frozen_angles
    before = frozen.clone()
    optimized = {id(p) for optimizer in build_optimizers(model, run) for group in optimizer.param_groups for p in group["params"]}
    assert id(frozen) not in optimized and not frozen.requires_grad
    assert parameter_counts(model)["quantum"] == 0
    optimizers = build_optimizers(model, run)
    generator = torch.Generator().manual_seed(0)
    weights_before = [p.detach().clone() for p in model.parameters()]
    for _ in range(3):
        inputs, targets = task.batch(4, generator)
        loss = task.loss(model(inputs), targets)
        for optimizer in optimizers:
            optimizer.zero_grad()
        loss.backward()
        for optimizer in optimizers:
            optimizer.step()
    assert torch.equal(model.core.frozen_angles, before)
    assert any(not torch.equal(p, q) for p, q in zip(model.parameters(), weights_before))  # training did happen


def test_static_angles_are_trainable_quantum_parameters():
    model, run, _ = model_and_run("static_variational")
    optimized = {id(p) for optimizer in build_optimizers(model, run) for group in optimizer.param_groups for p in group["params"]}
    assert id(model.core.static_angles) in optimized
    assert parameter_counts(model)["quantum"] == 2 * 3 * 3  # L x n x rotations


@pytest.mark.parametrize("variant,static", [("static_variational", True), ("full", False)])
def test_static_variational_angles_are_the_same_at_every_step_and_for_every_input(variant, static):
    model, _, _ = model_and_run(variant)
    calls = record(model.core, "step")
    model.core(embedded(1))
    model.core(embedded(2))
    variational = [angles.expand(3, -1, -1, -1) for _, angles, _ in calls]
    assert len(variational) == 8
    same = all(torch.equal(angles, variational[0]) for angles in variational)
    same_in_batch = all(torch.equal(angles[0], angles[1]) for angles in variational)
    assert same == static and same_in_batch == static
    encodings = [encoding for encoding, _, _ in calls]  # the encoding still follows the input
    assert not torch.equal(encodings[0], encodings[4])


@pytest.mark.parametrize("variant,feedback", [("no_feedback", False), ("full", True)])
def test_without_feedback_the_output_has_no_gradient_through_the_previous_readouts(variant, feedback):
    model, _, _ = model_and_run(variant)
    readouts = record(model.core, "readout")
    outputs = model.core(embedded(3))
    outputs[:, -1].sum().backward()
    previous = readouts[-2].grad  # d z_T / d z_{T-1}: only the controller connects them
    assert previous is not None
    assert (previous.abs().max() > 1e-6) == feedback
    assert model.core.controller[0].in_features == 4 + (9 if feedback else 0)


def single_qubit_purities(state: torch.Tensor, n_qubits: int) -> torch.Tensor:
    """tr(rho_k^2) of every qubit k's reduced state, (batch, n)."""
    purities = []
    for k in range(n_qubits):
        amplitudes = state.reshape(state.shape[0], 2**k, 2, -1).transpose(1, 2).reshape(state.shape[0], 2, -1)
        rho = amplitudes @ amplitudes.conj().transpose(1, 2)
        purities.append((rho @ rho).diagonal(dim1=1, dim2=2).sum(-1).real)
    return torch.stack(purities, dim=1)


@pytest.mark.parametrize("variant,product", [("no_entanglement", True), ("full", False)])
def test_without_entanglement_every_state_is_a_product_state(variant, product):
    model, _, _ = model_and_run(variant, dtype="complex128")
    calls = record(model.core, "step")
    with torch.no_grad():
        model.core(embedded(4, steps=5))
    purities = torch.stack([single_qubit_purities(state, 3) for _, _, state in calls])
    assert purities.shape == (5, 3, 3)
    assert torch.allclose(purities, torch.ones_like(purities), atol=1e-10) == product


@pytest.mark.parametrize("readouts,width", [(["x", "y", "z"], 9), (["z"], 3)])
def test_the_bottleneck_hidden_state_has_the_readout_width(readouts, width):
    model, _, _ = model_and_run("classical_bottleneck", readouts=readouts)
    core = model.core
    assert isinstance(core, ClassicalBottleneck)
    assert core.output_size == width and model.head.in_features == width
    assert core.controller[0].in_features == 4 + width  # [x_t; h_{t-1}], as [x_t; z_{t-1}]
    outputs = core(embedded(5))
    assert outputs.shape == (3, 4, width) and outputs.abs().max() <= 1
    quantum, _, _ = model_and_run("full", readouts=readouts)
    assert core.n_angles == quantum.core.n_encoding_angles + quantum.core.n_controlled_variational  # same controller
    assert [p.shape for p in core.controller.parameters()] == [p.shape for p in quantum.core.controller.parameters()]


def test_the_bottleneck_remembers_only_through_its_hidden_state():
    """Changing x_1 changes later outputs only via h: with feedback off it cannot."""
    model, _, _ = model_and_run("classical_bottleneck", readout_feedback=False)
    first, second = embedded(6), embedded(6)
    second[:, 0] += 1.0
    assert torch.equal(model.core(first)[:, 1:], model.core(second)[:, 1:])
    model, _, _ = model_and_run("classical_bottleneck")
    assert not torch.equal(model.core(first)[:, 1:], model.core(second)[:, 1:])


def test_encoding_only_no_encoding_linear_and_z_readouts_shape_the_circuit():
    encoding_only = model_and_run("encoding_only")[0].core
    assert encoding_only.circuit.n_layers == 0 and encoding_only.controller[-1].out_features == 3
    no_encoding = model_and_run("no_encoding")[0].core
    assert not no_encoding.circuit.has_encoding and no_encoding.controller[-1].out_features == 2 * 3 * 3
    assert isinstance(model_and_run("linear_controller")[0].core.controller, torch.nn.Linear)
    z_only = model_and_run("readouts_z")[0].core
    with torch.no_grad():
        outputs = z_only(embedded(7))
    assert z_only.output_size == 3 and outputs.shape == (3, 4, 3)
