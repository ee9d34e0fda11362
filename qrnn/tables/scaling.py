"""The scaling table: per task, scaling point (n, L), model and matching, the trainable
parameters, hidden size, every test metric's mean and 95% CI over seeds, and each baseline
against the quantum RNN of its point on the task's main metric (Welch p, Holm-corrected over
the baselines of the point, and the outcome: inconclusive unless every run converged).

Reads only result files of evaluated runs (evaluation.json, config.json, metrics.json); the
point and the matching come from the variant name (qrnn.study.scaling.parse_name), the sizes
from the run's resolved settings, convergence from the stop reason training recorded.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from qrnn.config import MODELS
from qrnn.errors import QrnnError
from qrnn.io import atomic
from qrnn.io.provenance import run_engine_path
from qrnn.io.result_files import read_result_json
from qrnn.study.scaling import parse_name, point_name
from qrnn.tables.aggregate import refuse_mixed_engine_paths
from qrnn.tables.convergence import converged, convergence_columns, stop_reason
from qrnn.tables.formats import QUANTUM, p_value
from qrnn.tables.main import main_metric
from qrnn.tables.statistics import ALPHA, compare_groups, holm, interval_method, interval_note, summarise
from qrnn.tables.verdict import QUANTUM_VIEW, outcome

CONFIDENCE = 0.95
KEY_COLUMNS = ["task", "n_qubits", "n_layers", "model", "matching", "variant"]
COMPARISON_COLUMNS = [
    "difference", "difference_ci95_low", "difference_ci95_high", "difference_interval_method", "p_welch", "p_welch_holm",
    "reference_n_converged", "not_converged", "outcome",
]


class Member:
    """One evaluated run of a scaling point: its evaluation.json, config.json and stop reason."""

    def __init__(self, folder: Path):
        self.evaluation, self.config = read_result_json(folder / "evaluation.json"), read_result_json(folder / "config.json")
        self.stop_reason = stop_reason(read_result_json(folder / "metrics.json", {}), folder / "metrics.json")

    @property
    def seed(self) -> int:
        return self.evaluation["seed"]


def _compare(row: dict[str, Any], group: list[Member], reference: list[Member]) -> None:
    """Fill the comparison columns of a baseline row: its main metric minus the quantum RNN's at the same point."""
    metric, direction = main_metric(row["task"], list(group[0].evaluation["metrics"]))
    a = [m.evaluation["metrics"][metric] for m in sorted(group, key=lambda m: m.seed)]
    b = [m.evaluation["metrics"][metric] for m in sorted(reference, key=lambda m: m.seed)]
    paired = sorted(m.seed for m in group) == sorted(m.seed for m in reference) and len(a) > 1
    result = compare_groups(a, b, paired=paired)
    row.update(metric=metric, better=direction, difference=result["difference"], difference_ci95_low=result["ci_low_difference"],
               difference_ci95_high=result["ci_high_difference"], difference_interval_method=result["interval_method"], p_welch=result["p_welch"])
    row.update(convergence_columns([m.stop_reason for m in group], [m.stop_reason for m in reference]))


def _correct_points(rows: list[dict[str, Any]]) -> None:
    """Holm over the baselines of each (task, n, L), then each baseline's outcome."""
    points: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        if row["outcome"] is None:  # a baseline with a quantum RNN at its point
            points.setdefault((row["task"], row["n_qubits"], row["n_layers"]), []).append(row)
    for family in points.values():
        for row, adjusted in zip(family, holm([row["p_welch"] for row in family], ALPHA)):
            row["p_welch_holm"] = adjusted
            row["outcome"] = outcome(row, QUANTUM_VIEW)


