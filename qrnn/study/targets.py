"""Which analysis tables and figures a study gets: shared by workflow/rules/analysis_inputs.smk
(the targets) and qrnn.study.estimate.job_count (the jobs), so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from qrnn.noise.settings import evaluated_runs, noise_tasks
from qrnn.study.runs import study_runs
from qrnn.study.scaling import scaling_runs

GRADIENT_TASKS = ("copying", "pmnist")  # the tasks for ||dL/dh_t|| (pmnist when the study has it)


def ablation_variants(document: dict[str, Any]) -> dict[str, set[str]]:
    """Per task of study.tasks with more than one quantum-RNN variant: the variants of the
    ablation table. Scaling points are left out (they have their own table), and so is
    `default` when the ablation study's `full` (the same model) is there to compare against."""
    scaling = set(scaling_runs(document))
    runs = [run for run in study_runs(document) if run[1] == "qrnn" and run not in scaling]
    variants = {task: {v for t, _, v, _ in runs if t == task} for task in document["study"]["tasks"]}
    for names in variants.values():
        if {"default", "full"} <= names:
            names.discard("default")
    return {task: names for task, names in variants.items() if len(names) > 1}


def attention_models(document: dict[str, Any]) -> list[str]:
    """Models whose translation attention heatmap the study draws (one run each): every model with
    translation runs, when translation is a study task and its evaluation writes attention weights."""
    if "translation" not in document["study"]["tasks"] or document["tasks"]["translation"]["attention_examples"] == 0:
        return []
    trained = {model for task, model, _, _ in study_runs(document) if task == "translation"}
    return [model for model in document["study"]["models"] if model in trained]


def noise_table_tasks(document: dict[str, Any]) -> list[str]:
    """Tasks that get a noise table (workflow/rules/noise_table.smk): those with noise sweeps."""
    if not document["noise"]["enabled"] or not evaluated_runs(document, "noise"):
        return []
    return noise_tasks(document)


def analysis_job_count(document: dict[str, Any]) -> int:
    """Jobs of workflow/rules/analysis.smk and noise_table.smk for this study."""
    tasks = document["study"]["tasks"]
    models = set(document["study"]["models"])
    jobs = len(tasks)  # main table, verdict and provenance per task
    jobs += 2 if ablation_variants(document) else 0  # ablation table, ablation figure
    jobs += 3 if "qrnn" in models and "copying" in tasks else 0  # hidden-state CSV, two figures
    jobs += 2 * sum(task in GRADIENT_TASKS for task in tasks)  # gradient-norm CSV and figure
    jobs += 2 if {"qrnn", "lstm"} <= models else 0  # compute-cost CSV and figure
    jobs += len(attention_models(document))  # one attention heatmap per model
    jobs += len(noise_table_tasks(document))  # one noise table per task with noise sweeps
    return jobs
