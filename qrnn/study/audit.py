"""`qrnn audit VARIANT`: what a variant changes relative to the full model, which parameters
are trained (circuit angles vs classical weights, per module) and where every circuit angle
comes from, read off the model that a run of that variant really builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from qrnn.config import differences, load_config, validate
from qrnn.models.factory import build_model, parameter_counts
from qrnn.quantum.entanglers import entangler_pairs
from qrnn.study.ablations import PRESETS
from qrnn.study.matching import task_models
from qrnn.study.resolve import run_config, variant_models
from qrnn.study.variants import variant_settings, variant_source
from qrnn.tasks.registry import build_task

# The default of `--config`: the repository's config/config.yaml when the package runs from
# a checkout, else the schema defaults (the package's own embedded settings).
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.yaml"

# What a changed key of models.qrnn means, in words; {old} and {new} are the values.
MEANINGS = {
    "core": {"classical_bottleneck": "no quantum state: a classical RNN with the readout width as hidden state replaces the circuit"},
    "encoding": {"none": "no RY encoding layer: the input reaches the circuit only through the variational angles"},
    "variational": {
        "none": "no variational layers (and so no entangler): the controller drives only the RY encoding layer",
        "static": "variational angles become trainable parameters, the same at every step and for every input",
        "frozen": "variational angles become random fixed values, never trained (a quantum reservoir)",
        "controller": "variational angles are emitted by the controller at every step",
    },
    "readout_feedback": {False: "the controller no longer sees z_{t-1}: the quantum state is the only memory", True: "the controller sees z_{t-1}"},
    "entangler": {"none": "no two-qubit gates: the state stays a product state"},
    "controller.kind": {"linear": "the controller is one linear map (the paper's QRNNLinear)", "mlp": "the controller is an MLP"},
}


def _meaning(key: str, new: Any) -> str:
    table = MEANINGS.get(key, {})
    if isinstance(new, list):
        new = tuple(new)
    if new in table:
        return table[new]
    if key == "readouts":
        return f"readouts {', '.join(new)} of every qubit"
    if key == "n_qubits":
        return f"{new} qubits (a state vector of 2**{new} amplitudes)"
    if key == "n_layers":
        return f"{new} variational blocks per step"
    if key == "hidden_size":
        return "sized to the quantum RNN's recurrent part on the task (within 5%)" if new == "matched" else f"{new} hidden units"
    return "changed"


def changes(base: dict[str, Any], changed: dict[str, Any]) -> list[str]:
    """One line per changed setting: key: old -> new, then what that means."""
    lines = []
    for difference in differences(base, changed):
        key, values = difference.split(": ", 1)
        new = _lookup(changed, key)
        lines.append(f"{key}: {values}  ({_meaning(key, new)})")
    return lines


def _lookup(settings: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        settings = settings[part]
    return settings


def _module_of(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "core" and len(parts) > 1 else parts[0]


def parameter_table(model: torch.nn.Module) -> tuple[list[tuple[str, str, int]], list[tuple[str, int]]]:
    """(module, quantum|classical, trainable count) per module, and (buffer, size) of the
    tensors that shape the computation but are never trained."""
    quantum_ids = {id(p) for p in getattr(model.core, "quantum_parameters", lambda: [])()}
    modules: dict[tuple[str, str], int] = {}
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            key = (_module_of(name), "quantum" if id(parameter) in quantum_ids else "classical")
            modules[key] = modules.get(key, 0) + parameter.numel()
    buffers = [(name, buffer.numel()) for name, buffer in model.named_buffers() if buffer.is_floating_point()]
    return [(module, kind, count) for (module, kind), count in modules.items()], buffers


def _range(start: int, count: int) -> str:
    return f"controller outputs {start}..{start + count - 1}"


def angle_sources(core: torch.nn.Module, settings) -> list[str]:
    """Where each angle of one step's circuit comes from, layer by layer."""
    if not hasattr(core, "circuit"):
        if hasattr(core, "to_hidden"):
            return [
                f"no circuit: {_range(0, core.n_angles)} -> h_t = tanh(W a_t + b) (core.to_hidden), "
                f"h_t of width {core.output_size} = the readout width, fed back as z_{{t-1}} would be"
            ]
        return ["no circuit: a classical model"]
    n, rotations = core.n_qubits, tuple(settings.rotations)
    lines = []
    if core.circuit.has_encoding:
        lines.append(f"encoding RY layer: {n} angles = {_range(0, n)}")
    else:
        lines.append("encoding RY layer: absent")
    per_layer = n * len(rotations)
    for layer in range(core.circuit.n_layers):
        where = {
            "controller": _range(core.n_encoding_angles + layer * per_layer, per_layer) + " (new at every step)",
            "static": f"trainable parameter core.static_angles[0, {layer}] (the same at every step and for every input)",
            "frozen": f"buffer core.frozen_angles[0, {layer}] (random, fixed, not trained)",
        }[settings.variational]
        lines.append(f"variational layer {layer + 1} ({', '.join(rotations)} on each qubit): {per_layer} angles = {where}")
    if core.circuit.n_layers == 0:
        lines.append("variational layers: absent (so no entangler either)")
    else:
        pairs = entangler_pairs(settings.entangler, n)
        gate = "CZ" if settings.entangler.startswith("cz") else "CNOT"
        described = ", ".join(f"({a},{b})" for a, b in pairs) if pairs else "no two-qubit gates"
        lines.append(f"entangler after each variational layer: {settings.entangler}: {gate + ' ' if pairs else ''}{described}")
    return lines


