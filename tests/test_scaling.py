"""The scaling study: grid names, matched baselines, runs, table and figure."""

from __future__ import annotations

import csv
import json

import pytest

from qrnn.config import validate
from qrnn.errors import ConfigError
from qrnn.figures.scaling import scaling_figure
from qrnn.models.factory import build_model, parameter_counts
from qrnn.study.resolve import run_config
from qrnn.study.runs import run_document, study_runs
from qrnn.study.scaling import parse_name, point_name, scaling_runs
from qrnn.tables.scaling import write_scaling_table
from qrnn.tasks.registry import build_task

GRID = {
    "study": {"models": ["qrnn"], "seeds": [0]},
    "scaling": {"enabled": True, "qubits": [3, 5], "depths": [1, 2], "baselines": ["rnn", "lstm", "scornn"], "seeds": [1], "max_steps": 5},
}


def parameters(document, model, variant, kind="recurrent", task_name="copying"):
    run = run_config(document, task_name, model, 0, variant)
    task = build_task(run)
    return parameter_counts(build_model(model, run.model_settings, task.vocab_size, task.n_outputs, task.per_step))[kind]


def test_names_round_trip_and_are_wildcards():
    for n, layers, matching in [(4, 1, None), (14, 4, "parameters"), (8, 2, "width")]:
        name = point_name(n, layers, matching)
        assert parse_name(name) == (n, layers, matching)
    assert point_name(8, 2, "parameters") == "n8_l2_params" and parse_name("default") is None and parse_name("n8_l2_x") is None


def test_the_grid_expands_into_qrnn_points_and_matched_baselines():
    runs = scaling_runs(validate(GRID))
    assert len(runs) == 2 * 2 * (1 + 3 * 2)
    assert runs[:7] == [("copying", "qrnn", "n3_l1", 1)] + [
        ("copying", model, f"n3_l1_{suffix}", 1) for suffix in ("params", "width") for model in ("rnn", "lstm", "scornn")
    ]
    assert set(study_runs(validate(GRID))) == {("copying", "qrnn", "default", 0), *runs}
    assert run_config(validate(GRID), "copying", "lstm", 1, "n5_l2_width").training.max_steps == 5


@pytest.mark.parametrize("n,layers", [(3, 1), (5, 2)])
def test_baselines_match_the_quantum_point_in_parameters_and_in_width(n, layers):
    document = validate(GRID)
    quantum = run_config(document, "copying", "qrnn", 0, f"n{n}_l{layers}").model_settings
    assert (quantum.n_qubits, quantum.n_layers) == (n, layers)
    target = parameters(document, "qrnn", f"n{n}_l{layers}")
    for model in ("rnn", "lstm", "scornn"):
        assert abs(parameters(document, model, f"n{n}_l{layers}_params") - target) <= 0.05 * target, model
        settings = run_config(document, "copying", model, 0, f"n{n}_l{layers}_width").model_settings
        assert settings.hidden_size == 3 * n
    scornn = run_config(document, "copying", "scornn", 0, f"n{n}_l{layers}_width").model_settings
    assert scornn.n_negative == round(32 / 64 * 3 * n)  # keeps the schema default's share of -1 entries


def test_parameter_matched_points_match_the_recurrent_part_with_each_task_s_settings():
    per_task = {**GRID, "tasks": {"mnist": {"models": {"qrnn": {"controller": {"width": 16}}, "rnn": {"embedding_dim": 4}}}}}
    document = validate(per_task)
    for task in ("copying", "mnist"):
        target = parameters(document, "qrnn", "n5_l1", task_name=task)
        for model in ("rnn", "lstm", "scornn"):
            assert abs(parameters(document, model, "n5_l1_params", task_name=task) - target) <= 0.05 * target, (task, model)
    sizes = {task: run_config(document, task, "rnn", 0, "n5_l1_params").model_settings for task in ("copying", "mnist")}
    assert sizes["mnist"].embedding_dim == 4 and sizes["mnist"].hidden_size < sizes["copying"].hidden_size


def test_run_document_of_a_matched_baseline_needs_no_matching_in_the_job():
    document = validate(GRID)
    small = run_document(document, "copying", "lstm", "n5_l2_params")
    assert list(small["study"]["variants"]) == ["n5_l2_params"] and "hidden_size" in small["study"]["variants"]["n5_l2_params"]["overrides"]["lstm"]
    assert run_config(validate(small), "copying", "lstm", 1, "n5_l2_params") == run_config(document, "copying", "lstm", 1, "n5_l2_params")


def test_a_point_without_a_parameter_match_is_a_config_error():
    tiny = {"models": {"qrnn": {"embedding_dim": 1, "controller": {"width": 1}}, "lstm": {"embedding_dim": 64}}, "scaling": {"enabled": True, "qubits": [1], "depths": [1], "baselines": ["lstm"]}}
    with pytest.raises(ConfigError, match=r"scaling point n=1, L=1 on copying: lstm: no hidden size matches"):
        study_runs(validate(tiny))


