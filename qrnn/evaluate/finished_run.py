"""Load a finished training run from its folder: settings, trained model and task."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qrnn.config import RunConfig, differences
from qrnn.errors import QrnnError
from qrnn.io.checkpoint import CHECKPOINT_FORMAT, read_checkpoint
from qrnn.models.factory import build_task_model
from qrnn.tasks.registry import build_task


@dataclass
class FinishedRun:
    folder: Path
    config: RunConfig
    config_dict: dict[str, Any]  # config.json as written by `qrnn train`
    model: Any  # in eval mode, on the CPU: a SequenceModel, or a Seq2Seq for translation
    task: Any
    data_sha256: str | None  # hash of the processed data the run trained on (None: copying)
    best_step: int  # the step whose weights ``model`` holds (the best held-out evaluation)


def _read_config(path: Path) -> tuple[RunConfig, dict[str, Any]]:
    if not path.is_file():
        raise QrnnError(f"missing run file {path}; train the run first with `qrnn train --out {path.parent}`")
    try:
        data = json.loads(path.read_text())
        return RunConfig.from_dict(data), data
    except json.JSONDecodeError as error:
        raise QrnnError(f"{path} is not valid JSON ({error.msg})") from None
    except (KeyError, TypeError) as error:
        raise QrnnError(f"{path} is not a run config written by this version of qrnn (problem with key {error})") from None


def load_finished_run(folder: str | Path) -> FinishedRun:
    """Rebuild the trained model of the run in ``folder`` from config.json and checkpoint.pt,
    with the weights of its best held-out evaluation (not those of its last step): every
    evaluation of a finished run (test set, noise, hardware, analysis) scores these.

    Refuses a run that has not stopped yet, or whose checkpoint was made under other
    settings than its config.json.
    """
    folder = Path(folder)
    run, config_dict = _read_config(folder / "config.json")
    checkpoint_path = folder / "checkpoint.pt"
    if not checkpoint_path.is_file():
        raise QrnnError(f"missing run file {checkpoint_path}; train the run first with `qrnn train --out {folder}`")
    checkpoint = read_checkpoint(checkpoint_path)
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise QrnnError(f"{checkpoint_path} has checkpoint format {checkpoint.get('format')}, expected {CHECKPOINT_FORMAT}; train the run again")
    changed = differences(checkpoint["config"], config_dict)
    if changed:
        raise QrnnError(f"{checkpoint_path} does not belong to {folder / 'config.json'}: {'; '.join(changed)}")
    if checkpoint["stopping"]["stop_reason"] is None:
        raise QrnnError(
            f"run {folder} is unfinished: its checkpoint is at step {checkpoint['step']} of at most {run.training.max_steps}; "
            f"finish it with `qrnn train` (it resumes) before evaluating"
        )
    task = build_task(run, dimensions=checkpoint.get("task_dimensions"))
    model = build_task_model(run.model, run.model_settings, task)
    model.load_state_dict(checkpoint["best_model"])
    model.eval()
    return FinishedRun(folder, run, config_dict, model, task, checkpoint.get("data_sha256"), checkpoint["stopping"]["best_step"])
