"""Typed settings of the `noise` and `hardware` config sections (defaults live in the schema)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from qrnn.errors import ConfigError


@dataclass(frozen=True)
class NoiseSettings:
    enabled: bool
    tasks: tuple[str, ...] | None  # None: every task of study.tasks
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
    tasks: tuple[str, ...] | None  # None: every task of study.tasks
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


def noise_tasks(document: dict[str, Any], section: str = "noise") -> list[str]:
    """The study's tasks that the `noise` or `hardware` section evaluates (its `tasks`, null:
    every task of study.tasks), in the order of study.tasks."""
    study_tasks = document["study"]["tasks"]
    chosen = document[section].get("tasks")
    if chosen is None:
        return list(study_tasks)
    unknown = [task for task in chosen if task not in study_tasks]
    if unknown:
        raise ConfigError(f"{section}.tasks: {unknown[0]!r} is not one of study.tasks {study_tasks}")
    return [task for task in study_tasks if task in chosen]


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
    return [(task, "qrnn", variant, seed) for task in noise_tasks(document, section) for seed in settings["seeds"]]


def noise_and_hardware_jobs(document: dict[str, Any]) -> int:
    """Jobs of workflow/rules/noise.smk: one evaluation per evaluated run, and per evaluated
    task two noise figures (shots, strength) or one hardware figure, plus the hardware
    resource table."""
    jobs = 0
    if document["noise"]["enabled"] and noise_tasks(document, "noise"):
        jobs += len(evaluated_runs(document, "noise")) + 2 * len(noise_tasks(document, "noise"))
    if document["hardware"]["enabled"] and noise_tasks(document, "hardware"):
        jobs += len(evaluated_runs(document, "hardware")) + len(noise_tasks(document, "hardware")) + 1
    return jobs
