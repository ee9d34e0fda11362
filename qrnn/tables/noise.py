"""The noise table of a task: every sweep point of `qrnn evaluate-noise` over the evaluated
seeds, as CSV, Markdown, LaTeX and a provenance file (qrnn audit-number works on it).

Per sweep point and task metric: the mean over seeds with a 95% interval (Student-t below
10 seeds, BCa bootstrap from 10 on: qrnn.tables.statistics.interval_method; n=1: no
interval), and the change from the ideal condition of the same runs. Each seed's noisy
and ideal numbers come from one trained run, so the change is paired: the mean paired
difference with its interval (of the same kind) and the paired t-test, Holm-corrected over the
points of the table for each metric. Plus the readout deviation (its ideal value is 0).

Reads the long CSVs of `qrnn evaluate-noise` with the JSON next to each (metric names,
units, test-set hash, config hash) and the trained runs' metrics.json (git revision,
which metric is better); never a model. Metric names come from those files, so any task
with a noise evaluation gets a table.
"""

from __future__ import annotations

import csv
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qrnn.errors import QrnnError
from qrnn.io.provenance import cell_provenance, run_engine_path
from qrnn.io.result_files import read_result_json
from qrnn.tables.aggregate import refuse_mixed_engine_paths
from qrnn.tables.formats import noise_columns
from qrnn.tables.main import write_table
from qrnn.tables.statistics import ALPHA, STUDENT_T, compare_groups, holm, interval_method, interval_note, mean_and_confidence_interval, summarise

CONFIDENCE = 0.95
IDEAL = "ideal"
DEVIATION = "readout_deviation"


@dataclass
class NoiseResult:
    """One evaluated run's sweep: its CSV rows keyed by point label, and the JSON next to it."""

    csv_path: Path
    run_folder: Path
    info: dict[str, Any]  # the JSON of `qrnn evaluate-noise`
    run_metrics: dict[str, Any]  # the trained run's metrics.json
    conditions: list[str]  # the NoiseCondition columns, in CSV order
    points: dict[str, dict[str, Any]]  # label -> row (numbers parsed), in sweep order

    @property
    def seed(self) -> int:
        return int(self.info["seed"])


def point_label(sweep: str, value: float) -> str:
    """The row label audit-number knows: ``ideal``, ``shots=100``, ``depolarizing=0.01``."""
    return IDEAL if sweep == IDEAL else f"{sweep}={value:g}"


def _number(path: Path, line: int, column: str, text: str | None) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise QrnnError(f"{path} line {line}: column {column!r} is not a number: {text!r}") from None


def read_noise_result(csv_path: str | Path, run_folder: str | Path) -> NoiseResult:
    """Read a noise CSV, the JSON next to it and the trained run's metrics.json; QrnnError names
    a missing file, a missing column or a cell that is not a number."""
    csv_path, run_folder = Path(csv_path), Path(run_folder)
    if not csv_path.is_file():
        raise QrnnError(f"missing noise result file {csv_path}")
    info = read_result_json(csv_path.with_suffix(".json"))
    for key in ("task", "variant", "seed", "metric_names", "units", "config_hash", "data_sha256"):
        if key not in info:
            raise QrnnError(f"{csv_path.with_suffix('.json')} has no key {key!r}; is it written by `qrnn evaluate-noise`?")
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        rows = list(reader)
    required = ["sweep", "value", DEVIATION, *info["metric_names"]]
    missing = [column for column in required if column not in header]
    if missing:
        raise QrnnError(f"{csv_path} has no column {missing[0]!r} (columns: {', '.join(header) or 'none'})")
    if not rows:
        raise QrnnError(f"{csv_path} has no sweep points")
    conditions = header[header.index("value") + 1 : header.index(DEVIATION)]
    points: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(rows, start=2):
        parsed: dict[str, Any] = {"sweep": row["sweep"], "value": _number(csv_path, line, "value", row["value"])}
        for column in conditions:
            text = row[column]
            try:
                parsed[column] = int(text)
            except (TypeError, ValueError):
                parsed[column] = float(text) if _is_float(text) else text
        for column in [DEVIATION, *info["metric_names"]]:
            parsed[column] = _number(csv_path, line, column, row[column])
        label = point_label(parsed["sweep"], parsed["value"])
        if label in points:
            raise QrnnError(f"{csv_path} line {line}: sweep point {label} appears twice")
        points[label] = parsed
    if IDEAL not in points:
        raise QrnnError(f"{csv_path} has no '{IDEAL}' row to compare the noisy points with")
    run_metrics = read_result_json(run_folder / "metrics.json")
    if run_metrics.get("config_hash") != info["config_hash"]:
        raise QrnnError(
            f"{csv_path} was evaluated on a run with config hash {info['config_hash']}, but {run_folder / 'metrics.json'} "
            f"has {run_metrics.get('config_hash')}: evaluate the noise of that run again"
        )
    return NoiseResult(csv_path, run_folder, info, run_metrics, conditions, points)


