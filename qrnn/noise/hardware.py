"""A trained quantum RNN on IBM device models (or a real IBM backend) through Qiskit.

The circuits of qrnn/noise/circuits.py are transpiled once per (protocol, length, basis)
with the angles as Parameters and bound to every test sequence's angles. A fake backend
(qiskit_ibm_runtime.fake_provider) runs on Aer with its noise model (gate errors and
durations, T1/T2 relaxation, readout error) through Aer's SamplerV2; a real backend runs
through qiskit-ibm-runtime's SamplerV2, which needs QISKIT_IBM_TOKEN in the environment
(read there, never stored or logged).

- ``repreparation`` (closed loop, as the paper's model runs): step by step, the controller
  emits the angles of step t from the device readouts of step t-1, and the circuit of the
  first t+1 steps is rerun and measured in every readout basis.
- ``midcircuit`` (open loop): the angles of the ideal simulation, one circuit per basis with
  an ancilla readout after every step (measure + reset); the measured readouts go to the
  model's head. A device would need real-time classical feedback to close this loop.

Both are compared with the ideal run (exact readouts): per-step readout error and task metrics.
Copying memory scores its first test_sequences token sequences; a real-data task its own
evaluate_test on its first test_sequences examples (the language model: test_sequences
streams of one window; translation: the encoder is the device core).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from qiskit import transpile
from torch import nn
from tqdm import tqdm

from qrnn.data.prepare import read_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.capped import capped_task, flat, is_real_data, one_encoder_run_per_sentence, per_step_error, trained_precision
from qrnn.evaluate.clean import check_run_data, test_metrics
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.io import atomic
from qrnn.io.provenance import config_hash, library_versions
from qrnn.models.qrnn import QuantumRNN
from qrnn.noise.circuits import midcircuit_circuit, repreparation_circuit
from qrnn.noise.noisy_core import NoiseCondition, noisy_model
from qrnn.noise.settings import HardwareSettings
from qrnn.quantum.qiskit_export import flat_step_values

TOKEN_VARIABLE = "QISKIT_IBM_TOKEN"


def load_backend(name: str):
    """A fake IBM backend by class name, or a real one through qiskit-ibm-runtime (token from the environment)."""
    if name.startswith("Fake"):
        from qiskit_ibm_runtime import fake_provider

        if not hasattr(fake_provider, name):
            known = ", ".join(sorted(n for n in dir(fake_provider) if n.startswith("Fake") and not n.endswith("Provider")))
            raise QrnnError(f"hardware.backend: unknown fake backend {name!r} (qiskit_ibm_runtime.fake_provider has: {known})")
        return getattr(fake_provider, name)()
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        raise QrnnError(f"hardware.backend: {name!r} is a real IBM backend; set {TOKEN_VARIABLE} in the environment (or use a Fake... backend)")
    from qiskit_ibm_runtime import QiskitRuntimeService

    channel, instance = os.environ.get("QISKIT_IBM_CHANNEL", "ibm_quantum_platform"), os.environ.get("QISKIT_IBM_INSTANCE")
    runtime_logger = logging.getLogger("qiskit_ibm_runtime")
    level = runtime_logger.level
    runtime_logger.setLevel(logging.ERROR)  # its "Loading account with the given token" warning: we always pass one
    try:
        return QiskitRuntimeService(channel=channel, token=token, instance=instance).backend(name)
    except Exception as error:  # the service raises many types (account, network, a ValueError, even an AttributeError for a malformed instance)
        text = error.args[0] if error.args and str(error) == repr(error.args[0]) else str(error)  # IBM errors show a repr
        message = (text.strip().splitlines() or [""])[0].replace(token, "<token>")  # the token is never shown
        raise QrnnError(
            f"hardware.backend: cannot open IBM backend {name!r} (channel {channel!r}, instance {instance!r}): "
            f"{type(error).__name__}: {message.rstrip('.')}. Check {TOKEN_VARIABLE}, QISKIT_IBM_CHANNEL, QISKIT_IBM_INSTANCE and the network"
        ) from None
    finally:
        runtime_logger.setLevel(level)


def make_sampler(backend, seed: int):
    """SamplerV2 for ``backend``: Aer with the backend's noise model for a fake backend, the runtime service's otherwise."""
    if backend.name.startswith("fake") or type(backend).__name__.startswith("Fake"):
        from qiskit_aer.primitives import SamplerV2

        return SamplerV2.from_backend(backend, seed=seed)
    from qiskit_ibm_runtime import SamplerV2

    return SamplerV2(mode=backend)


def transpiled(qc, backend, settings: HardwareSettings):
    return transpile(qc, backend, optimization_level=settings.optimization_level, seed_transpiler=settings.seed)


def _expectations(bits, n_qubits: int) -> np.ndarray:
    """(batch, n) mean of 1 - 2 b over the shots of a BitArray of shape (batch,)."""
    array = bits.to_bool_array(order="little")  # (batch, shots, bits), bit k = clbit k
    return 1 - 2 * array[..., :n_qubits].mean(axis=-2)


class _Replaced(nn.Module):
    """Stands in for a model's QuantumRNN core: returns readouts from ``produce(inputs)``."""

    def __init__(self, core: QuantumRNN, produce):
        super().__init__()
        self.core, self.produce, self.output_size = core, produce, core.output_size

    def forward(self, inputs):
        return self.produce(self.core, inputs)

    def forward_with_state(self, inputs, initial_state=None):
        """The interface SequenceModel calls; whole sequences only, from |0...0>."""
        if initial_state is not None:
            raise ValueError("hardware evaluation starts every sequence from |0...0>; it cannot continue a carried state")
        return self(inputs), None  # through __call__, so the readout recorder's hook fires


