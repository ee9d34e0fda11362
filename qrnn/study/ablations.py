"""The ablation presets: named changes of ``models.qrnn`` that take one part of the model away.

Each preset changes one thing relative to the paper's model (``full``), so that a
difference in the ablation table can be traced to that one part: the data-encoding RY
layer, the trainable variational layers (input-driven, static, frozen), the readout
feedback, the controller's nonlinearity, the entangler, the quantum state itself
(``classical_bottleneck``) and the readout set. A config lists preset names under
``ablations.variants``; ``qrnn audit NAME`` explains any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qrnn.errors import ConfigError


@dataclass(frozen=True)
class Ablation:
    description: str
    overrides: dict[str, Any] = field(default_factory=dict)  # keys of models.qrnn


PRESETS: dict[str, Ablation] = {
    "full": Ablation("the paper's model: the controller drives the RY encoding layer and every variational layer"),
    "encoding_only": Ablation("the controller drives only the RY encoding layer; no variational layers", {"variational": "none"}),
    "static_variational": Ablation(
        "the controller drives the encoding; variational angles are trainable but the same at every step and for every input",
        {"variational": "static"},
    ),
    "frozen_variational": Ablation(
        "the controller drives the encoding; variational angles are random and never trained (a quantum reservoir)",
        {"variational": "frozen"},
    ),
    "no_encoding": Ablation(
        "no RY encoding layer: the input reaches the circuit only through controller-driven variational layers",
        {"encoding": "none"},
    ),
    "no_feedback": Ablation(
        "the controller sees x_t only, not z_{t-1}: the quantum state is the only memory", {"readout_feedback": False}
    ),
    "linear_controller": Ablation("a linear controller (the paper's QRNNLinear) instead of the MLP", {"controller": {"kind": "linear"}}),
    "no_entanglement": Ablation("no entangling gates: the state stays a product of single-qubit states", {"entangler": "none"}),
    "classical_bottleneck": Ablation(
        "no quantum state: a classical RNN whose hidden state has the readout width, driven by the same controller",
        {"core": "classical_bottleneck"},
    ),
    "readouts_z": Ablation("only <Z> of every qubit is read out (n values instead of 3n for X, Y, Z)", {"readouts": ["z"]}),
}


def ablation_variant(name: str) -> dict[str, Any]:
    """The preset ``name`` as a study variant: {applies_to: [qrnn], overrides: {qrnn: ...}}."""
    if name not in PRESETS:
        raise ConfigError(f"unknown ablation {name!r} (known: {', '.join(PRESETS)})")
    return {"applies_to": ["qrnn"], "overrides": {"qrnn": dict(PRESETS[name].overrides)} if PRESETS[name].overrides else {}}


def ablation_runs(document: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(task, "qrnn", preset, seed) of every run the ``ablations`` block asks for; none when disabled."""
    block = document["ablations"]
    if not block["enabled"]:
        return []
    return [(task, "qrnn", name, seed) for task in block["tasks"] for name in block["variants"] for seed in block["seeds"]]
