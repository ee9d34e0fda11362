"""`qrnn train`: one task/model/variant/seed run into its folder."""

from __future__ import annotations

import argparse
import sys

from qrnn.cli.options import add_config, add_device, add_quiet, add_threads, print_json, use_threads
from qrnn.config import MODELS, TASKS, load_config


def _train(args: argparse.Namespace) -> None:
    from qrnn.study.resolve import run_config
    from qrnn.study.tuning import apply_choice
    from qrnn.training.loop import train
    from qrnn.training.run_folder import prepare_run_folder

    use_threads(args)
    run = run_config(load_config(args.config), args.task, args.model, args.seed, args.variant)
    if args.hyperparameters:
        run = apply_choice(run, args.hyperparameters)
    discarded = prepare_run_folder(run, args.out, args.discard_stale_checkpoint)
    if discarded:
        print(f"qrnn: discarded a checkpoint made under other settings ({'; '.join(discarded)}); starting over", file=sys.stderr)
    metrics = train(run, args.out, device=args.device, progress=not args.quiet, data_dir=args.data)
    print_json({"out": str(args.out), "final": metrics["final"], "reference": metrics["reference"]})


def register(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "train",
        help="train one task/model/seed run into a folder (resumes from its checkpoint)",
        description="Train one run. Rerunning the same command resumes from the run folder's checkpoint; "
        "a checkpoint made under other settings is refused.",
    )
    add_config(train, "YAML config file (validated against the schema), or - for standard input")
    train.add_argument("--task", required=True, metavar="TASK", help=f"task to train on: {', '.join(TASKS)}")
    train.add_argument("--model", required=True, metavar="MODEL", help=f"model: {', '.join(MODELS)}")
    train.add_argument("--seed", required=True, type=int, metavar="S", help="random seed (model init, data order, dropout)")
    train.add_argument("--variant", default="default", metavar="NAME", help="variant of the model settings, a key of study.variants (default: default)")
    train.add_argument("--out", required=True, metavar="DIR", help="run folder for config.json, history.csv, metrics.json, checkpoint.pt, train.log")
    train.add_argument("--data", metavar="DATADIR", help="processed data folder of a real-data task (`qrnn prepare-data`), e.g. data/mnist; copying needs none")
    train.add_argument(
        "--hyperparameters",
        metavar="FILE",
        help="the learning rate chosen for this task and model (`qrnn tune select`, results/tuning/TASK/MODEL.json); "
        "it replaces training.learning_rate and is recorded in config.json. A file made for another task or model is refused",
    )
    add_device(train)
    add_threads(train)
    add_quiet(train)
    train.add_argument(
        "--discard-stale-checkpoint",
        action="store_true",
        help="delete a checkpoint made under other settings and start over, instead of refusing it "
        "(the workflow passes this: Snakemake reruns a run exactly when its settings change)",
    )
    train.set_defaults(handler=_train)
