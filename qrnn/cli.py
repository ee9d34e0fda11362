"""The ``qrnn`` command: one thin sub-command per library function, called by the workflow rules."""

from __future__ import annotations

import argparse
import json
import sys

from qrnn import noise_cli
from qrnn.config import MODELS, TASKS
from qrnn.errors import QrnnError
from qrnn.evaluate import TEST_BATCH_SIZE


def _train(args: argparse.Namespace) -> int:
    import torch

    from qrnn.config import load_config, run_config
    from qrnn.run_folder import prepare_run_folder
    from qrnn.train import train

    if args.threads:
        torch.set_num_threads(args.threads)
    run = run_config(load_config(args.config), args.task, args.model, args.seed, args.variant)
    discarded = prepare_run_folder(run, args.out, args.discard_stale_checkpoint)
    if discarded:
        print(f"qrnn: discarded a checkpoint made under other settings ({'; '.join(discarded)}); starting over", file=sys.stderr)
    metrics = train(run, args.out, device=args.device, progress=not args.quiet)
    print(json.dumps({"out": str(args.out), "final": metrics["final"], "reference": metrics["reference"]}))
    return 0


def _prepare_data(args: argparse.Namespace) -> int:
    from qrnn.config import load_config
    from qrnn.data import prepare_test_set

    manifest = prepare_test_set(load_config(args.config), args.task, args.out)
    print(json.dumps({"out": str(args.out), "n_sequences": manifest["n_sequences"], "sha256": manifest["sha256"]}))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import torch

    from qrnn.evaluate.clean import write_evaluation

    if args.threads:
        torch.set_num_threads(args.threads)
    evaluation = write_evaluation(args.run, args.data, args.out, device=args.device, batch_size=args.batch_size)
    print(json.dumps({"out": str(args.out), "metrics": evaluation["metrics"], "reference": evaluation["reference"]}))
    return 0


def _aggregate(args: argparse.Namespace) -> int:
    from qrnn.aggregate import write_tables

    table = write_tables(args.task, args.runs, args.out_csv, args.out_md, args.out_json, args.out_curves, args.out_curves_mean)
    print(json.dumps({"rows": len(table), "runs": len(args.runs), "out": str(args.out_md)}))
    return 0


def _learning_curves(args: argparse.Namespace) -> int:
    from qrnn.figures import learning_curves

    learning_curves(args.curves, args.out_png, args.out_pdf, args.reference, column=args.column)
    print(json.dumps({"out": [str(args.out_png), str(args.out_pdf)]}))
    return 0


def _describe_study(args: argparse.Namespace) -> int:
    from qrnn.config import load_config
    from qrnn.study import write_study_description

    write_study_description(load_config(args.config), args.out)
    print(json.dumps({"out": str(args.out)}))
    return 0


