"""The options several sub-commands share, each declared here once, and what applying them takes.

A sub-command adds the shared options it takes, in the order its help lists them; the
help text of --config alone varies, since what a command reads from the config differs.
"""

from __future__ import annotations

import argparse
import json

CONFIG_HELP = "YAML config file, or - for standard input"


def add_config(parser: argparse.ArgumentParser, help: str = CONFIG_HELP, required: bool = True) -> None:
    """--config FILE: the YAML config (``-`` reads standard input, as the workflow rules do)."""
    parser.add_argument("--config", required=required, metavar="FILE", help=help)


def positive_integer(text: str) -> int:
    """argparse type of a count that must be at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def add_threads(parser: argparse.ArgumentParser) -> None:
    """--threads N, applied by the handler with `use_threads`."""
    parser.add_argument("--threads", type=positive_integer, metavar="N", help="CPU threads for torch, at least 1 (default: torch's choice)")


def use_threads(args: argparse.Namespace) -> None:
    """Give torch the --threads asked for; without it torch makes its own choice."""
    if args.threads is not None:
        import torch  # imported here so that `qrnn --help` answers without loading torch

        torch.set_num_threads(args.threads)


def add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda / cuda:N")


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """--quiet; handlers pass ``progress=not args.quiet`` on."""
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_prepared_data(parser: argparse.ArgumentParser) -> None:
    """--data DATADIR, the test set of a task as `qrnn prepare-data` writes it."""
    parser.add_argument("--data", required=True, metavar="DATADIR", help="folder written by `qrnn prepare-data`")


def add_bootstrap_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the bootstrap resampling, used for groups of 10 seeds or more (default 0)")


def add_figure_outputs(parser: argparse.ArgumentParser) -> None:
    """--out-png and --out-pdf, the two files every figure sub-command writes."""
    parser.add_argument("--out-png", required=True, metavar="FILE", help="PNG output")
    parser.add_argument("--out-pdf", required=True, metavar="FILE", help="PDF output")


def print_json(record: dict) -> None:
    """The one line of JSON a sub-command prints on success: what it wrote, and a summary."""
    print(json.dumps(record))


def print_figure_outputs(args: argparse.Namespace) -> None:
    print_json({"out": [str(args.out_png), str(args.out_pdf)]})