def _with_core(model: nn.Module, produce) -> nn.Module:
    replaced = copy.deepcopy(model)
    names = [name for name, module in replaced.named_modules() if isinstance(module, QuantumRNN)]
    if len(names) != 1:
        raise QrnnError(f"hardware evaluation supports models with one quantum core, this one has {len(names)}")
    parent, _, attribute = names[0].rpartition(".")
    setattr(replaced.get_submodule(parent) if parent else replaced, attribute, _Replaced(replaced.get_submodule(names[0]), produce))
    return replaced


class DeviceRunner:
    """Transpiles the protocol circuits once and runs them with bound angles."""

    def __init__(self, core: QuantumRNN, backend, settings: HardwareSettings, progress: bool):
        self.core, self.backend, self.settings, self.progress = core, backend, settings, progress
        self.paulis = tuple(core.config.readouts)
        self.sampler = make_sampler(backend, settings.seed)
        self._cache: dict[tuple, Any] = {}
        self.circuits_run = 0

    def circuit(self, protocol: str, steps: int, pauli: str):
        key = (protocol, steps, pauli)
        if key not in self._cache:
            build = repreparation_circuit if protocol == "repreparation" else midcircuit_circuit
            self._cache[key] = transpiled(build(self.core.circuit, steps, pauli), self.backend, self.settings)
        return self._cache[key]

    def _run(self, protocol: str, steps: int, values: np.ndarray) -> list:
        pubs = [(self.circuit(protocol, steps, pauli), values, self.settings.shots) for pauli in self.paulis]
        self.circuits_run += len(pubs) * len(values)
        return list(self.sampler.run(pubs).result())

    def repreparation_step(self, history: list[np.ndarray]) -> torch.Tensor:
        """Readouts (batch, R*n) after the steps whose flat angle values are ``history``."""
        results = self._run("repreparation", len(history), np.concatenate(history, axis=1))
        n = self.core.n_qubits
        return torch.as_tensor(np.concatenate([_expectations(r.data.meas, n) for r in results], axis=1))

    def midcircuit(self, history: list[np.ndarray]) -> torch.Tensor:
        """Readouts (batch, T, R*n) of every step from one ancilla-readout circuit per basis."""
        results = self._run("midcircuit", len(history), np.concatenate(history, axis=1))
        n = self.core.n_qubits
        per_step = [np.concatenate([_expectations(getattr(r.data, f"t{t}"), n) for r in results], axis=1) for t in range(len(history))]
        return torch.as_tensor(np.stack(per_step, axis=1))


