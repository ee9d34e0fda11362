"""Figures of the noisy and hardware evaluations, drawn from their CSV files only.

- ``metric_vs_shots``: every task metric against shots per readout, one line per evaluated
  run, the ideal (exact, non-collapsing) value dashed;
- ``metric_vs_strength``: one column per sweep (each gate-noise channel, the measurement
  strength, the readout error), one row per metric;
- ``hardware_readout_error``: mean |device readout - ideal readout| against the time step,
  one line per protocol and run.
"""

from __future__ import annotations

from pathlib import Path

from qrnn.errors import QrnnError
from qrnn.figures.style import FONT_SIZE, new_figure, save
from qrnn.figures.tables_io import read_rows

SWEEP_LABELS = {
    "depolarizing": "depolarizing p (per layer and qubit)",
    "amplitude_damping": "amplitude damping gamma",
    "phase_damping": "phase damping lambda",
    "measurement": "readout strength theta (pi/2: projective; 0: no collapse)",
    "readout_error": "readout (assignment) error probability",
}
PROTOCOL_STYLES = {"repreparation": "-", "midcircuit": "--"}
SWEEP_COLUMNS = {"sweep", "value", "readout_deviation"}


def _read(path: str | Path, required: set[str]) -> list[dict[str, str]]:
    return read_rows(path, required, "qrnn evaluate-noise` / `qrnn evaluate-hardware")


def _metric_names(rows: list[dict[str, str]]) -> list[str]:
    """The task metrics: the columns after readout_deviation (qrnn.noise.sweeps writes the
    sweep point, its noise condition, the readout deviation, then the metrics)."""
    columns = list(rows[0])
    return columns[columns.index("readout_deviation") + 1 :]


def _label(path: str | Path) -> str:
    return Path(path).stem.removesuffix("_steps")  # the workflow names each file after its run's seed


def metric_vs_shots(noise_csvs: list[str | Path], out_png, out_pdf) -> None:
    tables = {str(p): _read(p, SWEEP_COLUMNS) for p in noise_csvs}
    metrics = _metric_names(next(iter(tables.values())))
    figure, axes = new_figure(1, len(metrics) + 1, size=(3.3 * (len(metrics) + 1), 3.2), squeeze=False)
    axes = axes[0]
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
    save(figure, out_png, out_pdf)


def metric_vs_strength(noise_csvs: list[str | Path], out_png, out_pdf) -> None:
    tables = {str(p): _read(p, SWEEP_COLUMNS) for p in noise_csvs}
    first = next(iter(tables.values()))
    metrics = [*_metric_names(first), "readout_deviation"]
    sweeps = [s for s in dict.fromkeys(r["sweep"] for r in first) if s not in ("ideal", "shots")]
    if not sweeps:
        raise QrnnError(f"{next(iter(tables))} has no strength sweep (noise.channels, measurement_strengths and readout_errors are all empty)")
    figure, grid = new_figure(len(metrics), len(sweeps), size=(3.0 * len(sweeps), 2.6 * len(metrics)), squeeze=False)
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
    save(figure, out_png, out_pdf)


def hardware_readout_error(step_csvs: list[str | Path], backend: str, out_png, out_pdf) -> None:
    figure, axis = new_figure(size=(6.5, 3.6))
    for path in step_csvs:
        rows = _read(path, {"protocol", "step", "readout_error"})
        for protocol in dict.fromkeys(r["protocol"] for r in rows):
            points = [r for r in rows if r["protocol"] == protocol]
            axis.plot([int(r["step"]) for r in points], [float(r["readout_error"]) for r in points], linestyle=PROTOCOL_STYLES.get(protocol, ":"), marker=".", label=f"{protocol}, run {_label(path)}")
    axis.set_xlabel("time step t", fontsize=FONT_SIZE)
    axis.set_ylabel("mean |device - ideal readout|", fontsize=FONT_SIZE)
    axis.set_title(f"{backend} noise model on Aer", fontsize=FONT_SIZE - 1, loc="left")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=FONT_SIZE - 2, frameon=False)
    save(figure, out_png, out_pdf)
