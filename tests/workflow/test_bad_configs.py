"""Configs the workflow must refuse before any job runs, naming the file, line or key."""

from __future__ import annotations

import pytest

from tests.workflow.projects import new_project, snakemake

pytestmark = pytest.mark.workflow


def test_a_key_given_twice_in_a_config_file_is_named_with_its_line(tmp_path):
    project = new_project(tmp_path)
    text = (project / "config" / "test.yaml").read_text()
    (project / "config" / "test.yaml").write_text(text + "training:\n  max_steps: 3\n")  # a second `training:` block
    output = snakemake(project, "-n", "--configfile", "config/test.yaml", check=False)
    assert "config/test.yaml: line" in output and "key 'training' given twice" in output, output[-3000:]
    assert "Job stats" not in output


def test_a_backend_name_cannot_reach_the_shell(tmp_path):
    project = new_project(tmp_path, hardware={"enabled": True, "backend": "FakeManilaV2; touch INJECTED"})
    output = snakemake(project, "-n", "--configfile", "config/test.yaml", check=False)
    assert "hardware.backend" in output and "does not match" in output, output[-3000:]
    assert not (project / "INJECTED").exists()
