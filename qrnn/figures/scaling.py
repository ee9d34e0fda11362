"""The scaling figure of one task, drawn from the scaling table (results/tables/scaling.csv).

One column of panels per variational depth L, one row per test metric; in each panel the
metric against the number of qubits n: the quantum RNN (solid, thick), each baseline
matched in parameters (solid) and in width (dotted), mean over seeds with the 95% CI as
error bars where there are several seeds.
"""

from __future__ import annotations

import math
from pathlib import Path

from qrnn.errors import QrnnError
from qrnn.figures.style import FONT_SIZE, MODEL_COLORS, MODEL_LABELS, new_figure, save
from qrnn.figures.tables_io import number, read_rows

MATCHING_STYLES = {"": "-", "parameters": "-", "width": ":"}


def read_scaling_table(path: str | Path, task: str) -> list[dict[str, str]]:
    rows = [row for row in read_rows(path, {"task", "model", "matching", "n_qubits", "n_layers"}, "qrnn scaling-table") if row["task"] == task]
    if not rows:
        raise QrnnError(f"{path} has no rows of task {task!r}")
    return rows


def scaling_figure(table_csv: str | Path, task: str, out_png: str | Path, out_pdf: str | Path) -> None:
    rows = read_scaling_table(table_csv, task)
    metrics = [column.removesuffix("_mean") for column in rows[0] if column.endswith("_mean") and rows[0][column] != ""]
    depths = sorted({int(row["n_layers"]) for row in rows})
    figure, axes = new_figure(len(metrics), len(depths), size=(3.3 * len(depths) + 1.5, 2.6 * len(metrics) + 0.6), squeeze=False, sharex=True)
    lines = sorted({(row["model"], row["matching"]) for row in rows}, key=lambda key: (key[0] != "qrnn", key))
    for column, depth in enumerate(depths):
        for row_index, metric in enumerate(metrics):
            panel = axes[row_index][column]
            for model, matching in lines:
                points = sorted(
                    (int(row["n_qubits"]), number(row[f"{metric}_mean"]), number(row[f"{metric}_ci95_low"]), number(row[f"{metric}_ci95_high"]))
                    for row in rows
                    if int(row["n_layers"]) == depth and row["model"] == model and row["matching"] == matching
                )
                if not points:
                    continue
                qubits, means, lows, highs = zip(*points)
                errors = [[m - lo if not math.isnan(lo) else 0 for m, lo in zip(means, lows)], [hi - m if not math.isnan(hi) else 0 for m, hi in zip(means, highs)]]
                label = MODEL_LABELS[model] + (f", matched in {matching}" if matching else "")
                panel.errorbar(qubits, means, yerr=errors, color=MODEL_COLORS[model], linestyle=MATCHING_STYLES[matching],
                               linewidth=2.4 if model == "qrnn" else 1.4, marker="o", markersize=3, capsize=2, label=label)
            panel.set_xticks(sorted({int(row["n_qubits"]) for row in rows}))
            panel.grid(alpha=0.3)
            panel.tick_params(labelsize=FONT_SIZE - 1)
            if row_index == 0:
                panel.set_title(f"depth L = {depth}", fontsize=FONT_SIZE)
            if row_index == len(metrics) - 1:
                panel.set_xlabel("qubits n", fontsize=FONT_SIZE)
            if column == 0:
                name, unit = metric.removeprefix("test_").rsplit("_", 1)
                panel.set_ylabel(f"test {name.replace('_', ' ')} ({unit})", fontsize=FONT_SIZE)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=FONT_SIZE - 2, frameon=False)
    figure.suptitle(f"{task}: mean over seeds, bars 95% CI", fontsize=FONT_SIZE)
    save(figure, out_png, out_pdf)
