"""The noise table, from hand-made noise sweeps (CSV + JSON) of hand-made trained runs."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from scipy import stats as scipy_stats

from qrnn.cli.main import main as cli
from qrnn.errors import QrnnError
from qrnn.io.provenance import audit_number, format_audit
from qrnn.tables.noise import read_noise_results, write_noise_table
from qrnn.tables.statistics import holm

CONDITIONS = ["shots", "measurement", "measurement_strength", "channel", "strength", "readout_error", "trajectories"]
POINTS = [  # sweep, value, condition columns
    ("ideal", 0.0, [0, "none", 1.5707963267948966, "none", 0.0, 0.0, 1]),
    ("shots", 100.0, [100, "none", 1.5707963267948966, "none", 0.0, 0.0, 1]),
    ("depolarizing", 0.01, [0, "none", 1.5707963267948966, "depolarizing", 0.01, 0.0, 8]),
    ("measurement", 1.5707963267948966, [0, "projective", 1.5707963267948966, "none", 0.0, 0.0, 48]),
]
LOSS = {0: [0.50, 0.70, 0.90, 2.0], 1: [0.60, 0.75, 1.10, 2.4]}  # seed -> loss per point, in POINTS order
ACCURACY = {0: [0.40, 0.30, 0.10, 0.05], 1: [0.44, 0.30, 0.12, 0.07]}
DEVIATION = {0: [0.0, 0.1, 0.2, 0.3], 1: [0.0, 0.12, 0.22, 0.34]}
UNITS = {"loss": "nats", "copy_accuracy": "fraction", "memoryless_cross_entropy": "nats"}


def make_sweep(root: Path, seed: int, task: str = "copying", metrics: dict[str, list[float]] | None = None, units: dict[str, str] | None = None, points=POINTS) -> tuple[Path, Path]:
    """A trained run folder (metrics.json) and its noise CSV with the JSON next to it."""
    metrics = metrics or {"loss": LOSS[seed], "copy_accuracy": ACCURACY[seed]}
    run = root / "runs" / task / "qrnn" / "default" / str(seed)
    run.mkdir(parents=True)
    config_hash = f"hash{seed}"
    (run / "metrics.json").write_text(json.dumps({
        "task": task, "model": "qrnn", "variant": "default", "seed": seed, "config_hash": config_hash,
        "git_revision": "abc123", "main_metric": ["loss", "lower"],
    }))
    noise = root / "noise" / task / "qrnn" / "default"
    noise.mkdir(parents=True, exist_ok=True)
    path = noise / f"{seed}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sweep", "value", *CONDITIONS, "readout_deviation", *metrics])
        for index, (sweep, value, conditions) in enumerate(points):
            writer.writerow([sweep, value, *conditions, DEVIATION[seed][index], *(values[index] for values in metrics.values())])
    info = {
        "task": task, "model": "qrnn", "variant": "default", "seed": seed, "n_test_sequences": 20, "metric_names": list(metrics),
        "units": units or UNITS, "reference": {"memoryless_cross_entropy": 0.6931}, "data_sha256": "d" * 64, "config_hash": config_hash,
    }
    path.with_suffix(".json").write_text(json.dumps(info))
    return path, run


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> dict[str, object]:
    """Built once: Holm's correction (statsmodels) runs gc.collect(), slow with torch loaded."""
    root = tmp_path_factory.mktemp("noise")
    sweeps = [make_sweep(root, seed) for seed in (1, 0)]  # given out of seed order
    prefix = root / "tables" / "copying_noise"
    written = write_noise_table([csv_path for csv_path, _ in sweeps], [run for _, run in sweeps], prefix)
    with prefix.with_suffix(".csv").open() as handle:
        rows = {row["sweep"] + "=" + row["value"]: row for row in csv.DictReader(handle)}
    return {"root": root, "prefix": prefix, "rows": rows, "table": written, "sweeps": sweeps}


def t_interval(values: list[float]) -> tuple[float, float]:
    mean, error = sum(values) / len(values), scipy_stats.sem(values)
    half = scipy_stats.t.ppf(0.975, len(values) - 1) * error
    return mean - half, mean + half


