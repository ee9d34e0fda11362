"""The paper's tables: main results per task and the ablation table, with significance.

Rows are computed from finished runs (evaluation.json, metrics.json) by qrnn.tables.statistics and
written as CSV (raw numbers), Markdown and LaTeX, each with a provenance file that maps
every cell to the runs behind it (qrnn.io.provenance). Tables never read models.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from qrnn.config import MODELS
from qrnn.errors import QrnnError
from qrnn.io import atomic
from qrnn.io.provenance import cell_provenance, run_record
from qrnn.io.result_files import read_result_json
from qrnn.tables.aggregate import RunResult, collect, read_run, refuse_mixed_engine_paths_of_runs
from qrnn.tables.convergence import converged, convergence_columns
from qrnn.tables.formats import QUANTUM, latex, markdown
from qrnn.tables.statistics import ALPHA, compare_groups, holm, interval_note, seeds_for_power, summarise
from qrnn.tables.tuning import learning_rate, read_choices, tuning_note
from qrnn.tables.verdict import QUANTUM_VIEW, VARIANT_VIEW, OutcomeWords, outcome, verdict
from qrnn.tasks.registry import TASK_CLASSES

MAIN_VARIANTS = ("default", "full")  # the variant that stands for a model in the main table, by preference
ABLATION_REFERENCES = ("full", "default")  # the variant the ablations are compared with, by preference
LOWER_IS_BETTER_WORDS = ("loss", "perplexity", "error", "cross_entropy")


def main_metric(task: str, metrics: list[str] | None = None) -> tuple[str, str]:
    """(metric, "lower" | "higher") from the task class's ``main_metric``; for a task class
    without one, its loss-like metric (lower is better), else its first metric (higher)."""
    declared = getattr(TASK_CLASSES.get(task), "main_metric", None)
    if declared is not None:
        name, direction = declared
        if direction not in ("lower", "higher"):
            raise QrnnError(f"task {task!r}: main_metric direction must be 'lower' or 'higher', got {direction!r}")
        return name, direction
    metrics = metrics or ["loss"]
    lower = [name for name in metrics if any(word in name for word in LOWER_IS_BETTER_WORDS)]
    return (lower[0], "lower") if lower else (metrics[0], "higher")


def _groups(results: list[RunResult]) -> dict[tuple[str, str], list[RunResult]]:
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for result in results:
        groups.setdefault(result.group, []).append(result)
    return groups


def _values(group: list[RunResult], metric: str) -> list[float]:
    missing = [str(result.folder) for result in group if metric not in result.evaluation["metrics"]]
    if missing:
        raise QrnnError(f"{missing[0]}/evaluation.json has no metric {metric!r}")
    return [float(result.evaluation["metrics"][metric]) for result in group]


def _paired(a: list[RunResult], b: list[RunResult]) -> bool:
    """Seeds pair when both groups hold the same seeds (runs of one seed share their data order)."""
    return sorted(r.evaluation["seed"] for r in a) == sorted(r.evaluation["seed"] for r in b) and len(a) > 1


def _by_seed(group: list[RunResult]) -> list[RunResult]:
    return sorted(group, key=lambda result: result.evaluation["seed"])


def _parameters(group: list[RunResult], kind: str = "total") -> int:
    missing = [result for result in group if kind not in result.evaluation["trainable_parameters"]]
    if missing:  # evaluations made before the recurrent count was recorded
        raise QrnnError(f"{missing[0].folder}/evaluation.json: trainable_parameters has no {kind!r} count; evaluate the run again")
    counts = {result.evaluation["trainable_parameters"][kind] for result in group}
    if len(counts) > 1:
        raise QrnnError(f"runs of {'/'.join(group[0].group)} have different {kind} parameter counts {sorted(counts)}")
    return counts.pop()


COMPARISON_COLUMNS = (
    "difference", "difference_ci95_low", "difference_ci95_high", "difference_interval_method", "p_welch", "p_welch_holm", "p_mann_whitney",
    "p_paired_t", "p_wilcoxon", "hedges_g", "cliffs_delta", "seeds_for_80_power", "reference_n_converged", "not_converged", "outcome",
)


def _comparison_columns(group: list[RunResult], reference: list[RunResult], metric: str, seed: int, family_size: int) -> dict[str, Any]:
    """Statistics of ``group`` minus ``reference`` (their difference of means and tests).

    The seeds needed for 80% power are those at alpha / family_size (Bonferroni), which
    also suffice after Holm's correction, since Holm never asks for less than that."""
    paired = _paired(group, reference)
    a, b = _values(_by_seed(group), metric), _values(_by_seed(reference), metric)
    result = compare_groups(a, b, paired=paired, seed=seed)
    return {
        "difference": result["difference"],
        "difference_ci95_low": result["ci_low_difference"],
        "difference_ci95_high": result["ci_high_difference"],
        "difference_interval_method": result["interval_method"],
        "p_welch": result["p_welch"],
        "p_welch_holm": math.nan,  # filled in once the whole family is known
        "p_mann_whitney": result["p_mann_whitney"],
        "p_paired_t": result["p_paired_t"],
        "p_wilcoxon": result["p_wilcoxon"],
        "hedges_g": result["hedges_g"],
        "cliffs_delta": result["cliffs_delta"],
        "seeds_for_80_power": seeds_for_power(a, b, power=0.8, alpha=ALPHA / max(family_size, 1)),
        **convergence_columns([r.stop_reason for r in group], [r.stop_reason for r in reference]),
        "outcome": "",  # filled in once the whole family is corrected
    }