def scaling_rows(run_dirs: list[str | Path]) -> list[dict[str, Any]]:
    """One row per (task, n, L, model, matching), sorted; metrics as <metric>_<unit>_{mean,std,ci95_low,ci95_high}."""
    if not run_dirs:
        raise QrnnError("no run folders given")
    groups: dict[tuple, list[Member]] = {}
    engine_paths: dict[Path, str | None] = {}  # of the quantum RNN's runs, by their evaluation (the numbers in the table)
    for folder in map(Path, run_dirs):
        member = Member(folder)
        evaluation = member.evaluation
        if evaluation["model"] == QUANTUM:
            engine_paths[folder] = run_engine_path(evaluation)
        parsed = parse_name(evaluation["variant"])
        if parsed is None:
            raise QrnnError(f"{folder}: variant {evaluation['variant']!r} is no scaling point (n<qubits>_l<depth>[_params|_width])")
        n_qubits, n_layers, matching = parsed
        key = (evaluation["task"], n_qubits, n_layers, evaluation["model"], matching or "", evaluation["variant"])
        groups.setdefault(key, []).append(member)
    refuse_mixed_engine_paths(engine_paths)
    rows = []
    for key in sorted(groups, key=lambda k: (k[0], k[2], k[1], MODELS.index(k[3]), k[4])):
        members = groups[key]
        evaluation, config = members[0].evaluation, members[0].config
        counts = {json.dumps(m.evaluation["trainable_parameters"], sort_keys=True) for m in members}
        if len(counts) > 1:
            raise QrnnError(f"runs of {key} have different parameter counts; were they trained with different settings?")
        settings = config["model_settings"]
        row: dict[str, Any] = dict(zip(KEY_COLUMNS, key))
        row["hidden_size"] = settings.get("hidden_size", len(settings.get("readouts", [])) * settings.get("n_qubits", 0))
        row["n_seeds"] = len(members)
        row["n_converged"] = converged(m.stop_reason for m in members)
        row["interval_method"] = interval_method(len(members))
        row.update({f"trainable_parameters_{part}": value for part, value in evaluation["trainable_parameters"].items()})
        for metric in evaluation["metrics"]:
            unit = evaluation["units"][metric]
            statistics = summarise([m.evaluation["metrics"][metric] for m in members], CONFIDENCE)
            for name in ("mean", "std", "ci_low", "ci_high"):
                row[f"test_{metric}_{unit}_{name.replace('ci_', 'ci95_')}"] = statistics[name]
        row.update({"metric": "", "better": "", **dict.fromkeys(COMPARISON_COLUMNS, math.nan), "difference_interval_method": "", "not_converged": "", "outcome": ""})
        reference = groups.get((key[0], key[1], key[2], QUANTUM, "", point_name(key[1], key[2])))
        if key[3] != QUANTUM and reference is not None:
            row["outcome"] = None  # set once the point's baselines are Holm-corrected together
            _compare(row, members, reference)
        rows.append(row)
    _correct_points(rows)
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.4f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(rows: list[dict[str, Any]]) -> str:
    """One table per task (tasks have different metrics)."""
    methods = {f"{r['task']} n={r['n_qubits']} L={r['n_layers']} {r['model']}{' ' + r['matching'] if r['matching'] else ''}": r["interval_method"] for r in rows}
    lines = ["# Scaling: quantum RNN over qubits n and depth L, baselines matched per point", "", interval_note(methods, CONFIDENCE, differences=True)]
    for task in dict.fromkeys(row["task"] for row in rows):
        own = [row for row in rows if row["task"] == task]
        metrics = [column.removesuffix("_mean") for column in own[0] if column.endswith("_mean")]
        header = ["n", "L", "model", "matched in", "hidden size", "seeds", "converged", "trainable parameters"]
        header += [f"{m.removeprefix('test_').replace('_', ' ')}, mean [95% CI]" for m in metrics]
        header += ["p (Holm) vs quantum RNN", "quantum RNN vs this model"]
        lines += ["", f"## {task}", "", "| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 4 + ["---:"] * (len(header) - 6) + ["---"] * 2) + "|"]
        for row in own:
            cells = [str(row["n_qubits"]), str(row["n_layers"]), row["model"], row["matching"] or "-", _cell(row["hidden_size"]),
                     str(row["n_seeds"]), f"{row['n_converged']} of {row['n_seeds']}", _cell(row["trainable_parameters_total"])]
            cells += [f"{_cell(row[f'{m}_mean'])} [{_cell(row[f'{m}_ci95_low'])}, {_cell(row[f'{m}_ci95_high'])}]" for m in metrics]
            cells += [p_value(row["p_welch_holm"]), row["outcome"] or "–"]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Matched in parameters: the whole baseline (embedding, core, head) has the quantum RNN's trainable-parameter "
              "count within 5%; in width: its hidden size is the quantum RNN's readout width (readouts x n), which is also "
              "the hidden size given for the quantum RNN. NaN: one seed, no interval. Comparison: each baseline minus the quantum RNN "
              "of its point on the task's main metric, two-sided Welch t-test Holm-corrected over the baselines of the point; "
              "converged: runs that stopped on a validation plateau (metrics.json stop_reason \"plateau\"); a comparison in which any run "
              "of either group did not is inconclusive: not converged, whatever its p-value."]
    return "\n".join(lines) + "\n"


def write_scaling_table(run_dirs: list[str | Path], out_csv: str | Path, out_md: str | Path) -> list[dict[str, Any]]:
    rows = scaling_rows(run_dirs)
    columns = list(dict.fromkeys(column for row in rows for column in row))
    atomic.write_texts({out_csv: atomic.csv_text(rows, columns), out_md: markdown(rows)})
    return rows
