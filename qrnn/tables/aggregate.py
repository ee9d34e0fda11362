"""Tables of a task's study: one row per (model, variant), statistics over seeds.

Reads only result files of finished runs (evaluation.json, metrics.json, history.csv) and
writes the summary as CSV, Markdown and nested JSON (for `dvc metrics show`), and the
learning curves of every run in long format (for DVC plots and the figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qrnn.config import MODELS
from qrnn.errors import QrnnError
from qrnn.io import atomic
from qrnn.io.provenance import run_engine_path
from qrnn.io.result_files import REQUIRED_KEYS, read_history, read_result_json
from qrnn.tables.convergence import converged, stop_reason
from qrnn.tables.formats import QUANTUM
from qrnn.tables.statistics import interval_method, interval_note, summarise

CONFIDENCE = 0.95
STATISTICS = ("mean", "std", "ci_low", "ci_high")
EVALUATION_READ = {**REQUIRED_KEYS["evaluation.json"], "reference": dict, "data_sha256": str}  # what summaries and test-set checks read
TRAINING_METRICS_READ = {"wall_time_s": (int, float)}  # of metrics.json; the rest is provenance, read with defaults


@dataclass
class RunResult:
    folder: Path
    evaluation: dict[str, Any]  # evaluation.json
    metrics: dict[str, Any]  # metrics.json (training)
    history: list[dict[str, str]]  # rows of history.csv

    @property
    def group(self) -> tuple[str, str]:
        return self.evaluation["model"], self.evaluation["variant"]

    @property
    def stop_reason(self) -> str:
        """Why training stopped (qrnn.tables.convergence): "plateau" only for a converged run."""
        return stop_reason(self.metrics, self.folder / "metrics.json")


def read_run(folder: str | Path, task: str) -> RunResult:
    folder = Path(folder)
    evaluation = read_result_json(folder / "evaluation.json", EVALUATION_READ)
    if evaluation["task"] != task:
        raise QrnnError(f"{folder / 'evaluation.json'} is a result of task {evaluation['task']!r}, not {task!r}")
    for name, value in evaluation["metrics"].items():
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise QrnnError(
                f"{folder / 'evaluation.json'}: test metric {name!r} is {value!r}; a table cannot average it "
                f"(a diverged or broken run: retrain or leave it out)"
            )
    result = RunResult(folder, evaluation, read_result_json(folder / "metrics.json", TRAINING_METRICS_READ), read_history(folder / "history.csv"))
    result.stop_reason  # refuses an unknown stop reason now, naming the file, not when a table is half built
    return result


def refuse_mixed_engine_paths(paths: dict[Path, str | None]) -> None:
    """QrnnError naming two engine paths and a run folder of each when the runs behind one
    table (run folder -> qrnn.io.provenance.run_engine_path; None: not recorded) were computed
    on different paths: the C kernels and the PyTorch path agree to rounding only, so their
    numbers are not one sample."""
    first_folder: dict[str, Path] = {}
    for folder, path in paths.items():
        if path is not None:
            first_folder.setdefault(path, folder)
    if len(first_folder) > 1:
        (one, one_folder), (other, other_folder) = list(first_folder.items())[:2]
        raise QrnnError(
            f"the runs behind this table were computed on different engine paths: {one} ({one_folder}) and {other} ({other_folder}); "
            "make them all on one path (QRNN_KERNELS, device) to compare them"
        )


def refuse_mixed_engine_paths_of_runs(results: list[RunResult]) -> None:
    """The check above on the quantum RNN's runs (training and evaluation): the engine computes nothing for the baselines."""
    refuse_mixed_engine_paths({r.folder: run_engine_path(r.metrics, r.evaluation) for r in results if r.group[0] == QUANTUM})


