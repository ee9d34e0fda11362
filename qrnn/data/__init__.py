"""Data sets: one module per task, writing files with a manifest that records their hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from qrnn.config import task_config
from qrnn.data import copying

TEST_SET_MODULES = {"copying": copying}


def prepare_test_set(document: dict[str, Any], task: str, out_dir: str | Path) -> dict[str, Any]:
    """Write the fixed test set of ``task`` that the validated config ``document`` describes;
    return its manifest."""
    settings = task_config(document, task)
    seed = document["tasks"][task]["test_seed"]
    return TEST_SET_MODULES[task].write_test_set(settings, document["study"]["test_sequences"], seed, out_dir)


def read_test_set(task: str, data_dir: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    return TEST_SET_MODULES[task].read_test_set(data_dir)
