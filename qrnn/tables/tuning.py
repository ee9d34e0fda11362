"""The learning-rate selection in tables: the tuning table (one row per task and model, from
the choice files results/tuning/{task}/{model}.json that `qrnn tune select` writes), and the
learning-rate column and note of the main tables (from each run's config.json)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from qrnn.errors import QrnnError
from qrnn.io import atomic
from qrnn.io.result_files import read_result_json
from qrnn.tables.formats import MODEL_NAMES, number

CHOICE_READ = {
    "task": str, "model": str, "seed": int, "metric": str, "better": str, "learning_rate": (int, float),
    "learning_rates": list, "validation": (int, float), "candidates": list, "budget": dict,
}
COLUMNS = ("task", "model", "learning_rate", "grid", "metric", "better", "validation", "diverged", "candidates", "max_steps", "budget_steps", "seed", "choice")


def read_choices(paths: list[str | Path]) -> list[dict[str, Any]]:
    """The choice files, each with the path it was read from (key ``choice``)."""
    return [{**read_result_json(path, CHOICE_READ), "choice": str(path)} for path in paths]


def _grid(choice: dict[str, Any]) -> str:
    return " ".join(f"{rate:g}" for rate in choice["learning_rates"])


def tuning_rows(choices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "task": choice["task"], "model": choice["model"], "learning_rate": choice["learning_rate"], "grid": _grid(choice),
            "metric": choice["metric"], "better": choice["better"], "validation": choice["validation"],
            "diverged": sum(1 for candidate in choice["candidates"] if candidate.get("diverged")),
            "candidates": choice["budget"]["candidates"], "max_steps": choice["budget"]["max_steps"], "budget_steps": choice["budget"]["steps"],
            "seed": choice["seed"], "choice": choice["choice"],
        }
        for choice in sorted(choices, key=lambda choice: (choice["task"], choice["model"]))
    ]


def tuning_markdown(rows: list[dict[str, Any]]) -> str:
    header = "| task | model | chosen learning rate | grid | held-out metric at the choice | diverged | budget (runs x max steps) | tuning seed |"
    lines = ["# learning-rate selection", "", header, "|" + "---|" * 8]
    for row in rows:
        metric = f"{row['metric']} {number(row['validation'])} ({row['better']} is better)"
        budget = f"{row['candidates']} x {row['max_steps']:,} = {row['budget_steps']:,}"
        lines.append(f"| {row['task']} | {MODEL_NAMES.get(row['model'], row['model'])} | {row['learning_rate']:g} | {row['grid']} | {metric} | {row['diverged']} | {budget} | {row['seed']} |")
    notes = [
        "",
        "Every model of a task had the same budget: one run per learning rate of the grid, on the tuning seed (no reported run's seed), "
        "each with the task's training settings; the rate with the best held-out value won (a tie: the smaller rate; a diverged run loses). "
        "Every run of that task and model, ablation and scaling runs included, trained at the chosen rate; scoRNN's orthogonal learning rate was not tuned.",
        "",
    ]
    return "\n".join(lines + notes)


def write_tuning_table(paths: list[str | Path], out_prefix: str | Path) -> list[dict[str, Any]]:
    """{prefix}.csv and {prefix}.md, written together."""
    rows = tuning_rows(read_choices(paths))
    if not rows:
        raise QrnnError("no choice files given")
    prefix = Path(out_prefix)
    atomic.write_texts({prefix.with_name(prefix.name + ".csv"): atomic.csv_text(rows, list(COLUMNS)), prefix.with_name(prefix.name + ".md"): tuning_markdown(rows)})
    return rows


def learning_rate(folders: list[Path]) -> float:
    """The learning rate the runs in ``folders`` trained at (their config.json; one value, or
    QrnnError); NaN when they do not record it (result folders made without `qrnn train`)."""
    rates = {read_result_json(folder / "config.json", {"training": dict})["training"]["learning_rate"] for folder in folders if (folder / "config.json").is_file()}
    if len(rates) > 1:
        raise QrnnError(f"the runs {', '.join(map(str, folders))} trained at different learning rates {sorted(rates)}: one table row cannot stand for them")
    return float(rates.pop()) if rates else math.nan


def tuning_note(choices: list[dict[str, Any]]) -> str:
    """The main table's sentence on how its learning rates were chosen."""
    first = choices[0]
    unequal = [c for c in choices if (c["learning_rates"], c["budget"], c["seed"]) != (first["learning_rates"], first["budget"], first["seed"])]
    if unequal:
        raise QrnnError(f"{unequal[0]['choice']} and {first['choice']} were tuned with different grids, seeds or budgets: not an equal-budget comparison")
    chosen = ", ".join(f"{MODEL_NAMES.get(c['model'], c['model'])} {c['learning_rate']:g}" for c in choices)
    return (
        f"Learning rates: chosen per model on tuning seed {first['seed']} from the grid {_grid(first)} by the best held-out {first['metric']}, "
        f"with an equal budget of {first['budget']['candidates']} runs x {first['budget']['max_steps']:,} max steps per model ({chosen})."
    )
