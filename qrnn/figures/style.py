"""The one style of every figure: print size, fonts, colours, and how figures are saved.

Matplotlib is used through its object interface on the Agg canvas: no pyplot state and
no display needed, so figures render the same on a cluster node as on a laptop.
"""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qrnn.io import atomic

FIGURE_SIZE_INCHES = (6.5, 4.0)  # the text width of a printed page
DPI = 200  # PNG resolution; the PDF is vector
FONT_SIZE = 10
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies and in grey.
MODEL_COLORS = {"qrnn": "#0072B2", "rnn": "#E69F00", "lstm": "#009E73", "scornn": "#CC79A7"}
MODEL_LABELS = {"qrnn": "quantum RNN", "rnn": "vanilla RNN", "lstm": "LSTM", "scornn": "scoRNN"}
VARIANT_LINE_STYLES = ["-", "-.", ":", (0, (5, 1, 1, 1, 1, 1))]  # dashed (--) is the reference line
PAULI_COLORS = {"x": "#D55E00", "y": "#009E73", "z": "#0072B2"}
SEQUENTIAL_COLORMAP = "cividis"  # readable in grey and with colour-vision deficiencies
DIVERGING_COLORMAP = "RdBu_r"


def new_figure(rows: int = 1, columns: int = 1, size: tuple[float, float] = FIGURE_SIZE_INCHES, **options) -> tuple[Figure, Axes]:
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, columns, **options)


def style_axes(axes: Axes, xlabel: str, ylabel: str, grid: bool = True) -> None:
    axes.set_xlabel(xlabel, fontsize=FONT_SIZE)
    axes.set_ylabel(ylabel, fontsize=FONT_SIZE)
    axes.tick_params(labelsize=FONT_SIZE - 1)
    if grid:
        axes.grid(alpha=0.3)


def save(figure: Figure, out_png: str | Path, out_pdf: str | Path) -> None:
    """PNG at DPI and vector PDF, written atomically; the PDF without a creation date, so the
    same input gives the same bytes."""
    for path, file_format, metadata in ((out_png, "png", {}), (out_pdf, "pdf", {"CreationDate": None})):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=file_format, dpi=DPI, metadata=metadata)
        atomic.write_atomically(path, lambda handle: handle.write(buffer.getvalue()))
