"""The workflow makes the noise and hardware outputs when their config sections are enabled."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
NOISE_JOBS = ["evaluate_noise", "evaluate_hardware", "hardware_resources", "noise_shots_figure", "noise_strength_figure", "hardware_figure"]
OUTPUTS = [
    "results/figures/copying_noise_shots.png",
    "results/figures/copying_noise_strength.pdf",
    "results/figures/copying_hardware_readout_error.png",
    "results/tables/hardware_resources.csv",
    "results/tables/hardware_resources.md",
]


def _snakemake(project: Path, *arguments: str) -> str:
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["snakemake", "--snakefile", str(REPOSITORY / "workflow" / "Snakefile"), "--directory", str(project), *arguments],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=600, env=environment,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


@pytest.mark.workflow
@pytest.mark.parametrize("enabled", [True, False])
def test_default_config_schedules_the_noise_and_hardware_jobs_only_when_enabled(tmp_path, enabled):
    config = yaml.safe_load((REPOSITORY / "config" / "config.yaml").read_text())
    config["noise"]["enabled"] = config["hardware"]["enabled"] = enabled
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    output = _snakemake(tmp_path, "--dry-run", "--configfile", str(tmp_path / "config.yaml"))
    for job in NOISE_JOBS:
        assert (f"rule {job}:" in output) == enabled, job
    if enabled:
        assert all(name in output for name in OUTPUTS)


@pytest.mark.slow
def test_smoke_config_produces_the_noise_and_hardware_figures_and_resource_table(tmp_path):
    config = yaml.safe_load((REPOSITORY / "config" / "smoke.yaml").read_text())
    config["study"]["models"] = ["qrnn"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    # targets first: --configfile takes every argument after it (snakemake 9)
    _snakemake(tmp_path, *OUTPUTS, "--cores", "2", "--configfile", str(tmp_path / "config.yaml"))
    for name in OUTPUTS:
        assert (tmp_path / name).stat().st_size > 0, name
    rows = list(csv.DictReader((tmp_path / "results/tables/hardware_resources.csv").open()))
    assert [r["protocol"] for r in rows] == ["repreparation", "midcircuit"]
    assert int(rows[0]["test_sequences"]) == config["study"]["test_sequences"]
