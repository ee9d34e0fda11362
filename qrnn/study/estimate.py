"""What a study costs: jobs, core-hours and GPU-hours, from timings measured on this machine.

Each distinct (task, model, variant) of the study is built at its configured size and
timed for a few training steps (forward, backward, optimizer) and a few held-out
forwards, with the thread count a training job gets (``resources.train.cpus``). A run
then costs max_steps x step time + its periodic evaluations + process start-up (an upper
bound for runs that stop on a plateau earlier), the test-set
evaluation job costs its forwards + start-up, and the per-task jobs (test data, table,
figure) are counted at start-up cost. Times are CPU times of this machine; on a GPU
(``resources.train.gpus`` > 0) a run is usually faster, so GPU-hours are an upper bound.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from qrnn.errors import QrnnError
from qrnn.models.factory import build_task_model
from qrnn.noise.settings import noise_and_hardware_jobs
from qrnn.study.resolve import run_config
from qrnn.study.runs import data_folder, study_runs
from qrnn.study.targets import analysis_job_count
from qrnn.study.tuning import TUNED_VARIANT, tuned_pairs, tuning_runs
from qrnn.tasks.registry import DATA_TASKS, build_task
from qrnn.training.loop import build_optimizers

# Jobs per task besides the runs' own (train, evaluate): test data, table, learning-curve
# figure; plus one study description. Mirrors workflow/rules/ (the workflow tests compare
# job_count with `snakemake --dry-run`).
JOBS_PER_TASK = 3
JOBS_PER_STUDY = 1


def job_count(document: dict[str, Any]) -> int:
    """Jobs the workflow runs for this study (the target rule `all` aside)."""
    runs = study_runs(document)
    other_tasks = {task for task, *_ in runs} - set(document["study"]["tasks"])  # ablation/scaling tasks: test data only
    scaling = document["scaling"]  # one table, one figure per task
    scaling_jobs = 1 + len(scaling["tasks"]) if scaling["enabled"] else 0
    pairs = tuned_pairs(document)  # a training job per grid value, a choice per pair, one tuning table
    tuning_jobs = len(tuning_runs(document)) + len(pairs) + (1 if pairs else 0)
    return (
        2 * len(runs) + len(document["study"]["tasks"]) * JOBS_PER_TASK + len(other_tasks) + scaling_jobs + JOBS_PER_STUDY
        + noise_and_hardware_jobs(document) + analysis_job_count(document) + tuning_jobs
    )


@dataclass(frozen=True)
class RunCost:
    task: str
    model: str
    variant: str
    n_runs: int
    seconds_per_step: float
    train_seconds: float  # one run, start-up included
    evaluate_seconds: float  # its test-set evaluation job, start-up included


def start_up_seconds() -> float:
    """Wall time of a fresh `qrnn` process importing the training code (every job pays it)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import qrnn.training.loop, qrnn.evaluate.clean"], check=True)
    return time.perf_counter() - started