def _summary_columns(group: list[RunResult], metric: str, seed: int) -> dict[str, Any]:
    summary = summarise(_values(group, metric), seed=seed)
    return {
        "mean": summary["mean"], "std": summary["std"], "ci95_low": summary["ci_low"], "ci95_high": summary["ci_high"],
        "interval_method": summary["interval_method"], "n_converged": converged(r.stop_reason for r in group),
    }


def _correct_family(rows: list[dict[str, Any]], words: OutcomeWords) -> None:
    """Holm-correct the Welch p of the compared rows, then give each its outcome."""
    compared = [row for row in rows if row.get("model") != QUANTUM and not row.get("is_reference")]
    for row, adjusted in zip(compared, holm([row["p_welch"] for row in compared], ALPHA)):
        row["p_welch_holm"] = adjusted
        row["outcome"] = outcome(row, words)


def _pick_variant(groups: dict[tuple[str, str], list[RunResult]], model: str, preferred: tuple[str, ...]) -> str | None:
    variants = sorted(variant for m, variant in groups if m == model)
    for name in preferred:
        if name in variants:
            return name
    return variants[0] if variants else None


class Table:
    """Rows (dicts with the same keys), the row labels audit-number knows, and the provenance of each cell."""

    def __init__(self, name: str, title: str, rows: list[dict[str, Any]], labels: list[str], groups: dict[str, list[RunResult]], cell_groups: list[dict[str, list[str]]], notes: list[str], header: str = ""):
        self.name, self.title, self.rows, self.labels, self.notes, self.header = name, title, rows, labels, notes, header
        self.provenance = cell_provenance(name, rows, labels, cell_groups, {key: [run_record(r) for r in group] for key, group in groups.items()})


