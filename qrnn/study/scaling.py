"""The scaling study: the quantum RNN over a grid of qubits n and variational depths L, each
point with classical baselines matched to it in two ways.

Variant names (folder names, so [a-z0-9_]+):
  n{n}_l{L}          the quantum RNN with n_qubits = n, n_layers = L (else models.qrnn);
  n{n}_l{L}_params   each baseline resized so that its recurrent cell has the trainable-
                     parameter count of that quantum RNN's recurrent part (controller and
                     circuit angles) with the run's task's model settings, within 5%
                     (qrnn.study.matching, as for hidden_size: matched);
  n{n}_l{L}_width    each baseline with hidden_size = the quantum RNN's readout width
                     len(readouts) x n: the number of values per step the quantum model's
                     classical side (controller and head) sees. L does not change it, but
                     the name keeps the point so tables and figures pair it with its n.
A task may have its own model settings (tasks.<task>.models), so both matchings are made
per task: a scaling variant of the baselines resolves only together with a task.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from qrnn.config import model_config
from qrnn.errors import ConfigError
from qrnn.models.factory import resized
from qrnn.study.matching import matched_hidden, resolved_section, task_models

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
    if task is None:
        raise ConfigError(f"scaling variant {variant!r} sizes the baselines with the settings of one task; name the task")
    models = task_models(document, task)
    if matching == "width":
        width = len(models["qrnn"]["readouts"]) * n_qubits
        return {"applies_to": baselines, "overrides": {model: _resized(models, model, width, task) for model in baselines}}
    sizes = _matched_sizes(json.dumps(models, sort_keys=True), task, n_qubits, n_layers, tuple(baselines))
    return {"applies_to": baselines, "overrides": {model: _resized(models, model, sizes[model], task) for model in baselines}}


def _resized(models: dict[str, Any], model: str, hidden: int, task: str) -> dict[str, Any]:
    """Overrides giving baseline ``model`` ``hidden`` units. scoRNN keeps its share of -1
    entries in D: ``half`` stays half (resolved with the run), a number is scaled from the
    task's resolved size (qrnn.models.factory.resized)."""
    if models[model].get("n_negative", "half") == "half":  # rnn and lstm have no n_negative
        return {"hidden_size": hidden}
    return {"hidden_size": hidden, "n_negative": resized(model_config(model, resolved_section(models, model, task)), hidden).n_negative}


@functools.lru_cache(maxsize=256)
def _matched_sizes(models_json: str, task: str, n_qubits: int, n_layers: int, baselines: tuple[str, ...]) -> dict[str, int]:
    """Hidden size of each baseline whose recurrent cell matches the quantum RNN's recurrent
    part (controller and circuit angles) at (n, L) with the task's model settings
    (``models_json``); cached because the workflow resolves every job's variant."""
    models = json.loads(models_json)
    quantum = {**models["qrnn"], "n_qubits": n_qubits, "n_layers": n_layers}
    sizes = {}
    for model in baselines:
        try:
            sizes[model] = matched_hidden(model, models[model], quantum)
        except ValueError as error:
            raise ConfigError(f"scaling point n={n_qubits}, L={n_layers} on {task}: {model}: {error}") from None
    return sizes
