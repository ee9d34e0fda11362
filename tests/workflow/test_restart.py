"""scripts/reproduce started again, with the very same command, after Snakemake and its jobs
were SIGKILLed in the middle of the smoke study: the lock the killed Snakemake left is
cleared without a manual `snakemake --unlock`, half-trained runs resume, and every table
equals the uninterrupted smoke study's (the `smoke` fixture, conftest.py)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.workflow.projects import REPOSITORY, new_project

pytestmark = [pytest.mark.workflow, pytest.mark.slow]
# Cells that differ between any two runs: how long a job took, and which commit it ran
# (the same here, but a table is no worse for being compared without it).
VARYING = ("wall_time", "git_revision")


def reproduce_command(project: Path) -> list[str]:
    return [
        str(REPOSITORY / "scripts" / "reproduce"), "--cores", "2", "--snakefile", str(REPOSITORY / "workflow" / "Snakefile"),
        "--directory", str(project), "--configfile", str(project / "config" / "test.yaml"),
    ]


def without_varying(value):
    """``value`` (parsed JSON) without the keys, at any depth, that name a varying quantity."""
    if isinstance(value, dict):
        return {key: without_varying(item) for key, item in value.items() if not any(name in key for name in VARYING)}
    if isinstance(value, list):
        return [without_varying(item) for item in value]
    return value


def table_cells(path: Path):
    if path.suffix == ".json":
        return without_varying(json.loads(path.read_text()))
    with path.open(newline="") as table:
        return without_varying(list(csv.DictReader(table)))


def tables(project: Path) -> dict[str, object]:
    folder = project / "results" / "tables"
    return {str(path.relative_to(folder)): table_cells(path) for path in sorted(folder.rglob("*")) if path.suffix in (".csv", ".json")}


def half_trained(runs: Path) -> list[Path]:
    """Run folders past a checkpoint but without their final metrics."""
    return [path.parent for path in runs.glob("*/*/*/*/checkpoint.pt") if not (path.parent / "metrics.json").exists()]


def kill_when_half_done(project: Path, command: list[str]) -> None:
    """Start ``command`` and SIGKILL its whole process group (Snakemake and its jobs) once
    a training run has finished and another is half trained."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    runs = project / "results" / "runs"
    deadline = time.monotonic() + 900
    try:
        while not (any(runs.glob("*/*/*/*/metrics.json")) and half_trained(runs)):
            assert process.poll() is None, "the study ended before it could be killed"
            assert time.monotonic() < deadline, "no run was half trained after 15 minutes"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_reproduce_started_again_after_a_sigkill_clears_the_stale_lock_and_ends_with_the_same_tables(tmp_path, smoke):
    project = new_project(tmp_path)
    command = reproduce_command(project)
    kill_when_half_done(project, command)
    assert list((project / ".snakemake" / "locks").glob("*.lock")), "the killed Snakemake left no lock: nothing was tested"
    interrupted = half_trained(project / "results" / "runs")
    assert interrupted

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=1500)
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-4000:]
    assert f"clear-stale-lock: removed the lock a killed Snakemake left in {project}" in rerun.stdout
    for folder in interrupted:
        assert "resuming from" in (folder / "train.log").read_text(), folder
    assert (project / "results" / "report.html").stat().st_size > 0
    assert not list((project / ".snakemake" / "locks").glob("*.lock"))
    expected = tables(smoke)
    assert expected and tables(project).keys() == expected.keys()
    for name, cells in tables(project).items():
        assert cells == expected[name], name
