"""Figures of the noisy and hardware evaluations, drawn from their CSV files only.

- ``metric_vs_shots``: every task metric against shots per readout, one line per evaluated
  run, the ideal (exact, non-collapsing) value dashed;
- ``metric_vs_strength``: one column per sweep (each gate-noise channel, the measurement
  strength, the readout error), one row per metric;
- ``hardware_readout_error``: mean |device readout - ideal readout| against the time step,
  one line per protocol and run.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qrnn.io import atomic
from qrnn.errors import QrnnError
from qrnn.noise.sweeps import CONDITION_COLUMNS
from qrnn.figures.style import DPI, FONT_SIZE

SWEEP_LABELS = {
    "depolarizing": "depolarizing p (per layer and qubit)",
    "amplitude_damping": "amplitude damping gamma",
    "phase_damping": "phase damping lambda",
    "measurement": "readout strength theta (pi/2: projective; 0: no collapse)",
    "readout_error": "readout (assignment) error probability",
}
PROTOCOL_STYLES = {"repreparation": "-", "midcircuit": "--"}


def _read(path: str | Path) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        raise QrnnError(f"missing file {path}; write it with `qrnn evaluate-noise` / `qrnn evaluate-hardware`")
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _metric_names(rows: list[dict[str, str]]) -> list[str]:
    fixed = {"sweep", "value", "readout_deviation", *CONDITION_COLUMNS}
    return [name for name in rows[0] if name not in fixed]


def _save(figure: Figure, out_png: str | Path, out_pdf: str | Path) -> None:
    for path, file_format, metadata in ((out_png, "png", {}), (out_pdf, "pdf", {"CreationDate": None})):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=file_format, dpi=DPI, metadata=metadata)
        atomic.write_atomically(path, lambda handle, data=buffer.getvalue(): handle.write(data))


def _label(path: str | Path) -> str:
    return Path(path).stem.removesuffix("_steps")  # the workflow names each file after its run's seed


def metric_vs_shots(noise_csvs: list[str | Path], out_png, out_pdf) -> None:
    tables = {str(p): _read(p) for p in noise_csvs}
    metrics = _metric_names(next(iter(tables.values())))
    figure = Figure(figsize=(3.3 * (len(metrics) + 1), 3.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(metrics) + 1, squeeze=False)[0]
    for path, rows in tables.items():
        shots = sorted((r for r in rows if r["sweep"] == "shots"), key=lambda r: float(r["value"]))
        ideal = next(r for r in rows if r["sweep"] == "ideal")
        for axis, column in zip(axes, [*metrics, "readout_deviation"], strict=True):
            line = axis.plot([float(r["value"]) for r in shots], [float(r[column]) for r in shots], marker="o", label=f"run {_label(path)}")
            axis.axhline(float(ideal[column]), color=line[0].get_color(), linestyle="--", linewidth=1)
            axis.set_xscale("log")
            axis.set_xlabel("shots per readout", fontsize=FONT_SIZE)
            axis.set_ylabel(column.replace("_", " "), fontsize=FONT_SIZE)
            axis.grid(alpha=0.3)
    axes[0].legend(fontsize=FONT_SIZE - 2, frameon=False, title="dashed: exact readouts", title_fontsize=FONT_SIZE - 2)
    _save(figure, out_png, out_pdf)


def metric_vs_strength(noise_csvs: list[str | Path], out_png, out_pdf) -> None:
    tables = {str(p): _read(p) for p in noise_csvs}
    first = next(iter(tables.values()))
    metrics = [*_metric_names(first), "readout_deviation"]
    sweeps = [s for s in dict.fromkeys(r["sweep"] for r in first) if s not in ("ideal", "shots")]
    if not sweeps:
        raise QrnnError(f"{next(iter(tables))} has no strength sweep (noise.channels, measurement_strengths and readout_errors are all empty)")
    figure = Figure(figsize=(3.0 * len(sweeps), 2.6 * len(metrics)), layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.subplots(len(metrics), len(sweeps), squeeze=False)
    for path, rows in tables.items():
        ideal = next(r for r in rows if r["sweep"] == "ideal")
        for column_index, sweep in enumerate(sweeps):
            points = sorted((r for r in rows if r["sweep"] == sweep), key=lambda r: float(r["value"]))
            for row_index, metric in enumerate(metrics):
                axis = grid[row_index][column_index]
                line = axis.plot([float(r["value"]) for r in points], [float(r[metric]) for r in points], marker="o", label=f"run {_label(path)}")
                axis.axhline(float(ideal[metric]), color=line[0].get_color(), linestyle="--", linewidth=1)
                values = [float(r["value"]) for r in points]
                if min(values) > 0 and max(values) / min(values) >= 20:  # strengths spanning decades
                    axis.set_xscale("log")
                axis.set_xlabel(SWEEP_LABELS.get(sweep, sweep), fontsize=FONT_SIZE - 2)
                axis.set_ylabel(metric.replace("_", " "), fontsize=FONT_SIZE - 1)
                axis.grid(alpha=0.3)
    grid[0][0].legend(fontsize=FONT_SIZE - 2, frameon=False, title="dashed: ideal", title_fontsize=FONT_SIZE - 2)
    _save(figure, out_png, out_pdf)


def hardware_readout_error(step_csvs: list[str | Path], backend: str, out_png, out_pdf) -> None:
    figure = Figure(figsize=(6.5, 3.6), layout="constrained")
    FigureCanvasAgg(figure)
    axis = figure.subplots()
    for path in step_csvs:
        rows = _read(path)
        for protocol in dict.fromkeys(r["protocol"] for r in rows):
            points = [r for r in rows if r["protocol"] == protocol]
            axis.plot([int(r["step"]) for r in points], [float(r["readout_error"]) for r in points], linestyle=PROTOCOL_STYLES.get(protocol, ":"), marker=".", label=f"{protocol}, run {_label(path)}")
    axis.set_xlabel("time step t", fontsize=FONT_SIZE)
    axis.set_ylabel("mean |device - ideal readout|", fontsize=FONT_SIZE)
    axis.set_title(f"{backend} noise model on Aer", fontsize=FONT_SIZE - 1, loc="left")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=FONT_SIZE - 2, frameon=False)
    _save(figure, out_png, out_pdf)
