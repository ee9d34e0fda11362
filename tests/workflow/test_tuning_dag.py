"""The learning-rate selection in the DAG: with tuning on, every (task, model) has one tuning
run per grid value and a choice file, and each training run takes its pair's choice as input."""

from __future__ import annotations

import re

import pytest
import yaml

from qrnn.config import load_config
from qrnn.study.estimate import job_count
from tests.workflow.projects import job_counts, new_project, snakemake

pytestmark = pytest.mark.workflow
GRID = [0.003, 0.01, 0.03]


def test_training_runs_depend_on_their_pairs_choice_which_depends_on_the_tuning_runs(tmp_path):
    project = new_project(tmp_path, tuning={"enabled": True, "learning_rates": GRID, "seed": 1000})
    output = snakemake(project, "-n", "--configfile", "config/test.yaml")
    counts = job_counts(output)
    models = yaml.safe_load((project / "config" / "test.yaml").read_text())["study"]["models"]
    assert (counts["tune_train"], counts["tune_select"], counts["tuning_table"]) == (len(GRID) * len(models), len(models), 1)
    assert job_count(load_config(project / "config" / "test.yaml")) == sum(counts.values()) - 1  # `all` is no job
    blocks = re.split(r"\n(?=rule \w+:\n)", output)
    trains = [block for block in blocks if block.startswith("rule train:")]
    assert len(trains) == counts["train"]
    for block in trains:
        model = re.search(r"model=(\w+)", block)[1]
        assert f"results/tuning/copying/{model}.json" in re.search(r"^\s+input: (.*)$", block, re.MULTILINE)[1], block
    for block in (block for block in blocks if block.startswith("rule tune_select:")):
        model = re.search(r"model=(\w+)", block)[1]
        assert all(f"results/tuning/copying/{model}/lr{rate!r}/metrics.json" in block for rate in GRID), block
