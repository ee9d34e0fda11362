"""The ablation, hidden-state, gradient-norm and compute-cost figures, drawn from small
hand-made CSVs: files written, axes labelled, one bar or line per item of the data."""

from __future__ import annotations

import math

import pytest

from qrnn.errors import QrnnError
from qrnn.figures.ablation import ablation_bars
from qrnn.figures.compute_cost import compute_cost
from qrnn.figures.gradients import gradient_norms
from qrnn.figures.hidden_state import bloch_vectors, readouts_and_entanglement

ABLATIONS = """task,variant,n_seeds,metric,better,mean,std,ci95_low,ci95_high,p_welch,p_welch_holm,is_reference
copying,full,3,loss,lower,0.30,0.01,0.29,0.31,nan,nan,True
copying,encoding_only,3,loss,lower,0.50,0.02,0.48,0.52,0.001,0.002,False
copying,static,3,loss,lower,0.40,0.05,0.35,0.45,0.04,0.04,False
mnist,full,2,accuracy,higher,0.9,0.01,0.89,0.91,nan,nan,True
mnist,frozen,1,accuracy,higher,0.7,nan,nan,nan,nan,nan,False
"""


def written(tmp_path, name):
    png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
    return png, pdf


def assert_written(png, pdf):
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_ablation_bars_one_panel_per_task_one_bar_per_variant(tmp_path):
    (tmp_path / "ablations.csv").write_text(ABLATIONS)
    png, pdf = written(tmp_path, "ablations")
    figure = ablation_bars(tmp_path / "ablations.csv", png, pdf)
    assert_written(png, pdf)
    copying, mnist = figure.axes
    assert len(copying.patches) == 3 and len(mnist.patches) == 2
    assert [bar.get_height() for bar in copying.patches] == pytest.approx([0.30, 0.50, 0.40])
    assert copying.get_ylabel() == "test loss (lower is better)" and mnist.get_ylabel() == "test accuracy (higher is better)"
    assert [text.get_text() for text in copying.texts] == ["p=0.002", "p=0.040"]  # none for the reference


def dynamics_csv(n_sequences=2, n_steps=4, n_qubits=3):
    lines = ["sequence,step,token,qubit,x,y,z,entanglement_entropy_bits"]
    for s in range(n_sequences):
        for t in range(1, n_steps + 1):
            for q in range(n_qubits):
                angle = 0.3 * t + q + s
                lines.append(f"{s},{t},{t % 3},{q},{math.sin(angle):.4f},0.0,{math.cos(angle):.4f},{0.1 * t}")
    return "\n".join(lines) + "\n"


def test_bloch_vectors_one_panel_per_qubit_three_lines_per_sequence(tmp_path):
    (tmp_path / "dynamics.csv").write_text(dynamics_csv())
    png, pdf = written(tmp_path, "bloch")
    figure = bloch_vectors(tmp_path / "dynamics.csv", png, pdf)
    assert_written(png, pdf)
    panels = [axes for axes in figure.axes if axes.get_visible()]
    assert len(panels) == 3 and all(len(axes.lines) == 2 * 3 for axes in panels)
    assert panels[0].get_ylabel() == "expectation" and panels[-1].get_xlabel() == "time step t"
    x_of_qubit_1 = panels[1].lines[0].get_ydata()
    assert x_of_qubit_1 == pytest.approx([math.sin(0.3 * t + 1) for t in range(1, 5)], abs=1e-4)


def test_readout_heatmap_and_entanglement(tmp_path):
    (tmp_path / "dynamics.csv").write_text(dynamics_csv(n_sequences=3))
    png, pdf = written(tmp_path, "readouts")
    figure = readouts_and_entanglement(tmp_path / "dynamics.csv", png, pdf)
    assert_written(png, pdf)
    heat, curve = figure.axes[:2]
    assert heat.images[0].get_array().shape == (9, 4)  # 3 Paulis x 3 qubits, 4 steps
    assert len(curve.lines) == 3 + 1  # one per sequence and the maximum
    assert curve.lines[0].get_ydata() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert "entropy" in curve.get_ylabel()


def test_gradient_norms_one_line_per_model(tmp_path):
    rows = ["model,variant,seed,step,gradient_norm_mean,gradient_norm_std,n_sequences"]
    for model in ("qrnn", "rnn", "lstm", "scornn"):
        for seed in (0, 1):
            rows += [f"{model},default,{seed},{t},{(seed + 1) * 0.5 ** t},0.1,8" for t in range(1, 6)]
    (tmp_path / "norms.csv").write_text("\n".join(rows) + "\n")
    png, pdf = written(tmp_path, "norms")
    figure = gradient_norms(tmp_path / "norms.csv", png, pdf)
    assert_written(png, pdf)
    axes = figure.axes[0]
    assert len(axes.lines) == 4 and axes.get_yscale() == "log"
    assert axes.lines[0].get_ydata() == pytest.approx([1.5 * 0.5**t for t in range(1, 6)])  # mean over the two seeds
    assert "h_t" in axes.get_ylabel()


def test_compute_cost_two_panels_two_models(tmp_path):
    rows = ["model,n_qubits,state_size,trainable_parameters,batch_size,sequence_length,time_per_step_ms,saved_memory_per_step_mib"]
    rows += [f"qrnn,{n},{2**n},{1000 + n},16,32,{n * 2.0},0.01" for n in (2, 4, 6)]
    rows += [f"lstm,{n},{10 + n},{1000 + n},16,32,0.2,0.03" for n in (2, 4, 6)]
    (tmp_path / "cost.csv").write_text("\n".join(rows) + "\n")
    png, pdf = written(tmp_path, "cost")
    figure = compute_cost(tmp_path / "cost.csv", png, pdf)
    assert_written(png, pdf)
    time_axes, memory_axes = figure.axes
    assert len(time_axes.lines) == 2 and len(memory_axes.lines) == 2
    assert list(time_axes.lines[0].get_xdata()) == [2, 4, 6] and time_axes.lines[0].get_ydata() == pytest.approx([4.0, 8.0, 12.0])
    assert "time per step" in time_axes.get_ylabel() and "memory" in memory_axes.get_ylabel()


def test_a_missing_column_is_named_and_nothing_written(tmp_path):
    (tmp_path / "norms.csv").write_text("model,step\nqrnn,1\n")
    png, pdf = written(tmp_path, "norms")
    with pytest.raises(QrnnError, match=r"lacks the column\(s\) gradient_norm_mean, seed, variant"):
        gradient_norms(tmp_path / "norms.csv", png, pdf)
    assert not png.exists()
