"""The fixed copying test set: determinism, manifest, and refusal of damaged files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
import torch

from qrnn.config import CopyingConfig, validate
from qrnn.data.copying import read_test_set, write_test_set
from qrnn.data.copying_memory import copying_batch
from qrnn.data.prepare import prepare_test_set
from qrnn.errors import QrnnError

SETTINGS = CopyingConfig(blank_length=4, n_symbols=5, copy_length=3)


def test_same_seed_gives_the_same_bytes_and_the_manifest_hashes_them(tmp_path):
    first = write_test_set(SETTINGS, 50, seed=9, out_dir=tmp_path / "a")
    second = write_test_set(SETTINGS, 50, seed=9, out_dir=tmp_path / "b")
    data = (tmp_path / "a" / "test.pt").read_bytes()
    assert data == (tmp_path / "b" / "test.pt").read_bytes()
    assert first == second == json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert first["sha256"] == hashlib.sha256(data).hexdigest() and first["bytes"] == len(data)
    assert first["task_settings"] == {"blank_length": 4, "n_symbols": 5, "copy_length": 3}
    assert (first["seed"], first["n_sequences"], first["sequence_length"]) == (9, 50, 10)
    other = write_test_set(SETTINGS, 50, seed=10, out_dir=tmp_path / "c")
    assert other["sha256"] != first["sha256"]


def test_the_test_set_is_the_task_generator_seeded_with_test_seed(tmp_path):
    write_test_set(SETTINGS, 20, seed=3, out_dir=tmp_path)
    tensors, manifest = read_test_set(tmp_path)
    inputs, targets = copying_batch(SETTINGS, 20, torch.Generator().manual_seed(3))
    assert torch.equal(tensors["inputs"], inputs) and torch.equal(tensors["targets"], targets)
    assert manifest["n_sequences"] == 20


def test_prepare_reads_sizes_and_seed_from_the_config(tmp_path):
    document = validate({"study": {"test_sequences": 12}, "tasks": {"copying": {"blank_length": 2, "test_seed": 77}}})
    manifest = prepare_test_set(document, "copying", tmp_path)
    assert (manifest["n_sequences"], manifest["seed"], manifest["task_settings"]["blank_length"]) == (12, 77, 2)


def test_a_damaged_or_missing_file_is_refused(tmp_path):
    write_test_set(SETTINGS, 10, seed=0, out_dir=tmp_path)
    path = tmp_path / "test.pt"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(QrnnError, match=rf"{path} does not match the sha256 in {tmp_path / 'manifest.json'}"):
        read_test_set(tmp_path)
    path.unlink()
    with pytest.raises(QrnnError, match=rf"missing test-set file {path}"):
        read_test_set(tmp_path)


def test_prepare_data_command(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("study:\n  test_sequences: 8\n")
    result = subprocess.run(
        [sys.executable, "-m", "qrnn", "prepare-data", "--config", str(config), "--task", "copying", "--out", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n_sequences"] == 8
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["manifest.json", "test.pt"]  # no temporary files left
