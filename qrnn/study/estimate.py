"""What a study costs: jobs, core-hours and GPU-hours, from timings measured on this machine.

Each distinct (task, model, variant) of the study is built at its configured size and
timed for a few training steps (forward, backward, optimizer) and a few held-out
forwards, with the thread count a training job gets (``resources.train.cpus``), on data
prepared with the config's own data settings (qrnn.study.estimate_data). Models whose
full-batch step would be expensive are timed at two smaller batch sizes and extrapolated
(qrnn.study.step_timing); models with the same step settings are timed once. A run
then costs max_steps x step time + its periodic evaluations + process start-up (an upper
bound for runs that stop on a plateau earlier), the test-set
evaluation job costs its forwards + start-up, and the per-task jobs (test data, table,
figure) are counted at start-up cost. Times are CPU times of this machine; on a GPU
(``resources.train.gpus`` > 0) a run is usually faster, so GPU-hours are an upper bound."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import torch
from tqdm import tqdm

from qrnn.config import RunConfig
from qrnn.models.factory import build_task_model
from qrnn.noise.settings import noise_and_hardware_jobs
from qrnn.study.estimate_data import EstimateData, TimingData, pad_to_full_shapes
from qrnn.study.resolve import run_config
from qrnn.study.runs import study_runs
from qrnn.study.step_timing import EXPENSIVE_SECONDS, StepTimer, StepTiming
from qrnn.study.targets import analysis_job_count
from qrnn.study.tuning import TUNED_VARIANT, tuned_pairs, tuning_runs
from qrnn.tasks.registry import build_task
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
    timed_batch_sizes: tuple[int, ...]  # the configured batch size, or the two it was extrapolated from
    extrapolated: bool  # the step time is the line through two smaller batches (qrnn.study.step_timing)
    data_source: str | None  # the data it was timed on (None: no data folder)
    data_note: str | None  # what differs from the configured data (an offline stand-in), else None


# Training keys that change how many steps a run takes, not what one step costs.
STEP_COUNT_KEYS = ("max_steps", "patience", "min_delta", "learning_rate", "eval_every", "eval_batches", "eval_seed")


def start_up_seconds() -> float:
    """Wall time of a fresh `qrnn` process importing the training code (every job pays it)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import qrnn.training.loop, qrnn.evaluate.clean"], check=True)
    return time.perf_counter() - started


def timing_key(run: RunConfig) -> str:
    """What one step's cost depends on: equal keys (the ablation `full` and the default, the
    tuning runs and the study's) are timed once."""
    settings = run.to_dict()
    for key in ("variant", "seed"):
        settings.pop(key)
    for key in STEP_COUNT_KEYS:
        settings["training"].pop(key)
    return json.dumps(settings, sort_keys=True)


def time_run(run: RunConfig, data: TimingData, steps: int, clock: Callable[[], float] = time.perf_counter) -> StepTiming:
    """Seconds per training step and per forward pass of one batch without gradients, on the
    data ``data`` (qrnn.study.estimate_data), at the run's batch size (or extrapolated to it)."""
    task = build_task(run, data.folder)
    if data.offline_stand_in:
        pad_to_full_shapes(run.task, task, dataclasses.asdict(run.task_settings))
    torch.manual_seed(0)
    model = build_task_model(run.model, run.model_settings, task)
    return StepTimer(task, model, build_optimizers(model, run), clock).time(run.training.batch_size, steps)


