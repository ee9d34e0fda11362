"""Every job asks for the resources the config's `resources` section gives its kind of
job (training, evaluation, small jobs), run without a profile or through either profile:
the SLURM profile's default-resources are only a fallback for rules that declare none."""

from __future__ import annotations

import pytest

from tests.workflow.projects import REPOSITORY, job_resources, new_project, snakemake

pytestmark = pytest.mark.workflow
# Values no shipped config or profile uses, so each job's numbers show where they came from.
RESOURCES = {
    "train": {"cpus": 1, "mem_mb": 3001, "runtime_minutes": 301, "gpus": 0},
    "evaluate": {"cpus": 1, "mem_mb": 2002, "runtime_minutes": 202, "gpus": 0},
    "small_jobs": {"mem_mb": 1003, "runtime_minutes": 103},
}
TRAINING_RULES = {"train", "compute_cost"}
EVALUATION_RULES = {"evaluate", "evaluate_translation", "evaluate_noise", "evaluate_hardware", "hidden_state_dynamics", "gradient_norms"}


def expected(rule: str) -> dict[str, str]:
    kind = "train" if rule in TRAINING_RULES else "evaluate" if rule in EVALUATION_RULES else "small_jobs"
    return {"mem_mb": str(RESOURCES[kind]["mem_mb"]), "runtime": str(RESOURCES[kind]["runtime_minutes"])}


@pytest.mark.parametrize("profile", [None, "local", "slurm"])
def test_every_job_asks_for_its_kind_of_resources_from_the_config(tmp_path, profile):
    project = new_project(tmp_path, resources=RESOURCES)
    options = ["--workflow-profile", str(REPOSITORY / "workflow" / "profiles" / profile)] if profile else ["--cores", "1"]
    jobs = job_resources(snakemake(project, "--dry-run", *options, "--configfile", "config/test.yaml"))
    rules = {rule for rule, _ in jobs}
    assert {"train", "evaluate", "prepare_data", "aggregate", "hardware_figure", "describe_study"} <= rules
    for rule, resources in jobs:
        if rule != "all":  # the target rule runs no command
            assert {name: resources.get(name) for name in ("mem_mb", "runtime")} == expected(rule), rule
