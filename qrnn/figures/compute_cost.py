"""Compute cost against qubits, the LSTM of the same parameter count alongside, from
`qrnn analyse compute-cost`'s CSV."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from qrnn.figures.style import FONT_SIZE, MODEL_COLORS, MODEL_LABELS, new_figure, save, style_axes
from qrnn.figures.tables_io import read_rows

REQUIRED = {"model", "n_qubits", "time_per_step_ms", "saved_memory_per_step_mib", "batch_size"}


def compute_cost(cost_csv: str | Path, out_png: str | Path, out_pdf: str | Path) -> Figure:
    """Left: time per step; right: memory saved for the backward pass per step; log scales.
    Returns the figure."""
    rows = read_rows(cost_csv, REQUIRED, "qrnn analyse compute-cost")
    figure, (time_axes, memory_axes) = new_figure(1, 2, sharex=True)
    models = list(dict.fromkeys(row["model"] for row in rows))
    for model in models:
        points = sorted((int(row["n_qubits"]), float(row["time_per_step_ms"]), float(row["saved_memory_per_step_mib"])) for row in rows if row["model"] == model)
        qubits = [point[0] for point in points]
        label = MODEL_LABELS.get(model, model) + (" with the parameters of the quantum RNN at n" if model != "qrnn" else "")
        style = {"color": MODEL_COLORS.get(model, "black"), "marker": "o", "linewidth": 1.6, "label": label}
        time_axes.plot(qubits, [point[1] for point in points], **style)
        memory_axes.plot(qubits, [point[2] * 1024 for point in points], **style)
    for axes, label in ((time_axes, "time per step (ms), forward + backward"), (memory_axes, "memory saved for backward per step (KiB)")):
        axes.set_yscale("log")
        style_axes(axes, "qubits n", label)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    time_axes.legend(fontsize=FONT_SIZE - 1, frameon=False)
    figure.suptitle(f"cost of a training step on one CPU thread, batch {rows[0]['batch_size']}", fontsize=FONT_SIZE - 1)
    save(figure, out_png, out_pdf)
    return figure
