"""Hidden-state dynamics of a trained quantum RNN, from `qrnn analyse hidden-state`'s CSV:
per-qubit Bloch vectors over time, a readout heatmap, and the half/half entanglement entropy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from qrnn.figures.style import DIVERGING_COLORMAP, FONT_SIZE, PAULI_COLORS, new_figure, save, style_axes
from qrnn.figures.tables_io import read_rows

REQUIRED = {"sequence", "step", "token", "qubit", "x", "y", "z", "entanglement_entropy_bits"}
MADE_BY = "qrnn analyse hidden-state"
SEQUENCE_STYLES = ["-", "--", ":", "-."]


def read_dynamics(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bloch[sequence, step, qubit, xyz], entropy[sequence, step], tokens[sequence, step])."""
    rows = read_rows(path, REQUIRED, MADE_BY)
    n_sequences = 1 + max(int(row["sequence"]) for row in rows)
    n_steps = max(int(row["step"]) for row in rows)
    n_qubits = 1 + max(int(row["qubit"]) for row in rows)
    bloch = np.full((n_sequences, n_steps, n_qubits, 3), np.nan)
    entropy = np.full((n_sequences, n_steps), np.nan)
    tokens = np.zeros((n_sequences, n_steps), dtype=int)
    for row in rows:
        s, t, q = int(row["sequence"]), int(row["step"]) - 1, int(row["qubit"])
        bloch[s, t, q] = [float(row["x"]), float(row["y"]), float(row["z"])]
        entropy[s, t] = float(row["entanglement_entropy_bits"])
        tokens[s, t] = int(row["token"])
    return bloch, entropy, tokens


def bloch_vectors(dynamics_csv: str | Path, out_png: str | Path, out_pdf: str | Path) -> Figure:
    """One panel per qubit: <X>, <Y>, <Z> against the step, one line style per test sequence.
    Returns the figure."""
    bloch, _, _ = read_dynamics(dynamics_csv)
    n_sequences, n_steps, n_qubits, _ = bloch.shape
    columns = min(n_qubits, 3)
    figure, axes = new_figure(math.ceil(n_qubits / columns), columns, squeeze=False, sharex=True, sharey=True, size=(6.5, 1.9 * math.ceil(n_qubits / columns) + 0.6))
    steps = np.arange(1, n_steps + 1)
    lines = 0
    for qubit, axis in enumerate(axes.flat):
        if qubit >= n_qubits:
            axis.set_visible(False)
            continue
        for sequence in range(n_sequences):
            for component, pauli in enumerate("xyz"):
                label = f"<{pauli.upper()}>" if sequence == 0 else None
                axis.plot(steps, bloch[sequence, :, qubit, component], color=PAULI_COLORS[pauli], linestyle=SEQUENCE_STYLES[sequence % len(SEQUENCE_STYLES)], linewidth=1.2, label=label)
                lines += 1
        axis.set_ylim(-1.05, 1.05)
        style_axes(axis, "time step t" if qubit >= n_qubits - columns else "", "expectation" if qubit % columns == 0 else "")
        axis.set_title(f"qubit {qubit}", fontsize=FONT_SIZE - 1, loc="left")
    figure.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside lower center", fontsize=FONT_SIZE - 2, frameon=False, ncol=3)
    figure.suptitle(f"Bloch vector of each qubit over time ({n_sequences} test sequences: " + ", ".join(SEQUENCE_STYLES[:n_sequences]) + ")", fontsize=FONT_SIZE - 1)
    save(figure, out_png, out_pdf)
    return figure


def readouts_and_entanglement(dynamics_csv: str | Path, out_png: str | Path, out_pdf: str | Path) -> Figure:
    """Top: heatmap of every readout (Pauli x qubit) of the first test sequence over time.
    Bottom: entanglement entropy across the half/half cut, every sequence, with its maximum."""
    bloch, entropy, tokens = read_dynamics(dynamics_csv)
    n_sequences, n_steps, n_qubits, _ = bloch.shape
    figure, (heat, curve) = new_figure(2, 1, sharex=True, size=(6.5, 5.0), height_ratios=[1.4, 1])
    matrix = bloch[0].transpose(2, 1, 0).reshape(3 * n_qubits, n_steps)  # rows: X0..Xn-1, Y0.., Z0..
    image = heat.imshow(matrix, aspect="auto", cmap=DIVERGING_COLORMAP, vmin=-1, vmax=1, extent=(0.5, n_steps + 0.5, 3 * n_qubits - 0.5, -0.5), interpolation="nearest")
    heat.set_yticks(range(3 * n_qubits), [f"{p.upper()}{q}" for p in "xyz" for q in range(n_qubits)], fontsize=FONT_SIZE - 3)
    style_axes(heat, "", "readout (Pauli, qubit)", grid=False)
    heat.set_title("readouts of test sequence 0; input tokens: " + " ".join(map(str, tokens[0])), fontsize=FONT_SIZE - 2, loc="left")
    colorbar = figure.colorbar(image, ax=heat, pad=0.01)
    colorbar.set_label("expectation value", fontsize=FONT_SIZE - 1)
    steps = np.arange(1, n_steps + 1)
    for sequence in range(n_sequences):
        curve.plot(steps, entropy[sequence], color="black", linestyle=SEQUENCE_STYLES[sequence % len(SEQUENCE_STYLES)], linewidth=1.3, label=f"sequence {sequence}")
    maximum = min(n_qubits // 2, n_qubits - n_qubits // 2)
    curve.axhline(maximum, color="grey", linestyle="--", linewidth=1, label=f"maximum ({maximum} bit{'s' if maximum != 1 else ''})")
    curve.set_ylim(-0.05, maximum + 0.15)
    left = "qubit 0" if n_qubits // 2 == 1 else f"qubits 0-{n_qubits // 2 - 1}"
    style_axes(curve, "time step t", f"entropy of {left} (bits)")
    curve.legend(fontsize=FONT_SIZE - 2, frameon=False, ncol=min(n_sequences + 1, 4))
    save(figure, out_png, out_pdf)
    return figure
