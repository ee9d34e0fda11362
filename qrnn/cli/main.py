"""The ``qrnn`` command: its parser, assembled from one module per command group, and ``main``.

Each sub-command is a thin shell over one library function, called by a workflow rule;
`qrnn.cli.options` declares the options several of them share.

``main`` is the one error boundary: a QrnnError (bad input, a malformed result file, a bad
environment setting) or an OSError (no permission, not a folder, disk full, a missing file)
becomes one line on stderr naming the file, key or value, with exit status 1; usage errors
are one line too, with argparse's status 2. Any other exception is a bug in qrnn and keeps
its traceback. ``qrnn --debug`` or QRNN_DEBUG=1 adds the traceback to every error, for bug reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from qrnn.cli import analysis, data, evaluate, figures, noise, study, tables, train, tune
from qrnn.errors import QrnnError

# In the order `qrnn --help` lists their sub-commands: the study's data flow, then the noise study.
COMMAND_GROUPS = (train, tune, data, evaluate, tables, figures, analysis, study, noise)
DEBUG_VARIABLE = "QRNN_DEBUG"
EXIT_ERROR = 1


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse's parser, but a usage error is one line pointing to --help instead of the whole usage.
    Sub-command parsers are made of the same class (add_subparsers takes the parent's)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="qrnn",
        description="Hybrid quantum-classical recurrent neural networks (Xu, arXiv 2510.25557): training and evaluation.",
    )
    parser.add_argument("--debug", action="store_true", help=f"print the traceback of an error, for a bug report (or set {DEBUG_VARIABLE}=1)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def describe(error: Exception) -> str:
    """One line for the user: a QrnnError's message, an OSError's file(s) and reason."""
    if isinstance(error, OSError):
        files = " -> ".join(str(name) for name in (error.filename, error.filename2) if name is not None)
        reason = error.strerror or str(error)
        return f"{files}: {reason}" if files else reason
    return str(error)


def check_environment() -> None:
    """Refuse a bad environment setting before any command starts work."""
    from qrnn.quantum.native.build import requested_mode  # standard library only: --help stays fast

    requested_mode()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = args.debug or os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0")
    try:
        check_environment()
        args.handler(args)
    except (QrnnError, OSError) as error:
        if debug:
            traceback.print_exc()
        print(f"qrnn: error: {describe(error)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("qrnn: interrupted; rerun the same command to resume from the last checkpoint", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
