"""Noisy evaluation of a finished quantum-RNN run: sweeps, metrics, files."""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest

from qrnn.config import validate
from qrnn.data.prepare import prepare_test_set
from qrnn.errors import QrnnError
from qrnn.evaluate.clean import evaluate_run
from qrnn.noise.settings import noise_settings
from qrnn.noise.sweeps import evaluate_noise, sweep_conditions, write_noise_evaluation
from qrnn.study.resolve import run_config
from qrnn.training.loop import train

DOCUMENT = validate(
    {
        "training": {"max_steps": 30, "eval_every": 30, "batch_size": 16, "eval_batches": 1, "learning_rate": 0.03},
        "tasks": {"copying": {"blank_length": 2, "copy_length": 2, "n_symbols": 3}},
        "models": {"qrnn": {"n_qubits": 3, "embedding_dim": 4, "controller": {"width": 8}}, "rnn": {"hidden_size": 4, "embedding_dim": 4}},
        "study": {"test_sequences": 40},
        "noise": {
            "test_sequences": 40,
            "shots": [10, 100000],
            "strengths": [0.02, 0.5],
            "trajectories": 4,
            "measurement_registers": 6,
            "measurement_strengths": [0.5, 1.5707963267948966],
            "readout_errors": [0.2],
            "readout_error_shots": 100000,
        },
    }
)
SETTINGS = noise_settings(DOCUMENT)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("noise")
    train(run_config(DOCUMENT, "copying", "qrnn", 0), root / "run", progress=False)
    prepare_test_set(DOCUMENT, "copying", root / "data")
    return root


@pytest.fixture(scope="module")
def result(finished):
    """The sweep, also written to finished/sweep/0.csv and 0.json."""
    return write_noise_evaluation(finished / "run", finished / "data", SETTINGS, finished / "sweep" / "0.csv", finished / "sweep" / "0.json", progress=False)


def _row(result, sweep, value):
    (row,) = [r for r in result["rows"] if r["sweep"] == sweep and r["value"] == pytest.approx(value)]
    return row


def test_ideal_point_is_the_clean_evaluation(result, finished):
    clean = evaluate_run(finished / "run", finished / "data")
    ideal = _row(result, "ideal", 0)
    assert ideal["loss"] == pytest.approx(clean["metrics"]["loss"], rel=1e-4)
    assert ideal["copy_accuracy"] == pytest.approx(clean["metrics"]["copy_accuracy"], abs=1e-6)
    assert ideal["readout_deviation"] == 0


def test_sweeps_degrade_with_noise_and_vanish_in_the_ideal_limit(result):
    assert _row(result, "shots", 10)["readout_deviation"] > 5 * _row(result, "shots", 100000)["readout_deviation"]
    assert _row(result, "shots", 100000)["readout_deviation"] < 0.01
    for channel in SETTINGS.channels:
        weak, strong = _row(result, channel, 0.02), _row(result, channel, 0.5)
        assert 0 < weak["readout_deviation"] < strong["readout_deviation"]
    # readout error 0.2 shrinks every expectation by 1 - 2 * 0.2: a deviation of about 0.4 <|P|>
    assert _row(result, "readout_error", 0.2)["readout_deviation"] > 5 * _row(result, "readout_error", 0)["readout_deviation"]
    # the weak readout gives less information per shot than the projective one
    assert _row(result, "measurement", 0.5)["readout_deviation"] > _row(result, "measurement", 1.5707963267948966)["readout_deviation"]
    assert {r["sweep"] for r in result["rows"]} == {"ideal", "shots", "measurement", "readout_error", *SETTINGS.channels}


def test_the_sweep_is_reproducible_and_written_as_csv_and_json(result, finished):
    again = evaluate_noise(finished / "run", finished / "data", SETTINGS, progress=False)
    assert again["rows"] == result["rows"]
    rows = list(csv.DictReader((finished / "sweep" / "0.csv").open()))
    assert len(rows) == len(sweep_conditions(SETTINGS, 3)) and float(rows[0]["loss"]) == pytest.approx(result["rows"][0]["loss"])
    assert json.loads((finished / "sweep" / "0.json").read_text())["metric_names"] == ["loss", "copy_accuracy"]


def test_projective_measurement_registers_split_over_the_pauli_bases():
    points = {(s, v): c for s, v, c in sweep_conditions(SETTINGS, 3)}
    projective = points[("measurement", 1.5707963267948966)]
    assert projective.measurement == "projective" and projective.trajectories == 6
    assert points[("measurement", 0.0)].shots == 2  # the non-collapsing reference at the same shots


def test_refuses_a_classical_run(finished, tmp_path):
    train(run_config(DOCUMENT, "copying", "rnn", 0), tmp_path / "rnn", progress=False)
    with pytest.raises(QrnnError, match="quantum RNN"):
        evaluate_noise(tmp_path / "rnn", finished / "data", dataclasses.replace(SETTINGS), progress=False)


def test_cli_draws_the_noise_figures_from_the_sweep_table(result, finished, tmp_path):
    from qrnn.cli.main import main

    for kind in ("noise-shots", "noise-strength"):
        assert main(["figures", kind, "--noise", str(finished / "sweep" / "0.csv"), "--out-png", str(tmp_path / f"{kind}.png"), "--out-pdf", str(tmp_path / f"{kind}.pdf")]) == 0
        assert (tmp_path / f"{kind}.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / f"{kind}.pdf").stat().st_size > 1000
    assert main(["figures", "noise-shots", "--noise", str(tmp_path / "missing.csv"), "--out-png", str(tmp_path / "x.png"), "--out-pdf", str(tmp_path / "x.pdf")]) == 1
    assert not (tmp_path / "x.png").exists()


def test_evaluated_runs_must_belong_to_the_study():
    from qrnn.errors import ConfigError
    from qrnn.noise.settings import evaluated_runs

    assert evaluated_runs(DOCUMENT, "noise") == [("copying", "qrnn", "default", 0)]
    with pytest.raises(ConfigError, match="noise.seeds: seed 7"):
        evaluated_runs(validate({**DOCUMENT, "noise": {**DOCUMENT["noise"], "seeds": [7]}}), "noise")
