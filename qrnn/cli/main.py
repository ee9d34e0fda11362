"""The ``qrnn`` command: one thin sub-command per library function, called by the workflow rules."""

from __future__ import annotations

import argparse
import json
import sys

from qrnn.cli import noise as noise_cli
from qrnn.config import MODELS, TASKS
from qrnn.errors import QrnnError
from qrnn.evaluate import TEST_BATCH_SIZE


def _train(args: argparse.Namespace) -> int:
    import torch

    from qrnn.config import load_config

    from qrnn.study.resolve import run_config
    from qrnn.training.run_folder import prepare_run_folder
    from qrnn.training.loop import train

    if args.threads:
        torch.set_num_threads(args.threads)
    run = run_config(load_config(args.config), args.task, args.model, args.seed, args.variant)
    discarded = prepare_run_folder(run, args.out, args.discard_stale_checkpoint)
    if discarded:
        print(f"qrnn: discarded a checkpoint made under other settings ({'; '.join(discarded)}); starting over", file=sys.stderr)
    metrics = train(run, args.out, device=args.device, progress=not args.quiet, data_dir=args.data)
    print(json.dumps({"out": str(args.out), "final": metrics["final"], "reference": metrics["reference"]}))
    return 0


def _prepare_data(args: argparse.Namespace) -> int:
    from qrnn.config import load_config
    from qrnn.data.prepare import prepare_task_data

    manifest = prepare_task_data(load_config(args.config), args.task, args.out, args.download_dir, progress=not args.quiet)
    size = {"n_sequences": manifest["n_sequences"]} if "n_sequences" in manifest else {"sizes": manifest.get("sizes")}
    print(json.dumps({"out": str(args.out), **size, "sha256": manifest["sha256"]}))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import torch

    from qrnn.evaluate.clean import write_evaluation

    if args.threads:
        torch.set_num_threads(args.threads)
    evaluation = write_evaluation(args.run, args.data, args.out, device=args.device, batch_size=args.batch_size)
    print(json.dumps({"out": str(args.out), "metrics": evaluation["metrics"], "reference": evaluation["reference"]}))
    return 0


def _aggregate(args: argparse.Namespace) -> int:
    from qrnn.tables.aggregate import write_tables

    table = write_tables(args.task, args.runs, args.out_csv, args.out_md, args.out_json, args.out_curves, args.out_curves_mean)
    print(json.dumps({"rows": len(table), "runs": len(args.runs), "out": str(args.out_md)}))
    return 0


def _main_table(args: argparse.Namespace) -> int:
    from qrnn.tables.main import write_main_table

    table = write_main_table(args.task, args.runs, args.out_prefix, args.out_verdict, seed=args.seed)
    print(json.dumps({"rows": len(table.rows), "out": [f"{args.out_prefix}.csv", str(args.out_verdict)]}))
    return 0


def _ablation_table(args: argparse.Namespace) -> int:
    from qrnn.tables.main import write_ablation_table

    table = write_ablation_table(args.runs, args.out_prefix, seed=args.seed)
    print(json.dumps({"rows": len(table.rows), "out": f"{args.out_prefix}.csv"}))
    return 0


def _noise_table(args: argparse.Namespace) -> int:
    from qrnn.tables.noise import write_noise_table

    table = write_noise_table(args.noise, args.runs, args.out_prefix)
    print(json.dumps({"rows": len(table.rows), "seeds": table.rows[0]["n_seeds"], "out": f"{args.out_prefix}.csv"}))
    return 0


def _audit_number(args: argparse.Namespace) -> int:
    from qrnn.io.provenance import audit_number, format_audit

    record = audit_number(args.table, args.row, args.column, args.tables_dir)
    print(json.dumps(record, indent=2) if args.json else format_audit(record))
    return 0


def _learning_curves(args: argparse.Namespace) -> int:
    from qrnn.figures.learning_curves import learning_curves

    learning_curves(args.curves, args.out_png, args.out_pdf, args.reference, column=args.column, reference_label=args.reference_label)
    print(json.dumps({"out": [str(args.out_png), str(args.out_pdf)]}))
    return 0


