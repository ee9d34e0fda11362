"""The translation decoder's attention weights as heatmaps, drawn from attention.csv.

`qrnn evaluate` writes attention.csv next to a translation run's evaluation.json: the
greedy translation of the first tasks.translation.attention_examples test sentences, one
row per (sentence, target word, source word) with the softmax weight. One panel per
sentence: target words down, source words across; each row sums to 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qrnn.figures.style import new_figure, save
from qrnn.figures.tables_io import read_rows

FONT_SIZE = 8  # word labels: smaller than the style's, so that long sentences fit
ATTENTION_COLUMNS = {"sentence", "target_position", "source_position", "source_word", "target_word", "weight"}


def read_attention(path: str | Path) -> dict[int, tuple[list[str], list[str], np.ndarray]]:
    """{sentence: (source words, target words, weights (target, source))}."""
    rows = read_rows(path, ATTENTION_COLUMNS, "qrnn evaluate` of a translation run, with tasks.translation.attention_examples > 0")
    sentences: dict[int, dict] = {}
    for row in rows:
        entry = sentences.setdefault(int(row["sentence"]), {"source": {}, "target": {}, "weights": {}})
        t, s = int(row["target_position"]), int(row["source_position"])
        entry["source"][s], entry["target"][t] = row["source_word"], row["target_word"]
        entry["weights"][(t, s)] = float(row["weight"])
    result = {}
    for sentence, entry in sorted(sentences.items()):
        n_target, n_source = len(entry["target"]), len(entry["source"])
        weights = np.zeros((n_target, n_source))
        for (t, s), value in entry["weights"].items():
            weights[t, s] = value
        result[sentence] = ([entry["source"][s] for s in range(n_source)], [entry["target"][t] for t in range(n_target)], weights)
    return result


def attention_heatmaps(attention_csv: str | Path, out_png: str | Path, out_pdf: str | Path, title: str = "") -> None:
    """One heatmap per sentence of ``attention_csv``, side by side; PNG and PDF."""
    sentences = read_attention(attention_csv)
    figure, axes = new_figure(1, len(sentences), size=(3.2 * len(sentences), 3.4))
    axes_list = np.atleast_1d(axes)
    for axes, (sentence, (source, target, weights)) in zip(axes_list, sentences.items()):
        image = axes.imshow(weights, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto")
        axes.set_xticks(range(len(source)), source, rotation=60, ha="right", fontsize=FONT_SIZE)
        axes.set_yticks(range(len(target)), target, fontsize=FONT_SIZE)
        axes.set_title(f"test sentence {sentence}", fontsize=FONT_SIZE)
        axes.set_xlabel("German (source)", fontsize=FONT_SIZE)
    axes_list[0].set_ylabel("English (greedy output)", fontsize=FONT_SIZE)
    figure.colorbar(image, ax=list(axes_list), shrink=0.8, label="attention weight")
    if title:
        figure.suptitle(title, fontsize=FONT_SIZE + 1)
    save(figure, out_png, out_pdf)
