"""Preparing a run folder for a rerun of its training job: stale checkpoints, lost history."""

from __future__ import annotations

import json

from qrnn.config import validate
from qrnn.study.resolve import run_config
from qrnn.training.loop import train
from qrnn.training.run_folder import prepare_run_folder

DOCUMENT = validate(
    {
        "training": {"max_steps": 20, "eval_every": 10, "batch_size": 8, "eval_batches": 1},
        "tasks": {"copying": {"blank_length": 3, "copy_length": 3, "n_symbols": 4}},
        "models": {"rnn": {"hidden_size": 8, "embedding_dim": 4}},
    }
)


def test_rerun_of_a_finished_run_after_snakemake_deleted_its_outputs_rewrites_them(tmp_path):
    run = run_config(DOCUMENT, "copying", "rnn", 1)
    first = train(run, tmp_path, progress=False)
    history = (tmp_path / "history.csv").read_bytes()
    for name in ("history.csv", "metrics.json", "config.json"):  # what Snakemake removes before rerunning
        (tmp_path / name).unlink()
    assert prepare_run_folder(run, tmp_path, discard_stale_checkpoint=True) == []
    again = train(run, tmp_path, progress=False)
    assert (tmp_path / "history.csv").read_bytes() == history
    assert again["final"] == first["final"]
    assert "resuming from" in (tmp_path / "train.log").read_text()
    assert json.loads((tmp_path / "config.json").read_text()) == run.to_dict()


def test_a_checkpoint_of_other_settings_is_discarded_only_when_asked(tmp_path):
    train(run_config(DOCUMENT, "copying", "rnn", 1), tmp_path, progress=False)
    changed = run_config(validate({**DOCUMENT, "training": {**DOCUMENT["training"], "learning_rate": 0.01}}), "copying", "rnn", 1)
    assert prepare_run_folder(changed, tmp_path, discard_stale_checkpoint=False) == []
    assert (tmp_path / "checkpoint.pt").exists()
    assert prepare_run_folder(changed, tmp_path, discard_stale_checkpoint=True) == ["training.learning_rate: 0.001 -> 0.01"]
    assert not (tmp_path / "checkpoint.pt").exists()
    train(changed, tmp_path, progress=False)  # starts over instead of refusing
    assert json.loads((tmp_path / "config.json").read_text())["training"]["learning_rate"] == 0.01


def test_an_empty_folder_needs_nothing(tmp_path):
    assert prepare_run_folder(run_config(DOCUMENT, "copying", "rnn", 0), tmp_path / "new", discard_stale_checkpoint=True) == []
