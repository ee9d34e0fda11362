"""Checkpoints are read as plain data only: a crafted checkpoint.pt runs nothing."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
import torch
import yaml

from qrnn.errors import QrnnError
from qrnn.io.checkpoint import read_checkpoint

SMALL = {
    "training": {"max_steps": 4, "eval_every": 2, "batch_size": 4, "eval_batches": 1},
    "tasks": {"copying": {"blank_length": 2, "copy_length": 2, "n_symbols": 3}},
    "models": {"rnn": {"hidden_size": 4, "embedding_dim": 4}},
}


class PlantedPayload:
    """Unpickling this object creates the file ``marker``: what a hostile checkpoint would do."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def plant(path: pathlib.Path, marker: pathlib.Path) -> None:
    torch.save({"format": 1, "config": {}, "model": {}, "step": 0, "payload": PlantedPayload(marker)}, path)


def test_the_payload_would_run_under_a_full_unpickler(tmp_path):
    """The planted file is really hostile: a full unpickler creates the marker."""
    marker = tmp_path / "ran"
    plant(tmp_path / "checkpoint.pt", marker)
    torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert marker.exists()


def test_a_crafted_checkpoint_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    plant(tmp_path / "checkpoint.pt", marker)
    with pytest.raises(QrnnError, match=r"checkpoint.pt \(it holds objects other than tensors and plain data\)"):
        read_checkpoint(tmp_path / "checkpoint.pt")
    assert not marker.exists()


@pytest.mark.parametrize("discard", [False, True])
def test_qrnn_train_refuses_a_crafted_checkpoint_in_one_line(tmp_path, discard):
    """Resuming from the run folder (and the workflow's pre-check with --discard-stale-checkpoint)."""
    run = tmp_path / "run"
    run.mkdir()
    marker = tmp_path / "ran"
    plant(run / "checkpoint.pt", marker)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(SMALL))
    command = [sys.executable, "-m", "qrnn", "train", "--config", str(tmp_path / "config.yaml"), "--task", "copying",
               "--model", "rnn", "--seed", "0", "--out", str(run), "--quiet"] + (["--discard-stale-checkpoint"] if discard else [])
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "checkpoint.pt" in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    "content,expected",
    [([1, 2, 3], "holds a list, not a mapping"), ({"format": 1, "model": {}}, "no config, step"), (b"garbage", "PlantedPayload|UnpicklingError|RuntimeError")],
)
def test_malformed_checkpoints_are_named(tmp_path, content, expected):
    path = tmp_path / "checkpoint.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
        expected = "cannot read checkpoint"
    else:
        torch.save(content, path)
    with pytest.raises(QrnnError, match=expected) as error:
        read_checkpoint(path)
    assert str(path) in str(error.value)
