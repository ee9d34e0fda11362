"""Per-task model settings, and baseline sizes given as words: ``hidden_size: matched`` and
scoRNN's ``n_negative: half``.

A task may set its own model settings (``tasks.<task>.models``, laid over ``models``);
qrnn.study.resolve lays a variant's overrides over that. ``matched`` is then resolved, per
task, to the hidden size whose recurrent cell (the core: no embedding, no output head) has
the trainable-parameter count closest to the quantum RNN's recurrent part on that task (its
controller and circuit angles), within 5%. The core reads the embedding, whose width is
embedding_dim whatever the vocabulary, so this needs no data: it is known when the config is.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from qrnn.config import deep_merge, model_config
from qrnn.errors import ConfigError
from qrnn.models.factory import matched_recurrent_settings, recurrent_parameter_count


def task_models(document: dict[str, Any], task: str) -> dict[str, Any]:
    """The ``models`` section as the runs of ``task`` see it: with ``tasks.<task>.models`` merged in."""
    return deep_merge(document["models"], document["tasks"][task]["models"])


def matched_hidden(model: str, section: dict[str, Any], quantum: dict[str, Any]) -> int:
    """The hidden size of baseline ``model`` (settings ``section``, its own hidden size
    ignored) whose core is closest in trainable parameters to the core of the quantum RNN of
    settings ``quantum``; ValueError when even the closest is more than 5% off."""
    return _matched_hidden(model, json.dumps(section, sort_keys=True), json.dumps(quantum, sort_keys=True))


@functools.lru_cache(maxsize=512)
def _matched_hidden(model: str, section: str, quantum: str) -> int:
    """Cached: the workflow resolves every job's run, each from the same few sections."""
    # The count does not depend on n_negative (D is fixed, not trained): 0 fits every candidate.
    probe = model_config(model, {**json.loads(section), "hidden_size": 1, "n_negative": 0})
    target = recurrent_parameter_count("qrnn", model_config("qrnn", json.loads(quantum)))
    return matched_recurrent_settings(model, probe, target).hidden_size


def resolved_section(models: dict[str, Any], model: str, task: str) -> dict[str, Any]:
    """The settings of ``model`` in ``models`` (already merged for one task and variant) with
    ``hidden_size: matched`` (matched to ``models["qrnn"]``) and ``n_negative: half`` as numbers."""
    section = dict(models[model])
    if section.get("hidden_size") == "matched":
        try:
            section["hidden_size"] = matched_hidden(model, section, models["qrnn"])
        except ValueError as error:
            raise ConfigError(f"task {task}: models.{model}.hidden_size: matched: {error}") from None
        if isinstance(section.get("n_negative"), int) and section["n_negative"] > section["hidden_size"]:
            raise ConfigError(
                f"task {task}: models.{model}.n_negative: {section['n_negative']} is more than the matched hidden size "
                f"{section['hidden_size']}; use n_negative: half or a smaller number"
            )
    if section.get("n_negative") == "half":
        section["n_negative"] = section["hidden_size"] // 2
    return section