def test_each_point_has_the_mean_and_student_t_interval_over_seeds(table):
    rows = table["rows"]
    assert table["table"].labels == ["ideal", "shots=100", "depolarizing=0.01", "measurement=1.5708"]
    shots = rows["shots=100.0"]
    assert int(shots["n_seeds"]) == 2
    assert float(shots["loss_nats_mean"]) == pytest.approx(0.725)
    low, high = t_interval([0.70, 0.75])
    assert float(shots["loss_nats_ci95_low"]) == pytest.approx(low)
    assert float(shots["loss_nats_ci95_high"]) == pytest.approx(high)
    assert float(shots["copy_accuracy_fraction_mean"]) == pytest.approx(0.30)
    assert float(shots["readout_deviation_mean"]) == pytest.approx(0.11)
    assert shots["shots"] == "100" and shots["trajectories"] == "1"  # the condition columns are kept


def test_the_change_from_ideal_is_paired_over_seeds_and_holm_corrected(table):
    rows = table["rows"]
    depolarizing = rows["depolarizing=0.01"]
    differences = [0.90 - 0.50, 1.10 - 0.60]
    assert float(depolarizing["loss_nats_change"]) == pytest.approx(0.45)
    low, high = t_interval(differences)
    assert float(depolarizing["loss_nats_change_ci95_low"]) == pytest.approx(low)
    assert float(depolarizing["loss_nats_change_ci95_high"]) == pytest.approx(high)
    noisy = [key for key in rows if not key.startswith("ideal")]
    p_values = [scipy_stats.ttest_rel(*[[LOSS[seed][index] for seed in (0, 1)] for index in (point, 0)]).pvalue for point in (1, 2, 3)]
    assert [float(rows[key]["loss_nats_p_paired_t"]) for key in noisy] == pytest.approx(p_values)
    assert [float(rows[key]["loss_nats_p_paired_t_holm"]) for key in noisy] == pytest.approx(holm(p_values))
    ideal = rows["ideal=0.0"]
    assert math.isnan(float(ideal["loss_nats_change"])) and math.isnan(float(ideal["loss_nats_p_paired_t_holm"]))


def test_markdown_and_latex_give_units_and_escape(table):
    markdown = table["prefix"].with_suffix(".md").read_text()
    assert "| loss (nats) mean [95% CI] |" in markdown
    assert "copy_accuracy (fraction) mean [95% CI]" in markdown
    assert "| depolarizing: p = 0.01, 8 trajectories | 2 | 1.0000 [" in markdown
    assert "projective, θ = 1.57" in markdown
    assert markdown.splitlines()[2] == "95% CI of the mean over seeds: Student-t (scipy.stats.t) in every row (fewer than 10 seeds)."
    latex = table["prefix"].with_suffix(".tex").read_text()
    assert r"copy\_accuracy (fraction)" in latex and r"$\Delta$ loss" in latex and r"$\theta$" in latex
    assert "copy_accuracy" not in latex.replace(r"copy\_accuracy", "")  # no unescaped underscore
    assert "±" not in latex and "Δ" not in latex and "θ" not in latex


def test_audit_number_names_the_runs_and_noise_sweeps_behind_a_cell(table, capsys):
    tables_dir = table["prefix"].parent
    record = audit_number("copying_noise", "shots=100", "loss_nats_change", tables_dir)
    assert record["value"] == pytest.approx(0.175)
    assert set(record["runs"]) == {"shots=100", "ideal"}
    shots = record["runs"]["shots=100"]
    assert [run["seed"] for run in shots] == [0, 1]
    assert [run["metrics"]["loss"] for run in shots] == [0.70, 0.75]
    assert shots[0]["noise_file"].endswith("noise/copying/qrnn/default/0.csv") and shots[0]["git_revision"] == "abc123"
    assert "noise sweep" in format_audit(record)
    assert cli(["audit-number", str(table["prefix"].with_suffix(".md")), "ideal", "loss_nats_mean"]) == 0
    assert "copying_noise / ideal / loss_nats_mean = 0.55" in capsys.readouterr().out


