"""Main and ablation tables, verdict and provenance, from hand-made run folders."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from scipy import stats as scipy_stats

from qrnn.cli.main import main as cli
from qrnn.errors import QrnnError
from qrnn.io.provenance import audit_number
from qrnn.tables.main import main_metric, write_ablation_table, write_main_table
from qrnn.tables.statistics import holm

UNITS = {"loss": "nats", "copy_accuracy": "fraction", "memoryless_cross_entropy": "nats"}
LOSSES = {  # (model, variant) -> test loss per seed 0, 1, 2
    ("qrnn", "default"): [0.30, 0.32, 0.31],
    ("qrnn", "encoding_only"): [0.50, 0.55, 0.52],
    ("rnn", "default"): [0.60, 0.62, 0.61],
    ("lstm", "default"): [0.31, 0.35, 0.29],
    ("scornn", "default"): [0.45, 0.40, 0.50],
}
PARAMETERS = {"qrnn": 100, "rnn": 102, "lstm": 99, "scornn": 150}


def make_run(root: Path, model: str, variant: str, seed: int, loss: float, task: str = "copying", stop_reason: str | None = "plateau") -> Path:
    """A finished run; ``stop_reason`` None leaves it out of metrics.json (a run from before stopping rules)."""
    folder = root / task / model / variant / str(seed)
    folder.mkdir(parents=True)
    quantum = 6 if variant == "encoding_only" else 0
    evaluation = {
        "task": task, "model": model, "variant": variant, "seed": seed,
        "metrics": {"copy_accuracy": 1 - loss, "loss": loss}, "reference": {"memoryless_cross_entropy": 0.69}, "units": UNITS,
        "data_sha256": "d" * 64, "config_hash": f"hash-{model}-{variant}-{seed}",
        "trainable_parameters": {"total": PARAMETERS[model] - quantum, "classical": PARAMETERS[model] - 2 * quantum, "quantum": quantum, "recurrent": PARAMETERS[model] - 40},
    }
    (folder / "evaluation.json").write_text(json.dumps(evaluation))
    metrics = {"wall_time_s": 1.0, "git_revision": "abc123"} | ({"stop_reason": stop_reason} if stop_reason else {})
    (folder / "metrics.json").write_text(json.dumps(metrics))
    (folder / "history.csv").write_text(f"step,train_loss,eval_loss,eval_copy_accuracy,wall_time_s\n10,1.0,{loss},{1 - loss},1.0\n")
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("runs")
    return [make_run(root, model, variant, seed, loss) for (model, variant), losses in LOSSES.items() for seed, loss in enumerate(losses)]


@pytest.fixture(scope="module")
def tables(runs, tmp_path_factory) -> Path:
    """Built once: statsmodels' multipletests runs gc.collect(), about 0.5 s per call with torch loaded."""
    folder = tmp_path_factory.mktemp("tables")
    write_main_table("copying", runs, folder / "copying_main", folder / "copying_verdict.md")
    write_ablation_table([run for run in runs if "/qrnn/" in str(run)], folder / "ablations")
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_the_main_metric_comes_from_the_task_class():
    assert main_metric("copying") == ("loss", "lower")
    assert main_metric("unknown_task", ["accuracy", "loss"]) == ("loss", "lower")
    assert main_metric("unknown_task", ["bleu"]) == ("bleu", "higher")


def test_main_table_compares_every_baseline_with_the_quantum_rnn(tables):
    rows = read_csv(tables / "copying_main.csv")
    assert [row["model"] for row in rows] == ["qrnn", "rnn", "lstm", "scornn"]
    assert [row["variant"] for row in rows] == ["default"] * 4  # encoding_only is an ablation, not a main-table row
    rnn = rows[1]
    welch = scipy_stats.ttest_ind(LOSSES[("rnn", "default")], LOSSES[("qrnn", "default")], equal_var=False)
    assert float(rnn["p_welch"]) == pytest.approx(welch.pvalue)
    assert float(rnn["difference"]) == pytest.approx(0.61 - 0.31)
    family = [float(row["p_welch"]) for row in rows[1:]]
    assert [float(row["p_welch_holm"]) for row in rows[1:]] == pytest.approx(holm(family))
    assert rnn["paired"] == "True" and float(rnn["hedges_g"]) > 0
    assert rows[0]["p_welch"] == "nan" and float(rows[0]["mean"]) == pytest.approx(0.31)
    for ext in ("md", "tex", "provenance.json"):
        assert (tables / f"copying_main.{ext}").stat().st_size > 0
    assert r"\begin{tabular}" in (tables / "copying_main.tex").read_text()
    markdown = (tables / "copying_main.md").read_text()
    assert "| vanilla RNN | 3 | 3 of 3 | 62 / 102 |" in markdown and "| beats |" in markdown
    assert markdown.splitlines()[2].startswith("95% CI of the mean over seeds: Student-t (scipy.stats.t) in every row (fewer than 10 seeds)")
    assert "bootstrap" not in markdown
    assert {row["interval_method"] for row in rows} == {"student_t"} and rnn["difference_interval_method"] == "student_t"
    welch_interval = welch.confidence_interval(0.95)
    assert (float(rnn["difference_ci95_low"]), float(rnn["difference_ci95_high"])) != pytest.approx((welch_interval.low, welch_interval.high))  # paired seeds
    paired = scipy_stats.ttest_rel(LOSSES[("rnn", "default")], LOSSES[("qrnn", "default")]).confidence_interval(0.95)
    assert (float(rnn["difference_ci95_low"]), float(rnn["difference_ci95_high"])) == pytest.approx((paired.low, paired.high))
    assert [(row["n_converged"], row["reference_n_converged"], row["outcome"]) for row in rows[1:3]] == [("3", "3", "beats"), ("3", "3", "does not significantly differ from")]