def audit(document: dict[str, Any], variant: str, task: str | None = None, model: str | None = None, source: str = "") -> str:
    """The audit of ``variant`` as text (see the module docstring)."""
    task = task or document["study"]["tasks"][0]
    settings = variant_settings(document, variant, task)
    model = model or ("qrnn" if "qrnn" in settings["applies_to"] else settings["applies_to"][0])
    run = run_config(document, task, model, 0, variant)
    built_task = build_task(run)
    torch.manual_seed(0)
    built = build_model(model, run.model_settings, built_task.vocab_size, built_task.n_outputs, built_task.per_step)
    counts = parameter_counts(built)
    kind = {"study": "study variant", "ablations": "ablation preset", "scaling": "scaling point"}[variant_source(document, variant)]
    lines = [f"variant {variant} ({kind}), model {model}, task {task}" + (f", config {source}" if source else "")]
    if kind == "ablation preset":
        lines.append(f"  {PRESETS[variant].description}")
    lines += ["", "Changes relative to the full model (models section with the task's own settings):"]
    changed = changes(task_models(document, task)[model], variant_models(document, variant, task)[model])
    lines += [f"  {line}" for line in changed] or ["  none: this is the full model"]
    modules, buffers = parameter_table(built)
    lines += ["", f"Trainable parameters: {counts['total']:,} (classical {counts['classical']:,}, quantum {counts['quantum']:,})"]
    width = max(len(module) for module, _, _ in modules)
    lines += [f"  {module:<{width}}  {kind_:<9}  {count:>8,}" for module, kind_, count in modules]
    if counts["quantum"] == 0 and hasattr(built.core, "circuit"):
        lines.append("  (angles the controller emits are outputs, not parameters: its weights are counted as classical)")
    for name, size in buffers:
        lines.append(f"  not trained: {name} ({size} values, a buffer outside every optimizer)")
    lines += ["", "Circuit angles of one step:"]
    lines += [f"  {line}" for line in angle_sources(built.core, run.model_settings)]
    if model == "qrnn":
        settings_ = run.model_settings
        readout_width = len(settings_.readouts) * settings_.n_qubits
        feedback = f"yes (controller input = {settings_.embedding_dim} embedding + {readout_width} readouts)" if settings_.readout_feedback else f"no (controller input = {settings_.embedding_dim} embedding only)"
        lines += [f"  readouts: {', '.join(settings_.readouts)} of each of {settings_.n_qubits} qubits = {readout_width} values; fed back to the controller: {feedback}"]
    return "\n".join(lines) + "\n"


def default_document() -> tuple[dict[str, Any], str]:
    """The config `qrnn audit` uses without --config, and its name."""
    if DEFAULT_CONFIG.is_file():
        return load_config(DEFAULT_CONFIG), str(DEFAULT_CONFIG)
    return validate({}), "schema defaults"