def collect(run_dirs: list[str | Path], task: str) -> list[RunResult]:
    """Read every run; refuse duplicates, runs scored on different test sets and quantum-RNN runs made on different engine paths."""
    if not run_dirs:
        raise QrnnError("no run folders given")
    results = [read_run(folder, task) for folder in run_dirs]
    seen: dict[tuple[str, str, int], Path] = {}
    for result in results:
        key = (*result.group, result.evaluation["seed"])
        if key in seen:
            raise QrnnError(f"{seen[key]} and {result.folder} are the same run (model {key[0]}, variant {key[1]}, seed {key[2]})")
        seen[key] = result.folder
    test_sets = {result.evaluation["data_sha256"] for result in results}
    if len(test_sets) > 1:
        raise QrnnError(f"the runs were scored on {len(test_sets)} different test sets; evaluate them all on the same one")
    refuse_mixed_engine_paths_of_runs(results)
    return sorted(results, key=lambda r: (MODELS.index(r.group[0]), r.group[1] != "default", r.group[1], r.evaluation["seed"]))


def _groups(results: list[RunResult]) -> dict[tuple[str, str], list[RunResult]]:
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for result in results:
        groups.setdefault(result.group, []).append(result)
    return groups


def _units(results: list[RunResult]) -> dict[str, str]:
    return results[0].evaluation["units"]


def _parameter_count(group: list[RunResult]) -> int:
    counts = {result.evaluation["trainable_parameters"]["total"] for result in group}
    if len(counts) > 1:
        raise QrnnError(f"runs of {group[0].group} have different parameter counts {sorted(counts)}; were they trained with different settings?")
    return counts.pop()


def _metric_order(result: RunResult) -> list[str]:
    """The task's own order of its metrics (loss first), as in history.csv; JSON files are key-sorted."""
    in_history = [column.removeprefix("eval_") for column in result.history[0] if column.startswith("eval_")] if result.history else []
    return sorted(result.evaluation["metrics"], key=lambda metric: in_history.index(metric) if metric in in_history else len(in_history))


def summary(results: list[RunResult], seed: int = 0) -> dict[str, dict[str, Any]]:
    """{"model/variant": {"n_seeds", "trainable_parameters", "test_<metric>_<unit>": {mean, std, ci_low, ci_high}, ...,
    "n_converged", "interval_method"}}; the interval is Student-t or bootstrap by the seed count
    (qrnn.tables.statistics.interval_method), ``seed`` seeds the bootstrap."""
    units = _units(results)
    table = {}
    for (model, variant), group in _groups(results).items():
        entry: dict[str, Any] = {"model": model, "variant": variant, "n_seeds": len(group), "trainable_parameters": _parameter_count(group)}
        for metric in _metric_order(group[0]):
            values = [result.evaluation["metrics"][metric] for result in group]
            statistics = summarise(values, CONFIDENCE, seed)
            entry[f"test_{metric}_{units[metric]}"] = {name: statistics[name] for name in STATISTICS}
        for name, value in group[0].evaluation["reference"].items():
            entry[f"{name}_{units[name]}"] = value
        entry["train_wall_time_s_mean"] = sum(result.metrics["wall_time_s"] for result in group) / len(group)
        entry["n_converged"] = converged(result.stop_reason for result in group)
        entry["interval_method"] = interval_method(len(group))
        table[f"{model}/{variant}"] = entry
    return table


