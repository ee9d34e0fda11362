"""Noisy and hardware evaluation of the five real-data tasks, on tiny synthetic data: the
task's own metrics, the ideal point equal to the clean evaluation, the carried LM state."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import torch

from qrnn.config import validate
from qrnn.errors import ConfigError
from qrnn.evaluate.capped import capped_task, one_encoder_run_per_sentence
from qrnn.evaluate.finished_run import load_finished_run
from qrnn.models.qrnn import QuantumRNN
from qrnn.noise.hardware import evaluate_hardware
from qrnn.noise.noisy_core import NoiseCondition, NoisyQuantumRNN
from qrnn.noise.resources import resource_table, sequence_lengths
from qrnn.noise.settings import evaluated_runs, hardware_settings, noise_and_hardware_jobs, noise_settings, noise_tasks
from qrnn.noise.sweeps import evaluate_noise
from qrnn.study.resolve import run_config
from qrnn.training.loop import train
from tests.tasks.synthetic_data import WRITERS

DOCUMENT = validate({
    "training": {"max_steps": 2, "eval_every": 2, "batch_size": 4, "eval_batches": 1, "learning_rate": 0.01},
    "tasks": {
        "mnist": {"order": "row"},
        "pmnist": {"order": "row", "permutation_seed": 7},
        "language_model": {"bptt_length": 4},
        "translation": {"decoder_hidden_size": 6, "beam_size": 2, "decode_max_length": 4, "attention_examples": 1},
    },
    # complex128: the clean model's state has the precision of the noisy core's
    "models": {"qrnn": {"n_qubits": 2, "embedding_dim": 4, "controller": {"width": 6}, "dtype": "complex128"}},
    "noise": {
        "test_sequences": 4, "shots": [4], "channels": ["depolarizing"], "strengths": [0.3], "trajectories": 2,
        "measurement_registers": 6, "measurement_strengths": [1.5707963267948966], "readout_errors": [0.2], "readout_error_shots": 8,
    },
    "hardware": {"backend": "FakeManilaV2", "test_sequences": 1, "shots": 20},
})
SETTINGS = noise_settings(DOCUMENT)
METRICS = {
    "mnist": {"loss", "accuracy"}, "pmnist": {"loss", "accuracy"}, "sentiment": {"loss", "accuracy"},
    "language_model": {"loss", "perplexity", "valid_loss", "valid_perplexity"},
    "translation": {"loss", "token_accuracy", "bleu", "bleu_greedy"},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("noise_tasks")
    for task, write in WRITERS.items():
        write(root / "data" / task)
        train(run_config(DOCUMENT, task, "qrnn", 0), root / "runs" / task, progress=False, data_dir=root / "data" / task)
    return root


@pytest.mark.parametrize("task", list(WRITERS))
def test_noisy_evaluation_scores_the_task_and_its_ideal_point_is_the_clean_evaluation(runs, task):
    result = evaluate_noise(runs / "runs" / task, runs / "data" / task, SETTINGS, progress=False)
    rows = {(r["sweep"], r["value"]): r for r in result["rows"]}
    assert set(result["metric_names"]) == METRICS[task]
    run = load_finished_run(runs / "runs" / task)
    capped, streams = capped_task(run.task, SETTINGS.test_sequences)
    clean = capped.evaluate_test(run.model, runs / "data" / task, torch.device("cpu"), streams or 250)["metrics"]
    ideal = rows[("ideal", 0.0)]
    for name, value in clean.items():
        assert ideal[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
    assert ideal["readout_deviation"] == 0
    shots = rows[("shots", 4.0)]
    assert shots["readout_deviation"] > 0.05
    assert shots["loss"] != ideal["loss"]  # 4 shots per readout change what the head sees
    assert all(math.isfinite(r[name]) for r in result["rows"] for name in METRICS[task])


def test_translation_encodes_each_sentence_once_per_condition(runs):
    run = load_finished_run(runs / "runs" / "translation")
    calls = []
    run.model.core.register_forward_hook(lambda _m, inputs, _o: calls.append(inputs[0].shape[0]))
    capped, _ = capped_task(run.task, 3)
    capped.evaluate_test(one_encoder_run_per_sentence(run.model), runs / "data" / "translation", torch.device("cpu"), 8)
    assert calls == [3]  # the loss pass; greedy and the three beam searches reuse its readouts


def test_capped_tasks_score_the_first_examples_and_lm_windows():
    run = run_config(DOCUMENT, "language_model", "qrnn", 0)
    from qrnn.tasks.registry import build_task

    lm, streams = capped_task(build_task(run, dimensions={"vocab_size": 8, "n_outputs": 8}), 25)
    assert (lm.config.max_test_tokens, streams) == (25 * 4 + 1, 5)  # 25 windows of 4 tokens in 5 streams
    assert capped_task(lm, 25, windows_per_stream=1)[1] == 25
    mnist, streams = capped_task(build_task(run_config(DOCUMENT, "mnist", "qrnn", 0), dimensions={}), 3)
    assert (mnist.config.max_test_examples, streams) == (3, None)


def test_noisy_core_continuing_its_carried_state_equals_one_whole_run():
    torch.manual_seed(0)
    core = QuantumRNN(3, run_config(DOCUMENT, "language_model", "qrnn", 0).model_settings).double()
    inputs = torch.randn(2, 6, 3, dtype=torch.float64)
    for condition in (NoiseCondition(shots=5, channel="depolarizing", strength=0.2, trajectories=3),
                      NoiseCondition(measurement="projective", trajectories=6, readout_error=0.1)):
        whole = NoisyQuantumRNN(core, condition, torch.Generator().manual_seed(1))(inputs)
        windows = NoisyQuantumRNN(core, condition, torch.Generator().manual_seed(1))
        first, state = windows.forward_with_state(inputs[:, :4])
        second, _ = windows.forward_with_state(inputs[:, 4:], state)
        assert state[0].shape == (2 * condition.trajectories, 4)
        assert torch.equal(torch.cat([first, second], dim=1), whole)


def test_resource_table_sums_over_the_actual_test_lengths(runs):
    hardware = hardware_settings(DOCUMENT)
    run = run_config(DOCUMENT, "sentiment", "qrnn", 0)
    lengths = sequence_lengths(run, runs / "data" / "sentiment")
    test = torch.load(runs / "data" / "sentiment" / "test.pt")
    assert lengths == Counter(test["lengths"].tolist())
    rows = {r["protocol"]: r for r in resource_table(DOCUMENT, "sentiment", runs / "data" / "sentiment", hardware)}
    total = sum(test["lengths"].tolist())
    assert rows["repreparation"]["circuits"] == 3 * total and rows["midcircuit"]["circuits"] == 3 * len(test["lengths"])
    assert rows["repreparation"]["steps"] == max(lengths) and rows["midcircuit"]["mean_steps"] == pytest.approx(total / len(test["lengths"]))
    lm = sequence_lengths(run_config(DOCUMENT, "language_model", "qrnn", 0), runs / "data" / "language_model")
    assert lm == Counter({1: 49})  # 100 test tokens read as 49 streams of 2 tokens, the last one only a target


def test_hardware_runs_translation_encoder_on_a_fake_backend(runs):
    hardware = hardware_settings(DOCUMENT)
    result = evaluate_hardware(runs / "runs" / "translation", runs / "data" / "translation", hardware, progress=False)
    run = load_finished_run(runs / "runs" / "translation")
    capped, _ = capped_task(run.task, 1)
    clean = capped.evaluate_test(run.model, runs / "data" / "translation", torch.device("cpu"), 1)["metrics"]
    assert result["ideal_metrics"] == pytest.approx(clean, rel=1e-6)
    for protocol in ("repreparation", "midcircuit"):
        assert set(result["protocols"][protocol]["metrics"]) == METRICS["translation"]
        assert 0 < result["protocols"][protocol]["mean_readout_error"] < 1
    # the loss, greedy and beam passes share one device run of the test sentence's encoder: 3 bases
    assert result["protocols"]["midcircuit"]["circuits_run"] == 3


def test_noise_and_hardware_tasks_default_to_the_study_and_must_belong_to_it():
    document = validate({"study": {"tasks": ["copying", "mnist"]}, "noise": {"enabled": True}, "hardware": {"enabled": True, "tasks": ["mnist"]}})
    assert noise_tasks(document, "noise") == ["copying", "mnist"] and noise_tasks(document, "hardware") == ["mnist"]
    assert [r[0] for r in evaluated_runs(document, "hardware")] == ["mnist"]
    assert noise_and_hardware_jobs(document) == (2 + 2 * 2) + (1 + 1 + 1)
    wrong = validate({"study": {"tasks": ["copying"]}, "noise": {"tasks": ["translation"]}})
    with pytest.raises(ConfigError, match="noise.tasks"):
        noise_tasks(wrong, "noise")
