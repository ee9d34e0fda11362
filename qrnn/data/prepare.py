"""Data sets: one module per task, writing files with a manifest that records their hashes.

``prepare_task_data`` is what `qrnn prepare-data` calls. The real-data tasks' modules
(mnist, sentiment, language_model, translation, processed) are imported lazily, each with
the keyword arguments of its ``prepare_<task>`` function, so this module imports without them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import torch

from qrnn.config import task_config
from qrnn.data import copying
from qrnn.errors import QrnnError

TEST_SET_MODULES = {"copying": copying}
DOWNLOAD_DIR = "data/downloads"

# task -> (module, function) of the data helper's preparation code
PREPARE_FUNCTIONS = {
    "mnist": ("qrnn.data.mnist", "prepare_mnist"),
    "pmnist": ("qrnn.data.mnist", "prepare_mnist"),
    "sentiment": ("qrnn.data.sentiment", "prepare_sentiment"),
    "language_model": ("qrnn.data.language_model", "prepare_language_model"),
    "translation": ("qrnn.data.translation", "prepare_translation"),
}


def prepare_test_set(document: dict[str, Any], task: str, out_dir: str | Path) -> dict[str, Any]:
    """Write the fixed test set of ``task`` that the validated config ``document`` describes;
    return its manifest."""
    settings = task_config(document, task)
    seed = document["tasks"][task]["test_seed"]
    return TEST_SET_MODULES[task].write_test_set(settings, document["study"]["test_sequences"], seed, out_dir)


def prepare_settings(document: dict[str, Any], task: str) -> dict[str, Any]:
    """The keyword arguments of the task's ``prepare_<task>`` function (its data keys)."""
    settings = task_config(document, task)
    return {key: getattr(settings, key) for key in settings.data_keys}


def prepare_task_data(
    document: dict[str, Any], task: str, out_dir: str | Path, download_dir: str | Path = DOWNLOAD_DIR, progress: bool = True
) -> dict[str, Any]:
    """Write the processed data (or, for copying, the fixed test set) of ``task`` into ``out_dir``."""
    if task in TEST_SET_MODULES:
        return prepare_test_set(document, task, out_dir)
    module_name, function_name = PREPARE_FUNCTIONS[task]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise QrnnError(f"the data module {module_name} of task {task} is not installed ({error})") from None
    prepare = getattr(module, function_name)
    return prepare(out_dir, download_dir=download_dir, progress=progress, **prepare_settings(document, task))


def read_test_set(task: str, data_dir: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    return TEST_SET_MODULES[task].read_test_set(data_dir)
