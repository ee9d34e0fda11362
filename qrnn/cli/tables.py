"""Tables from evaluated runs: `qrnn aggregate`, `qrnn tables main|ablations|noise|tuning`,
`qrnn scaling-table`, and `qrnn audit-number` (the runs behind one cell of a table)."""

from __future__ import annotations

import argparse
import json

from qrnn.cli.options import add_bootstrap_seed, print_json
from qrnn.config import TASKS


def _aggregate(args: argparse.Namespace) -> None:
    from qrnn.tables.aggregate import write_tables

    table = write_tables(args.task, args.runs, args.out_csv, args.out_md, args.out_json, args.out_curves, args.out_curves_mean)
    print_json({"rows": len(table), "runs": len(args.runs), "out": str(args.out_md)})


def _main_table(args: argparse.Namespace) -> None:
    from qrnn.tables.main import write_main_table

    table = write_main_table(args.task, args.runs, args.out_prefix, args.out_verdict, seed=args.seed, tuning=args.tuning)
    print_json({"rows": len(table.rows), "out": [f"{args.out_prefix}.csv", str(args.out_verdict)]})


def _ablation_table(args: argparse.Namespace) -> None:
    from qrnn.tables.main import write_ablation_table

    table = write_ablation_table(args.runs, args.out_prefix, seed=args.seed)
    print_json({"rows": len(table.rows), "out": f"{args.out_prefix}.csv"})


def _noise_table(args: argparse.Namespace) -> None:
    from qrnn.tables.noise import write_noise_table

    table = write_noise_table(args.noise, args.runs, args.out_prefix)
    print_json({"rows": len(table.rows), "seeds": table.rows[0]["n_seeds"], "out": f"{args.out_prefix}.csv"})


def _tuning_table(args: argparse.Namespace) -> None:
    from qrnn.tables.tuning import write_tuning_table

    rows = write_tuning_table(args.choices, args.out_prefix)
    print_json({"rows": len(rows), "out": [f"{args.out_prefix}.csv", f"{args.out_prefix}.md"]})


def _scaling_table(args: argparse.Namespace) -> None:
    from qrnn.tables.scaling import write_scaling_table

    rows = write_scaling_table(args.runs, args.out_csv, args.out_md)
    print_json({"rows": len(rows), "runs": len(args.runs), "out": str(args.out_md)})


def _audit_number(args: argparse.Namespace) -> None:
    from qrnn.io.provenance import audit_number, format_audit

    record = audit_number(args.table, args.row, args.column, args.tables_dir)
    print(json.dumps(record, indent=2) if args.json else format_audit(record))


def register(commands: argparse._SubParsersAction) -> None:
    _register_aggregate(commands)
    tables = commands.add_parser("tables", help="significance tables: main results per task, ablations, noise; the learning-rate selection", description="Tables with significance tests, as CSV, Markdown, LaTeX and a provenance file per table.")
    kinds = tables.add_subparsers(dest="table", metavar="TABLE", required=True)
    _register_main_table(kinds)
    _register_ablation_table(kinds)
    _register_noise_table(kinds)
    _register_tuning_table(kinds)
    _register_audit_number(commands)
    _register_scaling_table(commands)


def _register_aggregate(commands: argparse._SubParsersAction) -> None:
    aggregate = commands.add_parser(
        "aggregate",
        help="summarise evaluated runs of a task into tables (CSV, Markdown, JSON) and learning curves",
        description="One row per (model, variant): number of seeds, trainable parameters, and for every test metric "
        "the mean, standard deviation (ddof=1) and 95%% confidence interval over seeds (Student-t below 10 seeds, BCa "
        "bootstrap from 10 on), and how many runs stopped on a validation plateau; plus the memoryless reference. Also writes every run's held-out learning curve in long format.",
    )
    aggregate.add_argument("--task", required=True, choices=TASKS, help="task the runs belong to")
    aggregate.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="run folders holding evaluation.json, metrics.json and history.csv")
    aggregate.add_argument("--out-csv", required=True, metavar="FILE", help="summary table, one row per model/variant")
    aggregate.add_argument("--out-md", required=True, metavar="FILE", help="the same table in Markdown")
    aggregate.add_argument("--out-json", required=True, metavar="FILE", help="nested {model/variant: {metric: {mean, std, ci_low, ci_high}}}, for `dvc metrics show`")
    aggregate.add_argument("--out-curves", required=True, metavar="FILE", help="learning curves, long format: step, model, variant, seed, held-out metrics")
    aggregate.add_argument("--out-curves-mean", metavar="FILE", help="held-out loss per step, mean over seeds, one column per model (for `dvc plots`)")
    aggregate.set_defaults(handler=_aggregate)


