"""The scaling table: per task, scaling point (n, L), model and matching, the trainable
parameters, hidden size and every test metric's mean and 95% CI over seeds.

Reads only result files of evaluated runs (evaluation.json, config.json); the point and
the matching come from the variant name (qrnn.study.scaling.parse_name), the sizes from the
run's resolved settings.
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
from qrnn.study.scaling import parse_name
from qrnn.tables.aggregate import refuse_mixed_engine_paths
from qrnn.tables.formats import QUANTUM
from qrnn.tables.statistics import mean_and_confidence_interval

CONFIDENCE = 0.95
KEY_COLUMNS = ["task", "n_qubits", "n_layers", "model", "matching", "variant"]


def scaling_rows(run_dirs: list[str | Path]) -> list[dict[str, Any]]:
    """One row per (task, n, L, model, matching), sorted; metrics as <metric>_<unit>_{mean,std,ci95_low,ci95_high}."""
    if not run_dirs:
        raise QrnnError("no run folders given")
    groups: dict[tuple, list[tuple[dict, dict]]] = {}
    engine_paths: dict[Path, str | None] = {}  # of the quantum RNN's runs, by their evaluation (the numbers in the table)
    for folder in map(Path, run_dirs):
        evaluation, config = read_result_json(folder / "evaluation.json"), read_result_json(folder / "config.json")
        if evaluation["model"] == QUANTUM:
            engine_paths[folder] = run_engine_path(evaluation)
        parsed = parse_name(evaluation["variant"])
        if parsed is None:
            raise QrnnError(f"{folder}: variant {evaluation['variant']!r} is no scaling point (n<qubits>_l<depth>[_params|_width])")
        n_qubits, n_layers, matching = parsed
        key = (evaluation["task"], n_qubits, n_layers, evaluation["model"], matching or "", evaluation["variant"])
        groups.setdefault(key, []).append((evaluation, config))
    refuse_mixed_engine_paths(engine_paths)
    rows = []
    for key in sorted(groups, key=lambda k: (k[0], k[2], k[1], MODELS.index(k[3]), k[4])):
        members = groups[key]
        evaluation, config = members[0]
        counts = {json.dumps(e["trainable_parameters"], sort_keys=True) for e, _ in members}
        if len(counts) > 1:
            raise QrnnError(f"runs of {key} have different parameter counts; were they trained with different settings?")
        settings = config["model_settings"]
        row: dict[str, Any] = dict(zip(KEY_COLUMNS, key))
        row["hidden_size"] = settings.get("hidden_size", len(settings.get("readouts", [])) * settings.get("n_qubits", 0))
        row["n_seeds"] = len(members)
        row.update({f"trainable_parameters_{part}": value for part, value in evaluation["trainable_parameters"].items()})
        for metric in evaluation["metrics"]:
            unit = evaluation["units"][metric]
            statistics = mean_and_confidence_interval([e["metrics"][metric] for e, _ in members], CONFIDENCE)
            for name in ("mean", "std", "ci_low", "ci_high"):
                row[f"test_{metric}_{unit}_{name.replace('ci_', 'ci95_')}"] = statistics[name]
        rows.append(row)
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.4f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(rows: list[dict[str, Any]]) -> str:
    """One table per task (tasks have different metrics)."""
    lines = ["# Scaling: quantum RNN over qubits n and depth L, baselines matched per point"]
    for task in dict.fromkeys(row["task"] for row in rows):
        own = [row for row in rows if row["task"] == task]
        metrics = [column.removesuffix("_mean") for column in own[0] if column.endswith("_mean")]
        header = ["n", "L", "model", "matched in", "hidden size", "seeds", "trainable parameters"]
        header += [f"{m.removeprefix('test_').replace('_', ' ')}, mean [95% CI]" for m in metrics]
        lines += ["", f"## {task}", "", "| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 4 + ["---:"] * (len(header) - 4)) + "|"]
        for row in own:
            cells = [str(row["n_qubits"]), str(row["n_layers"]), row["model"], row["matching"] or "-", _cell(row["hidden_size"]),
                     str(row["n_seeds"]), _cell(row["trainable_parameters_total"])]
            cells += [f"{_cell(row[f'{m}_mean'])} [{_cell(row[f'{m}_ci95_low'])}, {_cell(row[f'{m}_ci95_high'])}]" for m in metrics]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Matched in parameters: the whole baseline (embedding, core, head) has the quantum RNN's trainable-parameter "
              "count within 5%; in width: its hidden size is the quantum RNN's readout width (readouts x n), which is also "
              "the hidden size given for the quantum RNN. CI: Student-t over seeds (NaN with one seed)."]
    return "\n".join(lines) + "\n"


def write_scaling_table(run_dirs: list[str | Path], out_csv: str | Path, out_md: str | Path) -> list[dict[str, Any]]:
    rows = scaling_rows(run_dirs)
    columns = list(dict.fromkeys(column for row in rows for column in row))
    atomic.write_texts({out_csv: atomic.csv_text(rows, columns), out_md: markdown(rows)})
    return rows
