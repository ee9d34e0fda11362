"""The noisy core on the C kernels equals its PyTorch path (the layer-by-layer step it always
ran): same seed, same draws, same readouts, with and without gate noise and collapse; and
the kernels really run the step (one call per step without a channel, one per layer with one)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from qrnn.config import model_config, validate
from qrnn.models.qrnn import QuantumRNN
from qrnn.noise.noisy_core import NoiseCondition, NoisyQuantumRNN, sample_shots
from qrnn.quantum.native import kernels
from tests.engine_paths import require_kernels

N_LAYERS, STEPS = 2, 6
CONDITIONS = {
    "ideal": NoiseCondition(),
    "shots": NoiseCondition(shots=40),
    "readout_error": NoiseCondition(shots=40, readout_error=0.1),
    "depolarizing": NoiseCondition(channel="depolarizing", strength=0.2, trajectories=3),
    "amplitude_damping_shots": NoiseCondition(channel="amplitude_damping", strength=0.3, trajectories=2, shots=25),
    "projective": NoiseCondition(measurement="projective", trajectories=4, readout_error=0.1),
    "weak_phase_damping": NoiseCondition(measurement="weak", measurement_strength=0.6, channel="phase_damping", strength=0.2,
                                         trajectories=4),
}


def _core(**changes) -> QuantumRNN:
    """A small double-precision core whose readouts are a reordered subset (z before x), so
    a readout taken in the wrong order or from the wrong state shows."""
    torch.manual_seed(0)
    config = replace(model_config("qrnn", validate({})["models"]["qrnn"]), n_qubits=3, n_layers=N_LAYERS, readouts=["z", "x"], **changes)
    return QuantumRNN(4, config).double()


def _run(core: QuantumRNN, condition: NoiseCondition, inputs: torch.Tensor) -> torch.Tensor:
    return NoisyQuantumRNN(core, condition, torch.Generator().manual_seed(3))(inputs)


def _counted_steps(monkeypatch) -> list[bool]:
    """Each kernels.step call from now on, as whether it also read the readouts."""
    calls, step = [], kernels.step
    monkeypatch.setattr(kernels, "step", lambda *args, **kw: calls.append(kw.get("readouts", False)) or step(*args, **kw))
    return calls


@pytest.mark.parametrize("variational", ["controller", "static"])
@pytest.mark.parametrize("name", list(CONDITIONS))
def test_kernel_noisy_core_equals_its_pytorch_path_with_the_same_draws(name, variational, monkeypatch):
    require_kernels()
    condition, core = CONDITIONS[name], _core(variational=variational)
    inputs = torch.randn(3, STEPS, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    with torch.no_grad():
        with kernels.torch_path():
            reference = _run(core, condition, inputs)
        calls = _counted_steps(monkeypatch)
        outputs = _run(core, condition, inputs)
    assert torch.allclose(outputs, reference, rtol=0, atol=1e-12)
    if condition.shots or condition.measurement != "none":  # sampled readouts: the same draws give the very same values
        assert torch.equal(outputs, reference)
    if condition.channel == "none":  # the noiseless step: one kernel call per step, which reads too unless the readout collapses
        assert calls == [condition.measurement == "none"] * STEPS
    else:  # between channels: the encoding layer and each block, one call each
        assert calls == [False] * (STEPS * (1 + N_LAYERS))


def test_noisy_core_with_a_gradient_wanted_keeps_it_and_matches_the_pytorch_path():
    """The fused readout call has no backward: where a gradient is wanted the step and its
    readout stay separate autograd nodes, and their gradient is the PyTorch path's."""
    require_kernels()
    core = _core()
    inputs = torch.randn(2, STEPS, 4, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    gradients = []
    for context in (kernels.torch_path(), torch.enable_grad()):
        with context:
            core.zero_grad()
            _run(core, CONDITIONS["depolarizing"], inputs).sum().backward()
            (_run(core, CONDITIONS["ideal"], inputs) * math.pi).sum().backward()
            gradients.append(torch.cat([p.grad.flatten() for p in core.parameters()]))
    assert gradients[0].abs().max() > 0
    assert torch.allclose(gradients[1], gradients[0], rtol=0, atol=1e-10)


def test_shots_of_an_eigenstate_draw_alike_whatever_the_rounding_of_its_expectation():
    """torch.binomial draws nothing at p = 1 but draws at p = 1 - 1e-16: without the snap the
    two roundings of one eigenstate would shift every later draw of the stream."""
    streams = []
    for value in (1.0, 1.0 - 2e-16, -1.0 + 2e-16):
        generator = torch.Generator().manual_seed(0)
        shots = sample_shots(torch.tensor([value, 0.3], dtype=torch.float64), 25, generator)
        streams.append((shots.abs(), torch.rand(3, generator=generator, dtype=torch.float64)))
    for shots, following in streams[1:]:
        assert torch.equal(shots, streams[0][0]) and torch.equal(following, streams[0][1])
    assert streams[0][0][0] == 1
