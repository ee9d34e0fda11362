"""The five real-data tasks train a few steps with every model on tiny synthetic data in the
processed format, and their test evaluation gives the task's metrics."""

from __future__ import annotations

import json
import math

import pytest
import torch

from qrnn.config import validate
from qrnn.errors import QrnnError
from qrnn.evaluate.clean import write_evaluation
from qrnn.study.resolve import run_config
from qrnn.tasks.mnist import pixel_sequences
from qrnn.tasks.registry import build_task
from qrnn.training.loop import train
from tests.tasks.synthetic_data import WRITERS

MODELS = ["qrnn", "rnn", "lstm", "scornn"]
DOCUMENT = validate({
    "training": {"max_steps": 2, "eval_every": 1, "batch_size": 4, "eval_batches": 1, "learning_rate": 0.01},
    "tasks": {
        "mnist": {"order": "row", "max_test_examples": 5},
        "pmnist": {"order": "row", "permutation_seed": 7},
        "language_model": {"bptt_length": 5},
        "translation": {"decoder_hidden_size": 6, "beam_size": 2, "decode_max_length": 5, "attention_examples": 2},
    },
    "models": {
        "qrnn": {"n_qubits": 2, "embedding_dim": 4, "controller": {"width": 6}},
        "rnn": {"hidden_size": 5, "embedding_dim": 4},
        "lstm": {"hidden_size": 5, "embedding_dim": 4},
        "scornn": {"hidden_size": 6, "embedding_dim": 4, "n_negative": 3},
    },
})
MAIN_METRIC = {"mnist": "accuracy", "pmnist": "accuracy", "sentiment": "accuracy", "language_model": "perplexity", "translation": "bleu"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    for task, write in WRITERS.items():
        write(root / task)
    return root


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("task", list(WRITERS))
def test_each_task_trains_and_evaluates_with_each_model(data, tmp_path, task, model):
    run = run_config(DOCUMENT, task, model, seed=0)
    metrics = train(run, tmp_path / "run", progress=False, data_dir=data / task)
    manifest = json.loads((data / task / "manifest.json").read_text())
    assert metrics["data_sha256"] == manifest["sha256"]
    assert metrics["steps"] == 2 and math.isfinite(metrics["final_train_loss"])
    assert metrics["main_metric"][0] == MAIN_METRIC[task]
    evaluation = write_evaluation(tmp_path / "run", data / task, tmp_path / "run" / "evaluation.json")
    value = evaluation["metrics"][MAIN_METRIC[task]]
    assert math.isfinite(value)
    assert evaluation["data_sha256"] == manifest["sha256"]
    if task in ("mnist", "pmnist", "sentiment"):
        assert 0 <= value <= 1 and evaluation["n_test_sequences"] == (5 if task == "mnist" else 9)
    if task == "language_model":
        assert value > 1 and "valid_perplexity" in evaluation["metrics"]
    if task == "translation":
        assert 0 <= value <= 100
        rows = (tmp_path / "run" / "attention.csv").read_text().splitlines()
        assert rows[0] == "sentence,target_position,target_word,source_position,source_word,weight"
        assert {line.split(",")[0] for line in rows[1:]} == {"0", "1"}


def test_a_real_data_task_without_its_data_folder_is_refused(tmp_path):
    with pytest.raises(QrnnError, match="qrnn train --data data/sentiment"):
        train(run_config(DOCUMENT, "sentiment", "rnn", 0), tmp_path / "run", progress=False)


def test_evaluating_on_other_data_than_trained_on_is_refused(data, tmp_path):
    train(run_config(DOCUMENT, "sentiment", "rnn", 0), tmp_path / "run", progress=False, data_dir=data / "sentiment")
    from tests.tasks.synthetic_data import write_sentiment

    write_sentiment(tmp_path / "other", seed=1)
    with pytest.raises(QrnnError, match="is not the data run .* trained on"):
        write_evaluation(tmp_path / "run", tmp_path / "other", tmp_path / "evaluation.json")


def test_pixel_and_row_orders_and_the_permutation():
    images = torch.arange(2 * 784).reshape(2, 784).remainder(256).to(torch.uint8)
    pixels = pixel_sequences(images, "pixel")
    rows = pixel_sequences(images, "row")
    assert pixels.shape == (2, 784, 1) and rows.shape == (2, 28, 28)
    assert rows[1, 3, 5] == pixels[1, 3 * 28 + 5, 0] == images[1, 89].float() / 255
    permutation = torch.randperm(784, generator=torch.Generator().manual_seed(7))
    permuted = pixel_sequences(images, "pixel", permutation)
    assert permuted[0, 10, 0] == images[0, permutation[10]].float() / 255


def test_pmnist_refuses_a_permutation_of_another_seed(data):
    other = validate({**DOCUMENT, "tasks": {"pmnist": {"permutation_seed": 8}}})
    with pytest.raises(QrnnError, match="permutation_seed 8"):
        build_task(run_config(other, "pmnist", "rnn", 0), data / "pmnist")


def test_sentiment_reads_the_output_at_the_last_real_token_not_the_padding(data):
    task = build_task(run_config(DOCUMENT, "sentiment", "rnn", 0), data / "sentiment")
    tokens = torch.tensor([[5, 6, 0, 0], [5, 6, 7, 4]])

    def model(inputs):  # per-step "logits" that reveal the step they came from
        steps = torch.arange(inputs.shape[1], dtype=torch.float)
        return torch.stack([steps, -steps], dim=-1).expand(len(inputs), -1, -1)

    assert task.logits(model, tokens, torch.tensor([2, 4])).tolist() == [[1.0, -1.0], [3.0, -3.0]]