def _closed_loop(runner: DeviceRunner):
    """QuantumRNN.forward with the readouts of each step measured on the device (re-preparation):
    the state the core's recurrence carries is the history of flat angle values so far."""

    def produce(core: QuantumRNN, inputs: torch.Tensor) -> torch.Tensor:
        batch, steps, _ = inputs.shape

        def advance(history: list[np.ndarray], encoding, variational) -> list[np.ndarray]:
            history.append(flat_step_values(core.circuit, None if encoding is None else encoding.detach(), _detached(variational, batch)))
            return history

        def measure(history: list[np.ndarray]) -> tuple[list[np.ndarray], torch.Tensor]:
            return history, runner.repreparation_step(history)

        start = ([], core.initial_readouts(batch, inputs.device).to(inputs.dtype))
        with tqdm(total=steps, desc="re-preparation steps", disable=not runner.progress, leave=False) as bar:
            outputs, _ = core.unroll(inputs, start, advance, measure, on_state=lambda *_: bar.update())
        return outputs

    return produce


def _detached(variational, batch):
    if variational is None:
        return None
    return variational.detach().expand(batch, *variational.shape[1:])


def _open_loop(runner: DeviceRunner, ideal_angles: list[list[tuple]]):
    """Mid-circuit readout with the ideal run's angles: call k of the core (an evaluation may
    call it several times: LM streams, translation's loss, greedy and beam passes) replays
    the angles of the ideal run's call k, whose inputs were the same."""
    calls = iter(ideal_angles)

    def produce(core: QuantumRNN, inputs: torch.Tensor) -> torch.Tensor:
        batch = inputs.shape[0]
        angles = next(calls)
        if len(angles) != inputs.shape[1] or (angles[0][0] is not None and angles[0][0].shape[0] != batch):
            raise QrnnError("the open-loop device run called the quantum core differently from the ideal run")
        history = [flat_step_values(core.circuit, e, _detached(v, batch)) for e, v in angles]
        return runner.midcircuit(history).to(inputs.dtype)

    return produce


def circuit_resources(qc, backend) -> dict[str, Any]:
    """Depth, two-qubit gates and estimated duration of a transpiled circuit, with T1/T2 of its qubits."""
    bound = qc.assign_parameters(np.random.default_rng(0).uniform(-np.pi, np.pi, qc.num_parameters)) if qc.num_parameters else qc
    two_qubit = sum(1 for instruction in bound.data if instruction.operation.num_qubits == 2 and instruction.operation.name != "barrier")
    used = sorted({bound.find_bit(q).index for instruction in bound.data for q in instruction.qubits})
    properties = [backend.target.qubit_properties[q] for q in used] if backend.target.qubit_properties else []
    t1 = [p.t1 for p in properties if p is not None and p.t1]
    t2 = [p.t2 for p in properties if p is not None and p.t2]
    duration = float(bound.estimate_duration(backend.target, unit="s"))
    median_t2 = float(np.median(t2)) if t2 else float("nan")
    return {
        "depth": bound.depth(lambda i: i.operation.name != "barrier"),
        "two_qubit_gates": two_qubit,
        "duration_us": duration * 1e6,
        "median_t1_us": float(np.median(t1)) * 1e6 if t1 else float("nan"),
        "median_t2_us": median_t2 * 1e6,
        "duration_over_t2": duration / median_t2 if t2 else float("nan"),
    }


def _test_scoring(run, data_dir, count: int):
    """(score(model) -> metrics, facts {"n_test", "sha"}) on the first ``count`` test sequences,
    all in one batch (fewest device jobs): copying's fixed token test set, or a real-data task's
    own evaluate_test (the language model: ``count`` streams of one window each, so that no
    device run continues a carried state)."""
    if is_real_data(run.task):
        check_run_data(run, data_dir)
        task, streams = capped_task(run.task, count, windows_per_stream=1)
        found: dict[str, Any] = {}

        def score(model) -> dict[str, float]:
            result = task.evaluate_test(one_encoder_run_per_sentence(model), data_dir, torch.device("cpu"), streams or count)
            found.update(n_test=result["n_test"], sha=result["data_sha256"])
            return result["metrics"]

        return score, found
    tensors, manifest = read_test_set(run.config.task, data_dir)
    count = min(count, len(tensors["inputs"]))
    inputs, targets = tensors["inputs"][:count], tensors["targets"][:count]
    return (lambda model: test_metrics(model, run.task, inputs, targets, len(inputs), torch.device("cpu"))), {"n_test": count, "sha": manifest["sha256"]}


