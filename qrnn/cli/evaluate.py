"""`qrnn evaluate`: a finished run scored on its task's test set."""

from __future__ import annotations

import argparse

from qrnn.cli.options import add_device, add_prepared_data, add_threads, print_json, use_threads
from qrnn.evaluate import TEST_BATCH_SIZE


def _evaluate(args: argparse.Namespace) -> None:
    from qrnn.evaluate.clean import write_evaluation

    use_threads(args)
    evaluation = write_evaluation(args.run, args.data, args.out, device=args.device, batch_size=args.batch_size)
    print_json({"out": str(args.out), "metrics": evaluation["metrics"], "reference": evaluation["reference"]})


def register(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser(
        "evaluate",
        help="score a finished run on its task's test set, into a JSON file",
        description="Rebuild the trained model of a finished run (config.json + checkpoint.pt) and compute the task "
        "metrics on the test set of `qrnn prepare-data`. Refuses unfinished runs and test sets made with other task settings.",
    )
    evaluate.add_argument("--run", required=True, metavar="DIR", help="run folder written by `qrnn train`")
    add_prepared_data(evaluate)
    evaluate.add_argument("--out", required=True, metavar="FILE", help="JSON file for the metrics, the memoryless reference and provenance")
    add_device(evaluate)
    add_threads(evaluate)
    evaluate.add_argument(
        "--batch-size", type=int, default=TEST_BATCH_SIZE, metavar="N",
        help=f"test sequences per forward pass; memory only, the metrics are over the whole set (default: {TEST_BATCH_SIZE})",
    )
    evaluate.set_defaults(handler=_evaluate)