def test_one_seed_says_n1_and_has_no_interval_or_test(tmp_path):
    csv_path, run = make_sweep(tmp_path, 0)
    written = write_noise_table([csv_path], [run], tmp_path / "copying_noise")
    shots = written.rows[1]
    assert shots["n_seeds"] == 1 and math.isnan(shots["loss_nats_ci95_low"]) and math.isnan(shots["loss_nats_p_paired_t"])
    assert shots["loss_nats_change"] == pytest.approx(0.20)
    assert "| shots: 100 shots | 1 | 0.7000 (n=1) | 0.2000 (n=1) | – |" in (tmp_path / "copying_noise.md").read_text()


def test_metric_names_and_units_come_from_the_result_files(tmp_path):
    metrics = {"perplexity": [50.0, 80.0, 120.0, 300.0], "accuracy": [0.3, 0.2, 0.1, 0.05]}
    csv_path, run = make_sweep(tmp_path, 0, task="language_model", metrics=metrics, units={"perplexity": "perplexity", "accuracy": "fraction|tokens"})
    written = write_noise_table([csv_path], [run], tmp_path / "language_model_noise")
    assert written.name == "language_model_noise"
    assert written.rows[2]["perplexity_perplexity_mean"] == 120.0 and written.rows[2]["perplexity_perplexity_change"] == 70.0
    markdown = (tmp_path / "language_model_noise.md").read_text()
    assert r"accuracy (fraction\|tokens) mean" in markdown  # a pipe inside a cell is escaped


def test_a_missing_noise_file_is_named(tmp_path, capsys):
    csv_path, run = make_sweep(tmp_path, 0)
    missing = csv_path.with_name("7.csv")
    with pytest.raises(QrnnError, match=str(missing.with_suffix(".json"))):
        read_noise_results([missing], [run])
    csv_path.unlink()
    assert cli(["tables", "noise", "--noise", str(csv_path), "--runs", str(run), "--out-prefix", str(tmp_path / "t")]) == 1
    assert f"missing noise result file {csv_path}" in capsys.readouterr().err
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("0.7,", "seven,", 1), r"0\.csv line 3: column 'loss' is not a number: 'seven'"),
        (lambda text: text.replace("copy_accuracy", "accuracy"), r"0\.csv has no column 'copy_accuracy'"),
        (lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("ideal")) + "\n", r"0\.csv has no 'ideal' row"),
    ],
)
def test_a_malformed_noise_csv_is_named(tmp_path, edit, message):
    csv_path, run = make_sweep(tmp_path, 0)
    csv_path.write_text(edit(csv_path.read_text()))
    with pytest.raises(QrnnError, match=message):
        read_noise_results([csv_path], [run])


def test_seeds_evaluated_with_other_settings_or_another_training_are_refused(tmp_path):
    first = make_sweep(tmp_path, 0)
    second = make_sweep(tmp_path, 1, points=POINTS[:3])
    with pytest.raises(QrnnError, match=r"1\.csv has other sweep points than .*0\.csv"):
        read_noise_results([first[0], second[0]], [first[1], second[1]])
    metrics = json.loads((first[1] / "metrics.json").read_text())
    (first[1] / "metrics.json").write_text(json.dumps({**metrics, "config_hash": "retrained"}))
    with pytest.raises(QrnnError, match="config hash hash0, but .*metrics.json has retrained"):
        read_noise_results([first[0]], [first[1]])
    with pytest.raises(QrnnError, match="no run folder given for task copying, variant default, seed 1"):
        read_noise_results([second[0]], [first[1]])


def test_an_overflowing_metric_gets_no_test_but_a_table(tmp_path):
    metrics = {"perplexity": [50.0, 80.0, math.inf, 300.0]}
    sweeps = [make_sweep(tmp_path, seed, task="language_model", metrics=metrics, units={"perplexity": "perplexity"}) for seed in (0, 1)]
    written = write_noise_table([c for c, _ in sweeps], [r for _, r in sweeps], tmp_path / "language_model_noise")
    assert math.isinf(written.rows[2]["perplexity_perplexity_mean"]) and math.isnan(written.rows[2]["perplexity_perplexity_p_paired_t"])
    assert written.rows[1]["perplexity_perplexity_change"] == 30.0
