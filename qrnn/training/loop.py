"""Training with checkpoints that make a killed run resume to the same numbers.

A run folder holds:
  config.json     the resolved settings of the run
  history.csv     one row per evaluation (step, train loss, held-out metrics, wall time)
  checkpoint.pt   model, optimizers, RNG states, step and history at the last evaluation,
                  and the stopping rule's state with the weights of the best evaluation
  metrics.json    last and best held-out metrics, stop reason, parameter counts, wall
                  time, device, versions, git revision
  train.log       a log of what happened, resumes included
Every file is written atomically. Checkpoints are taken at each evaluation, so rerunning
the same command after a kill repeats at most ``eval_every`` steps, with the same data
and dropout draws as an uninterrupted run (the RNG states are in the checkpoint), and
stops at the same step for the same reason (qrnn.training.stopping). The best weights
live in checkpoint.pt itself rather than in a file of their own, so no kill can leave
the two out of step.
"""

from __future__ import annotations

import io
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from qrnn.config import RunConfig, differences
from qrnn.errors import CheckpointMismatchError, NonFiniteLossError, QrnnError
from qrnn.io import atomic
from qrnn.io.checkpoint import CHECKPOINT_FORMAT, read_checkpoint
from qrnn.io.provenance import config_hash, git_revision, library_versions
from qrnn.models.factory import build_task_model, orthogonal_and_other_parameters, parameter_counts
from qrnn.tasks.registry import DATA_TASKS, build_task
from qrnn.training.stopping import Stopping

OPTIMIZERS = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}


@dataclass
class TrainingState:
    """What a checkpoint restores besides the weights."""

    stopping: Stopping
    step: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    wall_time: float = 0.0
    best_model: dict[str, torch.Tensor] | None = None  # weights at stopping.best_step (on the CPU)


def resolve_device(name: str) -> torch.device:
    """The torch device ``name`` (cpu, cuda, cuda:N); QrnnError for a name torch does not
    know or a device this machine lacks, before anything is computed or written."""
    kind, colon, index = name.partition(":")
    if kind not in ("cpu", "cuda") or (colon and not index.isdigit()):
        raise QrnnError(f"unknown device {name!r} (use cpu, cuda or cuda:N)")
    if kind == "cuda" and not torch.cuda.is_available():
        raise QrnnError(f"device {name!r} requested but CUDA is not available on this machine (use --device cpu)")
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise QrnnError(f"device {name!r} requested but this machine has {torch.cuda.device_count()} CUDA device(s)")
    return torch.device(name)


class _LogFileHandler(logging.FileHandler):
    """A FileHandler whose failure to write (a full disk) stops the run with one line naming
    train.log, instead of logging's printed traceback and carrying on."""

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        raise QrnnError(f"cannot write {self.baseFilename}: {getattr(error, 'strerror', None) or error}")