def _attention(args: argparse.Namespace) -> int:
    from qrnn.figures.attention import attention_heatmaps

    attention_heatmaps(args.attention, args.out_png, args.out_pdf, title=args.title)
    print(json.dumps({"out": [str(args.out_png), str(args.out_pdf)]}))
    return 0


def _draw(args: argparse.Namespace) -> int:
    """The figure sub-commands other than learning-curves: one input CSV, a PNG and a PDF."""
    from importlib import import_module

    module, function = FIGURES[args.figure][0].rsplit(".", 1)
    getattr(import_module(module), function)(args.input, args.out_png, args.out_pdf)
    print(json.dumps({"out": [str(args.out_png), str(args.out_pdf)]}))
    return 0


# figure sub-command -> (function, help, the CSV it reads, the command that writes that CSV)
FIGURES = {
    "ablations": ("qrnn.figures.ablation.ablation_bars", "bars of every quantum-RNN variant's metric with 95% CIs, per task", "results/tables/ablations.csv", "qrnn tables ablations"),
    "bloch-vectors": ("qrnn.figures.hidden_state.bloch_vectors", "per-qubit Bloch vector components over time", "hidden-state CSV", "qrnn analyse hidden-state"),
    "readouts": ("qrnn.figures.hidden_state.readouts_and_entanglement", "readout heatmap and half/half entanglement entropy over time", "hidden-state CSV", "qrnn analyse hidden-state"),
    "gradient-norms": ("qrnn.figures.gradients.gradient_norms", "||dL/dh_t|| against t, one line per model", "gradient-norm CSV", "qrnn analyse gradient-norms"),
    "compute-cost": ("qrnn.figures.compute_cost.compute_cost", "time and memory per step against qubits, next to the LSTM", "compute-cost CSV", "qrnn analyse compute-cost"),
}


def _hidden_state(args: argparse.Namespace) -> int:
    from qrnn.analysis.hidden_state import write_hidden_state_dynamics

    rows = write_hidden_state_dynamics(args.run, args.data, args.out, n_sequences=args.sequences)
    print(json.dumps({"rows": len(rows), "out": str(args.out)}))
    return 0


def _gradient_norms(args: argparse.Namespace) -> int:
    import torch

    from qrnn.analysis.gradient_norms import write_gradient_norms

    if args.threads:
        torch.set_num_threads(args.threads)
    rows = write_gradient_norms(args.runs, args.data, args.out, n_sequences=args.sequences)
    print(json.dumps({"rows": len(rows), "out": str(args.out)}))
    return 0


def _compute_cost(args: argparse.Namespace) -> int:
    from qrnn.analysis.compute_cost import write_compute_cost
    from qrnn.config import load_config

    rows = write_compute_cost(
        load_config(args.config), args.task, args.qubits, args.out, batch_size=args.batch_size,
        sequence_length=args.sequence_length, repeats=args.repeats, progress=not args.quiet,
    )
    print(json.dumps({"rows": len(rows), "out": str(args.out)}))
    return 0


def _describe_study(args: argparse.Namespace) -> int:
    from qrnn.config import load_config
    from qrnn.study.runs import write_study_description

    write_study_description(load_config(args.config), args.out)
    print(json.dumps({"out": str(args.out)}))
    return 0


def _estimate(args: argparse.Namespace) -> int:
    from qrnn.io import atomic
    from qrnn.config import load_config
    from qrnn.study.estimate import estimate, format_estimate

    result = estimate(load_config(args.config), calibration_steps=args.calibration_steps, progress=not args.quiet)
    print(format_estimate(result))
    if args.json:
        atomic.write_json(args.json, result)
    return 0


def _scaling_table(args: argparse.Namespace) -> int:
    from qrnn.tables.scaling import write_scaling_table

    rows = write_scaling_table(args.runs, args.out_csv, args.out_md)
    print(json.dumps({"rows": len(rows), "runs": len(args.runs), "out": str(args.out_md)}))
    return 0


def _scaling_figure(args: argparse.Namespace) -> int:
    from qrnn.figures.scaling import scaling_figure

    scaling_figure(args.table, args.task, args.out_png, args.out_pdf)
    print(json.dumps({"out": [str(args.out_png), str(args.out_pdf)]}))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from qrnn.study.audit import audit, default_document
    from qrnn.config import load_config

    document, source = (load_config(args.config), args.config) if args.config else default_document()
    print(audit(document, args.variant, task=args.task, model=args.model, source=source), end="")
    return 0


