"""Run resolution: the settings of one training run, from a validated config document and
a variant name (a study variant, an ablation preset or a scaling point, qrnn.study.variants).

The document was validated once when it was loaded (qrnn.config.validate, which also checks
every study variant's overrides); generated variants come from code and need no second check.
"""

from __future__ import annotations

from typing import Any

from qrnn.config import MODELS, RunConfig, TrainingConfig, build_settings, check_overrides_apply, deep_merge, model_config, task_config
from qrnn.errors import ConfigError
from qrnn.study.matching import resolved_section, task_models
from qrnn.study.variants import variant_settings, variant_training


def variant_models(document: dict[str, Any], variant: str, task: str) -> dict[str, Any]:
    """The ``models`` section as runs of ``variant`` on ``task`` see it: the task's own model
    settings merged in, then the overrides of ``variant`` (a study variant's, checked against
    the schema when the document was validated, an ablation preset's or a scaling point's,
    qrnn.study.variants). The variant's go last and win: a variant is the experiment, a
    change against the task's settings, so it must take effect on every task it runs on."""
    settings = variant_settings(document, variant, task)
    check_overrides_apply(variant, settings)
    return deep_merge(task_models(document, task), settings["overrides"])


def run_config(document: dict[str, Any], task: str, model: str, seed: int, variant: str = "default") -> RunConfig:
    """Select the sections one run needs from a validated config document, with the
    task's own model settings and the overrides of ``variant`` (a key of study.variants)
    applied to the model settings, and sizes given as ``matched`` or ``half`` resolved."""
    task_settings = task_config(document, task)
    if model not in MODELS:
        raise ConfigError(f"unknown model {model!r} (known: {', '.join(MODELS)})")
    if seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed}")
    applies_to = variant_settings(document, variant, task)["applies_to"]
    if model not in applies_to:
        raise ConfigError(f"variant {variant!r} does not apply to model {model!r} (study.variants.{variant}.applies_to: {', '.join(applies_to)})")
    models = variant_models(document, variant, task)
    return RunConfig(
        task=task,
        model=model,
        variant=variant,
        seed=seed,
        training=build_settings(TrainingConfig, variant_training(document, variant, task)),
        task_settings=task_settings,
        model_settings=model_config(model, resolved_section(models, model, task)),
    )
