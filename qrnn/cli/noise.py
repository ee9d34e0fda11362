"""Noisy and hardware evaluations of finished quantum-RNN runs: `qrnn evaluate-noise`,
`qrnn evaluate-hardware`, `qrnn hardware-resources` (their figures are under `qrnn figures`)."""

from __future__ import annotations

import argparse

from qrnn.cli.options import add_config, add_prepared_data, add_quiet, add_threads, print_json, use_threads
from qrnn.config import load_config


def _evaluate_noise(args: argparse.Namespace) -> None:
    from qrnn.noise.settings import noise_settings
    from qrnn.noise.sweeps import write_noise_evaluation

    use_threads(args)
    result = write_noise_evaluation(args.run, args.data, noise_settings(load_config(args.config)), args.out_csv, args.out_json, progress=not args.quiet)
    print_json({"out": str(args.out_csv), "points": len(result["rows"])})


def _evaluate_hardware(args: argparse.Namespace) -> None:
    from qrnn.noise.hardware import write_hardware_evaluation
    from qrnn.noise.settings import hardware_settings

    use_threads(args)
    result = write_hardware_evaluation(args.run, args.data, hardware_settings(load_config(args.config)), args.out_json, args.out_steps, progress=not args.quiet)
    summary = {name: {"metrics": p["metrics"], "mean_readout_error": p["mean_readout_error"]} for name, p in result["protocols"].items()}
    print_json({"out": str(args.out_json), "backend": result["backend"], "ideal": result["ideal_metrics"], "protocols": summary})


def _hardware_resources(args: argparse.Namespace) -> None:
    from qrnn.noise.resources import write_resource_table
    from qrnn.noise.settings import hardware_settings

    document = load_config(args.config)
    rows = write_resource_table(document, args.tasks, args.data, hardware_settings(document), args.out_csv, args.out_md)
    print_json({"out": str(args.out_md), "rows": len(rows)})


def register(commands: argparse._SubParsersAction) -> None:
    noise = commands.add_parser(
        "evaluate-noise",
        help="score a finished quantum-RNN run under shot noise, measurement collapse, gate noise and readout error",
        description="Run the trained model (its own controller and head, fed the noisy readouts) on the first "
        "noise.test_sequences test sequences for every point of the sweeps in the config's `noise` section, scored "
        "the task's way (real-data tasks: their own test evaluation; the language model: that many bptt windows); "
        "write one CSV row per point and a JSON with provenance.",
    )
    _add_finished_run(noise, "noise")
    noise.add_argument("--out-csv", required=True, metavar="FILE", help="sweep table: sweep, value, condition, readout deviation, task metrics")
    noise.add_argument("--out-json", required=True, metavar="FILE", help="the same rows with settings and provenance")
    add_threads(noise)
    add_quiet(noise)
    noise.set_defaults(handler=_evaluate_noise)

    hardware = commands.add_parser(
        "evaluate-hardware",
        help="run a finished quantum-RNN run on an IBM backend model (Aer) or a real backend",
        description="Transpile the trained circuit for hardware.backend and run the first hardware.test_sequences "
        "test sequences with the protocols of the config's `hardware` section; compare readouts and task metrics "
        "with the ideal simulation. A real backend needs QISKIT_IBM_TOKEN in the environment (never stored).",
    )
    _add_finished_run(hardware, "hardware")
    hardware.add_argument("--out-json", required=True, metavar="FILE", help="metrics per protocol, circuit resources, provenance")
    hardware.add_argument("--out-steps", required=True, metavar="FILE", help="CSV: protocol, step, mean |device - ideal readout|")
    add_threads(hardware)
    add_quiet(hardware)
    hardware.set_defaults(handler=_evaluate_hardware)
    _register_hardware_resources(commands)


def _add_finished_run(parser: argparse.ArgumentParser, section: str) -> None:
    """--config (whose SECTION is used), --run and --data of the two evaluations of a finished run."""
    add_config(parser, f"YAML config file (its `{section}` section is used), or - for standard input")
    parser.add_argument("--run", required=True, metavar="DIR", help="run folder of a finished quantum-RNN run")
    add_prepared_data(parser)


def _register_hardware_resources(commands: argparse._SubParsersAction) -> None:
    resources = commands.add_parser(
        "hardware-resources",
        help="table of circuits, shots, depth, two-qubit gates and QPU time to evaluate test sets on hardware",
        description="For each task, the quantum-RNN circuit of the study's settings (hardware.variant) transpiled "
        "for hardware.backend, and what evaluating its whole test set would take with each protocol.",
    )
    add_config(resources)
    resources.add_argument("--tasks", required=True, nargs="+", metavar="TASK", help="tasks, in the order of --data")
    resources.add_argument("--data", required=True, nargs="+", metavar="DATADIR", help="test-set folder of each task")
    resources.add_argument("--out-csv", required=True, metavar="FILE", help="CSV table")
    resources.add_argument("--out-md", required=True, metavar="FILE", help="Markdown table")
    resources.set_defaults(handler=_hardware_resources)
