"""`qrnn figures FIGURE`: every figure of the study, drawn from result tables (never from
models); each writes a PNG and a PDF."""

from __future__ import annotations

import argparse
from importlib import import_module

from qrnn.cli.options import add_figure_outputs, print_figure_outputs

# figure sub-command -> (function, help, the CSV it reads, the command that writes that CSV)
SINGLE_TABLE_FIGURES = {
    "ablations": ("qrnn.figures.ablation.ablation_bars", "bars of every quantum-RNN variant's metric with 95% CIs, per task", "results/tables/ablations.csv", "qrnn tables ablations"),
    "bloch-vectors": ("qrnn.figures.hidden_state.bloch_vectors", "per-qubit Bloch vector components over time", "hidden-state CSV", "qrnn analyse hidden-state"),
    "readouts": ("qrnn.figures.hidden_state.readouts_and_entanglement", "readout heatmap and half/half entanglement entropy over time", "hidden-state CSV", "qrnn analyse hidden-state"),
    "gradient-norms": ("qrnn.figures.gradients.gradient_norms", "||dL/dh_t|| against t, one line per model", "gradient-norm CSV", "qrnn analyse gradient-norms"),
    "compute-cost": ("qrnn.figures.compute_cost.compute_cost", "time and memory per step against qubits, next to the LSTM", "compute-cost CSV", "qrnn analyse compute-cost"),
}
# figure sub-command -> (function, help) of the figures drawn from `qrnn evaluate-noise` sweep tables
NOISE_FIGURES = {
    "noise-shots": ("qrnn.figures.noise.metric_vs_shots", "task metrics and readout deviation against shots per readout"),
    "noise-strength": ("qrnn.figures.noise.metric_vs_strength", "task metrics against noise strength, one column per channel / measurement / readout error"),
}


def _function(dotted_name: str):
    """The drawing function a table above names, imported only when its figure is drawn."""
    module, name = dotted_name.rsplit(".", 1)
    return getattr(import_module(module), name)


def _learning_curves(args: argparse.Namespace) -> None:
    from qrnn.figures.learning_curves import learning_curves

    learning_curves(args.curves, args.out_png, args.out_pdf, args.reference, column=args.column, reference_label=args.reference_label)
    print_figure_outputs(args)


def _single_table_figure(args: argparse.Namespace) -> None:
    _function(SINGLE_TABLE_FIGURES[args.figure][0])(args.input, args.out_png, args.out_pdf)
    print_figure_outputs(args)


def _scaling(args: argparse.Namespace) -> None:
    from qrnn.figures.scaling import scaling_figure

    scaling_figure(args.table, args.task, args.out_png, args.out_pdf)
    print_figure_outputs(args)


def _attention(args: argparse.Namespace) -> None:
    from qrnn.figures.attention import attention_heatmaps

    attention_heatmaps(args.attention, args.out_png, args.out_pdf, title=args.title)
    print_figure_outputs(args)


def _noise_figure(args: argparse.Namespace) -> None:
    _function(NOISE_FIGURES[args.figure][0])(args.noise, args.out_png, args.out_pdf)
    print_figure_outputs(args)


def _hardware_readout_error(args: argparse.Namespace) -> None:
    from qrnn.figures.noise import hardware_readout_error

    hardware_readout_error(args.steps, args.backend, args.out_png, args.out_pdf)
    print_figure_outputs(args)


