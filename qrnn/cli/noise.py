"""Sub-commands of `qrnn` for the noisy and hardware evaluations (added to the parser by qrnn/cli.py)."""

from __future__ import annotations

import argparse
import json


def _threads(args: argparse.Namespace) -> None:
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)


def _evaluate_noise(args: argparse.Namespace) -> int:
    from qrnn.config import load_config
    from qrnn.noise.sweeps import write_noise_evaluation
    from qrnn.noise.settings import noise_settings

    _threads(args)
    result = write_noise_evaluation(args.run, args.data, noise_settings(load_config(args.config)), args.out_csv, args.out_json, progress=not args.quiet)
    print(json.dumps({"out": str(args.out_csv), "points": len(result["rows"])}))
    return 0


def _evaluate_hardware(args: argparse.Namespace) -> int:
    from qrnn.config import load_config
    from qrnn.noise.hardware import write_hardware_evaluation
    from qrnn.noise.settings import hardware_settings

    _threads(args)
    result = write_hardware_evaluation(args.run, args.data, hardware_settings(load_config(args.config)), args.out_json, args.out_steps, progress=not args.quiet)
    summary = {name: {"metrics": p["metrics"], "mean_readout_error": p["mean_readout_error"]} for name, p in result["protocols"].items()}
    print(json.dumps({"out": str(args.out_json), "backend": result["backend"], "ideal": result["ideal_metrics"], "protocols": summary}))
    return 0


def _hardware_resources(args: argparse.Namespace) -> int:
    from qrnn.config import load_config
    from qrnn.noise.resources import write_resource_table
    from qrnn.noise.settings import hardware_settings

    document = load_config(args.config)
    rows = write_resource_table(document, args.tasks, args.data, hardware_settings(document), args.out_csv, args.out_md)
    print(json.dumps({"out": str(args.out_md), "rows": len(rows)}))
    return 0


def _noise_figure(args: argparse.Namespace) -> int:
    from qrnn.figures import noise as noise_figures

    draw = noise_figures.metric_vs_shots if args.figure == "noise-shots" else noise_figures.metric_vs_strength
    draw(args.noise, args.out_png, args.out_pdf)
    print(json.dumps({"out": [str(args.out_png), str(args.out_pdf)]}))
    return 0


def _hardware_figure(args: argparse.Namespace) -> int:
    from qrnn.figures.noise import hardware_readout_error

    hardware_readout_error(args.steps, args.backend, args.out_png, args.out_pdf)
    print(json.dumps({"out": [str(args.out_png), str(args.out_pdf)]}))
    return 0


def add_commands(commands) -> None:
    """evaluate-noise, evaluate-hardware and hardware-resources."""
    noise = commands.add_parser(
        "evaluate-noise",
        help="score a finished quantum-RNN run under shot noise, measurement collapse, gate noise and readout error",
        description="Run the trained model (its own controller and head, fed the noisy readouts) on the first "
        "noise.test_sequences test sequences for every point of the sweeps in the config's `noise` section, scored "
        "the task's way (real-data tasks: their own test evaluation; the language model: that many bptt windows); "
        "write one CSV row per point and a JSON with provenance.",
    )
    noise.add_argument("--config", required=True, metavar="FILE", help="YAML config file (its `noise` section is used), or - for standard input")
    noise.add_argument("--run", required=True, metavar="DIR", help="run folder of a finished quantum-RNN run")
    noise.add_argument("--data", required=True, metavar="DATADIR", help="folder written by `qrnn prepare-data`")
    noise.add_argument("--out-csv", required=True, metavar="FILE", help="sweep table: sweep, value, condition, readout deviation, task metrics")
    noise.add_argument("--out-json", required=True, metavar="FILE", help="the same rows with settings and provenance")
    noise.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    noise.add_argument("--quiet", action="store_true", help="no progress bar")
    noise.set_defaults(handler=_evaluate_noise)

    hardware = commands.add_parser(
        "evaluate-hardware",
        help="run a finished quantum-RNN run on an IBM backend model (Aer) or a real backend",
        description="Transpile the trained circuit for hardware.backend and run the first hardware.test_sequences "
        "test sequences with the protocols of the config's `hardware` section; compare readouts and task metrics "
        "with the ideal simulation. A real backend needs QISKIT_IBM_TOKEN in the environment (never stored).",
    )
    hardware.add_argument("--config", required=True, metavar="FILE", help="YAML config file (its `hardware` section is used), or - for standard input")
    hardware.add_argument("--run", required=True, metavar="DIR", help="run folder of a finished quantum-RNN run")
    hardware.add_argument("--data", required=True, metavar="DATADIR", help="folder written by `qrnn prepare-data`")
    hardware.add_argument("--out-json", required=True, metavar="FILE", help="metrics per protocol, circuit resources, provenance")
    hardware.add_argument("--out-steps", required=True, metavar="FILE", help="CSV: protocol, step, mean |device - ideal readout|")
    hardware.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    hardware.add_argument("--quiet", action="store_true", help="no progress bar")
    hardware.set_defaults(handler=_evaluate_hardware)

    resources = commands.add_parser(
        "hardware-resources",
        help="table of circuits, shots, depth, two-qubit gates and QPU time to evaluate test sets on hardware",
        description="For each task, the quantum-RNN circuit of the study's settings (hardware.variant) transpiled "
        "for hardware.backend, and what evaluating its whole test set would take with each protocol.",
    )
    resources.add_argument("--config", required=True, metavar="FILE", help="YAML config file, or - for standard input")
    resources.add_argument("--tasks", required=True, nargs="+", metavar="TASK", help="tasks, in the order of --data")
    resources.add_argument("--data", required=True, nargs="+", metavar="DATADIR", help="test-set folder of each task")
    resources.add_argument("--out-csv", required=True, metavar="FILE", help="CSV table")
    resources.add_argument("--out-md", required=True, metavar="FILE", help="Markdown table")
    resources.set_defaults(handler=_hardware_resources)


def add_figures(kinds) -> None:
    """Figures noise-shots, noise-strength and hardware-readout-error under `qrnn figures`."""
    for name, text in (
        ("noise-shots", "task metrics and readout deviation against shots per readout"),
        ("noise-strength", "task metrics against noise strength, one column per channel / measurement / readout error"),
    ):
        figure = kinds.add_parser(name, help=text, description=f"{text[0].upper()}{text[1:]}; dashed: the ideal run. Writes a PNG and a PDF.")
        figure.add_argument("--noise", required=True, nargs="+", metavar="CSV", help="sweep tables of `qrnn evaluate-noise` (one line per file)")
        figure.add_argument("--out-png", required=True, metavar="FILE", help="PNG output")
        figure.add_argument("--out-pdf", required=True, metavar="FILE", help="PDF output")
        figure.set_defaults(handler=_noise_figure)
    hardware = kinds.add_parser(
        "hardware-readout-error",
        help="readout error against time step under device noise, per protocol",
        description="Mean |device readout - ideal readout| per time step from `qrnn evaluate-hardware --out-steps`. Writes a PNG and a PDF.",
    )
    hardware.add_argument("--steps", required=True, nargs="+", metavar="CSV", help="per-step CSV files of `qrnn evaluate-hardware`")
    hardware.add_argument("--backend", required=True, metavar="NAME", help="backend name for the title")
    hardware.add_argument("--out-png", required=True, metavar="FILE", help="PNG output")
    hardware.add_argument("--out-pdf", required=True, metavar="FILE", help="PDF output")
    hardware.set_defaults(handler=_hardware_figure)