def _estimate(args: argparse.Namespace) -> int:
    from qrnn import atomic
    from qrnn.config import load_config
    from qrnn.estimate import estimate, format_estimate

    result = estimate(load_config(args.config), calibration_steps=args.calibration_steps, progress=not args.quiet)
    print(format_estimate(result))
    if args.json:
        atomic.write_json(args.json, result)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qrnn",
        description="Hybrid quantum-classical recurrent neural networks (Xu, arXiv 2510.25557): training and evaluation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = commands.add_parser(
        "train",
        help="train one task/model/seed run into a folder (resumes from its checkpoint)",
        description="Train one run. Rerunning the same command resumes from the run folder's checkpoint; "
        "a checkpoint made under other settings is refused.",
    )
    train.add_argument("--config", required=True, metavar="FILE", help="YAML config file (validated against the schema), or - for standard input")
    train.add_argument("--task", required=True, metavar="TASK", help=f"task to train on: {', '.join(TASKS)}")
    train.add_argument("--model", required=True, metavar="MODEL", help=f"model: {', '.join(MODELS)}")
    train.add_argument("--seed", required=True, type=int, metavar="S", help="random seed (model init, data order, dropout)")
    train.add_argument("--variant", default="default", metavar="NAME", help="variant of the model settings, a key of study.variants (default: default)")
    train.add_argument("--out", required=True, metavar="DIR", help="run folder for config.json, history.csv, metrics.json, checkpoint.pt, train.log")
    train.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda / cuda:N")
    train.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "--discard-stale-checkpoint",
        action="store_true",
        help="delete a checkpoint made under other settings and start over, instead of refusing it "
        "(the workflow passes this: Snakemake reruns a run exactly when its settings change)",
    )
    train.set_defaults(handler=_train)

    prepare = commands.add_parser(
        "prepare-data",
        help="write a task's fixed test set (test.pt + manifest.json) into a folder",
        description="Write the test set every run of a study is scored on: study.test_sequences sequences drawn "
        "from tasks.<task>.test_seed, as DIR/test.pt, and DIR/manifest.json with its sha256 and the task settings.",
    )
    prepare.add_argument("--config", required=True, metavar="FILE", help="YAML config file, or - for standard input")
    prepare.add_argument("--task", required=True, choices=TASKS, help="task whose test set to write")
    prepare.add_argument("--out", required=True, metavar="DIR", help="folder for test.pt and manifest.json")
    prepare.set_defaults(handler=_prepare_data)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a finished run on its task's test set, into a JSON file",
        description="Rebuild the trained model of a finished run (config.json + checkpoint.pt) and compute the task "
        "metrics on the test set of `qrnn prepare-data`. Refuses unfinished runs and test sets made with other task settings.",
    )
    evaluate.add_argument("--run", required=True, metavar="DIR", help="run folder written by `qrnn train`")
    evaluate.add_argument("--data", required=True, metavar="DATADIR", help="folder written by `qrnn prepare-data`")
    evaluate.add_argument("--out", required=True, metavar="FILE", help="JSON file for the metrics, the memoryless reference and provenance")
    evaluate.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda / cuda:N")
    evaluate.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    evaluate.add_argument("--batch-size", type=int, default=TEST_BATCH_SIZE, metavar="N", help=f"test sequences per forward pass; memory only, the metrics are over the whole set (default: {TEST_BATCH_SIZE})")
    evaluate.set_defaults(handler=_evaluate)

    aggregate = commands.add_parser(
        "aggregate",
        help="summarise evaluated runs of a task into tables (CSV, Markdown, JSON) and learning curves",
        description="One row per (model, variant): number of seeds, trainable parameters, and for every test metric "
        "the mean, standard deviation (ddof=1) and 95%% Student-t confidence interval over seeds; plus the memoryless "
        "reference. Also writes every run's held-out learning curve in long format.",
    )
    aggregate.add_argument("--task", required=True, choices=TASKS, help="task the runs belong to")
    aggregate.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="run folders holding evaluation.json, metrics.json and history.csv")
    aggregate.add_argument("--out-csv", required=True, metavar="FILE", help="summary table, one row per model/variant")
    aggregate.add_argument("--out-md", required=True, metavar="FILE", help="the same table in Markdown")
    aggregate.add_argument("--out-json", required=True, metavar="FILE", help="nested {model/variant: {metric: {mean, std, ci_low, ci_high}}}, for `dvc metrics show`")
    aggregate.add_argument("--out-curves", required=True, metavar="FILE", help="learning curves, long format: step, model, variant, seed, held-out metrics")
    aggregate.add_argument("--out-curves-mean", metavar="FILE", help="held-out loss per step, mean over seeds, one column per model (for `dvc plots`)")
    aggregate.set_defaults(handler=_aggregate)

    figures = commands.add_parser("figures", help="draw the study's figures from its tables", description="Draw figures from result tables (never from models).")
    kinds = figures.add_subparsers(dest="figure", metavar="FIGURE", required=True)
    curves = kinds.add_parser(
        "learning-curves",
        help="held-out loss against training step, one line per model",
        description="Mean over seeds per model and variant, a band from the lowest to the highest seed, and the "
        "memoryless reference as a dashed line. Writes a PNG and a PDF.",
    )
    curves.add_argument("--curves", required=True, metavar="FILE", help="curves CSV written by `qrnn aggregate --out-curves`")
    curves.add_argument("--out-png", required=True, metavar="FILE", help="PNG output")
    curves.add_argument("--out-pdf", required=True, metavar="FILE", help="PDF output")
    curves.add_argument("--reference", required=True, type=float, metavar="VALUE", help="memoryless baseline, drawn as a dashed line (same unit as the column)")
    curves.add_argument("--column", default="eval_loss_nats", metavar="NAME", help="curves column to plot (default: eval_loss_nats)")
    curves.set_defaults(handler=_learning_curves)
    noise_cli.add_figures(kinds)

    describe = commands.add_parser(
        "describe-study",
        help="write the resolved config (all defaults filled in) with the software versions",
        description="Validate a config and write it back as YAML with every default filled in, headed by the git "
        "revision, library versions and number of runs; usable again as a config file.",
    )
    describe.add_argument("--config", required=True, metavar="FILE", help="YAML config file, or - for standard input")
    describe.add_argument("--out", required=True, metavar="FILE", help="YAML output")
    describe.set_defaults(handler=_describe_study)

    cost = commands.add_parser(
        "estimate",
        help="print a study's number of jobs and its core-hours and GPU-hours",
        description="Estimate what a study costs: each (task, model, variant) is timed for a few training steps at "
        "its configured size on this machine, with resources.train.cpus threads, and scaled to the study's steps, "
        "seeds and evaluations.",
    )
    cost.add_argument("--config", required=True, metavar="FILE", help="YAML config file, e.g. config/paper.yaml")
    cost.add_argument("--calibration-steps", type=int, default=3, metavar="N", help="timed training steps per model (default 3)")
    cost.add_argument("--json", metavar="FILE", help="also write the estimate as JSON")
    cost.add_argument("--quiet", action="store_true", help="no progress bar")
    cost.set_defaults(handler=_estimate)
    noise_cli.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except QrnnError as error:
        print(f"qrnn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qrnn: interrupted; rerun the same command to resume from the last checkpoint", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
