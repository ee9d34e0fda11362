"""`qrnn audit`: the report of every ablation preset, a scaling point and a matched baseline."""

from __future__ import annotations

import pytest
import yaml

from qrnn.cli.main import main
from qrnn.config import validate
from qrnn.study.ablations import PRESETS
from qrnn.study.audit import audit

CONFIG = {
    "models": {"qrnn": {"n_qubits": 3, "n_layers": 2, "embedding_dim": 4, "controller": {"width": 8}}},
    "study": {"variants": {"default": {}, "wide": {"applies_to": ["rnn"], "overrides": {"rnn": {"hidden_size": 9}}}}},
}

# Lines (or parts of lines) each preset's audit must contain; 3 qubits, 2 layers of 3 rotations.
EXPECTED = {
    "full": ["none: this is the full model", "encoding RY layer: 3 angles = controller outputs 0..2",
             "variational layer 2 (rx, ry, rz on each qubit): 9 angles = controller outputs 12..20", "quantum 0)"],
    "encoding_only": ["variational: 'controller' -> 'none'", "variational layers: absent (so no entangler either)"],
    "static_variational": ["core.static_angles  quantum          18", "quantum 18)",
                           "9 angles = trainable parameter core.static_angles[0, 1] (the same at every step and for every input)"],
    "frozen_variational": ["not trained: core.frozen_angles (18 values", "quantum 0)", "buffer core.frozen_angles[0, 0] (random, fixed, not trained)"],
    "no_encoding": ["encoding RY layer: absent", "variational layer 1 (rx, ry, rz on each qubit): 9 angles = controller outputs 0..8"],
    "no_feedback": ["readout_feedback: True -> False", "fed back to the controller: no (controller input = 4 embedding only)"],
    "linear_controller": ["controller.kind: 'mlp' -> 'linear'", "(the paper's QRNNLinear)"],
    "no_entanglement": ["entangler: 'cnot_ring' -> 'none'", "entangler after each variational layer: none: no two-qubit gates"],
    "classical_bottleneck": ["core: 'circuit' -> 'classical_bottleneck'", "core.to_hidden   classical",
                             "no circuit: controller outputs 0..20 -> h_t = tanh(W a_t + b) (core.to_hidden), h_t of width 9 = the readout width"],
    "readouts_z": ["readouts: ['x', 'y', 'z'] -> ['z']", "readouts: z of each of 3 qubits = 3 values"],
}


def test_every_preset_has_its_expectations():
    assert set(EXPECTED) == set(PRESETS)


@pytest.mark.parametrize("variant", list(PRESETS))
def test_audit_of_each_preset(variant):
    text = audit(validate(CONFIG), variant)
    assert text.startswith(f"variant {variant} (ablation preset), model qrnn, task copying\n  {PRESETS[variant].description}\n")
    for expected in EXPECTED[variant]:
        assert expected in text, f"{expected!r} not in\n{text}"
    if variant != "full":
        assert "none: this is the full model" not in text
    entangled = variant not in ("encoding_only", "no_entanglement", "classical_bottleneck")
    assert ("CNOT (0,1), (1,2), (2,0)" in text) == entangled


def test_audit_of_a_scaling_point_and_its_matched_baseline():
    document = validate(CONFIG)
    quantum = audit(document, "n4_l1")
    assert "n_qubits: 3 -> 4" in quantum and "n_layers: 2 -> 1" in quantum and "CNOT (0,1), (1,2), (2,3), (3,0)" in quantum
    baseline = audit(document, "n4_l1_width", model="lstm")
    assert "variant n4_l1_width (scaling point), model lstm" in baseline
    assert "hidden_size: 64 -> 12  (12 hidden units)" in baseline and "no circuit: a classical model" in baseline


def test_audit_cli_reads_a_config_file_and_names_study_variants(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    assert main(["audit", "wide", "--config", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"variant wide (study variant), model rnn, task copying, config {path}\n")
    assert "hidden_size: 64 -> 9" in text
    assert main(["audit", "no_such_variant", "--config", str(path)]) == 1
    assert "unknown variant 'no_such_variant'" in capsys.readouterr().err
