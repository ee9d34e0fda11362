"""`qrnn prepare-data`: a task's data, downloaded or read, into the folder the runs read."""

from __future__ import annotations

import argparse

from qrnn.cli.options import add_config, add_quiet, print_json
from qrnn.config import TASKS, load_config


def _prepare_data(args: argparse.Namespace) -> None:
    from qrnn.data.prepare import prepare_task_data

    manifest = prepare_task_data(load_config(args.config), args.task, args.out, args.download_dir, progress=not args.quiet)
    size = {"n_sequences": manifest["n_sequences"]} if "n_sequences" in manifest else {"sizes": manifest.get("sizes")}
    print_json({"out": str(args.out), **size, "sha256": manifest["sha256"]})


def register(commands: argparse._SubParsersAction) -> None:
    prepare = commands.add_parser(
        "prepare-data",
        help="write a task's data into a folder: copying's fixed test set, or a real data set's processed splits",
        description="copying: the test set every run is scored on, study.test_sequences sequences drawn from "
        "tasks.copying.test_seed, as DIR/test.pt and DIR/manifest.json. Other tasks: download (source full, "
        "checksummed) or read (source offline) the data set and write DIR/{train,valid,test}.pt, side files and "
        "DIR/manifest.json (last) with every file's sha256.",
    )
    add_config(prepare)
    prepare.add_argument("--task", required=True, choices=TASKS, help="task whose test set to write")
    prepare.add_argument("--out", required=True, metavar="DIR", help="folder for the data files and manifest.json, e.g. data/mnist")
    prepare.add_argument("--download-dir", default="data/downloads", metavar="DIR", help="where full data sets are downloaded to (default: data/downloads)")
    add_quiet(prepare)
    prepare.set_defaults(handler=_prepare_data)
