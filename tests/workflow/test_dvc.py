"""DVC around the workflow: repro, metrics and plots, and a push/pull round trip to a local remote.

The round trip is what a user does to move results between a cluster and a laptop:
push, lose the cache and the outputs, pull. The checkpoints must come back byte for
byte, and after `snakemake --touch` (restored files get new mtimes, and a fresh
machine has no .snakemake metadata) Snakemake must find nothing to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.workflow, pytest.mark.slow]


def run(command: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environment)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def checkpoint_hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.glob("results/runs/**/checkpoint.pt"))
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A git + DVC repository holding the workflow, with the smoke config (no ablations, no
    scaling) as its default config."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("workflow", "config", "qrnn"):
        shutil.copytree(REPOSITORY / folder, root / folder, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPOSITORY / "dvc.yaml", root / "dvc.yaml")
    smoke = yaml.safe_load((REPOSITORY / "config" / "smoke.yaml").read_text())
    # Every stage of dvc.yaml runs; the ablation and scaling runs would only add more of
    # the same train/evaluate jobs (test_workflow.py covers them) to the CI time.
    smoke["ablations"]["enabled"] = smoke["scaling"]["enabled"] = False
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(smoke))
    run(["git", "init", "-q"], root)
    run(["dvc", "init", "-q"], root)
    run(["dvc", "repro"], root)
    return root


def test_repro_records_every_stage_and_reports_metrics_and_plots(project):
    lock = (project / "dvc.lock").read_text()
    for stage in ("data", "runs", "tables", "figures"):
        assert f"  {stage}:" in lock
    assert checkpoint_hashes(project), "no checkpoints were produced"
    metrics = run(["dvc", "metrics", "show"], project).stdout
    for model in ("qrnn", "rnn", "lstm", "scornn"):
        assert model in metrics
    plots = json.loads(run(["dvc", "plots", "show", "--json"], project).stdout)["data"]
    assert plots["results/figures/copying_learning_curves.png"][0]["type"] == "image"
    (curves,) = (plot for name, plot in plots.items() if name.startswith("held-out cross-entropy"))
    points = curves[0]["content"]["data"]["values"]
    assert {point["field"] for point in points} == {"qrnn", "rnn", "lstm", "scornn"}
    assert all(float(point["dvc_inferred_y_value"]) > 0 for point in points)
    status = run(["dvc", "status"], project).stdout
    assert "up to date" in status


def test_push_remove_pull_restores_checkpoints_and_snakemake_has_nothing_to_do(project, tmp_path):
    before = checkpoint_hashes(project)
    run(["dvc", "remote", "add", "--default", "shared", str(tmp_path / "remote")], project)
    run(["dvc", "push"], project)
    shutil.rmtree(project / ".dvc" / "cache")
    shutil.rmtree(project / "results")
    shutil.rmtree(project / ".snakemake")  # as on a laptop that never ran the workflow
    run(["dvc", "pull"], project)
    assert checkpoint_hashes(project) == before
    run(["snakemake", "--cores", "1", "--touch"], project)
    dry_run = run(["snakemake", "--cores", "1", "--dry-run"], project)
    assert "Nothing to be done" in dry_run.stdout + dry_run.stderr