def main_table(task: str, results: list[RunResult], seed: int = 0, tuning: list[dict[str, Any]] | None = None) -> Table:
    """Task x model: parameters, learning rate, the main metric's mean, std and bootstrap CI, and every
    baseline compared with the quantum RNN (p Holm-corrected over the task's baselines);
    ``tuning``: the task's learning-rate choices (qrnn.tables.tuning.read_choices), for the notes and provenance."""
    groups = _groups(results)
    metric, direction = main_metric(task, list(results[0].evaluation["metrics"]))
    quantum_variant = _pick_variant(groups, QUANTUM, MAIN_VARIANTS)
    if quantum_variant is None:
        raise QrnnError(f"task {task}: no quantum RNN (model qrnn) runs to compare the baselines with")
    reference = groups[(QUANTUM, quantum_variant)]
    n_baselines = len({model for model, _ in groups} - {QUANTUM})
    rows, labels, cell_groups, used = [], [], [], {}
    for model in [m for m in MODELS if any(g[0] == m for g in groups)]:
        variant = _pick_variant(groups, model, MAIN_VARIANTS)
        group = groups[(model, variant)]
        key, reference_key = f"{model}/{variant}", f"{QUANTUM}/{quantum_variant}"
        used[key] = group
        row: dict[str, Any] = {"task": task, "model": model, "variant": variant, "n_seeds": len(group), "trainable_parameters": _parameters(group), "trainable_parameters_recurrent": _parameters(group, "recurrent"), "learning_rate": learning_rate([r.folder for r in group]), "metric": metric, "better": direction}
        row.update(_summary_columns(group, metric, seed))
        row.update(dict.fromkeys(COMPARISON_COLUMNS, math.nan))  # stay NaN for the quantum RNN itself
        row.update(difference_interval_method="", not_converged="", outcome="")
        if model != QUANTUM:
            row.update(_comparison_columns(group, reference, metric, seed, n_baselines))
            row["paired"] = _paired(group, reference)
        rows.append(row)
        labels.append(model)
        cell_groups.append({column: [key] if model == QUANTUM or column in _OWN_COLUMNS else [key, reference_key] for column in row})
    _correct_family(rows, QUANTUM_VIEW)
    columns = _ordered_columns(rows)
    rows = [{column: row.get(column, math.nan) for column in columns} for row in rows]
    header = interval_note({row["model"]: row["interval_method"] for row in rows}, differences=True)
    notes = [
        f"Main metric: test {metric} ({direction} is better). Mean over seeds; std with ddof=1.",
        CONVERGENCE_NOTE,
        f"Comparisons: baseline minus the quantum RNN ({QUANTUM}/{quantum_variant}); p: two-sided Welch t-test, "
        f"Holm-corrected over the {sum(1 for r in rows if r['model'] != QUANTUM)} baselines of this task; effect size: Hedges' g (baseline minus quantum); "
        "seeds for 80% power: per model, two-sided t-test at the observed Cohen's d and alpha 0.05 / (number of baselines).",
    ]
    table = Table(f"{task}_main", f"{task}: main results", rows, labels, used, cell_groups, notes + ([tuning_note(tuning)] if tuning else []), header)
    table.provenance["tuning"] = tuning or []  # the choice files behind the learning_rate column
    return table


_OWN_COLUMNS = {
    "task", "model", "variant", "n_seeds", "trainable_parameters", "trainable_parameters_recurrent", "learning_rate", "trainable_parameters_classical", "trainable_parameters_quantum",
    "metric", "better", "mean", "std", "ci95_low", "ci95_high", "interval_method", "n_converged",
}
CONVERGENCE_NOTE = (
    "Converged: runs that stopped on a validation plateau (metrics.json stop_reason \"plateau\"; a run without one has not been shown to converge). "
    "A comparison in which any run of either group did not is reported inconclusive: not converged, whatever its p-value."
)


def _ordered_columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [column for column in row if column not in columns]
    return columns