def _is_float(text: str | None) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def read_noise_results(noise_csvs: list[str | Path], run_dirs: list[str | Path]) -> list[NoiseResult]:
    """Pair every noise CSV with its trained run (same task, variant and seed) and check that
    they belong to one table: one task and variant, distinct seeds, the same test set and points,
    one engine path (training and noise evaluation)."""
    if not noise_csvs:
        raise QrnnError("no noise result files given")
    runs: dict[tuple[str, str, int], Path] = {}
    for folder in map(Path, run_dirs):
        metrics = read_result_json(folder / "metrics.json")
        missing = [key for key in ("task", "variant", "seed") if key not in metrics]
        if missing:
            raise QrnnError(f"{folder / 'metrics.json'} has no key {missing[0]!r}; is {folder} a run folder of `qrnn train`?")
        runs[(metrics["task"], metrics["variant"], int(metrics["seed"]))] = folder
    results = []
    for path in map(Path, noise_csvs):
        info = read_result_json(path.with_suffix(".json")) if path.with_suffix(".json").is_file() else None
        if info is None:
            raise QrnnError(f"missing result file {path.with_suffix('.json')} (written next to {path} by `qrnn evaluate-noise`)")
        key = (info.get("task"), info.get("variant"), int(info.get("seed", -1)))
        if key not in runs:
            raise QrnnError(f"{path}: no run folder given for task {key[0]}, variant {key[1]}, seed {key[2]} (pass it with --runs)")
        results.append(read_noise_result(path, runs[key]))
    first = results[0]
    for result in results[1:]:
        for key, what in (("task", "task"), ("variant", "variant"), ("data_sha256", "test set")):
            if result.info[key] != first.info[key]:
                raise QrnnError(f"{result.csv_path} and {first.csv_path} have different {what}s ({result.info[key]} vs {first.info[key]}); a noise table holds one task's evaluated variant")
        if result.info["metric_names"] != first.info["metric_names"]:
            raise QrnnError(f"{result.csv_path} has metrics {result.info['metric_names']}, {first.csv_path} has {first.info['metric_names']}")
        if list(result.points) != list(first.points):
            raise QrnnError(f"{result.csv_path} has other sweep points than {first.csv_path} ({', '.join(result.points)} vs {', '.join(first.points)}): evaluate every seed with the same noise settings")
    refuse_mixed_engine_paths({result.run_folder: run_engine_path(result.run_metrics, result.info) for result in results})
    seeds = [result.seed for result in results]
    duplicated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if duplicated:
        raise QrnnError(f"seed {duplicated[0]} is given twice: {', '.join(str(r.csv_path) for r in results if r.seed == duplicated[0])}")
    return sorted(results, key=lambda result: result.seed)


def metric_column(metric: str, unit: str) -> str:
    """CSV column stem of a metric, with its unit as in the scaling table: loss_nats."""
    return f"{metric}_{unit}"


