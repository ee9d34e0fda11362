"""The fixed test set of the copying-memory task: ``test.pt`` plus ``manifest.json``.

Training draws fresh sequences every step (and its held-out sequences from
training.eval_seed); after training, every run of a study is scored on this one set,
generated once from tasks.copying.test_seed, so all models and seeds see the same data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import torch

from qrnn.config import CopyingConfig
from qrnn.data.copying_memory import copying_batch, sequence_length
from qrnn.errors import QrnnError
from qrnn.io import atomic

TEST_SET = "test.pt"
MANIFEST = "manifest.json"


def test_set(settings: CopyingConfig, n_sequences: int, seed: int) -> dict[str, torch.Tensor]:
    """``n_sequences`` copying sequences drawn from a generator seeded with ``seed``."""
    inputs, targets = copying_batch(settings, n_sequences, torch.Generator().manual_seed(seed))
    return {"inputs": inputs, "targets": targets}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_test_set(settings: CopyingConfig, n_sequences: int, seed: int, out_dir: str | Path) -> dict[str, Any]:
    """Write ``out_dir/test.pt`` and ``out_dir/manifest.json`` (atomically); return the manifest."""
    out_dir = Path(out_dir)
    tensors = test_set(settings, n_sequences, seed)
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    atomic.write_atomically(out_dir / TEST_SET, lambda handle: handle.write(buffer.getvalue()))
    manifest = {
        "task": "copying",
        "task_settings": dataclasses.asdict(settings),
        "seed": seed,
        "n_sequences": n_sequences,
        "sequence_length": sequence_length(settings),
        "file": TEST_SET,
        "bytes": len(buffer.getvalue()),
        "sha256": hashlib.sha256(buffer.getvalue()).hexdigest(),
        "torch": torch.__version__,
    }
    atomic.write_json(out_dir / MANIFEST, manifest)  # written last: its presence means test.pt is complete
    return manifest


def read_test_set(data_dir: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and the manifest of a test set, after checking test.pt against its hash."""
    data_dir = Path(data_dir)
    manifest_path, tensors_path = data_dir / MANIFEST, data_dir / TEST_SET
    for path in (manifest_path, tensors_path):
        if not path.is_file():
            raise QrnnError(f"missing test-set file {path}; write it with `qrnn prepare-data`")
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as error:
        raise QrnnError(f"{manifest_path} is not valid JSON ({error.msg})") from None
    if sha256(tensors_path) != manifest.get("sha256"):
        raise QrnnError(f"{tensors_path} does not match the sha256 in {manifest_path}; write the test set again with `qrnn prepare-data`")
    return torch.load(tensors_path, weights_only=True), manifest