def ablation_table(results_by_task: dict[str, list[RunResult]], seed: int = 0) -> Table:
    """Per task, every quantum-RNN variant against the full model (variant ``full``, else
    ``default``): parameters (classical / quantum), metric, difference, Holm-corrected p."""
    rows, labels, cell_groups, used = [], [], [], {}
    for task, results in results_by_task.items():
        groups = {key: group for key, group in _groups(results).items() if key[0] == QUANTUM}
        if len(groups) < 2:
            continue
        metric, direction = main_metric(task, list(results[0].evaluation["metrics"]))
        reference_variant = _pick_variant(groups, QUANTUM, ABLATION_REFERENCES)
        reference = groups[(QUANTUM, reference_variant)]
        task_rows = []
        for (_, variant), group in sorted(groups.items(), key=lambda item: (item[0][1] != reference_variant, item[0][1])):
            key, reference_key = f"{task}/{variant}", f"{task}/{reference_variant}"
            used[key] = group
            row: dict[str, Any] = {
                "task": task, "variant": variant, "n_seeds": len(group),
                "trainable_parameters_classical": _parameters(group, "classical"), "trainable_parameters_quantum": _parameters(group, "quantum"),
                "metric": metric, "better": direction, **_summary_columns(group, metric, seed),
            }
            row.update(_comparison_columns(group, reference, metric, seed, len(groups) - 1))
            row["is_reference"] = variant == reference_variant
            if row["is_reference"]:
                row.update({column: math.nan for column in row if column.startswith(("difference", "p_", "hedges", "cliffs", "seeds_for", "reference_n"))})
                row.update(difference_interval_method="", not_converged="", outcome="")
            task_rows.append(row)
            labels.append(key)
            cell_groups.append({column: [key] if row["is_reference"] or column in _OWN_COLUMNS else [key, reference_key] for column in row})
        _correct_family(task_rows, VARIANT_VIEW)
        rows += task_rows
    if not rows:
        raise QrnnError("no task has more than one quantum-RNN variant: there is no ablation to tabulate")
    columns = _ordered_columns(rows)
    rows = [{column: row.get(column, math.nan) for column in columns} for row in rows]
    header = interval_note({f"{row['task']}/{row['variant']}": row["interval_method"] for row in rows}, differences=True)
    notes = [
        CONVERGENCE_NOTE,
        "Each quantum-RNN variant against the full model of its task (the row marked reference): difference of mean test metric (variant minus full), "
        "two-sided Welch t-test Holm-corrected over the variants of the task, Hedges' g. Parameters: trainable classical (controller, embedding, head) and quantum (circuit angles that are parameters).",
    ]
    return Table("ablations", "ablations of the quantum RNN", rows, labels, used, cell_groups, notes, header)


def read_runs_by_task(run_dirs: list[str | Path]) -> dict[str, list[RunResult]]:
    """Run folders of any tasks, grouped by the task their evaluation.json names; every task's
    quantum-RNN runs made on one engine path (they share the ablation table)."""
    by_task: dict[str, list[Path]] = {}
    for folder in map(Path, run_dirs):
        by_task.setdefault(read_result_json(folder / "evaluation.json")["task"], []).append(folder)
    results = {task: collect(folders, task) for task, folders in by_task.items()}
    refuse_mixed_engine_paths_of_runs([result for group in results.values() for result in group])
    return results


def table_texts(table: Table, out_prefix: str | Path) -> dict[Path, str]:
    """{prefix}.csv, .md, .tex and .provenance.json, rendered."""
    prefix = Path(out_prefix)
    paths = {ext: prefix.with_name(prefix.name + f".{ext}") for ext in ("csv", "md", "tex", "provenance.json")}
    return {
        paths["csv"]: atomic.csv_text(table.rows, list(table.rows[0])),
        paths["md"]: markdown(table),
        paths["tex"]: latex(table),
        paths["provenance.json"]: atomic.json_text(table.provenance),
    }


def write_table(table: Table, out_prefix: str | Path, extra: dict[str | Path, str] | None = None) -> None:
    """The table's four files (and ``extra`` ones), all rendered before any is written."""
    atomic.write_texts({**table_texts(table, out_prefix), **(extra or {})})


def write_main_table(task: str, run_dirs: list[str | Path], out_prefix: str | Path, out_verdict: str | Path, seed: int = 0, tuning: list[str | Path] | None = None) -> Table:
    """The main table of ``task`` (CSV, Markdown, LaTeX, provenance) and its verdict (Markdown); ``tuning``: its choice files."""
    table = main_table(task, collect(run_dirs, task), seed, read_choices(tuning) if tuning else None)
    write_table(table, out_prefix, {out_verdict: verdict(task, table.rows)})
    return table


def write_ablation_table(run_dirs: list[str | Path], out_prefix: str | Path, seed: int = 0) -> Table:
    table = ablation_table(read_runs_by_task(run_dirs), seed)
    write_table(table, out_prefix)
    return table


__all__ = ["Table", "ablation_table", "main_metric", "main_table", "read_run", "read_runs_by_task", "write_ablation_table", "write_main_table", "write_table"]
