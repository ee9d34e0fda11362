"""The smoke study, run once per test session: test_workflow.py checks and reruns it, and
test_slurm.py compares its cluster run against it (a smoke study takes minutes on 2 cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflow.projects import new_project, snakemake


@pytest.fixture(scope="session")
def smoke(tmp_path_factory) -> Path:
    project = new_project(tmp_path_factory.mktemp("smoke"))
    snakemake(project, "--cores", "2", "--configfile", "config/test.yaml", timeout=1800)  # minutes on a busy machine
    return project
