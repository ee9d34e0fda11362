"""Gradient norm ||dL/dh_t|| against t, one line per model, from `qrnn analyse gradient-norms`'s CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from qrnn.config import MODELS
from qrnn.figures.style import FONT_SIZE, MODEL_COLORS, MODEL_LABELS, new_figure, save, style_axes
from qrnn.figures.tables_io import read_rows

REQUIRED = {"model", "variant", "seed", "step", "gradient_norm_mean"}


def gradient_norms(norms_csv: str | Path, out_png: str | Path, out_pdf: str | Path) -> Figure:
    """Mean over test sequences (and over seeds, with their range as a band) on a log scale.
    Returns the figure."""
    rows = read_rows(norms_csv, REQUIRED, "qrnn analyse gradient-norms")
    curves: dict[tuple[str, str], dict[int, dict[int, float]]] = {}
    for row in rows:
        curves.setdefault((row["model"], row["variant"]), {}).setdefault(int(row["seed"]), {})[int(row["step"])] = float(row["gradient_norm_mean"])
    figure, axes = new_figure()
    order = sorted(curves, key=lambda key: (MODELS.index(key[0]) if key[0] in MODELS else len(MODELS), key[1]))
    for model, variant in order:
        per_seed = curves[(model, variant)]
        steps = sorted(set.intersection(*(set(values) for values in per_seed.values())))
        values = np.array([[per_seed[seed][step] for step in steps] for seed in sorted(per_seed)])
        label = MODEL_LABELS.get(model, model) + ("" if variant in ("default", "full") else f" ({variant})") + f", {len(per_seed)} seed(s)"
        axes.plot(steps, values.mean(axis=0), color=MODEL_COLORS.get(model, "black"), linewidth=1.8, label=label)
        if len(per_seed) > 1:
            axes.fill_between(steps, values.min(axis=0), values.max(axis=0), color=MODEL_COLORS.get(model, "black"), alpha=0.18, linewidth=0)
    axes.set_yscale("log")
    style_axes(axes, "time step t", r"$\|\partial L / \partial h_t\|$ (mean over test sequences)")
    axes.legend(fontsize=FONT_SIZE - 1, frameon=False)
    axes.set_title("h_t: the recurrent core's output at step t (quantum RNN: its readouts)", fontsize=FONT_SIZE - 1, loc="left")
    save(figure, out_png, out_pdf)
    return figure
