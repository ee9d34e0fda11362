"""Tables of a study from hand-made run folders with known numbers."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from qrnn.errors import QrnnError
from qrnn.tables.aggregate import write_tables

T_975_DF1 = 12.706205  # Student t table, two-sided 95%, one degree of freedom
REFERENCE = 0.6931471805599453
UNITS = {"loss": "nats", "copy_accuracy": "fraction", "memoryless_cross_entropy": "nats"}


def make_run(root: Path, model: str, variant: str, seed: int, loss: float, accuracy: float, parameters: int = 100, data: str = "abc") -> Path:
    folder = root / model / variant / str(seed)
    folder.mkdir(parents=True)
    evaluation = {
        "task": "copying", "model": model, "variant": variant, "seed": seed,
        "metrics": {"copy_accuracy": accuracy, "loss": loss},  # key-sorted, as written by evaluate
        "reference": {"memoryless_cross_entropy": REFERENCE}, "units": UNITS,
        "data_sha256": data, "trainable_parameters": {"total": parameters, "classical": parameters, "quantum": 0},
    }
    (folder / "evaluation.json").write_text(json.dumps(evaluation))
    (folder / "metrics.json").write_text(json.dumps({"wall_time_s": 10.0 + seed} | ({"stop_reason": "plateau"} if seed == 0 else {})))  # seed 1: none recorded
    (folder / "history.csv").write_text(
        "step,train_loss,eval_loss,eval_copy_accuracy,wall_time_s\n"
        f"5,2.0,{loss + 1},{accuracy / 2},1.0\n"
        f"10,1.5,{loss},{accuracy},2.0\n"
    )
    return folder


def outputs(root: Path) -> dict[str, Path]:
    names = [("out_csv", ".csv"), ("out_md", ".md"), ("out_json", ".json"), ("out_curves", "_curves.csv"), ("out_curves_mean", "_curves_mean.csv")]
    return {name: root / "tables" / f"copying{suffix}" for name, suffix in names}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def study(tmp_path):
    runs = [
        make_run(tmp_path, "lstm", "default", 0, loss=0.5, accuracy=0.2),
        make_run(tmp_path, "lstm", "default", 1, loss=0.7, accuracy=0.4),
        make_run(tmp_path, "qrnn", "encoding_only", 0, loss=0.9, accuracy=0.1, parameters=60),
        make_run(tmp_path, "qrnn", "default", 0, loss=0.3, accuracy=0.6, parameters=90),
        make_run(tmp_path, "qrnn", "default", 1, loss=0.4, accuracy=0.8, parameters=90),
    ]
    paths = outputs(tmp_path)
    write_tables("copying", runs, **paths)
    return paths


def test_one_row_per_model_and_variant_with_hand_computed_statistics(study):
    rows = read_csv(study["out_csv"])
    assert [(row["model"], row["variant"], row["n_seeds"], row["trainable_parameters"]) for row in rows] == [
        ("qrnn", "default", "2", "90"), ("qrnn", "encoding_only", "1", "60"), ("lstm", "default", "2", "100"),
    ]
    lstm = rows[2]
    # losses 0.5, 0.7: mean 0.6, s = sqrt(0.02), standard error 0.1
    assert float(lstm["test_loss_nats_mean"]) == pytest.approx(0.6)
    assert float(lstm["test_loss_nats_std"]) == pytest.approx(math.sqrt(0.02))
    assert float(lstm["test_loss_nats_ci95_low"]) == pytest.approx(0.6 - T_975_DF1 * 0.1, abs=1e-6)
    assert float(lstm["test_loss_nats_ci95_high"]) == pytest.approx(0.6 + T_975_DF1 * 0.1, abs=1e-6)
    assert float(lstm["test_copy_accuracy_fraction_mean"]) == pytest.approx(0.3)
    assert float(lstm["memoryless_cross_entropy_nats"]) == REFERENCE
    assert float(lstm["train_wall_time_s_mean"]) == 10.5
    assert list(rows[0])[4:6] == ["test_loss_nats_mean", "test_loss_nats_std"]  # the task's order: loss first
    assert math.isnan(float(rows[1]["test_loss_nats_std"])) and math.isnan(float(rows[1]["test_loss_nats_ci95_low"]))


def test_json_is_nested_for_dvc_and_nan_becomes_null(study):
    table = json.loads(study["out_json"].read_text())
    assert set(table) == {"qrnn/default", "qrnn/encoding_only", "lstm/default"}
    assert table["qrnn/default"]["test_loss_nats"]["mean"] == pytest.approx(0.35)
    assert set(table["lstm/default"]["test_copy_accuracy_fraction"]) == {"mean", "std", "ci_low", "ci_high"}
    assert table["qrnn/encoding_only"]["test_loss_nats"] == {"mean": 0.9, "std": None, "ci_low": None, "ci_high": None}
    assert table["qrnn/encoding_only"]["n_seeds"] == 1


def test_markdown_shows_units_baseline_and_explains_nan(study):
    text = study["out_md"].read_text()
    assert "test loss (nats), mean ± std" in text and "test copy accuracy (fraction), mean ± std" in text
    assert "| lstm | default | 2 | 1 | 100 | 0.6000 ± 0.1414 | [-0.6706, 1.8706] |" in text  # seed 1 records no stop reason: not converged
    assert "| qrnn | encoding_only | 1 | 1 | 60 | 0.9000 ± NaN | [NaN, NaN] |" in text
    assert text.splitlines()[2] == "95% CI of the mean over seeds: Student-t (scipy.stats.t) in every row (fewer than 10 seeds)."
    assert {(row["n_converged"], row["interval_method"]) for row in read_csv(study["out_csv"])} == {("1", "student_t")}
    assert "memoryless cross entropy = 0.6931 nats" in text
    assert "with a single seed the standard deviation and the confidence interval are undefined" in text


def test_curves_are_long_format_with_units(study):
    rows = read_csv(study["out_curves"])
    assert list(rows[0]) == ["step", "model", "variant", "seed", "train_loss_nats", "eval_loss_nats", "eval_copy_accuracy_fraction"]
    assert len(rows) == 10
    lstm_seed_1 = [row for row in rows if row["model"] == "lstm" and row["seed"] == "1"]
    assert [(row["step"], float(row["eval_loss_nats"])) for row in lstm_seed_1] == [("5", 1.7), ("10", 0.7)]


def test_mean_curves_are_wide_with_a_column_per_model(study):
    rows = read_csv(study["out_curves_mean"])
    assert list(rows[0]) == ["step", "qrnn", "qrnn/encoding_only", "lstm"]
    # step 10: qrnn seeds 0.3 and 0.4; lstm seeds 0.5 and 0.7; step 5 is one nat higher
    assert [row["step"] for row in rows] == ["5", "10"]
    assert float(rows[1]["qrnn"]) == pytest.approx(0.35) and float(rows[1]["lstm"]) == pytest.approx(0.6)
    assert float(rows[0]["qrnn/encoding_only"]) == pytest.approx(1.9)


def test_refuses_duplicates_mixed_test_sets_and_missing_files(tmp_path):
    first = make_run(tmp_path / "a", "rnn", "default", 0, 0.5, 0.5)
    same = make_run(tmp_path / "b", "rnn", "default", 0, 0.5, 0.5)
    with pytest.raises(QrnnError, match="are the same run"):
        write_tables("copying", [first, same], **outputs(tmp_path))
    other_data = make_run(tmp_path / "c", "rnn", "default", 1, 0.5, 0.5, data="xyz")
    with pytest.raises(QrnnError, match="scored on 2 different test sets"):
        write_tables("copying", [first, other_data], **outputs(tmp_path))
    (other_data / "evaluation.json").unlink()
    with pytest.raises(QrnnError, match=rf"missing result file {other_data / 'evaluation.json'}"):
        write_tables("copying", [first, other_data], **outputs(tmp_path))
    assert not (tmp_path / "tables").exists()
