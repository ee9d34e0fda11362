"""Typed settings of the `noise` and `hardware` config sections (defaults live in the schema)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from qrnn.errors import ConfigError


@dataclass(frozen=True)
class NoiseSettings:
    enabled: bool
    variant: str
    seeds: tuple[int, ...]
    test_sequences: int
    seed: int
    shots: tuple[int, ...]
    channels: tuple[str, ...]
    strengths: tuple[float, ...]
    trajectories: int
    measurement_registers: int
    measurement_strengths: tuple[float, ...]
    readout_errors: tuple[float, ...]
    readout_error_shots: int


@dataclass(frozen=True)
class HardwareSettings:
    enabled: bool
    backend: str
    variant: str
    seeds: tuple[int, ...]
    protocols: tuple[str, ...]
    test_sequences: int
    shots: int
    seed: int
    optimization_level: int
    resource_shots: int
    repetition_delay_us: float


def _build(cls, values: dict[str, Any], section: str):
    try:
        return cls(**{f.name: tuple(values[f.name]) if isinstance(values[f.name], list) else values[f.name] for f in dataclasses.fields(cls)})
    except KeyError as error:
        raise ConfigError(f"{section}: missing key {error}; validate the config first") from None


def noise_settings(document: dict[str, Any]) -> NoiseSettings:
    return _build(NoiseSettings, document["noise"], "noise")


def hardware_settings(document: dict[str, Any]) -> HardwareSettings:
    return _build(HardwareSettings, document["hardware"], "hardware")


# The noisy forward pass and the Qiskit export score a task through its fixed test set of
# token sequences and its per-step metrics: copying memory. The real-data tasks own their
# evaluation (qrnn/tasks/*) and are not wired to the noisy core yet.
NOISE_TASKS = ("copying",)


def noise_tasks(document: dict[str, Any]) -> list[str]:
    """The study's tasks that the noise and hardware sections evaluate."""
    return [task for task in document["study"]["tasks"] if task in NOISE_TASKS]


def evaluated_runs(document: dict[str, Any], section: str) -> list[tuple[str, str, str, int]]:
    """(task, "qrnn", variant, seed) of the runs the `noise` or `hardware` section evaluates;
    each must be a run of the study."""
    settings = document[section]
    study = document["study"]
    if "qrnn" not in study["models"]:
        raise ConfigError(f"{section}: evaluates quantum-RNN runs, but study.models has no qrnn")
    variant = settings["variant"]
    if variant not in study["variants"] or "qrnn" not in study["variants"][variant]["applies_to"]:
        raise ConfigError(f"{section}.variant: {variant!r} is not a variant of study.variants that applies to qrnn")
    missing = sorted(set(settings["seeds"]) - set(study["seeds"]))
    if missing:
        raise ConfigError(f"{section}.seeds: seed {missing[0]} is not one of study.seeds {study['seeds']}")
    return [(task, "qrnn", variant, seed) for task in noise_tasks(document) for seed in settings["seeds"]]


def noise_and_hardware_jobs(document: dict[str, Any]) -> int:
    """Jobs of workflow/rules/noise.smk: one evaluation per evaluated run and one figure job
    per task for each enabled section, plus the hardware resource table."""
    tasks = len(noise_tasks(document))
    if tasks == 0:
        return 0
    jobs = 0
    if document["noise"]["enabled"]:
        jobs += len(evaluated_runs(document, "noise")) + tasks
    if document["hardware"]["enabled"]:
        jobs += len(evaluated_runs(document, "hardware")) + tasks + 1
    return jobs
