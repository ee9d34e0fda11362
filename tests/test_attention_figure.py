"""The attention heatmap reads the weights back in their places and draws both files."""

from __future__ import annotations

import numpy as np
import pytest

from qrnn.errors import QrnnError
from qrnn.figures.attention import attention_heatmaps, read_attention
from qrnn.io import atomic


def test_weights_are_read_into_their_cells_and_the_figure_is_written(tmp_path):
    rows = []
    weights = {0: np.array([[0.9, 0.1], [0.2, 0.8]]), 1: np.array([[1.0]])}
    words = {0: (["der", "hund"], ["the", "dog"]), 1: (["hier"], ["<eos>"])}
    for sentence, matrix in weights.items():
        for t in range(matrix.shape[0]):
            for s in range(matrix.shape[1]):
                rows.append({"sentence": sentence, "target_position": t, "target_word": words[sentence][1][t],
                             "source_position": s, "source_word": words[sentence][0][s], "weight": matrix[t, s]})
    atomic.write_csv(tmp_path / "attention.csv", rows[::-1], list(rows[0]))  # order must not matter
    read = read_attention(tmp_path / "attention.csv")
    assert read[0][0] == ["der", "hund"] and read[0][1] == ["the", "dog"]
    assert np.array_equal(read[0][2], weights[0]) and np.array_equal(read[1][2], weights[1])
    attention_heatmaps(tmp_path / "attention.csv", tmp_path / "a.png", tmp_path / "a.pdf")
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "a.pdf").read_bytes()[:4] == b"%PDF"


def test_an_empty_file_is_a_clear_error(tmp_path):
    (tmp_path / "attention.csv").write_text("sentence,target_position,target_word,source_position,source_word,weight\n")
    with pytest.raises(QrnnError, match=r"has no rows .*attention_examples > 0"):
        read_attention(tmp_path / "attention.csv")