def _register_main_table(kinds: argparse._SubParsersAction) -> None:
    main_table = kinds.add_parser(
        "main",
        help="task x model: parameters, main metric with CI, tests against the quantum RNN, and the verdict",
        description="One row per model (its default variant): trainable parameters, the task's main metric (mean, std, "
        "95%% CI over seeds: Student-t below 10 seeds, BCa bootstrap from 10 on), converged runs, and each baseline against the quantum RNN: "
        "difference, Welch and Mann-Whitney p, Holm-corrected p over the task's baselines, paired tests when seeds pair, Hedges' g, "
        "Cliff's delta, seeds for 80%% power, and the outcome (inconclusive: not converged unless every run stopped on a plateau). "
        "Writes PREFIX.csv/.md/.tex/.provenance.json and a verdict in Markdown.",
    )
    main_table.add_argument("--task", required=True, choices=TASKS, help="task the runs belong to")
    main_table.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="evaluated run folders of the task")
    main_table.add_argument("--out-prefix", required=True, metavar="PREFIX", help="e.g. results/tables/copying_main")
    main_table.add_argument("--out-verdict", required=True, metavar="FILE", help="the verdict, Markdown")
    main_table.add_argument("--tuning", nargs="+", metavar="JSON", help="the task's learning-rate choices (`qrnn tune select`), for the notes and the provenance")
    add_bootstrap_seed(main_table)
    main_table.set_defaults(handler=_main_table)


def _register_ablation_table(kinds: argparse._SubParsersAction) -> None:
    ablations = kinds.add_parser(
        "ablations",
        help="every quantum-RNN variant against the full model, per task",
        description="Per task, each quantum-RNN variant against variant 'full' (else 'default'): classical and quantum "
        "trainable parameters, main metric with 95%% CI (Student-t below 10 seeds, BCa bootstrap from 10 on), difference, "
        "Holm-corrected Welch p, converged runs and the outcome (inconclusive: not converged unless every run stopped on a plateau). Writes PREFIX.csv/.md/.tex/.provenance.json.",
    )
    ablations.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="evaluated quantum-RNN run folders, any tasks")
    ablations.add_argument("--out-prefix", required=True, metavar="PREFIX", help="e.g. results/tables/ablations")
    add_bootstrap_seed(ablations)
    ablations.set_defaults(handler=_ablation_table)


def _register_noise_table(kinds: argparse._SubParsersAction) -> None:
    noise = kinds.add_parser(
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


def _register_tuning_table(kinds: argparse._SubParsersAction) -> None:
    tuning = kinds.add_parser(
        "tuning",
        help="the learning rate chosen for each task and model, its grid, held-out value and search budget",
        description="One row per choice file of `qrnn tune select`: task, model, chosen learning rate, the grid, the held-out "
        "metric at the choice, how many candidates diverged, the budget (runs x max steps) and the tuning seed. Writes PREFIX.csv and PREFIX.md.",
    )
    tuning.add_argument("--choices", required=True, nargs="+", metavar="JSON", help="choice files, results/tuning/TASK/MODEL.json")
    tuning.add_argument("--out-prefix", required=True, metavar="PREFIX", help="e.g. results/tables/tuning")
    tuning.set_defaults(handler=_tuning_table)


def _register_audit_number(commands: argparse._SubParsersAction) -> None:
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


def _register_scaling_table(commands: argparse._SubParsersAction) -> None:
    scaling_table = commands.add_parser(
        "scaling-table",
        help="summarise the evaluated runs of the scaling study into a table (CSV, Markdown)",
        description="One row per task, scaling point (n, L), model and matching: hidden size, seeds, trainable "
        "parameters (total, classical, quantum), converged runs, every test metric's mean, std and 95%% CI over seeds (Student-t "
        "below 10 seeds, BCa bootstrap from 10 on), and each baseline against the quantum RNN of its point on the main metric "
        "(Welch p Holm-corrected over the point's baselines; inconclusive: not converged unless every run stopped on a plateau).",
    )
    scaling_table.add_argument("--runs", required=True, nargs="+", metavar="RUNDIR", help="run folders of scaling variants, holding evaluation.json and config.json")
    scaling_table.add_argument("--out-csv", required=True, metavar="FILE", help="the table as CSV")
    scaling_table.add_argument("--out-md", required=True, metavar="FILE", help="the table in Markdown, one section per task")
    scaling_table.set_defaults(handler=_scaling_table)