def test_the_verdict_says_what_is_significant_and_what_is_not(tables):
    text = (tables / "copying_verdict.md").read_text()
    assert "beats the vanilla RNN" in text  # 0.31 vs 0.61, tight spread: significant after correction
    assert "does not significantly differ from the LSTM" in text
    assert "seeds per model would be needed for 80% power" in text
    assert "NOT matched recurrent parameters: 110 vs 60" in text  # scoRNN's cell is 83% bigger
    assert "matched recurrent parameters: 59 vs 60, 1.7% apart" in text  # the verdict compares cells, not totals


def test_provenance_names_the_runs_behind_each_cell(tables):
    record = audit_number("copying_main", "lstm", "p_welch_holm", tables_dir=tables)
    assert set(record["runs"]) == {"lstm/default", "qrnn/default"}
    lstm = record["runs"]["lstm/default"]
    assert [run["seed"] for run in lstm] == [0, 1, 2]
    assert lstm[1]["config_hash"] == "hash-lstm-default-1" and lstm[1]["git_revision"] == "abc123" and lstm[1]["data_sha256"] == "d" * 64
    assert lstm[1]["metrics"]["loss"] == 0.35
    mean = audit_number(tables / "copying_main.csv", "lstm", "mean")
    assert list(mean["runs"]) == ["lstm/default"] and mean["value"] == pytest.approx(0.31666, abs=1e-4)


@pytest.mark.parametrize(
    "arguments,message",
    [(["nosuch", "lstm", "mean"], "no provenance file"), (["copying_main", "gru", "mean"], "has no row 'gru'"), (["copying_main", "lstm", "median"], "has no column 'median'")],
)
def test_audit_number_names_what_is_unknown(tables, capsys, arguments, message):
    assert cli(["audit-number", *arguments, "--tables-dir", str(tables)]) == 1
    assert message in capsys.readouterr().err
    assert cli(["audit-number", "copying_main", "rnn", "p_welch", "--tables-dir", str(tables)]) == 0
    printed = capsys.readouterr().out
    assert "copying_main / rnn / p_welch" in printed and "hash-rnn-default-2" in printed and "abc123" in printed


def test_ablation_table_compares_variants_with_the_full_model(tables):
    rows = read_csv(tables / "ablations.csv")
    assert [(row["task"], row["variant"], row["is_reference"]) for row in rows] == [("copying", "default", "True"), ("copying", "encoding_only", "False")]
    ablated = rows[1]
    assert (ablated["trainable_parameters_classical"], ablated["trainable_parameters_quantum"]) == ("88", "6")
    assert float(ablated["difference"]) == pytest.approx(0.52333 - 0.31, abs=1e-4)
    welch = scipy_stats.ttest_ind(LOSSES[("qrnn", "encoding_only")], LOSSES[("qrnn", "default")], equal_var=False).pvalue
    assert float(ablated["p_welch_holm"]) == pytest.approx(welch)  # a family of one
    assert math.isnan(float(rows[0]["p_welch"]))
    assert set(audit_number(tables / "ablations.csv", "copying/encoding_only", "difference")["runs"]) == {"copying/encoding_only", "copying/default"}


def converged_runs(root: Path, stop_reasons: dict[tuple[str, int], str | None]) -> list[Path]:
    """The study of LOSSES, qrnn and lstm only, each run stopped on a plateau unless ``stop_reasons`` says otherwise."""
    return [
        make_run(root, model, variant, seed, loss, stop_reason=stop_reasons.get((f"{model}/{variant}", seed), "plateau"))
        for (model, variant), losses in LOSSES.items() if model in ("qrnn", "lstm")
        for seed, loss in enumerate(losses)
    ]


