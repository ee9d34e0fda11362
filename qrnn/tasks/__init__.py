"""Tasks: data, loss and metrics for each benchmark; they know nothing about models."""

from __future__ import annotations

from qrnn.config import RunConfig
from qrnn.tasks.copying_task import CopyingTask

TASK_CLASSES = {"copying": CopyingTask}


def build_task(run: RunConfig):
    return TASK_CLASSES[run.task](run.task_settings)