def fake_run(folder, model, variant, seed, loss, hidden=None, stop_reason="plateau"):
    """An evaluated run of a scaling point; ``stop_reason`` None: metrics.json does not record one."""
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps({"wall_time_s": 1.0} | ({"stop_reason": stop_reason} if stop_reason else {})))
    settings = {"hidden_size": hidden} if hidden else {"n_qubits": parse_name(variant)[0], "readouts": ["x", "y", "z"]}
    (folder / "config.json").write_text(json.dumps({"model_settings": settings}))
    evaluation = {
        "task": "copying", "model": model, "variant": variant, "seed": seed, "metrics": {"loss": loss, "copy_accuracy": 1 - loss},
        "units": {"loss": "nats", "copy_accuracy": "fraction"}, "trainable_parameters": {"total": 100, "classical": 100, "quantum": 0},
    }
    (folder / "evaluation.json").write_text(json.dumps(evaluation))
    return folder


def test_table_groups_seeds_per_point_and_the_figure_is_drawn(tmp_path):
    runs = [
        fake_run(tmp_path / "a", "qrnn", "n4_l1", 0, 0.2),
        fake_run(tmp_path / "b", "qrnn", "n4_l1", 1, 0.4),
        fake_run(tmp_path / "c", "qrnn", "n6_l1", 0, 0.1),
        fake_run(tmp_path / "d", "lstm", "n4_l1_width", 0, 0.5, hidden=12),
        fake_run(tmp_path / "e", "lstm", "n6_l1_params", 0, 0.3, hidden=20),
    ]
    write_scaling_table(runs, tmp_path / "scaling.csv", tmp_path / "scaling.md")
    with (tmp_path / "scaling.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["model"], r["n_qubits"], r["matching"], r["n_seeds"], r["hidden_size"]) for r in rows] == [
        ("qrnn", "4", "", "2", "12"), ("lstm", "4", "width", "1", "12"), ("qrnn", "6", "", "1", "18"), ("lstm", "6", "parameters", "1", "20"),
    ]
    assert float(rows[0]["test_loss_nats_mean"]) == pytest.approx(0.3) and float(rows[0]["test_loss_nats_ci95_low"]) < 0.2
    assert "| 4 | 1 | qrnn | - | 12 | 2 | 2 of 2 | 100 | 0.3000 [" in (tmp_path / "scaling.md").read_text()
    scaling_figure(tmp_path / "scaling.csv", "copying", tmp_path / "s.png", tmp_path / "s.pdf")
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "s.pdf").read_bytes()[:4] == b"%PDF"
    with pytest.raises(Exception, match="no rows of task 'mnist'"):
        scaling_figure(tmp_path / "scaling.csv", "mnist", tmp_path / "m.png", tmp_path / "m.pdf")


def point_runs(root, lstm_reasons):
    """n4_l1: the quantum RNN at 0.20-0.22 over three seeds, an LSTM matched in width at 0.50-0.53 (stop reasons given)."""
    runs = [fake_run(root / f"q{seed}", "qrnn", "n4_l1", seed, loss) for seed, loss in enumerate([0.20, 0.22, 0.21])]
    runs += [fake_run(root / f"l{seed}", "lstm", "n4_l1_width", seed, loss, hidden=12, stop_reason=reason)
             for seed, (loss, reason) in enumerate(zip([0.50, 0.53, 0.51], lstm_reasons))]
    return runs


@pytest.mark.parametrize(
    "reasons,expected",
    [
        (["plateau"] * 3, "beats"),
        (["plateau", "max_steps", "plateau"], "inconclusive: not converged (1 of 6 runs stopped before a plateau: by stop reason max_steps 1)"),
        (["plateau", "plateau", None], "inconclusive: not converged (1 of 6 runs stopped before a plateau: by stop reason not recorded 1)"),
    ],
)
def test_a_baseline_is_compared_with_the_quantum_rnn_of_its_point_only_when_all_converged(tmp_path, reasons, expected):
    write_scaling_table(point_runs(tmp_path, reasons), tmp_path / "scaling.csv", tmp_path / "scaling.md")
    with (tmp_path / "scaling.csv").open() as handle:
        qrnn, lstm = list(csv.DictReader(handle))
    assert (qrnn["outcome"], qrnn["n_converged"], qrnn["interval_method"]) == ("", "3", "student_t")
    assert lstm["outcome"] == expected and lstm["n_converged"] == str(reasons.count("plateau")) and lstm["reference_n_converged"] == "3"
    assert float(lstm["difference"]) == pytest.approx(0.51333 - 0.21, abs=1e-4) and float(lstm["p_welch"]) < 0.05  # the test is printed either way
    text = (tmp_path / "scaling.md").read_text()
    assert text.splitlines()[2].startswith("95% CI of the mean over seeds: Student-t") and f"| {expected} |" in text