@torch.no_grad()
def evaluate_hardware(run_dir: str | Path, data_dir: str | Path, settings: HardwareSettings, progress: bool = True) -> dict[str, Any]:
    """Run the finished quantum-RNN run in ``run_dir`` on ``settings.backend`` with each protocol."""
    run = load_finished_run(run_dir)
    if run.config.model != "qrnn":
        raise QrnnError(f"run {run.folder} is a {run.config.model} run; hardware evaluation needs a quantum RNN (qrnn)")
    score, found = _test_scoring(run, data_dir, settings.test_sequences)
    model = trained_precision(run)
    recorder = noisy_model(model, NoiseCondition(), torch.Generator(), record_angles=True)
    (ideal_core,) = [m for m in recorder.modules() if type(m).__name__ == "NoisyQuantumRNN"]
    ideal_angles: list[list[tuple]] = []
    ideal_core.register_forward_hook(lambda module, _i, _o: ideal_angles.append(list(module.angles)))
    ideal_readouts: list[torch.Tensor] = []
    ideal_metrics = _metrics_with_readouts(recorder, score, ideal_readouts)
    backend = load_backend(settings.backend)
    runner = DeviceRunner(ideal_core.core, backend, settings, progress)
    longest = max(c.shape[1] for c in ideal_readouts)
    protocols, per_step = {}, []
    for protocol in settings.protocols:
        produce = _closed_loop(runner) if protocol == "repreparation" else _open_loop(runner, ideal_angles)
        before = runner.circuits_run
        readouts_out: list[torch.Tensor] = []
        metrics = _metrics_with_readouts(_with_core(model, produce), score, readouts_out)
        per_step += [{"protocol": protocol, "step": t, "readout_error": v} for t, v in enumerate(per_step_error(readouts_out, ideal_readouts))]
        protocols[protocol] = {
            "metrics": metrics,
            "mean_readout_error": float((flat(readouts_out) - flat(ideal_readouts)).abs().mean()),
            "circuits_run": runner.circuits_run - before,
            "longest_circuit": circuit_resources(runner.circuit(protocol, longest, runner.paulis[0]), backend),
        }
    return {
        "task": run.config.task,
        "model": run.config.model,
        "variant": run.config.variant,
        "seed": run.config.seed,
        "backend": backend.name,
        "n_test_sequences": found["n_test"],  # examples; the language model: tokens of the test stream
        "shots": settings.shots,
        "ideal_metrics": ideal_metrics,
        "protocols": protocols,
        "per_step": per_step,
        "units": run.task.units,
        "settings": {k: v for k, v in dataclasses.asdict(settings).items()},
        "data_sha256": found["sha"],
        "config_hash": config_hash(run.config_dict),
        "versions": library_versions(),
    }


def _metrics_with_readouts(model, score, sink: list) -> dict[str, float]:
    """``score(model)``; the readouts of every call of the model's core go to ``sink``."""
    for module in model.modules():
        if isinstance(module, _Replaced) or type(module).__name__ == "NoisyQuantumRNN":
            module.register_forward_hook(lambda _m, _i, output: sink.append(output.detach().double()))
    return score(model)


def write_hardware_evaluation(run_dir, data_dir, settings: HardwareSettings, out_json, out_steps_csv, progress: bool = True) -> dict[str, Any]:
    result = evaluate_hardware(run_dir, data_dir, settings, progress)
    atomic.write_csv(out_steps_csv, result["per_step"], ["protocol", "step", "readout_error"])
    atomic.write_json(out_json, result)
    return result
