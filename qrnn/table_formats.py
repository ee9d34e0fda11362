"""Markdown and LaTeX renderings of a qrnn.tables.Table: the columns a reader needs,
formatted; the CSV keeps every column at full precision."""

from __future__ import annotations

import math
from typing import Any, Callable

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


def seeds(value: float) -> str:
    if math.isnan(value):
        return "–"
    return "∞" if math.isinf(value) else f"{math.ceil(value)}"


def _main_columns(rows: list[dict[str, Any]]) -> list[Column]:
    metric = rows[0]["metric"]
    return [
        ("model", lambda r: MODEL_NAMES.get(r["model"], r["model"]) + ("" if r["variant"] in ("default", "full") else f" ({r['variant']})")),
        ("seeds", lambda r: str(r["n_seeds"])),
        ("trainable parameters", lambda r: f"{r['trainable_parameters']:,}"),
        (f"{metric} mean ± std", lambda r: f"{number(r['mean'])} ± {number(r['std'])}"),
        ("95% CI", interval),
        ("Δ vs quantum RNN", lambda r: number(r["difference"])),
        ("p (Welch)", lambda r: p_value(r["p_welch"])),
        ("p (Holm)", lambda r: p_value(r["p_welch_holm"])),
        ("Hedges' g", lambda r: number(r["hedges_g"], 2)),
        ("seeds for 80% power", lambda r: seeds(r["seeds_for_80_power"])),
    ]


def _ablation_columns(rows: list[dict[str, Any]]) -> list[Column]:
    return [
        ("task", lambda r: r["task"]),
        ("variant", lambda r: r["variant"] + (" (reference)" if r["is_reference"] else "")),
        ("seeds", lambda r: str(r["n_seeds"])),
        ("classical / quantum parameters", lambda r: f"{r['trainable_parameters_classical']:,} / {r['trainable_parameters_quantum']:,}"),
        ("metric", lambda r: f"{r['metric']} ({r['better']} is better)"),
        ("mean ± std", lambda r: f"{number(r['mean'])} ± {number(r['std'])}"),
        ("95% CI", interval),
        ("Δ vs full", lambda r: number(r["difference"])),
        ("p (Holm)", lambda r: p_value(r["p_welch_holm"])),
        ("Hedges' g", lambda r: number(r["hedges_g"], 2)),
    ]


def columns(rows: list[dict[str, Any]]) -> list[Column]:
    return _main_columns(rows) if "model" in rows[0] else _ablation_columns(rows)


def markdown(table) -> str:
    spec = columns(table.rows)
    lines = [f"# {table.title}", "", "| " + " | ".join(header for header, _ in spec) + " |", "|" + "|".join("---" for _ in spec) + "|"]
    lines += ["| " + " | ".join(cell(row) for _, cell in spec) + " |" for row in table.rows]
    return "\n".join([*lines, "", *table.notes, "–: undefined (one seed, or no variance).", ""])


LATEX_ESCAPES = {"_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "±": r"$\pm$", "Δ": r"$\Delta$", "–": "--", "∞": r"$\infty$", "<": r"$<$"}


def _latex_text(text: str) -> str:
    return "".join(LATEX_ESCAPES.get(character, character) for character in text)


def latex(table) -> str:
    """A booktabs tabular inside a table float, with the notes as caption."""
    spec = columns(table.rows)
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\caption{" + _latex_text(table.title + ". " + " ".join(table.notes)) + "}",
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
