"""The Snakemake workflow end to end on config/smoke.yaml, run in temporary folders
(tests/workflow/projects.py); the `smoke` fixture (conftest.py) is one whole smoke study."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import yaml

from tests.workflow.projects import SNAKEMAKE, job_counts, mtimes, new_project, snakemake, snakemake_command

pytestmark = [pytest.mark.workflow, pytest.mark.slow]
TABLES = ["results/tables/copying.csv", "results/tables/copying.md", "results/tables/copying.json", "results/tables/copying_curves.csv", "results/tables/copying_curves_mean.csv"]
TABLES += [f"results/tables/{name}.{ext}" for name in ("copying_main", "ablations", "copying_noise") for ext in ("csv", "md", "tex", "provenance.json")]
TABLES += ["results/tables/copying_verdict.md", "results/analysis/copying/hidden_state.csv", "results/analysis/copying/gradient_norms.csv", "results/analysis/compute_cost.csv"]
FIGURES = [
    f"results/figures/{name}.{ext}"
    for name in ("copying_learning_curves", "ablations", "copying_bloch_vectors", "copying_readouts", "copying_gradient_norms", "compute_cost")
    for ext in ("png", "pdf")
]
# config/smoke.yaml enables the noise and hardware sections (workflow/rules/noise.smk)
NOISE_OUTPUTS = ["results/figures/copying_noise_shots.png", "results/figures/copying_noise_strength.png", "results/figures/copying_hardware_readout_error.png", "results/tables/hardware_resources.md"]


def test_the_smoke_study_produces_tables_figures_and_a_report(smoke):
    for name in TABLES + FIGURES + NOISE_OUTPUTS + ["results/report/study.yaml", "results/report/front_page.rst"]:
        assert (smoke / name).stat().st_size > 0, name
    table = (smoke / "results/tables/copying.md").read_text()
    for row in ("| qrnn | default | 2 |", "| qrnn | encoding_only | 2 |", "| rnn | default | 2 |", "| lstm | default | 2 |", "| scornn | default | 2 |"):
        assert row in table
    assert len(list(smoke.glob("results/runs/copying/*/*/*/checkpoint.pt"))) == 10 + 3 + 6  # study, ablations, scaling
    assert "| qrnn | classical_bottleneck | 1 |" in table
    for name in ("results/tables/scaling.csv", "results/tables/scaling.md", "results/figures/scaling_copying.png", "results/figures/scaling_copying.pdf"):
        assert (smoke / name).stat().st_size > 0, name
    snakemake(smoke, "--configfile", "config/test.yaml", "--report", "results/report.html")
    report = (smoke / "results/report.html").read_text()
    # the front page is the one rule describe_study wrote from the resolved config (qrnn/study/front_page.py)
    for name in ("copying.md", "copying_learning_curves.png", "study.yaml", "The hybrid quantum-classical recurrent network of Xu", "no early stop (held-out loss)", "copying_main.md", "copying_verdict.md", "ablations.png", "compute_cost.png"):
        assert name in report
    assert "does the quantum RNN beat the baselines?" in (smoke / "results/tables/copying_verdict.md").read_text()
    audit = subprocess.run([str(SNAKEMAKE.parent / "qrnn"), "audit-number", "copying_main", "lstm", "mean"], cwd=smoke, capture_output=True, text=True)
    assert audit.returncode == 0 and "results/runs/copying/lstm/default/1" in audit.stdout, audit.stderr


def test_a_second_run_has_nothing_to_do(smoke):
    assert "Nothing to be done" in snakemake(smoke, "--cores", "2", "--configfile", "config/test.yaml")


def test_deleting_one_run_redoes_only_that_run_and_what_depends_on_it(smoke):
    run = smoke / "results/runs/copying/lstm/default/1"
    aside = smoke / "lstm-seed-1"
    run.rename(aside)
    try:
        output = snakemake(smoke, "-n", "--cores", "2", "--configfile", "config/test.yaml")
    finally:
        aside.rename(run)
    assert job_counts(output) == {
        "train": 1, "evaluate": 1, "aggregate": 1, "learning_curves": 1, "main_table": 1, "gradient_norms": 1, "gradient_norms_figure": 1, "all": 1,
    }
    assert "wildcards: task=copying, model=lstm, variant=default, seed=1" in output


def test_a_bigger_test_set_redoes_evaluations_but_no_training(smoke):
    bigger = yaml.safe_load((smoke / "config/test.yaml").read_text())
    bigger["study"]["test_sequences"] = 300
    (smoke / "config/bigger.yaml").write_text(yaml.safe_dump(bigger))
    counts = job_counts(snakemake(smoke, "-n", "--cores", "2", "--configfile", "config/bigger.yaml"))
    noise_jobs = {"evaluate_noise": 1, "evaluate_hardware": 1, "hardware_resources": 1, "noise_shots_figure": 1, "noise_strength_figure": 1, "hardware_figure": 1, "noise_table": 1}
    assert counts == {
        "prepare_data": 1, "evaluate": 19, "aggregate": 1, "learning_curves": 1, "scaling_table": 1, "scaling_figure": 1,
        "describe_study": 1, "main_table": 1, "ablation_table": 1, "ablation_figure": 1, "hidden_state_dynamics": 1,
        "bloch_vectors_figure": 1, "readouts_figure": 1, "gradient_norms": 1, "gradient_norms_figure": 1, "all": 1,
        **noise_jobs,
    }  # compute_cost depends on the model settings only


def test_changing_a_variant_retrains_only_its_runs_from_scratch(smoke):
    changed = yaml.safe_load((smoke / "config/test.yaml").read_text())
    changed["study"]["variants"]["encoding_only"]["overrides"]["qrnn"]["n_layers"] = 2
    (smoke / "config/changed.yaml").write_text(yaml.safe_dump(changed))
    before = mtimes(smoke, "results/runs/copying/*/default/*/metrics.json")
    output = snakemake(smoke, "--cores", "2", "--configfile", "config/changed.yaml")
    assert job_counts(output)["train"] == 2
    assert mtimes(smoke, "results/runs/copying/*/default/*/metrics.json") == before
    for seed in (0, 1):
        log = (smoke / f"results/logs/train/copying/qrnn/encoding_only/{seed}.log").read_text()
        assert "discarded a checkpoint made under other settings" in log and "n_layers: 1 -> 2" in log
    snakemake(smoke, "--cores", "2", "--configfile", "config/test.yaml")  # back to the smoke settings for later tests


@pytest.mark.parametrize(
    "changes,named",
    [
        ({"training": {"stpes": 10}}, "unknown key training.stpes"),
        ({"study": {"variants": {"default": {}, "enc": {"applies_to": ["qrnn"], "overrides": {"qrnn": {"n_qbits": 3}}}}}}, "unknown key study.variants.enc.overrides.qrnn.n_qbits"),
    ],
)
def test_a_misspelled_key_fails_before_any_job_runs(tmp_path, changes, named):
    project = new_project(tmp_path, **changes)
    output = snakemake(project, "--cores", "1", "--configfile", "config/test.yaml", check=False)
    assert named in output
    assert not (project / "results").exists()


def test_a_killed_run_resumes_from_its_checkpoint_and_finished_runs_are_kept(tmp_path):
    """SIGKILL Snakemake and its jobs while a run is half trained, as a crash or a
    cluster's time limit would, then rerun with --rerun-incomplete."""
    project = new_project(
        tmp_path, study={"models": ["qrnn"], "seeds": [0, 1, 2], "variants": {"default": {}}}, training={"max_steps": 200},
        ablations={"enabled": False}, scaling={"enabled": False},
    )
    process = subprocess.Popen(
        snakemake_command(project, "--cores", "1", "--configfile", "config/test.yaml"),
        cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    runs = project / "results/runs/copying/qrnn/default"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # one run finished and another past its first checkpoint
            finished = {path.parent for path in runs.glob("*/metrics.json")}
            half_trained = {path.parent for path in runs.glob("*/checkpoint.pt")} - finished
            if finished and half_trained:
                break
            assert process.poll() is None, "the workflow ended before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail("no run was ever half trained")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished_before = mtimes(project, "results/runs/copying/qrnn/default/*/metrics.json")
    unfinished = [runs / str(seed) for seed in (0, 1, 2) if not (runs / str(seed) / "metrics.json").exists()]
    interrupted = [folder for folder in unfinished if (folder / "checkpoint.pt").exists()]
    assert interrupted, "no half-trained run survived the kill"

    snakemake(project, "--configfile", "config/test.yaml", "--unlock")  # a killed Snakemake leaves its lock behind
    output = snakemake(project, "--cores", "2", "--configfile", "config/test.yaml", "--rerun-incomplete")
    assert job_counts(output)["train"] == len(unfinished)
    for folder in interrupted:
        assert "resuming from" in (folder / "train.log").read_text(), folder
    after = mtimes(project, "results/runs/copying/qrnn/default/*/metrics.json")
    assert {name: after[name] for name in finished_before} == finished_before
    assert len(after) == 3 and (project / "results/tables/copying.md").exists()


@pytest.mark.parametrize("name", ["config.yaml", "smoke.yaml", "paper.yaml"])
def test_lint_finds_nothing(tmp_path, name):
    project = new_project(tmp_path)
    output = snakemake(project, "--lint", "--configfile", f"config/{name}")
    assert "Congratulations, your workflow is in a good condition!" in output