def flat_rows(table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One CSV row per model/variant: nested statistics become <metric>_<statistic> columns."""
    rows = []
    for entry in table.values():
        row = {}
        for key, value in entry.items():
            if isinstance(value, dict):
                row.update({f"{key}_{name.replace('ci_', 'ci95_')}": value[name] for name in STATISTICS})
            else:
                row[key] = value
        rows.append(row)
    return rows


def _number(value: float, digits: int = 4) -> str:
    return "NaN" if math.isnan(value) else f"{value:.{digits}f}"


def markdown(task: str, table: dict[str, dict[str, Any]], units: dict[str, str]) -> str:
    """A Markdown table: mean ± std and the 95% CI of every test metric."""
    first = next(iter(table.values()))
    metrics = [key for key, value in first.items() if isinstance(value, dict)]
    references = [name for name in units if f"{name}_{units[name]}" in first]
    header = ["model", "variant", "seeds", "converged", "trainable parameters"]
    for key in metrics:
        label = key.removeprefix("test_").rsplit("_", 1)[0].replace("_", " ")
        unit = key.rsplit("_", 1)[1]
        header += [f"test {label} ({unit}), mean ± std", f"{CONFIDENCE:.0%} CI of the mean"]
    methods = {key: entry["interval_method"] for key, entry in table.items()}
    lines = [f"# {task}: test-set results", "", interval_note(methods, CONFIDENCE), "", "| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for entry in table.values():
        cells = [entry["model"], entry["variant"], str(entry["n_seeds"]), str(entry["n_converged"]), f"{entry['trainable_parameters']:,}"]
        for key in metrics:
            statistics = entry[key]
            cells += [f"{_number(statistics['mean'])} ± {_number(statistics['std'])}", f"[{_number(statistics['ci_low'])}, {_number(statistics['ci_high'])}]"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for name in references:
        lines.append(f"Reference: {name.replace('_', ' ')} = {first[f'{name}_{units[name]}']:.4f} {units[name]} (the best score of a model that remembers nothing).")
    lines.append("Std with ddof=1. Converged: runs whose training stopped on a validation plateau (metrics.json stop_reason \"plateau\").")
    if any(entry["n_seeds"] == 1 for entry in table.values()):
        lines.append("NaN: with a single seed the standard deviation and the confidence interval are undefined.")
    return "\n".join(lines) + "\n"


def curve_rows(results: list[RunResult]) -> list[dict[str, Any]]:
    """Long format: one row per run and evaluation step, held-out metrics with units in the names."""
    units = _units(results)
    rows = []
    for result in results:
        model, variant = result.group
        for entry in result.history:
            row: dict[str, Any] = {"step": int(entry["step"]), "model": model, "variant": variant, "seed": result.evaluation["seed"]}
            row[f"train_loss_{units['loss']}"] = float(entry["train_loss"])
            for column, value in entry.items():
                if column.startswith("eval_"):
                    row[f"{column}_{units[column.removeprefix('eval_')]}"] = float(value)
            rows.append(row)
    return rows


def mean_curve_rows(curves: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """Wide format for `dvc plots`, which draws one line per column: a row per step, a column
    per model ("model/variant" for variants other than default) holding the mean over seeds."""
    values: dict[str, dict[int, list[float]]] = {}
    for row in curves:
        name = row["model"] if row["variant"] == "default" else f"{row['model']}/{row['variant']}"
        values.setdefault(name, {}).setdefault(row["step"], []).append(row[column])
    steps = sorted({step for per_step in values.values() for step in per_step})
    return [
        {"step": step, **{name: sum(per_step[step]) / len(per_step[step]) if step in per_step else "" for name, per_step in values.items()}}
        for step in steps
    ]


def _json_safe(value: Any) -> Any:
    """NaN becomes null: strict JSON has no NaN, and DVC reads strict JSON."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return None if isinstance(value, float) and math.isnan(value) else value


def write_tables(
    task: str,
    run_dirs: list[str | Path],
    out_csv: str | Path,
    out_md: str | Path,
    out_json: str | Path,
    out_curves: str | Path,
    out_curves_mean: str | Path | None = None,
) -> dict[str, Any]:
    results = collect(run_dirs, task)
    table = summary(results)
    rows = flat_rows(table)
    curves = curve_rows(results)
    texts = {
        out_csv: atomic.csv_text(rows, list(rows[0])),
        out_md: markdown(task, table, _units(results)),
        out_json: atomic.json_text({key: {k: v for k, v in entry.items() if k not in ("model", "variant")} for key, entry in _json_safe(table).items()}),
        out_curves: atomic.csv_text(curves, list(curves[0])),
    }
    if out_curves_mean is not None:
        means = mean_curve_rows(curves, f"eval_loss_{_units(results)['loss']}")
        texts[out_curves_mean] = atomic.csv_text(means, list(means[0]))
    atomic.write_texts(texts)
    return table
