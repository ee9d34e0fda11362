"""A study: the runs a config asks for, and what each workflow job needs to know of the config.

The Snakemake workflow builds its DAG from ``study_runs`` and hands each job only the part
of the config that job depends on (``run_document``, ``data_document``). Snakemake redoes
a job when that part changes, so adding a seed or a variant leaves finished runs alone.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from qrnn.config import TrainingConfig, task_config
from qrnn.io import atomic
from qrnn.io.provenance import git_revision, library_versions
from qrnn.study.resolve import run_config
from qrnn.study.variants import generated_runs, variant_settings, variant_training
from qrnn.tasks.registry import DATA_TASKS, TASK_CLASSES

Run = tuple[str, str, str, int]  # (task, model, variant, seed)


def study_runs(document: dict[str, Any]) -> list[Run]:
    """Every (task, model, variant, seed) of ``study``, in config order; a variant pairs only
    with the models in its ``applies_to``. Raises ConfigError for a bad variant."""
    study = document["study"]
    runs = [
        (task, model, variant, seed)
        for task in study["tasks"]
        for model in study["models"]
        for variant, settings in study["variants"].items()
        if model in settings["applies_to"]
        for seed in study["seeds"]
    ]
    # Then the runs of the ablations and scaling blocks (qrnn.study.variants), each folder once.
    for task, model, variant in dict.fromkeys(run[:3] for run in generated_runs(document)):
        run_config(document, task, model, 0, variant)  # an unmatched size fails here, not in a job
    seen = set(runs)
    return runs + [run for run in dict.fromkeys(generated_runs(document)) if run not in seen]


def run_document(document: dict[str, Any], task: str, model: str, variant: str) -> dict[str, Any]:
    """The smallest config document from which ``qrnn train`` resolves the same run settings
    as from ``document`` (any seed): training (resolved for this task and variant), this task's and this model's sections, and
    this variant restricted to this model. The model's section is the run's resolved
    settings (the task's models and the variant's overrides merged, matched sizes numbers),
    so the job needs no other model's section and is redone only when its own settings
    change, not when, say, the quantum RNN's dtype does. It is given as the task's own
    (tasks.<task>.models), so documents of several tasks merged task by task keep each
    task's settings. The overrides, kept to show what the variant changes, then change
    nothing more; their sizes are the run's numbers."""
    run = run_config(document, task, model, 0, variant)  # raises here, not in the job, if it cannot resolve
    settings = run.to_dict()["model_settings"]
    overrides = variant_settings(document, variant, task)["overrides"].get(model, {})
    overrides = {key: settings[key] if key in ("hidden_size", "n_negative") else value for key, value in overrides.items()}
    task_fields = [field.name for field in dataclasses.fields(TASK_CLASSES[task].config_class)]
    training_fields = [field.name for field in dataclasses.fields(TrainingConfig)]
    # The task's own training keys and a block's max_steps, resolved here, so the job's
    # document needs no tasks.<task>.training (and a change to another task's keys redoes nothing).
    training = variant_training(document, variant, task)
    task_section = {key: document["tasks"][task][key] for key in task_fields} | {"models": {model: settings}}
    return {
        "training": {key: training[key] for key in training_fields},
        "tasks": {task: task_section},
        "study": {"variants": {variant: {"applies_to": [model], "overrides": {model: overrides} if overrides else {}}}},
    }


def data_document(document: dict[str, Any], task: str) -> dict[str, Any]:
    """The part of the config the data of ``task`` depends on: for copying memory its test
    set (all task keys and study.test_sequences), for the real-data tasks their data keys
    (source, split, vocabulary...), not the keys that only change training or scoring."""
    settings = task_config(document, task)
    if task in DATA_TASKS:
        return {"tasks": {task: {key: document["tasks"][task][key] for key in settings.data_keys}}}
    section = {key: value for key, value in document["tasks"][task].items() if key != "models"}  # the test set knows no model
    return {"tasks": {task: section}, "study": {"test_sequences": document["study"]["test_sequences"]}}


def data_folder(task: str) -> str:
    """Where `qrnn prepare-data` writes the data of ``task`` (a DVC-tracked output)."""
    return f"data/{task}"


def curve_reference(document: dict[str, Any], task: str) -> tuple[float, str] | None:
    """(value in nats, legend label) of the reference line of the task's learning curves, if
    it is known without the data: copying's memoryless cross-entropy, a uniform guess over
    the classes; None otherwise (language model, translation)."""
    task_object = TASK_CLASSES[task](task_config(document, task))
    value = task_object.curve_reference()
    return None if value is None else (value, task_object.curve_reference_label)


def reference_metrics(document: dict[str, Any], task: str) -> dict[str, float]:
    """The task's reference scores known without its data (for copying: the memoryless
    cross-entropy, nats per step; for classification: chance accuracy)."""
    return TASK_CLASSES[task](task_config(document, task)).reference_metrics()


def write_study_description(document: dict[str, Any], path: str | Path) -> None:
    """Write the resolved config (every default filled in) as YAML, headed by the software
    that resolved it and the number of runs; it can be passed back as a config file."""
    runs = study_runs(document)
    versions = ", ".join(f"{name} {version}" for name, version in library_versions().items())
    header = (
        "# The resolved configuration of this study (schema defaults filled in).\n"
        f"# {len(runs)} training runs; git revision {git_revision()}\n"
        f"# {versions}\n"
    )
    atomic.write_text(path, header + yaml.safe_dump(document, sort_keys=False))
