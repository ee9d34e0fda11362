"""The ``qrnn`` command: one thin sub-command per library function, called by the workflow rules."""

from __future__ import annotations

import argparse
import json
import sys

from qrnn.config import MODELS, TASKS
from qrnn.errors import QrnnError


def _train(args: argparse.Namespace) -> int:
    import torch

    from qrnn.config import load_config, run_config
    from qrnn.train import train

    if args.threads:
        torch.set_num_threads(args.threads)
    run = run_config(load_config(args.config), args.task, args.model, args.seed)
    metrics = train(run, args.out, device=args.device, progress=not args.quiet)
    print(json.dumps({"out": str(args.out), "final": metrics["final"], "reference": metrics["reference"]}))
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
    train.add_argument("--config", required=True, metavar="FILE", help="YAML config file (validated against the schema)")
    train.add_argument("--task", required=True, metavar="TASK", help=f"task to train on: {', '.join(TASKS)}")
    train.add_argument("--model", required=True, metavar="MODEL", help=f"model: {', '.join(MODELS)}")
    train.add_argument("--seed", required=True, type=int, metavar="S", help="random seed (model init, data order, dropout)")
    train.add_argument("--out", required=True, metavar="DIR", help="run folder for config.json, history.csv, metrics.json, checkpoint.pt, train.log")
    train.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda / cuda:N")
    train.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=_train)
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
