"""Markdown and LaTeX renderings of a qrnn.tables.main.Table: the columns a reader needs,
formatted; the CSV keeps every column at full precision."""

from __future__ import annotations

import math
from typing import Any, Callable

QUANTUM = "qrnn"  # the model every baseline is compared with
MODEL_NAMES = {"qrnn": "quantum RNN", "rnn": "vanilla RNN", "lstm": "LSTM", "scornn": "scoRNN"}
Column = tuple[str, Callable[[dict[str, Any]], str]]


def number(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return f"{value:.{digits}f}"


def p_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def interval(row: dict[str, Any], prefix: str = "") -> str:
    low, high = row[f"{prefix}ci95_low"], row[f"{prefix}ci95_high"]
    return "–" if math.isnan(low) else f"[{number(low)}, {number(high)}]"


def converged(row: dict[str, Any]) -> str:
    """Runs of the row's group that stopped on a validation plateau, of all its runs."""
    return f"{row['n_converged']} of {row['n_seeds']}"


def learning_rate(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:g}"


def seeds(value: float) -> str:
    if math.isnan(value):
        return "–"
    return "∞" if math.isinf(value) else f"{math.ceil(value)}"


def _main_columns(rows: list[dict[str, Any]]) -> list[Column]:
    metric = rows[0]["metric"]
    return [
        ("model", lambda r: MODEL_NAMES.get(r["model"], r["model"]) + ("" if r["variant"] in ("default", "full") else f" ({r['variant']})")),
        ("seeds", lambda r: str(r["n_seeds"])),
        ("converged", converged),
        ("matched (recurrent) / total parameters", lambda r: f"{r['trainable_parameters_recurrent']:,} / {r['trainable_parameters']:,}"),
        ("learning rate", lambda r: learning_rate(r.get("learning_rate", math.nan))),
        (f"{metric} mean ± std", lambda r: f"{number(r['mean'])} ± {number(r['std'])}"),
        ("95% CI", interval),
        ("Δ vs quantum RNN", lambda r: number(r["difference"])),
        ("p (Welch)", lambda r: p_value(r["p_welch"])),
        ("p (Holm)", lambda r: p_value(r["p_welch_holm"])),
        ("Hedges' g", lambda r: number(r["hedges_g"], 2)),
        ("seeds for 80% power", lambda r: seeds(r["seeds_for_80_power"])),
        ("quantum RNN vs this model", lambda r: r["outcome"] or "–"),
    ]


def _ablation_columns(rows: list[dict[str, Any]]) -> list[Column]:
    return [
        ("task", lambda r: r["task"]),
        ("variant", lambda r: r["variant"] + (" (reference)" if r["is_reference"] else "")),
        ("seeds", lambda r: str(r["n_seeds"])),
        ("converged", converged),
        ("classical / quantum parameters", lambda r: f"{r['trainable_parameters_classical']:,} / {r['trainable_parameters_quantum']:,}"),
        ("metric", lambda r: f"{r['metric']} ({r['better']} is better)"),
        ("mean ± std", lambda r: f"{number(r['mean'])} ± {number(r['std'])}"),
        ("95% CI", interval),
        ("Δ vs full", lambda r: number(r["difference"])),
        ("p (Holm)", lambda r: p_value(r["p_welch_holm"])),
        ("Hedges' g", lambda r: number(r["hedges_g"], 2)),
        ("outcome", lambda r: r["outcome"] or "–"),
    ]


def condition(row: dict[str, Any]) -> str:
    """A noise-table row's condition in words, from its NoiseCondition columns."""
    if row["sweep"] == "ideal":
        return "ideal (exact expectations)"
    parts = []
    if row.get("channel", "none") != "none":
        parts.append(f"p = {row['strength']:g}")
    if row.get("measurement", "none") != "none":
        parts.append(f"{row['measurement']}, θ = {row['measurement_strength']:.3g}")
    elif row["sweep"] == "measurement":
        parts.append("no collapse")
    if row["sweep"] == "readout_error" or row.get("readout_error", 0):
        parts.append(f"ε = {row.get('readout_error', 0):g}")
    if row.get("shots", 0):
        parts.append(f"{row['shots']:,} shots")
    if row.get("trajectories", 1) > 1:
        parts.append(f"{row['trajectories']} trajectories")
    return f"{row['sweep'].replace('_', ' ')}: " + (", ".join(parts) or f"{row['value']:g}")


def mean_interval(row: dict[str, Any], stem: str, suffix: str = "mean") -> str:
    """mean [low, high], or mean (n=1) where one seed leaves no interval."""
    value = row[f"{stem}_{suffix}"]
    if isinstance(value, float) and math.isnan(value):
        return "–"
    prefix = stem + ("_change" if suffix == "change" else "")
    if math.isnan(row[f"{prefix}_ci95_low"]):
        return f"{number(value)} (n={row['n_seeds']})"
    return f"{number(value)} [{number(row[f'{prefix}_ci95_low'])}, {number(row[f'{prefix}_ci95_high'])}]"


def noise_columns(metrics: list[tuple[str, str, str]]) -> list[Column]:
    """Columns of a noise table; ``metrics``: (name, unit, "lower" | "higher" | "") per task metric."""
    spec: list[Column] = [("condition", condition), ("seeds", lambda r: str(r["n_seeds"]))]
    for name, unit, _ in metrics:
        stem = f"{name}_{unit}"
        spec += [
            (f"{name} ({unit}) mean [95% CI]", lambda r, stem=stem: mean_interval(r, stem)),
            (f"Δ {name} vs ideal [95% CI]", lambda r, stem=stem: mean_interval(r, stem, "change")),
            (f"p (Holm), {name}", lambda r, stem=stem: p_value(r[f"{stem}_p_paired_t_holm"])),
        ]
    spec.append(("readout deviation mean [95% CI]", lambda r: mean_interval(r, "readout_deviation")))
    return spec


def columns(rows: list[dict[str, Any]]) -> list[Column]:
    return _main_columns(rows) if "model" in rows[0] else _ablation_columns(rows)


def table_columns(table) -> list[Column]:
    """The table's own columns where it defines them (the noise table), else by the shape of its rows."""
    own = getattr(table, "columns", None)
    return own() if callable(own) else columns(table.rows)


def _markdown_cell(text: str) -> str:
    """A pipe inside a cell (a metric or unit read from a result file) would end the cell."""
    return text.replace("|", r"\|")


def markdown(table) -> str:
    spec = table_columns(table)
    header = getattr(table, "header", "")  # the sentence on the intervals, where the table has one
    lines = [f"# {table.title}", "", *([header, ""] if header else []), "| " + " | ".join(_markdown_cell(header) for header, _ in spec) + " |", "|" + "|".join("---" for _ in spec) + "|"]
    lines += ["| " + " | ".join(_markdown_cell(cell(row)) for _, cell in spec) + " |" for row in table.rows]
    return "\n".join([*lines, "", *table.notes, "–: undefined (one seed, or no variance).", ""])


LATEX_ESCAPES = {
    "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}", "±": r"$\pm$", "Δ": r"$\Delta$", "θ": r"$\theta$", "ε": r"$\varepsilon$", "–": "--", "∞": r"$\infty$", "<": r"$<$", ">": r"$>$",
}


def _latex_text(text: str) -> str:
    return "".join(LATEX_ESCAPES.get(character, character) for character in text)


def latex(table) -> str:
    """A booktabs tabular inside a table float, with the notes as caption."""
    spec = table_columns(table)
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\caption{" + _latex_text(" ".join(part for part in [table.title + ".", getattr(table, "header", ""), *table.notes] if part)) + "}",
        r"\begin{tabular}{l" + "r" * (len(spec) - 1) + "}",
        r"\toprule",
        " & ".join(_latex_text(header) for header, _ in spec) + r" \\",
        r"\midrule",
        *(" & ".join(_latex_text(cell(row)) for _, cell in spec) + r" \\" for row in table.rows),
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"
