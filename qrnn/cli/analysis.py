"""`qrnn analyse ANALYSIS`: trained models run (or fresh ones timed) into the CSVs figures are drawn from."""

from __future__ import annotations

import argparse

from qrnn.cli.options import add_config, add_prepared_data, add_quiet, add_threads, print_json, use_threads
from qrnn.config import TASKS, load_config


def _hidden_state(args: argparse.Namespace) -> None:
    from qrnn.analysis.hidden_state import write_hidden_state_dynamics

    rows = write_hidden_state_dynamics(args.run, args.data, args.out, n_sequences=args.sequences)
    print_json({"rows": len(rows), "out": str(args.out)})


def _gradient_norms(args: argparse.Namespace) -> None:
    from qrnn.analysis.gradient_norms import write_gradient_norms

    use_threads(args)
    rows = write_gradient_norms(args.runs, args.data, args.out, n_sequences=args.sequences)
    print_json({"rows": len(rows), "out": str(args.out)})


def _compute_cost(args: argparse.Namespace) -> None:
    from qrnn.analysis.compute_cost import write_compute_cost

    rows = write_compute_cost(
        load_config(args.config), args.task, args.qubits, args.out, batch_size=args.batch_size,
        sequence_length=args.sequence_length, repeats=args.repeats, progress=not args.quiet,
    )
    print_json({"rows": len(rows), "out": str(args.out)})


def register(commands: argparse._SubParsersAction) -> None:
    analyse = commands.add_parser("analyse", help="analyses of trained models and of compute cost, into CSVs for the figures", description="Run trained models (or time fresh ones) and write CSVs the figures are drawn from.")
    analyses = analyse.add_subparsers(dest="analysis", metavar="ANALYSIS", required=True)
    _register_hidden_state(analyses)
    _register_gradient_norms(analyses)
    _register_compute_cost(analyses)


def _register_hidden_state(analyses: argparse._SubParsersAction) -> None:
    hidden = analyses.add_parser(
        "hidden-state",
        help="per-qubit Bloch vectors and half/half entanglement entropy of a trained quantum RNN, step by step",
        description="Run a finished quantum-RNN run on the first test sequences and write, per sequence, step and qubit, "
        "<X>, <Y>, <Z> and the entanglement entropy (bits) of the state across the cut between the first n//2 qubits and the rest.",
    )
    hidden.add_argument("--run", required=True, metavar="DIR", help="finished quantum-RNN run folder")
    add_prepared_data(hidden)
    hidden.add_argument("--out", required=True, metavar="FILE", help="CSV output")
    hidden.add_argument("--sequences", type=int, default=3, metavar="N", help="test sequences to follow (default 3)")
    hidden.set_defaults(handler=_hidden_state)


def _register_gradient_norms(analyses: argparse._SubParsersAction) -> None:
    norms = analyses.add_parser(
        "gradient-norms",
        help="||dL/dh_t|| against t for finished runs (h_t: the core's per-step output)",
        description="For each run, the norm of the total derivative of each test sequence's loss with respect to the "
        "core's output at step t, mean and std over test sequences.",
    )
    norms.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="finished run folders (any models)")
    add_prepared_data(norms)
    norms.add_argument("--out", required=True, metavar="FILE", help="CSV output")
    norms.add_argument("--sequences", type=int, default=64, metavar="N", help="test sequences to average over (default 64)")
    add_threads(norms)
    norms.set_defaults(handler=_gradient_norms)


def _register_compute_cost(analyses: argparse._SubParsersAction) -> None:
    cost = analyses.add_parser(
        "compute-cost",
        help="time and memory per step of the quantum RNN against qubits, next to a parameter-matched LSTM",
        description="For each qubit count, the study's quantum RNN at that size and an LSTM with the closest parameter "
        "count: median wall time of forward + backward per time step on one thread, and the bytes autograd saves for backward per step.",
    )
    add_config(cost)
    cost.add_argument("--task", default="copying", choices=TASKS, help="task giving the vocabulary and outputs (default copying)")
    cost.add_argument("--qubits", type=int, nargs="+", default=[2, 4, 6, 8], metavar="N", help="qubit counts (default 2 4 6 8)")
    cost.add_argument("--out", required=True, metavar="FILE", help="CSV output")
    cost.add_argument("--batch-size", type=int, default=16, metavar="B", help="sequences per pass (default 16)")
    cost.add_argument("--sequence-length", type=int, default=32, metavar="T", help="time steps per sequence (default 32)")
    cost.add_argument("--repeats", type=int, default=3, metavar="N", help="timed passes; the median is kept (default 3)")
    add_quiet(cost)
    cost.set_defaults(handler=_compute_cost)