def _logger(out_dir: Path) -> logging.Logger:
    logger = logging.getLogger(f"qrnn.training.loop.{out_dir.resolve()}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not logger.handlers:
        handler = _LogFileHandler(out_dir / "train.log")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    return logger


def build_optimizers(model, run: RunConfig) -> list[torch.optim.Optimizer]:
    """The run's optimizer over the model's parameters; scoRNN's skew-symmetric A gets its own."""
    orthogonal, other = orthogonal_and_other_parameters(model)
    optimizers = [OPTIMIZERS[run.training.optimizer](other, lr=run.training.learning_rate)]
    if orthogonal:  # scoRNN: A gets its own optimizer and (lower) learning rate
        settings = run.model_settings
        optimizers.append(OPTIMIZERS[settings.orthogonal_optimizer](orthogonal, lr=settings.orthogonal_learning_rate))
    return optimizers


def _load_checkpoint(path: Path, run: RunConfig) -> dict[str, Any] | None:
    if not path.exists():
        return None
    checkpoint = read_checkpoint(path)
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointMismatchError(f"{path} has checkpoint format {checkpoint.get('format')}, expected {CHECKPOINT_FORMAT}")
    changed = differences(checkpoint["config"], run.to_dict())
    if changed:
        raise CheckpointMismatchError(
            f"{path} was made under another config; differing settings (checkpoint -> now): {'; '.join(changed)}. "
            f"Use another output folder, or delete the checkpoint to start over"
        )
    return checkpoint


def _save_checkpoint(path: Path, run: RunConfig, model, optimizers, data_generator, state: TrainingState, task) -> None:
    checkpoint = {
        "format": CHECKPOINT_FORMAT,
        "config": run.to_dict(),
        "model": model.state_dict(),
        "optimizers": [optimizer.state_dict() for optimizer in optimizers],
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "data_rng": data_generator.get_state(),
        "step": state.step,
        "history": state.history,
        "wall_time": state.wall_time,
        "stopping": state.stopping.to_dict(),
        "best_model": state.best_model,
        "task_state": task.state_dict(),  # e.g. the language model's carried hidden state
        "task_dimensions": task.dimensions(),  # sizes read from the data, to rebuild the model without it
        "data_sha256": task.data_sha256,
    }
    buffer = io.BytesIO()  # serialised first: torch.save turns a failed file write (a full disk) into an opaque RuntimeError
    torch.save(checkpoint, buffer)
    atomic.write_bytes(path, buffer.getvalue())


@torch.no_grad()
def evaluate(model, task, held_out, device: torch.device) -> dict[str, float]:
    """The task's metrics on its fixed held-out data (model in eval mode: no dropout)."""
    model.eval()
    totals = task.evaluate_held_out(model, held_out, device)
    model.train()
    return totals


def train(run: RunConfig, out_dir: str | Path, device: str = "cpu", progress: bool = True, data_dir: str | Path | None = None) -> dict[str, Any]:
    """Train one (task, model, seed) run into ``out_dir``, resuming from its checkpoint if present.

    ``data_dir``: the processed data folder of a real-data task (`qrnn prepare-data`);
    copying memory draws its own sequences and needs none.

    Returns the final metrics (also written to ``out_dir/metrics.json``).
    """
    # Everything that can refuse the run is checked before the run folder is made:
    # the device, the data, an existing checkpoint's settings.
    out_dir = Path(out_dir)
    torch_device = resolve_device(device)
    if run.task in DATA_TASKS and data_dir is None:
        raise QrnnError(f"task {run.task} trains on processed data: pass its folder (qrnn train --data data/{run.task})")
    task = build_task(run, data_dir)
    checkpoint_path = out_dir / "checkpoint.pt"
    checkpoint = _load_checkpoint(checkpoint_path, run)
    atomic.make_folders(out_dir)
    logger = _logger(out_dir)
    atomic.write_json(out_dir / "config.json", run.to_dict())

    torch.manual_seed(run.seed)  # model initialisation and dropout
    model = build_task_model(run.model, run.model_settings, task).to(torch_device)
    optimizers = build_optimizers(model, run)
    data_generator = torch.Generator().manual_seed(run.seed)  # on the CPU: same batches on every device
    held_out = task.held_out(run.training.batch_size, run.training.eval_batches, run.training.eval_seed)
    if checkpoint is not None:
        state = _restore(checkpoint, model, optimizers, data_generator, task)
        logger.info("resuming from %s at step %d of at most %d", checkpoint_path, state.step, run.training.max_steps)
    else:
        state = TrainingState(Stopping(*task.validation_metric))
        logger.info("starting %s/%s seed %d on %s (config %s)", run.task, run.model, run.seed, torch_device, config_hash(run.to_dict()))

    if state.stopping.stop_reason is None:
        _train_until_done(run, out_dir, model, optimizers, data_generator, task, held_out, state, torch_device, logger, progress)
    # Also when resuming from the checkpoint of a run that had stopped: the workflow deletes
    # a rerun job's history.csv, and the checkpoint holds the whole history.
    atomic.write_csv(out_dir / "history.csv", state.history, list(state.history[-1]))
    metrics = _final_metrics(run, state, task, parameter_counts(model), torch_device)
    atomic.write_json(out_dir / "metrics.json", metrics)
    logger.info("finished (%s at step %d): best held-out metrics, at step %d: %s", metrics["stop_reason"], metrics["steps"], metrics["best_step"], metrics["best"])
    return metrics


def _restore(checkpoint: dict[str, Any], model, optimizers, data_generator: torch.Generator, task) -> TrainingState:
    """Put the model, optimizers, random streams and task state back as the checkpoint saved them."""
    model.load_state_dict(checkpoint["model"])
    for optimizer, saved in zip(optimizers, checkpoint["optimizers"]):
        optimizer.load_state_dict(saved)
    torch.set_rng_state(checkpoint["torch_rng"])
    if checkpoint["cuda_rng"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(checkpoint["cuda_rng"])
    data_generator.set_state(checkpoint["data_rng"])
    task.load_state_dict(checkpoint.get("task_state", {}))
    return TrainingState(Stopping.from_dict(checkpoint["stopping"]), checkpoint["step"], checkpoint["history"], checkpoint["wall_time"], checkpoint["best_model"])


def _train_until_done(run, out_dir: Path, model, optimizers, data_generator, task, held_out, state: TrainingState, device, logger, progress: bool) -> None:
    """Optimizer steps until the stopping rule says stop (qrnn.training.stopping); every
    eval_every steps (and at max_steps) a held-out evaluation, a history row and a checkpoint."""
    training = run.training
    bar = tqdm(total=training.max_steps, initial=state.step, desc=f"{run.task}/{run.model}/seed{run.seed}", disable=not progress, mininterval=1.0)
    loss_sum, loss_count, started = 0.0, 0, time.perf_counter()
    model.train()
    while state.stopping.stop_reason is None:
        loss = _optimizer_step(model, optimizers, task, training, data_generator, device)
        if not math.isfinite(loss):
            state.wall_time += time.perf_counter() - started
            _stop_on_non_finite_loss(loss, state, out_dir, logger)
            _save_checkpoint(out_dir / "checkpoint.pt", run, model, optimizers, data_generator, state, task)
            break
        state.step += 1
        loss_sum, loss_count = loss_sum + loss, loss_count + 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        if state.step % training.eval_every == 0 or state.step == training.max_steps:
            now = time.perf_counter()
            state.wall_time += now - started
            started = now
            row = {"step": state.step, "train_loss": loss_sum / loss_count}
            held_out_metrics = evaluate(model, task, held_out, device)
            row.update({f"eval_{name}": value for name, value in held_out_metrics.items()})
            row["wall_time_s"] = round(state.wall_time, 3)
            state.history.append(row)
            loss_sum, loss_count = 0.0, 0
            if state.stopping.record(state.step, held_out_metrics, training):
                state.best_model = {name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()}
            atomic.write_csv(out_dir / "history.csv", state.history, list(row))
            _save_checkpoint(out_dir / "checkpoint.pt", run, model, optimizers, data_generator, state, task)
            logger.info("step %d: %s", state.step, ", ".join(f"{k}={v:.5g}" for k, v in row.items() if k != "step"))
    bar.close()
    stopping = state.stopping
    if stopping.best_step is None:  # every evaluation NaN: nothing to evaluate later
        message = f"held-out {stopping.metric} was NaN at every evaluation up to step {state.step}; no weights to keep in {out_dir}"
        logger.error(message)
        raise NonFiniteLossError(message)
    logger.info(
        "stopped at step %d (%s); best held-out %s %.5g at step %d",
        state.step, stopping.stop_reason, stopping.metric, stopping.best_value, stopping.best_step,
    )


def _stop_on_non_finite_loss(loss: float, state: TrainingState, out_dir: Path, logger) -> None:
    """A non-finite loss ends the run before any parameter changes; it finishes with the
    best weights so far. Before the first held-out evaluation there are none: the run fails."""
    if state.stopping.best_step is None:
        message = (
            f"non-finite loss ({loss}) at step {state.step + 1}, before the first held-out evaluation: no weights "
            f"to keep in {out_dir}; lower training.learning_rate or training.gradient_clip"
        )
        logger.error(message)
        raise NonFiniteLossError(message)
    state.stopping.stop_reason = "non_finite"
    logger.warning(
        "non-finite loss (%s) at step %d: training stops here (stop reason non_finite) and the run keeps "
        "the weights of its best held-out evaluation, at step %d", loss, state.step + 1, state.stopping.best_step,
    )


def _optimizer_step(model, optimizers, task, training, data_generator, device) -> float:
    """One batch: loss, backward, clipping, every optimizer's step; the loss as a float.
    A non-finite loss is returned before any parameter changes."""
    loss = task.training_loss(model, training.batch_size, data_generator, device)
    if not torch.isfinite(loss):
        return loss.item()
    for optimizer in optimizers:
        optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if training.gradient_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), training.gradient_clip)
    for optimizer in optimizers:
        optimizer.step()
    return loss.item()


