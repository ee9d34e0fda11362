"""The SLURM profile against a real single-node SLURM cluster started on this machine.

scripts/local-slurm installs Debian's slurm-wlm and munge if needed and starts the
daemons; that needs root, so elsewhere these tests are skipped with that reason. The
main results of the smoke study (SLURM_TARGETS: data, every training run, evaluations,
tables and a figure) are submitted through workflow/profiles/slurm exactly as a user
would, plus a short status-check interval so that the test does not wait on polling. The
rest of the DAG is more jobs of the same executor; leaving it out halves the test's time.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SLURM_TARGETS = ["results/tables/copying_main.csv", "results/tables/copying_curves_mean.csv", "results/figures/copying_learning_curves.png"]
# The run the scancel test deletes, as a target of its own: Snakemake does not rebuild a
# missing intermediate file whose dependants are present and up to date.
SLURM_TARGETS += ["results/runs/copying/qrnn/default/0/evaluation.json"]
FAST_POLLING = ["--seconds-between-status-checks", "2", "--slurm-init-seconds-before-status-checks", "1"]
pytestmark = [
    pytest.mark.workflow,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="starting SLURM daemons (and installing them) needs root"),
]


def environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def new_project(root: Path) -> Path:
    root.mkdir(parents=True)
    for folder in ("workflow", "config", "qrnn"):
        shutil.copytree(REPOSITORY / folder, root / folder, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def snakemake(project: Path, *arguments: str, check: bool = True) -> str:
    result = subprocess.run(
        ["snakemake", *SLURM_TARGETS, "--configfile", "config/smoke.yaml", *arguments],
        cwd=project, capture_output=True, text=True, timeout=1800, env=environment(),
    )
    output = result.stdout + result.stderr
    if check:
        assert result.returncode == 0, output[-4000:]
    return output


def submitted_job_ids(output: str) -> list[int]:
    return [int(number) for number in re.findall(r"submitted with SLURM jobid (\d+)", output)]


def job_state(job_id: int) -> str:
    shown = subprocess.run(["scontrol", "show", "job", str(job_id)], capture_output=True, text=True).stdout
    match = re.search(r"JobState=(\w+)", shown)
    return match.group(1) if match else "unknown"


def reproducible_results(project: Path) -> dict[str, object]:
    """What must not depend on where jobs ran: test-set metrics, tables, learning curves."""
    found: dict[str, object] = {}
    for path in sorted(project.glob("results/runs/**/evaluation.json")):
        found[str(path.relative_to(project))] = json.loads(path.read_text())["metrics"]
    with (project / "results/tables/copying.csv").open() as handle:  # wall times aside
        found["copying.csv"] = [{k: v for k, v in row.items() if "wall_time" not in k} for row in csv.DictReader(handle)]
    found["copying_curves_mean.csv"] = (project / "results/tables/copying_curves_mean.csv").read_text()
    return found


@pytest.fixture(scope="module")
def cluster():
    started = subprocess.run([str(REPOSITORY / "scripts" / "local-slurm"), "start"], capture_output=True, text=True, timeout=600)
    assert started.returncode == 0, started.stdout + started.stderr
    return started.stdout


@pytest.fixture(scope="module")
def submitted(cluster, smoke, tmp_path_factory):
    """The smoke study run through the SLURM profile, and the reproducible results of the
    session's local smoke run (conftest.py) taken before any test here changes either."""
    on_slurm = new_project(tmp_path_factory.mktemp("slurm") / "slurm")
    started = time.monotonic()
    output = snakemake(on_slurm, "--workflow-profile", "workflow/profiles/slurm", *FAST_POLLING)
    seconds = time.monotonic() - started
    return on_slurm, reproducible_results(smoke), output, seconds


def test_every_job_ran_as_a_slurm_job(submitted):
    project, _, output, seconds = submitted
    job_ids = submitted_job_ids(output)
    n_jobs = int(re.search(r"(\d+) of \1 steps \(100%\) done", output).group(1))
    assert len(job_ids) == n_jobs, "every job goes to SLURM"
    assert n_jobs > 20 and "rule main_table" in output and "rule learning_curves" in output
    assert {job_state(job_id) for job_id in job_ids} == {"COMPLETED"}
    print(f"\nSLURM job ids {min(job_ids)}..{max(job_ids)} ({len(job_ids)} jobs) in {seconds:.0f} s")


def test_outputs_equal_those_of_a_local_run(submitted):
    on_slurm, local_results, _, _ = submitted
    found = reproducible_results(on_slurm)
    assert len(found) > 10, "evaluations, the table and the curves"
    assert found == {name: local_results.get(name) for name in found}


def test_a_job_cancelled_with_scancel_is_redone_by_rerunning(submitted):
    project = submitted[0]
    shutil.rmtree(project / "results/runs/copying/qrnn/default/0")
    process = subprocess.Popen(
        ["snakemake", *SLURM_TARGETS, "--configfile", "config/smoke.yaml", "--workflow-profile", "workflow/profiles/slurm", *FAST_POLLING],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment(),
    )
    cancelled = None
    deadline = time.monotonic() + 300
    while cancelled is None and time.monotonic() < deadline and process.poll() is None:
        queue = subprocess.run(["squeue", "--noheader", "--format=%i %T %k"], capture_output=True, text=True).stdout
        for line in queue.splitlines():
            job_id, state, comment = (line.split(None, 2) + [""])[:3]
            if state == "RUNNING" and "train" in comment:
                subprocess.run(["scancel", job_id], check=True)
                cancelled = int(job_id)
                break
        time.sleep(0.2)
    try:
        output, _ = process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        raise
    assert cancelled is not None, "the training job was never seen running"
    assert process.returncode != 0, "snakemake should report the cancelled job as failed"
    assert not (project / "results/runs/copying/qrnn/default/0/metrics.json").exists()

    rerun = snakemake(project, "--workflow-profile", "workflow/profiles/slurm", *FAST_POLLING)
    redone = submitted_job_ids(rerun)
    assert redone and cancelled not in redone
    assert "rule train" in rerun and "seed=0" in rerun
    assert (project / "results/runs/copying/qrnn/default/0/metrics.json").exists()
    assert "Nothing to be done" in snakemake(project, "--workflow-profile", "workflow/profiles/slurm")
