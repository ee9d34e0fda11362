"""The cost estimate: its arithmetic with fixed timings, and a real calibration on a tiny study."""

import pytest

from qrnn.config import validate
from qrnn.study import estimate as estimate_module
from qrnn.study.estimate import estimate, format_estimate
from qrnn.study.step_timing import StepTiming


def fixed_timing(step: float, forward: float) -> StepTiming:
    return StepTiming(step, forward, (10,), False)

TINY = {
    "study": {"models": ["qrnn", "rnn"], "seeds": [0, 1, 2], "test_sequences": 100},
    "training": {"max_steps": 1000, "eval_every": 100, "eval_batches": 2, "batch_size": 10},
    "tasks": {"copying": {"blank_length": 3, "copy_length": 3, "n_symbols": 4}},
    "models": {"qrnn": {"n_qubits": 2, "embedding_dim": 4, "controller": {"width": 4}}, "rnn": {"hidden_size": 4, "embedding_dim": 4}},
    "resources": {"train": {"cpus": 2, "gpus": 1}},
}


def test_costs_add_up_from_the_timings(monkeypatch):
    monkeypatch.setattr(estimate_module, "start_up_seconds", lambda: 5.0)
    monkeypatch.setattr(estimate_module, "time_run", lambda run, data, steps, clock: fixed_timing(0.5, 0.1) if run.model == "qrnn" else fixed_timing(0.01, 0.002))
    result = estimate(validate(TINY), progress=False)
    # train + evaluate per run, 3 per task, 1 per study, and the analysis jobs: main table,
    # hidden-state CSV and two figures, gradient-norm CSV and figure (no LSTM: no compute cost)
    assert result["training_runs"] == 6 and result["jobs"] == 2 * 6 + 3 + 1 + 6
    qrnn = next(cost for cost in result["runs"] if cost["model"] == "qrnn")
    assert qrnn["n_runs"] == 3
    assert qrnn["train_seconds"] == pytest.approx(1000 * 0.5 + 10 * 2 * 0.1 + 5.0)  # steps, held-out evaluations, start-up
    assert qrnn["evaluate_seconds"] == pytest.approx(10 * 0.1 + 5.0)  # 100 test sequences in batches of 10
    rnn = next(cost for cost in result["runs"] if cost["model"] == "rnn")
    run_seconds = 3 * (qrnn["train_seconds"] + qrnn["evaluate_seconds"] + rnn["train_seconds"] + rnn["evaluate_seconds"])
    assert result["core_hours"] == pytest.approx((run_seconds * 2 + 4 * 5.0) / 3600)
    assert result["gpu_hours"] == pytest.approx(3 * (qrnn["train_seconds"] + rnn["train_seconds"]) / 3600)
    text = format_estimate(result)
    assert "22 jobs" in text and "GPU-hours (upper bound: timed on CPU)" in text


def test_a_real_calibration_times_every_model_once():
    result = estimate(validate({**TINY, "resources": {"train": {"cpus": 1, "gpus": 0}}}), calibration_steps=2, progress=False)
    assert [(cost["model"], cost["n_runs"]) for cost in result["runs"]] == [("qrnn", 3), ("rnn", 3)]
    assert all(cost["seconds_per_step"] > 0 for cost in result["runs"])
    assert result["gpu_hours"] == 0 and result["core_hours"] > 0


def test_runs_with_the_same_step_settings_are_timed_once(monkeypatch):
    """A variant without overrides is the default's model: one timing serves both rows."""
    timed = []
    monkeypatch.setattr(estimate_module, "start_up_seconds", lambda: 1.0)
    monkeypatch.setattr(estimate_module, "time_run", lambda run, data, steps, clock: timed.append(run.variant) or fixed_timing(0.5, 0.1))
    document = validate({**TINY, "study": {**TINY["study"], "models": ["qrnn"], "variants": {"default": {}, "again": {}}}})
    result = estimate(document, progress=False)
    assert timed == ["default"] and result["distinct_timings"] == 1
    assert [cost["variant"] for cost in result["runs"]] == ["default", "again"]
    assert result["runs"][0]["train_seconds"] == result["runs"][1]["train_seconds"]


def test_cpu_time_counts_timed_seconds_as_core_seconds(monkeypatch):
    """With --cpu-time a timed second is already summed over the threads: not multiplied by resources.train.cpus."""
    monkeypatch.setattr(estimate_module, "start_up_seconds", lambda: 5.0)
    monkeypatch.setattr(estimate_module, "time_run", lambda run, data, steps, clock: fixed_timing(0.5, 0.1))
    wall = estimate(validate(TINY), progress=False)
    cpu = estimate(validate(TINY), progress=False, threads=1, cpu_time=True)
    per_task = 4 * 5.0 / 3600
    assert cpu["clock"] == "cpu" and cpu["timing_threads"] == 1 and wall["timing_threads"] == 2
    assert (wall["core_hours"] - per_task) == pytest.approx(2 * (cpu["core_hours"] - per_task))
    assert "CPU time" in format_estimate(cpu) and "wall time (x 2 cores per job)" in format_estimate(wall)
