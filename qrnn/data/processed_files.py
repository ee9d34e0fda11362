"""What the tasks read from a processed data folder (DATA_CONTRACT.md), every file checked
against the sha256 in its manifest by qrnn.data.processed.

Kept apart from qrnn/data/__init__.py so that tasks can import it without importing the
copying test-set module, which imports the tasks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from qrnn.data.processed import read_json, read_manifest, read_processed


def load_processed(data_dir: str | Path) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, Any]]:
    """(splits {"train"|"valid"|"test": {name: tensor}}, manifest) of a processed data folder."""
    return read_processed(data_dir)


def read_json_file(data_dir: str | Path, name: str) -> Any:
    """A JSON side file of a processed data folder (vocabularies, references), checked against its manifest."""
    return read_json(data_dir, name, read_manifest(data_dir))
