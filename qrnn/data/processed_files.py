"""Reading a processed data folder (DATA_CONTRACT.md): train/valid/test.pt checked against
the sha256 of every file in manifest.json, and the JSON side files (vocabularies, references).

Kept apart from qrnn/data/__init__.py so that tasks can import it without importing the
copying test-set module, which imports the tasks.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch

from qrnn.errors import QrnnError

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_processed(data_dir: str | Path) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, Any]]:
    """(splits {"train"|"valid"|"test": {name: tensor}}, manifest) of a processed data folder,
    every file checked against the sha256 in its manifest (qrnn.data.processed.read_processed
    when the data modules are installed)."""
    try:
        from qrnn.data.processed import read_processed
    except ModuleNotFoundError:
        read_processed = _read_processed
    return read_processed(data_dir)


def _read_processed(data_dir: str | Path) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, Any]]:
    data_dir = Path(data_dir)
    manifest_path = data_dir / MANIFEST
    if not manifest_path.is_file():
        raise QrnnError(f"missing {manifest_path}; write the data with `qrnn prepare-data`")
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as error:
        raise QrnnError(f"{manifest_path} is not valid JSON ({error.msg})") from None
    for name, expected in manifest["files"].items():
        path = data_dir / name
        if not path.is_file() or _sha256(path) != expected:
            raise QrnnError(f"{path} is missing or does not match the sha256 in {manifest_path}; prepare the data again")
    splits = {split: torch.load(data_dir / f"{split}.pt", weights_only=True) for split in ("train", "valid", "test")}
    return splits, manifest


def read_json_file(data_dir: str | Path, name: str) -> Any:
    """A JSON side file of a processed data folder (vocabularies, references)."""
    return json.loads((Path(data_dir) / name).read_text())
