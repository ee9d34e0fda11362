# Config validation, the list of runs and the input functions; the other rule files hold
# rules only. Which runs exist is decided by the library (qrnn.study.runs), not here.

import json
import os
import sys
from pathlib import Path

from qrnn.config import MODELS, TASKS, read_yaml
from qrnn.config import validate as resolve_config
from qrnn.tasks.registry import DATA_TASKS
from qrnn.study.ablations import ablation_runs
from qrnn.study.scaling import scaling_runs
from qrnn.study.runs import curve_reference, data_document, data_folder, run_document, study_runs
from qrnn.study.tuning import TUNED_VARIANT, candidate_document, candidate_learning_rate, candidate_name, choice_path, tuned_pairs, tuning_folder


# Snakemake reads the config files with plain PyYAML, which keeps the last of two equal
# keys without a word; read each again strictly (duplicate keys, UTF-8) for the error.
for config_path in workflow.configfiles:
    read_yaml(Path(config_path).read_bytes(), str(config_path))
# Validated once, by the library: the schema (workflow/schemas/config.schema.yaml), its
# defaults, finite numbers, and what a schema cannot express (every variant's overrides,
# merged into `models`, must still satisfy it).
STUDY = resolve_config(config, source="workflow config")
RUNS = study_runs(STUDY)
# The (task, model) pairs whose learning rate is tuned (rules/tuning.smk); none when tuning is off.
TUNED_PAIRS = tuned_pairs(STUDY)

TRAIN = STUDY["resources"]["train"]
EVALUATE = STUDY["resources"]["evaluate"]

# What every job besides training and evaluation asks for (data, tables, figures, the study
# description): the config's resources.small_jobs, named as Snakemake names them. Rules take
# it with `resources: **SMALL_JOB_RESOURCES`. Snakemake's own defaults cannot carry it: a
# Snakefile has no default-resources directive, and the expressions of --default-resources
# (and of a profile's default-resources) see a job's wildcards, input, threads and attempt,
# but not the config. Explicit rule resources also win over a profile's defaults, so the
# SLURM profile's mem_mb and runtime stay a fallback for rules that declare none.
SMALL_JOB_RESOURCES = {
    "mem_mb": STUDY["resources"]["small_jobs"]["mem_mb"],
    "runtime": STUDY["resources"]["small_jobs"]["runtime_minutes"],
}

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
    candidate=r"lr[0-9.e+-]+",  # a tuning run's folder, named by its learning rate (qrnn.study.tuning.candidate_name)


def device(resources):
    return "cuda" if resources["gpus"] > 0 else "cpu"


# The scaling runs have their own table (rules/scaling.smk); the task's table and learning
# curves hold the study's and the ablations' runs.
SCALING_RUNS = set(scaling_runs(STUDY))


def run_folders(task):
    return [f"results/runs/{t}/{model}/{variant}/{seed}" for t, model, variant, seed in RUNS if t == task and (t, model, variant, seed) not in SCALING_RUNS]


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


def tuning_run_settings(wildcards):
    """A tuning run's settings: the task's training settings at the grid value its folder names."""
    rate = candidate_learning_rate(STUDY, wildcards.candidate)
    return json.dumps(candidate_document(STUDY, wildcards.task, wildcards.model, rate), sort_keys=True)


def tuned_choice(wildcards):
    """The learning rate chosen for the run's task and model: an input of its training when tuning is on."""
    return [choice_path(wildcards.task, wildcards.model)] if (wildcards.task, wildcards.model) in TUNED_PAIRS else []


def hyperparameters_option(wildcards, input):
    return f"--hyperparameters {input.hyperparameters}" if input.hyperparameters else ""


def tuning_candidates(task, model):
    """The folders of the tuning runs of (task, model), one per value of the grid."""
    return [f"{tuning_folder(task, model)}/{candidate_name(rate)}" for rate in STUDY["tuning"]["learning_rates"]]


def tuning_files(name):
    """Input function: file `name` of every tuning run of the job's task and model."""

    def files(wildcards):
        return [f"{folder}/{name}" for folder in tuning_candidates(wildcards.task, wildcards.model)]

    return files


def data_settings(wildcards):
    return json.dumps(data_document(STUDY, wildcards.task), sort_keys=True)


def study_settings(wildcards):
    return json.dumps(STUDY, sort_keys=True)


def curve_reference_options(wildcards):
    """The learning-curve figure's reference line, for tasks that have one without their data."""
    reference = curve_reference(STUDY, wildcards.task)
    if reference is None:
        return ""
    value, label = reference
    return f"--reference {value!r} --reference-label {json.dumps(label)}"


def data_manifest(wildcards):
    """The manifest of the task's data folder (written last by `qrnn prepare-data`)."""
    return f"{data_folder(wildcards.task)}/manifest.json"


def train_data(wildcards):
    """Real-data tasks train on their processed data; copying memory draws its own sequences."""
    return [data_manifest(wildcards)] if wildcards.task in DATA_TASKS else []


def train_data_option(wildcards):
    return f"--data {data_folder(wildcards.task)}" if wildcards.task in DATA_TASKS else ""


def ablation_folders(task):
    """Run folders of the ablation study (config.ablations) on ``task``, `full` among them."""
    return [f"results/runs/{t}/{m}/{v}/{s}" for t, m, v, s in ablation_runs(STUDY) if t == task]


def scaling_folders():
    """Run folders of the scaling study (config.scaling), for its table."""
    return [f"results/runs/{t}/{m}/{v}/{s}" for t, m, v, s in RUNS if (t, m, v, s) in SCALING_RUNS]


# Every run's evaluation is a target in its own right: runs are results (kept and versioned),
# not intermediates that Snakemake would leave missing while the tables are up to date.
def final_outputs():
    tasks = STUDY["study"]["tasks"]
    scaling = STUDY["scaling"]  # ablation and scaling runs may be on tasks outside study.tasks
    return [
        *(f"results/runs/{t}/{m}/{v}/{s}/evaluation.json" for t, m, v, s in RUNS),
        *(["results/tables/scaling.csv", "results/tables/scaling.md"] if scaling["enabled"] else []),
        *(["results/tables/tuning.csv", "results/tables/tuning.md"] if TUNED_PAIRS else []),
        *(expand("results/figures/scaling_{task}.{ext}", task=scaling["tasks"] if scaling["enabled"] else [], ext=["png", "pdf"])),
        *expand("results/tables/{task}.{ext}", task=tasks, ext=["csv", "md", "json"]),
        *expand("results/tables/{task}_curves{kind}.csv", task=tasks, kind=["", "_mean"]),
        *expand("results/figures/{task}_learning_curves.{ext}", task=tasks, ext=["png", "pdf"]),
        "results/report/study.yaml",
        *analysis_outputs(),  # defined in analysis.smk
        *noise_outputs(),  # workflow/rules/noise.smk, when the noise / hardware sections are enabled
    ]
