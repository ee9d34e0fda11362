# Config validation, the list of runs and the input functions; the other rule files hold
# rules only. Which runs exist is decided by the library (qrnn.study), not here.

import json
import os
import sys
from pathlib import Path

from snakemake.utils import validate

from qrnn.config import MODELS, TASKS
from qrnn.config import validate as resolve_config
from qrnn.study import data_document, reference_metrics, run_document, study_runs


validate(config, schema="../schemas/config.schema.yaml", set_default=True)
# The library fills in the same defaults and checks what a schema cannot express: every
# variant's overrides, merged into `models`, must still satisfy the schema.
STUDY = resolve_config(config, source="workflow config")
RUNS = study_runs(STUDY)

TRAIN = STUDY["resources"]["train"]
EVALUATE = STUDY["resources"]["evaluate"]
SMALL_JOB = STUDY["resources"]["small_jobs"]

# The software of every job, used with --use-conda (run from the repository root then).
CONDA_ENVIRONMENT = "../envs/qrnn.yaml"

# Jobs find `qrnn` on PATH. Put the Python environment running Snakemake first, so jobs
# use the same qrnn that built this DAG, even when that environment is not activated.
envvars:
    "PATH",


SEARCH_PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
os.environ["PATH"] = SEARCH_PATH


wildcard_constraints:
    task="|".join(TASKS),
    model="|".join(MODELS),
    variant="[a-z0-9_]+",
    seed=r"\d+",


def device(resources):
    return "cuda" if resources["gpus"] > 0 else "cpu"


def run_folders(task):
    return [f"results/runs/{t}/{model}/{variant}/{seed}" for t, model, variant, seed in RUNS if t == task]


def run_files(name):
    """Input function: file `name` of every run folder of the job's task."""

    def files(wildcards):
        return [f"{folder}/{name}" for folder in run_folders(wildcards.task)]

    return files


# The settings are passed to `qrnn` as params, so Snakemake (rerun trigger "params") redoes
# exactly the jobs whose own part of the config changed.
def run_settings(wildcards):
    document = run_document(STUDY, wildcards.task, wildcards.model, wildcards.variant)
    return json.dumps(document, sort_keys=True)


def data_settings(wildcards):
    return json.dumps(data_document(STUDY, wildcards.task), sort_keys=True)


def study_settings(wildcards):
    return json.dumps(STUDY, sort_keys=True)


def memoryless_reference(wildcards):
    return reference_metrics(STUDY, wildcards.task)["memoryless_cross_entropy"]


# Every run's evaluation is a target in its own right: runs are results (kept and versioned),
# not intermediates that Snakemake would leave missing while the tables are up to date.
def final_outputs():
    tasks = STUDY["study"]["tasks"]
    return [
        *(f"{folder}/evaluation.json" for task in tasks for folder in run_folders(task)),
        *expand("results/tables/{task}.{ext}", task=tasks, ext=["csv", "md", "json"]),
        *expand("results/tables/{task}_curves{kind}.csv", task=tasks, kind=["", "_mean"]),
        *expand("results/figures/{task}_learning_curves.{ext}", task=tasks, ext=["png", "pdf"]),
        "results/report/study.yaml",
        *noise_outputs(),  # workflow/rules/noise.smk, when the noise / hardware sections are enabled
    ]