@pytest.mark.parametrize(
    "stop_reasons,detail",
    [
        ({("lstm/default", 1): "max_steps"}, "1 of 6 runs stopped before a plateau: by stop reason max_steps 1"),
        ({("qrnn/default", 0): None, ("qrnn/default", 2): "non_finite"}, "2 of 6 runs stopped before a plateau: by stop reason non_finite 1, not recorded 1"),
    ],
)
def test_a_comparison_with_an_unconverged_run_is_inconclusive(tmp_path, stop_reasons, detail):
    runs = converged_runs(tmp_path, stop_reasons)
    write_main_table("copying", runs, tmp_path / "copying_main", tmp_path / "verdict.md")
    lstm = read_csv(tmp_path / "copying_main.csv")[1]
    assert lstm["outcome"] == f"inconclusive: not converged ({detail})"
    assert float(lstm["p_welch"]) > 0  # the test is still printed
    text = (tmp_path / "verdict.md").read_text()
    assert f"the quantum RNN is inconclusive against the LSTM: not converged ({detail})" in text
    assert "does not significantly differ" not in text and "beats" not in text.split("**In short:**")[1]
    assert f"inconclusive: not converged ({detail})" in (tmp_path / "copying_main.md").read_text()


def test_ablation_outcomes_follow_the_convergence_rule(tmp_path):
    converged = converged_runs(tmp_path / "all", {})
    write_ablation_table([run for run in converged if "/qrnn/" in str(run)], tmp_path / "all_ablations")
    rows = read_csv(tmp_path / "all_ablations.csv")
    assert [(row["n_converged"], row["outcome"]) for row in rows] == [("3", ""), ("3", "worse than the reference")]  # 0.52 vs 0.31, p < 0.05
    assert rows[1]["reference_n_converged"] == "3"
    for name, reasons, detail in [
        ("max_steps", {("qrnn/encoding_only", 2): "max_steps"}, "1 of 6 runs stopped before a plateau: by stop reason max_steps 1"),
        ("missing", {("qrnn/default", 1): None}, "1 of 6 runs stopped before a plateau: by stop reason not recorded 1"),
    ]:
        runs = converged_runs(tmp_path / name, reasons)
        write_ablation_table([run for run in runs if "/qrnn/" in str(run)], tmp_path / f"{name}_ablations")
        ablated = read_csv(tmp_path / f"{name}_ablations.csv")[1]
        assert ablated["outcome"] == f"inconclusive: not converged ({detail})"
        assert f"inconclusive: not converged ({detail})" in (tmp_path / f"{name}_ablations.md").read_text()


def test_an_unknown_stop_reason_is_refused_naming_the_file(tmp_path):
    run = make_run(tmp_path, "qrnn", "default", 0, 0.3, stop_reason="tired")
    with pytest.raises(QrnnError, match=r"metrics.json: stop_reason is 'tired', not one of plateau, max_steps, non_finite"):
        write_main_table("copying", [run], tmp_path / "copying_main", tmp_path / "verdict.md")


def test_ablation_table_needs_two_variants(runs, tmp_path):
    with pytest.raises(QrnnError, match="no task has more than one quantum-RNN variant"):
        write_ablation_table([run for run in runs if "/qrnn/default" in str(run)], tmp_path / "ablations")
    assert not (tmp_path / "ablations.csv").exists()


def test_single_seed_groups_still_give_a_table(tmp_path):
    runs = [make_run(tmp_path, "qrnn", "default", 0, 0.3), make_run(tmp_path, "lstm", "default", 0, 0.4)]
    write_main_table("copying", runs, tmp_path / "copying_main", tmp_path / "verdict.md")
    rows = read_csv(tmp_path / "copying_main.csv")
    assert rows[1]["p_welch"] == "nan" and rows[1]["p_welch_holm"] == "nan"
    assert "No significance test is possible with 1 vs 1 seeds" in (tmp_path / "verdict.md").read_text()


def test_a_study_of_the_quantum_rnn_alone_has_a_table_and_says_so(tmp_path):
    runs = [make_run(tmp_path, "qrnn", "default", seed, loss) for seed, loss in enumerate([0.3, 0.4])]
    write_main_table("copying", runs, tmp_path / "copying_main", tmp_path / "verdict.md")
    assert [row["model"] for row in read_csv(tmp_path / "copying_main.csv")] == ["qrnn"]
    assert "no baseline runs" in (tmp_path / "verdict.md").read_text()


def test_from_ten_seeds_the_main_table_uses_the_bootstrap_and_says_so(tmp_path):
    losses = {"qrnn": [0.30 + 0.01 * (seed % 4) for seed in range(12)], "lstm": [0.40 + 0.02 * (seed % 3) for seed in range(12)]}
    runs = [make_run(tmp_path, model, "default", seed, loss) for model, values in losses.items() for seed, loss in enumerate(values)]
    write_main_table("copying", runs, tmp_path / "copying_main", tmp_path / "verdict.md")
    rows = read_csv(tmp_path / "copying_main.csv")
    assert [row["interval_method"] for row in rows] == ["bootstrap_bca"] * 2 and rows[1]["difference_interval_method"] == "bootstrap_bca"
    assert (tmp_path / "copying_main.md").read_text().splitlines()[2].startswith(
        "95% CI of the mean over seeds: bootstrap (BCa, scipy.stats.bootstrap, 9999 resamples) in every row (at least 10 seeds)"
    )
    assert rows[1]["outcome"] == "beats"
