"""Tasks: data, forward pass, loss and metrics for each benchmark; they know no model class."""

from __future__ import annotations

from pathlib import Path

from qrnn.config import RunConfig
from qrnn.tasks.copying_task import CopyingTask
from qrnn.tasks.language_model import LanguageModelTask
from qrnn.tasks.mnist import MnistTask, PermutedMnistTask
from qrnn.tasks.sentiment import SentimentTask
from qrnn.tasks.translation import TranslationTask

TASK_CLASSES = {
    "copying": CopyingTask,
    "mnist": MnistTask,
    "pmnist": PermutedMnistTask,
    "sentiment": SentimentTask,
    "language_model": LanguageModelTask,
    "translation": TranslationTask,
}
# Tasks that read a processed data folder (`qrnn prepare-data` writes it; `qrnn train --data`).
DATA_TASKS = tuple(name for name in TASK_CLASSES if name != "copying")


def build_task(run: RunConfig, data_dir: str | Path | None = None, dimensions: dict[str, int] | None = None):
    """The task of ``run``; real-data tasks read ``data_dir`` (or only their saved ``dimensions``)."""
    if run.task == "copying":
        return CopyingTask(run.task_settings)
    return TASK_CLASSES[run.task](run.task_settings, data_dir, dimensions)