def time_run(document: dict[str, Any], task_name: str, model_name: str, variant: str, steps: int) -> tuple[float, float]:
    """Seconds per training step and per forward pass of one batch without gradients, median
    of ``steps``. Real-data tasks are timed on their prepared data (data/<task>/)."""
    run = run_config(document, task_name, model_name, 0, variant)
    data_dir = None
    if task_name in DATA_TASKS:
        data_dir = Path(data_folder(task_name))
        if not (data_dir / "manifest.json").is_file():
            raise QrnnError(
                f"qrnn estimate times {task_name} runs on their data, and {data_dir / 'manifest.json'} is missing: "
                f"write it first (`snakemake --workflow-profile workflow/profiles/local --until prepare_data`)"
            )
    task = build_task(run, data_dir)
    torch.manual_seed(0)
    model = build_task_model(model_name, run.model_settings, task)
    optimizers = build_optimizers(model, run)
    device = torch.device("cpu")
    step_times, forward_times = [], []
    for index in range(steps + 1):  # the first step warms up allocators and caches
        started = time.perf_counter()
        loss = task.training_loss(model, run.training.batch_size, torch.Generator().manual_seed(index), device)
        for optimizer in optimizers:
            optimizer.zero_grad(set_to_none=True)
        loss.backward()
        for optimizer in optimizers:
            optimizer.step()
        middle = time.perf_counter()
        with torch.no_grad():
            task.training_loss(model, run.training.batch_size, torch.Generator().manual_seed(index), device)
        if index > 0:
            step_times.append(middle - started)
            forward_times.append(time.perf_counter() - middle)
    return sorted(step_times)[len(step_times) // 2], sorted(forward_times)[len(forward_times) // 2]


def estimate(document: dict[str, Any], calibration_steps: int = 3, progress: bool = True) -> dict[str, Any]:
    """Jobs and costs of the study in ``document`` (a validated config)."""
    runs = study_runs(document)
    resources = document["resources"]
    cpus = resources["train"]["cpus"]
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(cpus)
    start_up = start_up_seconds()
    groups: dict[tuple[str, str, str], int] = {}
    for task, model, variant, _seed in runs:
        groups[(task, model, variant)] = groups.get((task, model, variant), 0) + 1
    tuning = {(task, model, TUNED_VARIANT): len(document["tuning"]["learning_rates"]) for task, model in tuned_pairs(document)}
    for group in tuning:
        groups.setdefault(group, 0)  # timed even when only its tuning runs train
    costs = []
    try:
        for (task, model, variant), n_runs in tqdm(groups.items(), desc="timing", disable=not progress):
            step, forward = time_run(document, task, model, variant, calibration_steps)
            training = run_config(document, task, model, 0, variant).training  # the task's and the block's keys applied
            evaluations = training.max_steps // training.eval_every * training.eval_batches
            test_batches = math.ceil(document["study"]["test_sequences"] / training.batch_size)
            costs.append(RunCost(
                task, model, variant, n_runs, step,
                train_seconds=training.max_steps * step + evaluations * forward + start_up,
                evaluate_seconds=test_batches * forward + start_up,
            ))
    finally:
        torch.set_num_threads(previous_threads)
    n_tasks = len(document["study"]["tasks"])
    per_task_seconds = (n_tasks * JOBS_PER_TASK + JOBS_PER_STUDY) * start_up
    run_seconds = sum(cost.n_runs * (cost.train_seconds + cost.evaluate_seconds) for cost in costs)
    tuning_seconds = sum(tuning.get((cost.task, cost.model, cost.variant), 0) * cost.train_seconds for cost in costs)  # not evaluated
    run_seconds += tuning_seconds
    gpus = resources["train"]["gpus"]
    return {
        "jobs": job_count(document),
        "training_runs": len(runs),
        "tuning_runs": len(tuning_runs(document)),
        "core_hours": (run_seconds * cpus + per_task_seconds) / 3600,
        "gpu_hours": (sum(cost.n_runs * cost.train_seconds for cost in costs) + tuning_seconds) * gpus / 3600,
        "threads_per_job": cpus,
        "start_up_seconds": start_up,
        "machine": machine_description(),
        "runs": [cost.__dict__ for cost in costs],
    }


def machine_description() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, torch {torch.__version__}"


def format_estimate(result: dict[str, Any]) -> str:
    lines = [
        f"{result['jobs']} jobs ({result['training_runs']} training runs, as many evaluations, {result['tuning_runs']} tuning runs, and per-task jobs)",
        f"timed on {result['machine']} with {result['threads_per_job']} thread(s) per job; "
        f"job start-up {result['start_up_seconds']:.1f} s",
        "",
        f"{'task':<10} {'model':<7} {'variant':<20} {'runs':>5} {'s/step':>8} {'h/run':>8} {'core-h':>9}",
    ]
    for cost in result["runs"]:
        hours = (cost["train_seconds"] + cost["evaluate_seconds"]) / 3600
        lines.append(
            f"{cost['task']:<10} {cost['model']:<7} {cost['variant']:<20} {cost['n_runs']:>5} "
            f"{cost['seconds_per_step']:>8.3f} {hours:>8.2f} {hours * cost['n_runs'] * result['threads_per_job']:>9.1f}"
        )
    lines += [
        "",
        f"total: {result['core_hours']:.1f} core-hours, {result['gpu_hours']:.1f} GPU-hours"
        + (" (upper bound: timed on CPU)" if result["gpu_hours"] else " (resources.train.gpus is 0)"),
        "every run counted at training.max_steps: runs that stop on a plateau cost less",
    ]
    return "\n".join(lines)
