"""Ablation bars: the main metric of every quantum-RNN variant with its 95% CI, per task."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from qrnn.figures.style import FONT_SIZE, MODEL_COLORS, new_figure, save, style_axes
from qrnn.figures.tables_io import number, read_rows

REQUIRED = {"task", "variant", "metric", "better", "mean", "ci95_low", "ci95_high", "p_welch_holm", "is_reference"}


def ablation_bars(table_csv: str | Path, out_png: str | Path, out_pdf: str | Path) -> Figure:
    """One panel per task, one bar per variant (the reference filled, the others hatched),
    error bars from the CI, Holm-corrected p against the reference above each bar.
    Returns the figure."""
    rows = read_rows(table_csv, REQUIRED, "qrnn tables ablations")
    tasks = list(dict.fromkeys(row["task"] for row in rows))
    figure, axes = new_figure(1, len(tasks), squeeze=False)
    bars = 0
    for axis, task in zip(axes[0], tasks):
        task_rows = [row for row in rows if row["task"] == task]
        means = np.array([number(row["mean"]) for row in task_rows])
        low = np.array([number(row["ci95_low"]) for row in task_rows])
        high = np.array([number(row["ci95_high"]) for row in task_rows])
        errors = np.nan_to_num(np.vstack([means - low, high - means]), nan=0.0)
        positions = np.arange(len(task_rows))
        reference = [row["is_reference"] == "True" for row in task_rows]
        drawn = axis.bar(
            positions, means, yerr=errors, capsize=4, color=[MODEL_COLORS["qrnn"] if ref else "white" for ref in reference],
            edgecolor=MODEL_COLORS["qrnn"], hatch=None, linewidth=1.5, error_kw={"linewidth": 1.2},
        )
        for bar, ref in zip(drawn, reference):
            if not ref:
                bar.set_hatch("//")
        bars += len(drawn)
        for position, row, top in zip(positions, task_rows, np.where(np.isnan(high), means, high)):
            p = number(row["p_welch_holm"])
            if not math.isnan(p):
                axis.annotate("p<0.001" if p < 0.001 else f"p={p:.3f}", (position, top), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=FONT_SIZE - 2)
        axis.set_xticks(positions, [row["variant"].replace("_", " ") for row in task_rows], rotation=30, ha="right")
        style_axes(axis, "", f"test {task_rows[0]['metric'].replace('_', ' ')} ({task_rows[0]['better']} is better)")
        axis.grid(axis="x", visible=False)
        axis.set_title(task, fontsize=FONT_SIZE, loc="left")
    figure.suptitle("quantum-RNN ablations: mean over seeds, 95% CI; p: Holm-corrected vs the filled bar", fontsize=FONT_SIZE - 1)
    save(figure, out_png, out_pdf)
    return figure
