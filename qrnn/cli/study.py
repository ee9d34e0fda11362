"""What a study is and costs: `qrnn describe-study`, `qrnn estimate`, `qrnn audit VARIANT`."""

from __future__ import annotations

import argparse

from qrnn.cli.options import add_config, add_quiet, positive_integer, print_json
from qrnn.config import load_config
from qrnn.study.ablations import PRESETS


def _describe_study(args: argparse.Namespace) -> None:
    from qrnn.study.runs import write_study_description

    document = load_config(args.config)
    write_study_description(document, args.out)
    if args.front_page:
        from qrnn.io import atomic
        from qrnn.study.front_page import front_page

        atomic.write_text(args.front_page, front_page(document))
    print_json({"out": str(args.out), "front_page": str(args.front_page) if args.front_page else None})


def _estimate(args: argparse.Namespace) -> None:
    from qrnn.io import atomic
    from qrnn.study.estimate import estimate, format_estimate

    result = estimate(
        load_config(args.config), calibration_steps=args.calibration_steps, progress=not args.quiet, offline_data=args.offline_data,
        threads=args.timing_threads, cpu_time=args.cpu_time,
    )
    print(format_estimate(result))
    if args.json:
        atomic.write_json(args.json, result)


def _audit(args: argparse.Namespace) -> None:
    from qrnn.study.audit import audit, default_document

    document, source = (load_config(args.config), args.config) if args.config else default_document()
    print(audit(document, args.variant, task=args.task, model=args.model, source=source), end="")


def register(commands: argparse._SubParsersAction) -> None:
    describe = commands.add_parser(
        "describe-study",
        help="write the resolved config (all defaults filled in) with the software versions",
        description="Validate a config and write it back as YAML with every default filled in, headed by the git "
        "revision, library versions and number of runs; usable again as a config file.",
    )
    add_config(describe)
    describe.add_argument("--out", required=True, metavar="FILE", help="YAML output")
    describe.add_argument(
        "--front-page", metavar="FILE", help="also write the HTML report's front page (reStructuredText): tasks, data, models, steps, stopping rule, tuning, intervals"
    )
    describe.set_defaults(handler=_describe_study)

    estimate = commands.add_parser(
        "estimate",
        help="print a study's number of jobs and its core-hours and GPU-hours",
        description="Estimate what a study costs: each (task, model, variant) is timed for a few training steps at "
        "its configured size on this machine, with resources.train.cpus threads, and scaled to the study's steps, "
        "seeds and evaluations. Real-data tasks are timed on data prepared with the config's data settings (data/<task> "
        "when its manifest records them, else a fresh preparation); a model whose full-batch step would take over 2 s is "
        "timed at two smaller batch sizes and extrapolated (rows marked x).",
    )
    add_config(estimate, "YAML config file, e.g. config/paper.yaml")
    estimate.add_argument("--calibration-steps", type=int, default=3, metavar="N", help="timed training steps per model (default 3)")
    estimate.add_argument(
        "--offline-data", action="store_true",
        help="time a task whose full data (source: full) cannot be downloaded on its offline source, with the config's other "
        "data settings and the full data's sequence lengths and vocabulary (rows marked o; the output says what differs)",
    )
    estimate.add_argument("--timing-threads", type=positive_integer, metavar="N", help="torch threads while timing (default: resources.train.cpus)")
    estimate.add_argument(
        "--cpu-time", action="store_true",
        help="time CPU time (core-seconds, summed over the threads) instead of wall time x resources.train.cpus: "
        "use it with --timing-threads 1 on a machine busy with other work, where wall time measures waiting",
    )
    estimate.add_argument("--json", metavar="FILE", help="also write the estimate as JSON")
    add_quiet(estimate)
    estimate.set_defaults(handler=_estimate)
    _register_audit(commands)


def _register_audit(commands: argparse._SubParsersAction) -> None:
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
    add_config(audit, "YAML config file (default: the repository's config/config.yaml, else the schema defaults)", required=False)
    audit.add_argument("--task", metavar="TASK", help="task that sets the input and output sizes (default: the first of study.tasks)")
    audit.add_argument("--model", metavar="MODEL", help="model to audit (default: qrnn if the variant applies to it, else its first model)")
    audit.set_defaults(handler=_audit)
