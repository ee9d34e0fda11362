"""`qrnn tune select`: a (task, model)'s learning rate from its tuning runs (qrnn.study.tuning)."""

from __future__ import annotations

import argparse

from qrnn.cli.options import print_json
from qrnn.config import MODELS, TASKS


def _select(args: argparse.Namespace) -> None:
    from qrnn.study.tuning_selection import write_choice

    record = write_choice(args.task, args.model, args.runs, args.out)
    print_json({"out": str(args.out), "learning_rate": record["learning_rate"], "metric": record["metric"], "validation": record["validation"]})


def register(commands: argparse._SubParsersAction) -> None:
    tune = commands.add_parser(
        "tune",
        help="equal-budget learning-rate selection: choose a task/model's learning rate from its tuning runs",
        description="Learning-rate selection on a tuning seed (config section `tuning`). The workflow trains one run per "
        "value of tuning.learning_rates with `qrnn train`, then `qrnn tune select` writes the choice, which "
        "`qrnn train --hyperparameters` applies to every run of that task and model.",
    )
    actions = tune.add_subparsers(dest="action", metavar="ACTION", required=True)
    select = actions.add_parser(
        "select",
        help="pick the learning rate whose run has the best held-out main metric; write it as JSON",
        description="Read each tuning run's config.json, metrics.json and history.csv; score it by its best held-out value "
        "of the task's main metric (metrics.json 'best' if recorded, else the best row of history.csv; the held-out loss "
        "when the held-out evaluation lacks the main metric); a diverged run loses and a tie goes to the smaller learning "
        "rate. The runs must differ in their learning rate only. Writes the chosen learning rate, the grid, every "
        "candidate's value and steps, the budget (candidates x max steps), the tuning seed and the metric.",
    )
    select.add_argument("--task", required=True, choices=TASKS, help="task the runs were trained on")
    select.add_argument("--model", required=True, choices=MODELS, help="model the runs trained")
    select.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="tuning run folders, one per learning rate")
    select.add_argument("--out", required=True, metavar="FILE", help="the choice, e.g. results/tuning/copying/qrnn.json")
    select.set_defaults(handler=_select)