def _final_metrics(run: RunConfig, state: TrainingState, task, counts: dict[str, int], device: torch.device) -> dict[str, Any]:
    """metrics.json: the last and the best held-out evaluation, why training stopped, the
    references, parameters, wall time and provenance."""
    final = state.history[-1]
    stopping = state.stopping
    best = next(row for row in state.history if row["step"] == stopping.best_step)
    return {
        "task": run.task,
        "model": run.model,
        "variant": run.variant,
        "seed": run.seed,
        "steps": state.step,
        "stop_reason": stopping.stop_reason,
        "best_step": stopping.best_step,
        "best": _held_out(best),
        "validation_metric": [stopping.metric, stopping.direction],
        "final": _held_out(final),
        "final_train_loss": final["train_loss"],
        "reference": task.reference_metrics(),
        "main_metric": list(task.main_metric),
        "units": task.units,
        "data_sha256": task.data_sha256,
        "trainable_parameters": counts,
        "wall_time_s": round(state.wall_time, 3),
        "device": str(device) if device.type == "cpu" else f"{device} ({torch.cuda.get_device_name(device)})",
        "config_hash": config_hash(run.to_dict()),
        "versions": library_versions(),
        "git_revision": git_revision(),
    }


def _held_out(row: dict[str, Any]) -> dict[str, float]:
    """The held-out metrics of a history row, without their eval_ prefix."""
    return {key.removeprefix("eval_"): value for key, value in row.items() if key.startswith("eval_")}
