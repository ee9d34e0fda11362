"""The ``qrnn`` command: its parser, assembled from one module per command group, and ``main``.

Each sub-command is a thin shell over one library function, called by a workflow rule;
`qrnn.cli.options` declares the options several of them share.
"""

from __future__ import annotations

import argparse
import sys

from qrnn.cli import analysis, data, evaluate, figures, noise, study, tables, train
from qrnn.errors import QrnnError

# In the order `qrnn --help` lists their sub-commands: the study's data flow, then the noise study.
COMMAND_GROUPS = (train, data, evaluate, tables, figures, analysis, study, noise)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qrnn",
        description="Hybrid quantum-classical recurrent neural networks (Xu, arXiv 2510.25557): training and evaluation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except QrnnError as error:
        print(f"qrnn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qrnn: interrupted; rerun the same command to resume from the last checkpoint", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