def add_figure_outputs(parser: argparse.ArgumentParser) -> None:
    """--out-png and --out-pdf, the two files every figure sub-command writes."""
    parser.add_argument("--out-png", required=True, metavar="FILE", help="PNG output")
    parser.add_argument("--out-pdf", required=True, metavar="FILE", help="PDF output")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qrnn",
        description="Hybrid quantum-classical recurrent neural networks (Xu, arXiv 2510.25557): training and evaluation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = commands.add_parser(
        "train",
        help="train one task/model/seed run into a folder (resumes from its checkpoint)",
        description="Train one run. Rerunning the same command resumes from the run folder's checkpoint; "
        "a checkpoint made under other settings is refused.",
    )
    train.add_argument("--config", required=True, metavar="FILE", help="YAML config file (validated against the schema), or - for standard input")
    train.add_argument("--task", required=True, metavar="TASK", help=f"task to train on: {', '.join(TASKS)}")
    train.add_argument("--model", required=True, metavar="MODEL", help=f"model: {', '.join(MODELS)}")
    train.add_argument("--seed", required=True, type=int, metavar="S", help="random seed (model init, data order, dropout)")
    train.add_argument("--variant", default="default", metavar="NAME", help="variant of the model settings, a key of study.variants (default: default)")
    train.add_argument("--out", required=True, metavar="DIR", help="run folder for config.json, history.csv, metrics.json, checkpoint.pt, train.log")
    train.add_argument("--data", metavar="DATADIR", help="processed data folder of a real-data task (`qrnn prepare-data`), e.g. data/mnist; copying needs none")
    train.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda / cuda:N")
    train.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "--discard-stale-checkpoint",
        action="store_true",
        help="delete a checkpoint made under other settings and start over, instead of refusing it "
        "(the workflow passes this: Snakemake reruns a run exactly when its settings change)",
    )
    train.set_defaults(handler=_train)

    prepare = commands.add_parser(
        "prepare-data",
        help="write a task's data into a folder: copying's fixed test set, or a real data set's processed splits",
        description="copying: the test set every run is scored on, study.test_sequences sequences drawn from "
        "tasks.copying.test_seed, as DIR/test.pt and DIR/manifest.json. Other tasks: download (source full, "
        "checksummed) or read (source offline) the data set and write DIR/{train,valid,test}.pt, side files and "
        "DIR/manifest.json (last) with every file's sha256.",
    )
    prepare.add_argument("--config", required=True, metavar="FILE", help="YAML config file, or - for standard input")
    prepare.add_argument("--task", required=True, choices=TASKS, help="task whose test set to write")
    prepare.add_argument("--out", required=True, metavar="DIR", help="folder for the data files and manifest.json, e.g. data/mnist")
    prepare.add_argument("--download-dir", default="data/downloads", metavar="DIR", help="where full data sets are downloaded to (default: data/downloads)")
    prepare.add_argument("--quiet", action="store_true", help="no progress bar")
    prepare.set_defaults(handler=_prepare_data)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a finished run on its task's test set, into a JSON file",
        description="Rebuild the trained model of a finished run (config.json + checkpoint.pt) and compute the task "
        "metrics on the test set of `qrnn prepare-data`. Refuses unfinished runs and test sets made with other task settings.",
    )
    evaluate.add_argument("--run", required=True, metavar="DIR", help="run folder written by `qrnn train`")
    evaluate.add_argument("--data", required=True, metavar="DATADIR", help="folder written by `qrnn prepare-data`")
    evaluate.add_argument("--out", required=True, metavar="FILE", help="JSON file for the metrics, the memoryless reference and provenance")
    evaluate.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu (default) or cuda / cuda:N")
    evaluate.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    evaluate.add_argument("--batch-size", type=int, default=TEST_BATCH_SIZE, metavar="N", help=f"test sequences per forward pass; memory only, the metrics are over the whole set (default: {TEST_BATCH_SIZE})")
    evaluate.set_defaults(handler=_evaluate)

    aggregate = commands.add_parser(
        "aggregate",
        help="summarise evaluated runs of a task into tables (CSV, Markdown, JSON) and learning curves",
        description="One row per (model, variant): number of seeds, trainable parameters, and for every test metric "
        "the mean, standard deviation (ddof=1) and 95%% Student-t confidence interval over seeds; plus the memoryless "
        "reference. Also writes every run's held-out learning curve in long format.",
    )
    aggregate.add_argument("--task", required=True, choices=TASKS, help="task the runs belong to")
    aggregate.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="run folders holding evaluation.json, metrics.json and history.csv")
    aggregate.add_argument("--out-csv", required=True, metavar="FILE", help="summary table, one row per model/variant")
    aggregate.add_argument("--out-md", required=True, metavar="FILE", help="the same table in Markdown")
    aggregate.add_argument("--out-json", required=True, metavar="FILE", help="nested {model/variant: {metric: {mean, std, ci_low, ci_high}}}, for `dvc metrics show`")
    aggregate.add_argument("--out-curves", required=True, metavar="FILE", help="learning curves, long format: step, model, variant, seed, held-out metrics")
    aggregate.add_argument("--out-curves-mean", metavar="FILE", help="held-out loss per step, mean over seeds, one column per model (for `dvc plots`)")
    aggregate.set_defaults(handler=_aggregate)

    tables = commands.add_parser("tables", help="significance tables: main results per task, ablations, noise", description="Tables with significance tests, as CSV, Markdown, LaTeX and a provenance file per table.")
    table_kinds = tables.add_subparsers(dest="table", metavar="TABLE", required=True)
    main_table = table_kinds.add_parser(
        "main",
        help="task x model: parameters, main metric with CI, tests against the quantum RNN, and the verdict",
        description="One row per model (its default variant): trainable parameters, the task's main metric (mean, std, "
        "bootstrap 95%% CI over seeds), and each baseline against the quantum RNN: difference, Welch and Mann-Whitney p, "
        "Holm-corrected p over the task's baselines, paired tests when seeds pair, Hedges' g, Cliff's delta, seeds for 80%% power. "
        "Writes PREFIX.csv/.md/.tex/.provenance.json and a verdict in Markdown.",
    )
    main_table.add_argument("--task", required=True, choices=TASKS, help="task the runs belong to")
    main_table.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="evaluated run folders of the task")
    main_table.add_argument("--out-prefix", required=True, metavar="PREFIX", help="e.g. results/tables/copying_main")
    main_table.add_argument("--out-verdict", required=True, metavar="FILE", help="the verdict, Markdown")
    main_table.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the bootstrap resampling (default 0)")
    main_table.set_defaults(handler=_main_table)
    ablations = table_kinds.add_parser(
        "ablations",
        help="every quantum-RNN variant against the full model, per task",
        description="Per task, each quantum-RNN variant against variant 'full' (else 'default'): classical and quantum "
        "trainable parameters, main metric with bootstrap CI, difference and Holm-corrected Welch p. Writes PREFIX.csv/.md/.tex/.provenance.json.",
    )
    ablations.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="evaluated quantum-RNN run folders, any tasks")
    ablations.add_argument("--out-prefix", required=True, metavar="PREFIX", help="e.g. results/tables/ablations")
    ablations.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the bootstrap resampling (default 0)")
    ablations.set_defaults(handler=_ablation_table)
    noise = table_kinds.add_parser(
        "noise",
        help="a task's quantum RNN under every noise condition: metrics over seeds and their change from the ideal readout",
        description="One row per sweep point of `qrnn evaluate-noise` (the metric names and units come from the JSON next "
        "to each CSV): every task metric's mean over seeds with a 95%% Student-t interval (none for one seed), its paired change "
        "from the ideal condition of the same runs with a Student-t interval and a paired t-test Holm-corrected over the points "
        "per metric, and the readout deviation. Writes PREFIX.csv/.md/.tex/.provenance.json.",
    )
    noise.add_argument("--noise", required=True, nargs="+", metavar="CSV", help="noise CSVs of one task (results/noise/TASK/qrnn/VARIANT/SEED.csv), the JSON next to each")
    noise.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="the trained run folders those CSVs evaluate (their metrics.json)")
    noise.add_argument("--out-prefix", required=True, metavar="PREFIX", help="e.g. results/tables/copying_noise")
    noise.set_defaults(handler=_noise_table)

    audit = commands.add_parser(
        "audit-number",
        help="print the runs behind one number of a table (folders, config hash, git revision, data hash)",
        description="Look up a table cell in the table's provenance file and print its value and every run it was computed from.",
    )
    audit.add_argument("table", metavar="TABLE", help="table name (e.g. copying_main, ablations) or a table file (.csv/.md/.tex)")
    audit.add_argument("row", metavar="ROW", help="row label: the model (main tables), task/variant (ablations) or the sweep point (noise tables: ideal, shots=100, depolarizing=0.01)")
    audit.add_argument("column", metavar="COLUMN", help="CSV column, e.g. mean, p_welch_holm")
    audit.add_argument("--tables-dir", default="results/tables", metavar="DIR", help="where tables named by name live (default results/tables)")
    audit.add_argument("--json", action="store_true", help="print the record as JSON")
    audit.set_defaults(handler=_audit_number)

    figures = commands.add_parser("figures", help="draw the study's figures from its tables", description="Draw figures from result tables (never from models).")
    kinds = figures.add_subparsers(dest="figure", metavar="FIGURE", required=True)
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
    for name, (_, summary, reads, writer) in FIGURES.items():
        figure = kinds.add_parser(name, help=summary.replace("%", "%%"), description=f"Draw {summary} from the {reads} that `{writer}` writes. Writes a PNG and a PDF.")
        figure.add_argument("--input", required=True, metavar="CSV", help=f"the {reads} (from `{writer}`)")
        add_figure_outputs(figure)
        figure.set_defaults(handler=_draw)

    analyse = commands.add_parser("analyse", help="analyses of trained models and of compute cost, into CSVs for the figures", description="Run trained models (or time fresh ones) and write CSVs the figures are drawn from.")
    analyses = analyse.add_subparsers(dest="analysis", metavar="ANALYSIS", required=True)
    hidden = analyses.add_parser(
        "hidden-state",
        help="per-qubit Bloch vectors and half/half entanglement entropy of a trained quantum RNN, step by step",
        description="Run a finished quantum-RNN run on the first test sequences and write, per sequence, step and qubit, "
        "<X>, <Y>, <Z> and the entanglement entropy (bits) of the state across the cut between the first n//2 qubits and the rest.",
    )
    hidden.add_argument("--run", required=True, metavar="DIR", help="finished quantum-RNN run folder")
    hidden.add_argument("--data", required=True, metavar="DATADIR", help="folder written by `qrnn prepare-data`")
    hidden.add_argument("--out", required=True, metavar="FILE", help="CSV output")
    hidden.add_argument("--sequences", type=int, default=3, metavar="N", help="test sequences to follow (default 3)")
    hidden.set_defaults(handler=_hidden_state)
    norms = analyses.add_parser(
        "gradient-norms",
        help="||dL/dh_t|| against t for finished runs (h_t: the core's per-step output)",
        description="For each run, the norm of the total derivative of each test sequence's loss with respect to the "
        "core's output at step t, mean and std over test sequences.",
    )
    norms.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="finished run folders (any models)")
    norms.add_argument("--data", required=True, metavar="DATADIR", help="folder written by `qrnn prepare-data`")
    norms.add_argument("--out", required=True, metavar="FILE", help="CSV output")
    norms.add_argument("--sequences", type=int, default=64, metavar="N", help="test sequences to average over (default 64)")
    norms.add_argument("--threads", type=int, default=0, metavar="N", help="CPU threads for torch (default: torch's choice)")
    norms.set_defaults(handler=_gradient_norms)
    cost = analyses.add_parser(
        "compute-cost",
        help="time and memory per step of the quantum RNN against qubits, next to a parameter-matched LSTM",
        description="For each qubit count, the study's quantum RNN at that size and an LSTM with the closest parameter "
        "count: median wall time of forward + backward per time step on one thread, and the bytes autograd saves for backward per step.",
    )
    cost.add_argument("--config", required=True, metavar="FILE", help="YAML config file, or - for standard input")
    cost.add_argument("--task", default="copying", choices=TASKS, help="task giving the vocabulary and outputs (default copying)")
    cost.add_argument("--qubits", type=int, nargs="+", default=[2, 4, 6, 8], metavar="N", help="qubit counts (default 2 4 6 8)")
    cost.add_argument("--out", required=True, metavar="FILE", help="CSV output")
    cost.add_argument("--batch-size", type=int, default=16, metavar="B", help="sequences per pass (default 16)")
    cost.add_argument("--sequence-length", type=int, default=32, metavar="T", help="time steps per sequence (default 32)")
    cost.add_argument("--repeats", type=int, default=3, metavar="N", help="timed passes; the median is kept (default 3)")
    cost.add_argument("--quiet", action="store_true", help="no progress bar")
    cost.set_defaults(handler=_compute_cost)

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
    scaling.set_defaults(handler=_scaling_figure)

    scaling_table = commands.add_parser(
        "scaling-table",
        help="summarise the evaluated runs of the scaling study into a table (CSV, Markdown)",
        description="One row per task, scaling point (n, L), model and matching: hidden size, seeds, trainable "
        "parameters (total, classical, quantum) and every test metric's mean, std and 95%% Student-t CI over seeds.",
    )
    scaling_table.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="run folders of scaling variants, holding evaluation.json and config.json")
    scaling_table.add_argument("--out-csv", required=True, metavar="FILE", help="the table as CSV")
    scaling_table.add_argument("--out-md", required=True, metavar="FILE", help="the table in Markdown, one section per task")
    scaling_table.set_defaults(handler=_scaling_table)
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
    noise_cli.add_figures(kinds)

    describe = commands.add_parser(
        "describe-study",
        help="write the resolved config (all defaults filled in) with the software versions",
        description="Validate a config and write it back as YAML with every default filled in, headed by the git "
        "revision, library versions and number of runs; usable again as a config file.",
    )
    describe.add_argument("--config", required=True, metavar="FILE", help="YAML config file, or - for standard input")
    describe.add_argument("--out", required=True, metavar="FILE", help="YAML output")
    describe.set_defaults(handler=_describe_study)

    cost = commands.add_parser(
        "estimate",
        help="print a study's number of jobs and its core-hours and GPU-hours",
        description="Estimate what a study costs: each (task, model, variant) is timed for a few training steps at "
        "its configured size on this machine, with resources.train.cpus threads, and scaled to the study's steps, "
        "seeds and evaluations.",
    )
    cost.add_argument("--config", required=True, metavar="FILE", help="YAML config file, e.g. config/paper.yaml")
    cost.add_argument("--calibration-steps", type=int, default=3, metavar="N", help="timed training steps per model (default 3)")
    cost.add_argument("--json", metavar="FILE", help="also write the estimate as JSON")
    cost.add_argument("--quiet", action="store_true", help="no progress bar")
    cost.set_defaults(handler=_estimate)

    from qrnn.study.ablations import PRESETS

    audit = commands.add_parser(
        "audit",
        help="explain a variant: what it changes, which parameters are trained, where each circuit angle comes from",
        description="Build the model a run of VARIANT trains and print: the settings it changes relative to the full "
        "model (the models section) and what they mean; its trainable parameters per module, circuit angles (quantum) "
        "apart from classical weights; buffers that are never trained; and the source of every angle of one step's "
        f"circuit. VARIANT is a key of study.variants, an ablation preset ({', '.join(PRESETS)}) or a scaling point "
        "(n<qubits>_l<depth>, with _params or _width for the matched baselines).",
    )
    audit.add_argument("variant", metavar="VARIANT", help="variant name")
    audit.add_argument("--config", metavar="FILE", help="YAML config file (default: the repository's config/config.yaml, else the schema defaults)")
    audit.add_argument("--task", metavar="TASK", help="task that sets the input and output sizes (default: the first of study.tasks)")
    audit.add_argument("--model", metavar="MODEL", help="model to audit (default: qrnn if the variant applies to it, else its first model)")
    audit.set_defaults(handler=_audit)
    noise_cli.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except QrnnError as error:
        print(f"qrnn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qrnn: interrupted; rerun the same command to resume from the last checkpoint", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