def register(commands: argparse._SubParsersAction) -> None:
    figures = commands.add_parser("figures", help="draw the study's figures from its tables", description="Draw figures from result tables (never from models).")
    kinds = figures.add_subparsers(dest="figure", metavar="FIGURE", required=True)
    _register_learning_curves(kinds)
    for name, (_, summary, reads, writer) in SINGLE_TABLE_FIGURES.items():
        figure = kinds.add_parser(name, help=summary.replace("%", "%%"), description=f"Draw {summary} from the {reads} that `{writer}` writes. Writes a PNG and a PDF.")
        figure.add_argument("--input", required=True, metavar="CSV", help=f"the {reads} (from `{writer}`)")
        add_figure_outputs(figure)
        figure.set_defaults(handler=_single_table_figure)
    _register_scaling(kinds)
    _register_attention(kinds)
    for name, (_, summary) in NOISE_FIGURES.items():
        figure = kinds.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}; dashed: the ideal run. Writes a PNG and a PDF.")
        figure.add_argument("--noise", required=True, nargs="+", metavar="CSV", help="sweep tables of `qrnn evaluate-noise` (one line per file)")
        add_figure_outputs(figure)
        figure.set_defaults(handler=_noise_figure)
    _register_hardware_readout_error(kinds)


def _register_learning_curves(kinds: argparse._SubParsersAction) -> None:
    curves = kinds.add_parser(
        "learning-curves",
        help="held-out loss against training step, one line per model",
        description="Mean over seeds per model and variant, a band from the lowest to the highest seed, and the "
        "memoryless reference as a dashed line. Writes a PNG and a PDF.",
    )
    curves.add_argument("--curves", required=True, metavar="FILE", help="curves CSV written by `qrnn aggregate --out-curves`")
    add_figure_outputs(curves)
    curves.add_argument("--reference", type=float, metavar="VALUE", help="a reference value drawn as a dashed line (same unit as the column), e.g. copying's memoryless baseline; none if omitted")
    curves.add_argument("--reference-label", default="memoryless baseline", metavar="TEXT", help="legend text of the reference line (default: memoryless baseline)")
    curves.add_argument("--column", default="eval_loss_nats", metavar="NAME", help="curves column to plot (default: eval_loss_nats)")
    curves.set_defaults(handler=_learning_curves)


def _register_scaling(kinds: argparse._SubParsersAction) -> None:
    scaling = kinds.add_parser(
        "scaling",
        help="test metrics against qubits per depth: quantum RNN and baselines matched in parameters / width",
        description="One panel column per variational depth L and one row per test metric, drawn from the scaling "
        "table: the quantum RNN and each baseline matched in parameters (solid) and in width (dotted), mean over "
        "seeds with 95%% CI bars. Writes a PNG and a PDF.",
    )
    scaling.add_argument("--table", required=True, metavar="FILE", help="scaling table CSV written by `qrnn scaling-table`")
    scaling.add_argument("--task", required=True, metavar="TASK", help="task whose rows to draw")
    add_figure_outputs(scaling)
    scaling.set_defaults(handler=_scaling)


def _register_attention(kinds: argparse._SubParsersAction) -> None:
    attention = kinds.add_parser(
        "attention",
        help="translation: heatmaps of the decoder's attention weights for a few test sentences",
        description="One heatmap per sentence (target words down, source words across) from the attention.csv "
        "that `qrnn evaluate` writes next to a translation run's evaluation.json. Writes a PNG and a PDF.",
    )
    attention.add_argument("--attention", required=True, metavar="FILE", help="attention.csv of an evaluated translation run")
    add_figure_outputs(attention)
    attention.add_argument("--title", default="", metavar="TEXT", help="figure title")
    attention.set_defaults(handler=_attention)


def _register_hardware_readout_error(kinds: argparse._SubParsersAction) -> None:
    hardware = kinds.add_parser(
        "hardware-readout-error",
        help="readout error against time step under device noise, per protocol",
        description="Mean |device readout - ideal readout| per time step from `qrnn evaluate-hardware --out-steps`. Writes a PNG and a PDF.",
    )
    hardware.add_argument("--steps", required=True, nargs="+", metavar="CSV", help="per-step CSV files of `qrnn evaluate-hardware`")
    hardware.add_argument("--backend", required=True, metavar="NAME", help="backend name for the title")
    add_figure_outputs(hardware)
    hardware.set_defaults(handler=_hardware_readout_error)
