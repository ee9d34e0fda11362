"""How close `qrnn estimate`'s batch-size extrapolation comes to a measured full-batch step.

`qrnn estimate` times a model whose full-batch training step would take over 2 s at two
smaller batch sizes (B/16 and B/8) and extrapolates linearly in B (qrnn.study.step_timing).
This script times one group of a config both ways in one run, on the same built model:
the median of --repeats full-batch steps after a warm-up, and the extrapolation from the
probes (forced, whatever the step costs), and prints the two and their ratio, for the
training step and the forward without gradients. The default group, the paper config's
copying quantum RNN (n = 10, T = 120, B = 128), takes about a minute on one thread.

    python benchmarks/estimate_extrapolation.py [--config config/paper.yaml] [--group copying:qrnn:default]
        [--threads 1] [--repeats 3] [--wall-time]
"""

from __future__ import annotations

import argparse
import time

import torch

from qrnn.config import load_config
from qrnn.models.factory import build_task_model
from qrnn.study.estimate_data import EstimateData, pad_to_full_shapes
from qrnn.study.resolve import run_config
from qrnn.study.step_timing import StepTimer
from qrnn.tasks.registry import build_task
from qrnn.training.loop import build_optimizers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="config/paper.yaml", help="YAML config (default config/paper.yaml)")
    parser.add_argument("--group", default="copying:qrnn:default", metavar="TASK:MODEL:VARIANT", help="the group to time")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: CPU time without contention between threads)")
    parser.add_argument("--repeats", type=int, default=3, help="timed steps per batch size (default 3)")
    parser.add_argument("--wall-time", action="store_true", help="wall time, as qrnn estimate measures, instead of CPU time")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    document = load_config(args.config)
    task_name, model_name, variant = args.group.split(":")
    run = run_config(document, task_name, model_name, 0, variant)
    with EstimateData(document, offline_data=True, progress=False) as data:
        timing_data = data.for_task(task_name)
        task = build_task(run, timing_data.folder)
        if timing_data.offline_stand_in:
            pad_to_full_shapes(task_name, task, vars(run.task_settings))
        torch.manual_seed(0)
        model = build_task_model(model_name, run.model_settings, task)
        timer = StepTimer(task, model, build_optimizers(model, run), clock=time.perf_counter if args.wall_time else time.process_time)
        batch = run.training.batch_size
        extrapolated = timer.extrapolated(batch, args.repeats)
        measured = timer.measured(batch, args.repeats)
    clock = "wall" if args.wall_time else "CPU"
    print(f"{args.group} of {args.config}: batch {batch}, {args.threads} thread(s), {clock} time, median of {args.repeats}")
    print(f"{'':<22} {'measured s':>11} {'extrapolated s':>15} {'ratio':>7}   (from batches {extrapolated.batch_sizes})")
    for name, full, line in (("training step", measured.seconds_per_step, extrapolated.seconds_per_step),
                             ("forward, no gradients", measured.seconds_per_forward, extrapolated.seconds_per_forward)):
        print(f"{name:<22} {full:>11.3f} {line:>15.3f} {line / full:>7.2f}")


if __name__ == "__main__":
    main()
