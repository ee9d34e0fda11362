"""The scaling study: the quantum RNN over a grid of qubits n and variational depths L, each
point with classical baselines matched to it in two ways.

Variant names (folder names, so [a-z0-9_]+):
  n{n}_l{L}          the quantum RNN with n_qubits = n, n_layers = L (else models.qrnn);
  n{n}_l{L}_params   each baseline resized so that the whole model (embedding, core, head)
                     has the trainable-parameter count of that quantum RNN on the run's task,
                     within 5% (qrnn.models.factory.matched_baseline_settings);
  n{n}_l{L}_width    each baseline with hidden_size = the quantum RNN's readout width
                     len(readouts) x n: the number of values per step the quantum model's
                     classical side (controller and head) sees. L does not change it, but
                     the name keeps the point so tables and figures pair it with its n.
Parameter counts depend on the task (embedding and head sizes), so the matched sizes are
computed per task: a ``_params`` variant resolves only together with a task.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from typing import Any

from qrnn.config import model_config, task_config
from qrnn.errors import ConfigError
from qrnn.models.factory import build_model, parameter_counts, resized
from qrnn.models.parameters import count_trainable_parameters, matched_hidden_size
from qrnn.tasks.registry import TASK_CLASSES

MATCHINGS = {"parameters": "params", "width": "width"}  # scaling.matching value -> name suffix
_NAME = re.compile(r"^n(\d+)_l(\d+)(?:_(params|width))?$")


def point_name(n_qubits: int, n_layers: int, matching: str | None = None) -> str:
    return f"n{n_qubits}_l{n_layers}" + (f"_{MATCHINGS[matching]}" if matching else "")


def parse_name(variant: str) -> tuple[int, int, str | None] | None:
    """(n, L, matching or None) of a scaling variant name, or None if it is not one."""
    match = _NAME.match(variant)
    if match is None:
        return None
    suffix = {value: key for key, value in MATCHINGS.items()}
    return int(match[1]), int(match[2]), suffix.get(match[3]) if match[3] else None


def scaling_runs(document: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(task, model, variant, seed) of every run the ``scaling`` block asks for; none when disabled."""
    block = document["scaling"]
    if not block["enabled"]:
        return []
    runs = []
    for task in block["tasks"]:
        for n_layers in block["depths"]:
            for n_qubits in block["qubits"]:
                runs += [(task, "qrnn", point_name(n_qubits, n_layers), seed) for seed in block["seeds"]]
                for matching in block["matching"]:
                    runs += [
                        (task, model, point_name(n_qubits, n_layers, matching), seed) for model in block["baselines"] for seed in block["seeds"]
                    ]
    return runs


def scaling_variant(document: dict[str, Any], variant: str, task: str | None) -> dict[str, Any] | None:
    """The study-variant form {applies_to, overrides} of scaling variant ``variant``, or None if
    the name is no scaling variant. Matched-parameter variants need ``task``."""
    parsed = parse_name(variant)
    if parsed is None:
        return None
    n_qubits, n_layers, matching = parsed
    if not 1 <= n_qubits <= 14 or n_layers < 1:
        raise ConfigError(f"scaling variant {variant!r}: n must be 1..14 and L at least 1")
    if matching is None:
        return {"applies_to": ["qrnn"], "overrides": {"qrnn": {"n_qubits": n_qubits, "n_layers": n_layers}}}
    baselines = list(document["scaling"]["baselines"]) or ["rnn", "lstm", "scornn"]
    if matching == "width":
        width = len(document["models"]["qrnn"]["readouts"]) * n_qubits
        return {"applies_to": baselines, "overrides": {model: _resized(document["models"][model], width) for model in baselines}}
    if task is None:
        raise ConfigError(f"scaling variant {variant!r} matches parameter counts on a task; name the task")
    key = json.dumps({"models": document["models"], "tasks": document["tasks"]}, sort_keys=True)
    sizes = _matched_sizes(key, task, n_qubits, n_layers, tuple(baselines))
    return {"applies_to": baselines, "overrides": {model: sizes[model] for model in baselines}}


def _resized(settings: dict[str, Any], hidden: int) -> dict[str, Any]:
    """Overrides giving a baseline ``hidden`` units; scoRNN keeps its share of -1 entries in D."""
    overrides: dict[str, Any] = {"hidden_size": hidden}
    if "n_negative" in settings:
        overrides["n_negative"] = round(settings["n_negative"] / settings["hidden_size"] * hidden)
    return overrides


@functools.lru_cache(maxsize=256)
def _matched_sizes(key: str, task: str, n_qubits: int, n_layers: int, baselines: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Hidden sizes (and scoRNN's n_negative) of each baseline matched to the quantum RNN at
    (n, L) on ``task``; cached because the workflow resolves every job's variant.

    The same search as qrnn.models.factory.matched_baseline_settings, but the candidates are
    built on the CPU (ten times faster than the meta device for these small models) with the
    search bounded by doubling, so no candidate is much larger than the target.
    """
    document = json.loads(key)
    if task not in TASK_CLASSES:
        raise ConfigError(f"scaling.tasks: unknown task {task!r} (known: {', '.join(TASK_CLASSES)})")
    task_object = TASK_CLASSES[task](task_config(document, task))
    shape = (task_object.vocab_size, task_object.n_outputs, task_object.per_step)
    quantum = model_config("qrnn", {**document["models"]["qrnn"], "n_qubits": n_qubits, "n_layers": n_layers})
    target = parameter_counts(build_model("qrnn", quantum, *shape))["total"]
    sizes = {}
    for model in baselines:
        settings = model_config(model, document["models"][model])

        def count(hidden: int) -> int:
            return count_trainable_parameters(build_model(model, resized(settings, hidden), *shape))

        largest = 1
        while count(largest) < target:
            largest *= 2
        try:
            hidden = matched_hidden_size(count, target, largest=largest)
        except ValueError as error:
            raise ConfigError(f"scaling point n={n_qubits}, L={n_layers} on {task}: {model}: {error}") from None
        fields = dataclasses.asdict(resized(settings, hidden))
        sizes[model] = {name: fields[name] for name in ("hidden_size", "n_negative") if name in fields}
    return sizes
