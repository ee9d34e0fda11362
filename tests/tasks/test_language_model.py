"""Truncated BPTT: consecutive windows with the state carried, and a resume that restores it."""

from __future__ import annotations

import csv

import pytest
import torch

from qrnn.config import validate
from qrnn.study.resolve import run_config
from qrnn.tasks.language_model import LanguageModelTask, parallel_streams
from qrnn.tasks.registry import build_task
from qrnn.training.loop import train
from tests.tasks.synthetic_data import write_language_model

DOCUMENT = validate({
    "training": {"max_steps": 6, "eval_every": 2, "batch_size": 3, "eval_batches": 1},
    "tasks": {"language_model": {"bptt_length": 4}},
    "models": {"qrnn": {"n_qubits": 2, "embedding_dim": 4, "controller": {"width": 6}}, "lstm": {"hidden_size": 5, "embedding_dim": 4}},
})


def test_parallel_streams_cut_the_stream_into_consecutive_rows():
    assert parallel_streams(torch.arange(11), 3).tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_each_batch_continues_the_previous_one_from_its_final_state(tmp_path):
    write_language_model(tmp_path / "data")
    task = build_task(run_config(DOCUMENT, "language_model", "lstm", 0), tmp_path / "data")
    seen = []

    class Recorder(torch.nn.Module):
        def forward_with_state(self, inputs, state):
            seen.append((inputs.clone(), state))
            logits = torch.zeros(*inputs.shape, 8, requires_grad=True)
            return logits, torch.full((len(inputs), 1), float(len(seen)), requires_grad=True)

    generator = torch.Generator()
    for _ in range(3):
        task.training_loss(Recorder(), 3, generator, torch.device("cpu"))
    streams = parallel_streams(task.split("train")["tokens"], 3)
    assert [inputs.tolist() for inputs, _ in seen] == [streams[:, 0:4].tolist(), streams[:, 4:8].tolist(), streams[:, 8:12].tolist()]
    assert seen[0][1] is None
    assert seen[2][1].tolist() == [[2.0]] * 3 and not seen[2][1].requires_grad  # batch 2's final state, detached


def history(folder):
    with (folder / "history.csv").open() as handle:
        return [{k: v for k, v in row.items() if k != "wall_time_s"} for row in csv.DictReader(handle)]


@pytest.mark.parametrize("model", ["qrnn", "lstm"])
def test_a_run_interrupted_mid_stream_resumes_with_its_carried_state(tmp_path, monkeypatch, model):
    write_language_model(tmp_path / "data")
    run = run_config(DOCUMENT, "language_model", model, 4)
    whole = train(run, tmp_path / "whole", progress=False, data_dir=tmp_path / "data")

    original, calls = LanguageModelTask.training_loss, []

    def interrupted(self, *arguments):
        calls.append(1)
        if len(calls) == 4:  # after the checkpoint at step 2, in the middle of the next interval
            raise KeyboardInterrupt
        return original(self, *arguments)

    monkeypatch.setattr(LanguageModelTask, "training_loss", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(run, tmp_path / "killed", progress=False, data_dir=tmp_path / "data")
    checkpoint = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=False)
    assert checkpoint["step"] == 2 and checkpoint["task_state"]["position"] == 8 and checkpoint["task_state"]["state"] is not None
    monkeypatch.setattr(LanguageModelTask, "training_loss", original)
    resumed = train(run, tmp_path / "killed", progress=False, data_dir=tmp_path / "data")
    assert {k: v for k, v in resumed.items() if k != "wall_time_s"} == {k: v for k, v in whole.items() if k != "wall_time_s"}
    assert history(tmp_path / "killed") == history(tmp_path / "whole")