def estimate(
    document: dict[str, Any], calibration_steps: int = 3, progress: bool = True, offline_data: bool = False,
    threads: int | None = None, cpu_time: bool = False,
) -> dict[str, Any]:
    """Jobs and costs of the study in ``document`` (a validated config). ``offline_data``:
    time a task whose full data cannot be downloaded on its offline source (its rows say so).
    By default each model is timed in wall time with the threads a training job gets
    (resources.train.cpus), and a second of it costs that many core-seconds. ``cpu_time``
    times CPU time instead, summed over ``threads`` threads (default: the job's), which is
    core-seconds as it stands: on a machine busy with other work, wall time with several
    threads measures their waiting for each other, CPU time on one thread does not."""
    runs = study_runs(document)
    resources = document["resources"]
    cpus = resources["train"]["cpus"]
    timing_threads = threads or cpus
    cores_per_second = 1 if cpu_time else cpus  # core-seconds per timed second
    clock = time.process_time if cpu_time else time.perf_counter
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(timing_threads)
    start_up = start_up_seconds()
    groups: dict[tuple[str, str, str], int] = {}
    for task, model, variant, _seed in runs:
        groups[(task, model, variant)] = groups.get((task, model, variant), 0) + 1
    tuning = {(task, model, TUNED_VARIANT): len(document["tuning"]["learning_rates"]) for task, model in tuned_pairs(document)}
    for group in tuning:
        groups.setdefault(group, 0)  # timed even when only its tuning runs train
    costs, timings = [], {}
    try:
        with EstimateData(document, offline_data, progress=progress) as data:
            for (task, model, variant), n_runs in tqdm(groups.items(), desc="timing", disable=not progress):
                run = run_config(document, task, model, 0, variant)  # the task's and the block's keys applied
                task_data = data.for_task(task)
                key = timing_key(run)
                if key not in timings:
                    timings[key] = time_run(run, task_data, calibration_steps, clock)
                timing, training = timings[key], run.training
                evaluations = training.max_steps // training.eval_every * training.eval_batches
                test_batches = math.ceil(document["study"]["test_sequences"] / training.batch_size)
                costs.append(RunCost(
                    task, model, variant, n_runs, timing.seconds_per_step,
                    train_seconds=training.max_steps * timing.seconds_per_step + evaluations * timing.seconds_per_forward + start_up,
                    evaluate_seconds=test_batches * timing.seconds_per_forward + start_up,
                    timed_batch_sizes=timing.batch_sizes, extrapolated=timing.extrapolated,
                    data_source=task_data.source, data_note=task_data.note,
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
        "core_hours": (run_seconds * cores_per_second + per_task_seconds) / 3600,
        "gpu_hours": (sum(cost.n_runs * cost.train_seconds for cost in costs) + tuning_seconds) * gpus / 3600,
        "threads_per_job": cpus,
        "timing_threads": timing_threads,
        "clock": "cpu" if cpu_time else "wall",
        "cores_per_timed_second": cores_per_second,
        "start_up_seconds": start_up,
        "machine": machine_description(),
        "distinct_timings": len(timings),
        "offline_stand_ins": {cost.task: cost.data_note for cost in costs if cost.data_note},
        "runs": [dataclasses.asdict(cost) for cost in costs],
    }


def machine_description() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, torch {torch.__version__}"


def row_marks(cost: dict[str, Any]) -> str:
    """The table's flags of one row: x extrapolated from two smaller batches, o timed on an offline stand-in."""
    return ("x" if cost["extrapolated"] else "") + ("o" if cost["data_note"] else "")


def format_estimate(result: dict[str, Any]) -> str:
    lines = [
        f"{result['jobs']} jobs ({result['training_runs']} training runs, as many evaluations, {result['tuning_runs']} tuning runs, and per-task jobs)",
        f"timed on {result['machine']} with {result['timing_threads']} thread(s) in "
        + ("CPU time (core-seconds summed over threads)" if result["clock"] == "cpu" else f"wall time (x {result['cores_per_timed_second']} cores per job)")
        + "; "
        f"job start-up {result['start_up_seconds']:.1f} s",
        "",
        f"{'task':<14} {'model':<7} {'variant':<20} {'runs':>5} {'s/step':>8} {'h/run':>8} {'core-h':>9}  timed",
    ]
    for cost in result["runs"]:
        hours = (cost["train_seconds"] + cost["evaluate_seconds"]) / 3600
        lines.append(
            f"{cost['task']:<14} {cost['model']:<7} {cost['variant']:<20} {cost['n_runs']:>5} "
            f"{cost['seconds_per_step']:>8.3f} {hours:>8.2f} {hours * cost['n_runs'] * result['cores_per_timed_second']:>9.1f}  {row_marks(cost)}"
        )
    lines += [
        "",
        f"total: {result['core_hours']:.1f} core-hours, {result['gpu_hours']:.1f} GPU-hours"
        + (" (upper bound: timed on CPU)" if result["gpu_hours"] else " (resources.train.gpus is 0)"),
        "every run counted at training.max_steps: runs that stop on a plateau cost less",
    ]
    extrapolated = [cost for cost in result["runs"] if cost["extrapolated"]]
    if extrapolated:
        lines.append(
            f"x: {len(extrapolated)} rows whose full-batch step would take over {EXPENSIVE_SECONDS:g} s: timed at two smaller batch "
            "sizes (B/16, B/8) and extrapolated linearly in the batch size (timed_batch_sizes in the JSON)"
        )
    for task, note in result["offline_stand_ins"].items():
        lines.append(f"o: {task} (configured source: full, not available here): {note}")
    return "\n".join(lines)
