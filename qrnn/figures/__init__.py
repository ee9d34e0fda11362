"""Figures of the study, drawn from result tables and analysis CSVs only (never from
models or checkpoints), all in the style of qrnn.figures.style."""
