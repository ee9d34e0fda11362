"""Equal-budget learning-rate selection: which tuning runs a config asks for, their settings,
and applying a (task, model)'s choice to a run.

Every (task, model) that the workflow trains gets the same search: one run per value of
``tuning.learning_rates``, of the model's ``default`` study variant, on ``tuning.seed``, with
the task's own training settings (its number of steps and stopping rule). The choice
(qrnn.study.tuning_selection) is ``results/tuning/{task}/{model}.json``; every run of that
(task, model), study, ablation and scaling runs alike, trains at its learning rate
(``qrnn train --hyperparameters``). Only ``training.learning_rate`` is tuned: scoRNN's
``orthogonal_learning_rate`` keeps its configured value.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from qrnn.config import RunConfig, TuningConfig, build_settings
from qrnn.errors import ConfigError, QrnnError
from qrnn.io.result_files import read_result_json
from qrnn.study.runs import run_document, study_runs

TUNED_VARIANT = "default"  # the study variant whose runs choose the learning rate
CHOICE_KEYS = {"task": str, "model": str, "learning_rate": (int, float), "learning_rates": list, "seed": int}


def tuning_settings(document: dict[str, Any]) -> TuningConfig:
    return build_settings(TuningConfig, document["tuning"])


def candidate_name(learning_rate: float) -> str:
    """The folder of the tuning run at ``learning_rate``: named by the value, so that adding a
    value to the grid trains one more run and leaves the others alone."""
    return f"lr{float(learning_rate)!r}"


def candidate_learning_rate(document: dict[str, Any], name: str) -> float:
    """The grid value whose folder is ``name``; ConfigError if the grid has none."""
    grid = tuning_settings(document).learning_rates
    for learning_rate in grid:
        if candidate_name(learning_rate) == name:
            return float(learning_rate)
    raise ConfigError(f"no value of tuning.learning_rates {list(grid)} has the tuning-run folder {name!r}")


def tuning_folder(task: str, model: str) -> str:
    """Where the tuning runs of (task, model) live, one sub-folder per grid value."""
    return f"results/tuning/{task}/{model}"


def choice_path(task: str, model: str) -> str:
    """The chosen learning rate of (task, model): an input of all its training runs."""
    return f"{tuning_folder(task, model)}.json"


def tuned_pairs(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (task, model) the workflow trains (study, ablation and scaling runs), in config
    order; none when tuning is off. ConfigError if a model lacks the variant tuned on."""
    if not tuning_settings(document).enabled:
        return []
    pairs = list(dict.fromkeys((task, model) for task, model, _, _ in study_runs(document)))
    variants = document["study"]["variants"]
    for _, model in pairs:
        if TUNED_VARIANT not in variants or model not in variants[TUNED_VARIANT]["applies_to"]:
            raise ConfigError(f"tuning.enabled: tuning trains study variant {TUNED_VARIANT!r}, which study.variants does not define for model {model!r}")
    return pairs


def tuning_runs(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(task, model, candidate folder name) of every tuning run."""
    grid = tuning_settings(document).learning_rates
    return [(task, model, candidate_name(rate)) for task, model in tuned_pairs(document) for rate in grid]


def candidate_document(document: dict[str, Any], task: str, model: str, learning_rate: float) -> dict[str, Any]:
    """The smallest config document from which ``qrnn train --seed <tuning.seed>`` resolves
    the tuning run at ``learning_rate`` (qrnn.study.runs.run_document with the value set)."""
    candidate = run_document(document, task, model, TUNED_VARIANT)
    candidate["training"]["learning_rate"] = learning_rate
    return candidate


def read_choice(path: str | Path) -> dict[str, Any]:
    """A choice file written by qrnn.study.tuning_selection; QrnnError naming it if malformed."""
    choice = read_result_json(path, CHOICE_KEYS)
    rate = choice["learning_rate"]
    if isinstance(rate, bool) or not math.isfinite(rate) or rate <= 0:
        raise QrnnError(f"{path}: learning_rate {rate!r} is not a positive finite number")
    return choice


def apply_choice(run: RunConfig, path: str | Path) -> RunConfig:
    """``run`` with the learning rate chosen in ``path``, refused (QrnnError) when the file
    was made for another task or model; the run's config.json then records the choice."""
    choice = read_choice(path)
    if (choice["task"], choice["model"]) != (run.task, run.model):
        raise QrnnError(f"{path} holds the learning rate chosen for {choice['task']}/{choice['model']}, not for {run.task}/{run.model}")
    return dataclasses.replace(run, training=dataclasses.replace(run.training, learning_rate=float(choice["learning_rate"])))
