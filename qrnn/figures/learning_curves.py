"""Learning curves: held-out metric against training step, one line per model and variant."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from qrnn.config import MODELS
from qrnn.errors import QrnnError
from qrnn.figures.style import FONT_SIZE, MODEL_COLORS, MODEL_LABELS, VARIANT_LINE_STYLES, new_figure, save

Curves = dict[tuple[str, str], dict[int, dict[int, float]]]  # (model, variant) -> seed -> step -> value


def read_curves(path: str | Path, column: str) -> Curves:
    path = Path(path)
    if not path.is_file():
        raise QrnnError(f"missing curves file {path}; write it with `qrnn aggregate`")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"step", "model", "variant", "seed", column} - set(reader.fieldnames or [])
        if missing:
            raise QrnnError(f"{path} lacks the column(s) {', '.join(sorted(missing))} (it has: {', '.join(reader.fieldnames or [])})")
        curves: Curves = {}
        for row in reader:
            curves.setdefault((row["model"], row["variant"]), {}).setdefault(int(row["seed"]), {})[int(row["step"])] = float(row[column])
    if not curves:
        raise QrnnError(f"{path} has no rows")
    return curves


def over_seeds(per_seed: dict[int, dict[int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Steps evaluated in any seed, and the mean, minimum and maximum there over the seeds
    that reached them: a run that stopped on a plateau ends its curve early, and the others
    go on without it (so the curve shows how long the longest run trained)."""
    steps = sorted(set().union(*(set(values) for values in per_seed.values())))
    reached = [[per_seed[seed][step] for seed in sorted(per_seed) if step in per_seed[seed]] for step in steps]
    return (
        np.array(steps), np.array([np.mean(values) for values in reached]),
        np.array([min(values) for values in reached]), np.array([max(values) for values in reached]),
    )


def _axis_label(column: str) -> str:
    """eval_loss_nats -> 'held-out loss (nats)'."""
    name, unit = column.removeprefix("eval_").rsplit("_", 1)
    return f"held-out {name.replace('_', ' ')} ({unit})"


def learning_curves(
    curves_csv: str | Path, out_png: str | Path, out_pdf: str | Path, reference: float | None, column: str = "eval_loss_nats",
    reference_label: str = "memoryless baseline",
) -> None:
    """Held-out ``column`` against the training step: one line per model and variant (mean
    over seeds), a band from the lowest to the highest seed, and ``reference`` dashed."""
    curves = read_curves(curves_csv, column)
    figure, axes = new_figure()
    variants = sorted({variant for _, variant in curves}, key=lambda v: (v != "default", v))
    for model, variant in sorted(curves, key=lambda key: (MODELS.index(key[0]), variants.index(key[1]))):
        steps, mean, low, high = over_seeds(curves[(model, variant)])
        color = MODEL_COLORS[model]
        label = MODEL_LABELS[model] + ("" if variant == "default" else f" ({variant})")
        label += f", {len(curves[(model, variant)])} seeds"
        axes.plot(steps, mean, color=color, linestyle=VARIANT_LINE_STYLES[variants.index(variant) % len(VARIANT_LINE_STYLES)], linewidth=1.8, label=label)
        axes.fill_between(steps, low, high, color=color, alpha=0.18, linewidth=0)
    if reference is not None:
        axes.axhline(reference, color="black", linestyle="--", linewidth=1.2, label=f"{reference_label} ({reference:.3f})")
    axes.set_xlabel("training step (mini-batches)", fontsize=FONT_SIZE)
    axes.set_ylabel(_axis_label(column), fontsize=FONT_SIZE)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=FONT_SIZE - 1)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=FONT_SIZE - 1, frameon=False)
    axes.set_title("mean over seeds; band: lowest to highest seed", fontsize=FONT_SIZE - 1, loc="left")
    save(figure, out_png, out_pdf)