def _summary(values: list[float]) -> dict[str, float]:
    """Mean and interval by the seed count (interval_method); an infinite value gives an infinite mean and no interval, quietly."""
    if interval_method(len(values)) != STUDENT_T and all(math.isfinite(value) for value in values):
        return summarise(values, CONFIDENCE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return mean_and_confidence_interval(values, CONFIDENCE)


def _statistics(values: list[float], prefix: str) -> dict[str, float]:
    summary = _summary(values)
    return {f"{prefix}_mean": summary["mean"], f"{prefix}_std": summary["std"], f"{prefix}_ci95_low": summary["ci_low"], f"{prefix}_ci95_high": summary["ci_high"]}


def _change(noisy: list[float], ideal: list[float], prefix: str) -> dict[str, float]:
    """Paired change noisy minus ideal (per seed): mean, Student-t interval, paired t-test and Wilcoxon p."""
    differences = [a - b for a, b in zip(noisy, ideal)]
    summary = _summary(differences)
    # A metric can overflow under strong noise (perplexity = inf): no test then, the mean says it.
    finite = all(math.isfinite(value) for value in [*noisy, *ideal])
    tests = compare_groups(noisy, ideal, paired=True) if finite else {"p_paired_t": math.nan, "p_wilcoxon": math.nan}
    return {
        f"{prefix}_change": summary["mean"], f"{prefix}_change_ci95_low": summary["ci_low"], f"{prefix}_change_ci95_high": summary["ci_high"],
        f"{prefix}_p_paired_t": tests["p_paired_t"], f"{prefix}_p_paired_t_holm": math.nan, f"{prefix}_p_wilcoxon": tests["p_wilcoxon"],
    }


class NoiseTable:
    """Rows, their labels, the metrics with units, and the provenance of every cell (the shape of qrnn.tables.main.Table)."""

    def __init__(self, name: str, title: str, rows: list[dict[str, Any]], labels: list[str], metrics: list[tuple[str, str, str]], notes: list[str], provenance: dict[str, Any], header: str = ""):
        self.name, self.title, self.rows, self.labels, self.metrics, self.notes, self.provenance = name, title, rows, labels, metrics, notes, provenance
        self.header = header  # the sentence on the intervals, under the title

    def columns(self):
        return noise_columns(self.metrics)


def _record(result: NoiseResult, label: str, metric_names: list[str]) -> dict[str, Any]:
    """One seed's numbers at one point, and what identifies the run and the sweep they come from."""
    point = result.points[label]
    return {
        "folder": str(result.run_folder),
        "noise_file": str(result.csv_path),
        "seed": result.seed,
        "config_hash": result.info["config_hash"],
        "data_sha256": result.info["data_sha256"],
        "git_revision": result.run_metrics.get("git_revision", "unknown"),
        "metrics": {name: point[name] for name in [*metric_names, DEVIATION]},
    }


def noise_table(results: list[NoiseResult]) -> NoiseTable:
    """The table of ``results`` (read_noise_results): one row per sweep point, ideal first."""
    first = results[0]
    task, variant = first.info["task"], first.info["variant"]
    metric_names = list(first.info["metric_names"])
    missing = [name for name in metric_names if name not in first.info["units"]]
    if missing:
        raise QrnnError(f"{first.csv_path.with_suffix('.json')} gives no unit for metric {missing[0]!r}")
    main = first.run_metrics.get("main_metric") or [None, None]
    metrics = [(name, first.info["units"][name], main[1] if name == main[0] else "") for name in metric_names]
    labels = [IDEAL, *(label for label in first.points if label != IDEAL)]
    ideal = {name: [r.points[IDEAL][name] for r in results] for name in metric_names}
    rows, cell_groups = [], []
    for label in labels:
        point = first.points[label]
        row: dict[str, Any] = {"task": task, "variant": variant, "sweep": point["sweep"], "value": point["value"]}
        row.update({column: point[column] for column in first.conditions})
        row["n_seeds"] = len(results)
        row["interval_method"] = interval_method(len(results))
        for name, unit, _ in metrics:
            values = [r.points[label][name] for r in results]
            row.update(_statistics(values, metric_column(name, unit)))
            if label != IDEAL:
                row.update(_change(values, ideal[name], metric_column(name, unit)))
        row.update(_statistics([r.points[label][DEVIATION] for r in results], DEVIATION))
        rows.append(row)
        cell_groups.append({column: [label, IDEAL] if "_change" in column or "_p_" in column else [label] for column in row})
    columns = list(dict.fromkeys(column for row in sorted(rows, key=len, reverse=True) for column in row))  # a noisy row has every column
    rows = [{column: row.get(column, math.nan) for column in columns} for row in rows]
    for name, unit, _ in metrics:
        stem = metric_column(name, unit)
        noisy = [row for row in rows if row["sweep"] != IDEAL]
        for row, adjusted in zip(noisy, holm([row[f"{stem}_p_paired_t"] for row in noisy], ALPHA)):
            row[f"{stem}_p_paired_t_holm"] = adjusted
    groups = {label: [_record(r, label, metric_names) for r in results] for label in labels}
    table_name = f"{task}_noise"
    seeds = ", ".join(str(r.seed) for r in results)
    better = [f"{name} ({direction} is better)" for name, _, direction in metrics if direction]
    reference = first.info.get("reference") or {}
    notes = [
        f"Trained quantum RNN ({variant}) of task {task}, {len(results)} seed(s) ({seeds}), each evaluated on {first.info.get('n_test_sequences', '?')} test sequences "
        "under every noise condition of qrnn evaluate-noise. Mean over seeds with a 95% interval (none with one seed: n=1).",
        "Change: noisy minus ideal (exact expectation values, no noise) of the same trained run, paired over seeds: mean with a 95% interval of the same kind; "
        f"p: two-sided paired t-test, Holm-corrected over the {len(labels) - 1} noisy points of this table, per metric."
        + (f" Main metric: {better[0]}." if better else ""),
        "Readout deviation: mean absolute difference between the noisy and the ideal Pauli readouts over test sequences, steps and readouts (dimensionless, 0 to 2)."
        + (" Reference: " + ", ".join(f"{name} {value:.4f} {first.info['units'].get(name, '')}".rstrip() for name, value in reference.items()) + "." if reference else ""),
    ]
    provenance = cell_provenance(table_name, rows, labels, cell_groups, groups)
    header = interval_note({label: row["interval_method"] for label, row in zip(labels, rows)}, CONFIDENCE)
    return NoiseTable(table_name, f"{task}: quantum RNN under noise", rows, labels, metrics, notes, provenance, header)


def write_noise_table(noise_csvs: list[str | Path], run_dirs: list[str | Path], out_prefix: str | Path) -> NoiseTable:
    """PREFIX.csv, .md, .tex and .provenance.json of the noise table."""
    table = noise_table(read_noise_results(noise_csvs, run_dirs))
    write_table(table, out_prefix)
    return table
