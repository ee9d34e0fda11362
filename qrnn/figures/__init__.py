"""Figures of the study, drawn from result tables and analysis CSVs only (never from
models or checkpoints), all in the style of qrnn.figures.style."""

from qrnn.figures.learning_curves import Curves, learning_curves, over_seeds, read_curves
from qrnn.figures.style import DPI, FIGURE_SIZE_INCHES, FONT_SIZE, MODEL_COLORS, MODEL_LABELS, VARIANT_LINE_STYLES

__all__ = ["Curves", "DPI", "FIGURE_SIZE_INCHES", "FONT_SIZE", "MODEL_COLORS", "MODEL_LABELS", "VARIANT_LINE_STYLES", "learning_curves", "over_seeds", "read_curves"]
