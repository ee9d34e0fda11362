"""The learning-curve figure, drawn from a hand-made curves table."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from qrnn.errors import QrnnError
from qrnn.figures.learning_curves import learning_curves, over_seeds, read_curves
from qrnn.figures.style import DPI, FIGURE_SIZE_INCHES

CURVES = """step,model,variant,seed,eval_loss_nats
10,qrnn,default,0,1.2
20,qrnn,default,0,0.8
10,qrnn,default,1,1.0
20,qrnn,default,1,0.6
10,qrnn,encoding_only,0,1.1
20,qrnn,encoding_only,0,0.9
10,lstm,default,0,1.3
20,lstm,default,0,0.5
"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # width and height of the IHDR chunk


def test_png_and_pdf_are_written_at_print_size(tmp_path):
    (tmp_path / "curves.csv").write_text(CURVES)
    learning_curves(tmp_path / "curves.csv", tmp_path / "f.png", tmp_path / "f.pdf", reference=0.69)
    png = (tmp_path / "f.png").read_bytes()
    assert png_size(png) == (round(FIGURE_SIZE_INCHES[0] * DPI), round(FIGURE_SIZE_INCHES[1] * DPI))
    assert len(png) > 20_000  # lines, labels and legend, not a blank canvas
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    first_pdf = (tmp_path / "f.pdf").read_bytes()
    learning_curves(tmp_path / "curves.csv", tmp_path / "f.png", tmp_path / "f.pdf", reference=0.69)
    assert (tmp_path / "f.pdf").read_bytes() == first_pdf  # no creation date: same input, same bytes


def test_mean_and_band_over_seeds(tmp_path):
    (tmp_path / "curves.csv").write_text(CURVES)
    curves = read_curves(tmp_path / "curves.csv", "eval_loss_nats")
    steps, mean, low, high = over_seeds(curves[("qrnn", "default")])
    assert steps.tolist() == [10, 20]
    np.testing.assert_allclose(mean, [1.1, 0.7])
    np.testing.assert_allclose(low, [1.0, 0.6])
    np.testing.assert_allclose(high, [1.2, 0.8])


def test_seeds_that_stopped_early_leave_the_mean_where_their_curves_end():
    steps, mean, low, high = over_seeds({0: {10: 1.0, 20: 0.8, 30: 0.7}, 1: {10: 2.0}})
    assert steps.tolist() == [10, 20, 30]
    np.testing.assert_allclose(mean, [1.5, 0.8, 0.7])
    np.testing.assert_allclose(low, [1.0, 0.8, 0.7])
    np.testing.assert_allclose(high, [2.0, 0.8, 0.7])


def test_a_missing_column_is_named(tmp_path):
    (tmp_path / "curves.csv").write_text(CURVES)
    with pytest.raises(QrnnError, match=r"lacks the column\(s\) eval_copy_accuracy_fraction"):
        learning_curves(tmp_path / "curves.csv", tmp_path / "f.png", tmp_path / "f.pdf", 0.69, column="eval_copy_accuracy_fraction")
    assert not (tmp_path / "f.png").exists()
