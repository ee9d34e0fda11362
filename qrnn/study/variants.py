"""Where a variant name gets its settings: ``study.variants``, an ablation preset, or a
point of the scaling grid.

A name is looked up in that order. Ablation presets (qrnn/study/ablations.py) and scaling names
(n{n}_l{L}[_params|_width], qrnn/study/scaling.py) resolve in any config, so
``qrnn train --variant static_variational`` works without listing it anywhere; the
``ablations`` and ``scaling`` blocks only decide which of them the workflow runs, and with
at most how many training steps.
"""

from __future__ import annotations

from typing import Any

from qrnn.config import TASKS, task_training
from qrnn.errors import ConfigError
from qrnn.study.ablations import PRESETS, ablation_runs, ablation_variant
from qrnn.study.scaling import parse_name, scaling_runs, scaling_variant


def variant_source(document: dict[str, Any], variant: str) -> str:
    """study, ablations or scaling: the block that defines ``variant``; ConfigError if none does."""
    if variant in document["study"]["variants"]:
        return "study"
    if variant in PRESETS:
        return "ablations"
    if parse_name(variant) is not None:
        return "scaling"
    # Presets and scaling names are listed by `qrnn audit --help` and in the README.
    raise ConfigError(f"unknown variant {variant!r} (study.variants defines: {', '.join(document['study']['variants'])})")


def variant_settings(document: dict[str, Any], variant: str, task: str | None = None) -> dict[str, Any]:
    """{applies_to, overrides} of ``variant``, as a study.variants entry would hold them."""
    source = variant_source(document, variant)
    if source == "study":
        return document["study"]["variants"][variant]
    if source == "ablations":
        return ablation_variant(variant)
    return scaling_variant(document, variant, task)


def variant_training(document: dict[str, Any], variant: str, task: str) -> dict[str, Any]:
    """The training settings of the runs of ``variant`` on ``task``: ``training``, then the
    task's own keys (tasks.<task>.training), then the max_steps of the ablations or scaling
    block that defines the variant, if it sets one (null: the task's)."""
    training = task_training(document, task)
    source = variant_source(document, variant)
    max_steps = document[source].get("max_steps") if source != "study" else None
    return training if max_steps is None else {**training, "max_steps": max_steps}


def generated_runs(document: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """Runs of the ablations and scaling blocks. A name that study.variants also defines must
    mean the same there (same settings for the model, same max_steps), or this raises ConfigError."""
    for block in ("ablations", "scaling"):
        unknown = [task for task in document[block]["tasks"] if task not in TASKS]
        if document[block]["enabled"] and unknown:
            raise ConfigError(f"{block}.tasks: unknown task {unknown[0]!r} (known: {', '.join(TASKS)})")
    runs = ablation_runs(document) + scaling_runs(document)
    declared = document["study"]["variants"]
    for task, model, variant, _ in runs:
        if variant not in declared:
            continue
        block = "ablations" if variant in PRESETS else "scaling"
        generated = scaling_variant(document, variant, task) if block == "scaling" else ablation_variant(variant)
        own = declared[variant]
        same = (
            model in own["applies_to"]
            and own["overrides"].get(model, {}) == generated["overrides"].get(model, {})
            and document[block]["max_steps"] in (None, task_training(document, task)["max_steps"])
        )
        if not same:
            raise ConfigError(
                f"study.variants.{variant}: the {block} block defines it too, with other settings for {model}; rename the study variant"
            )
    return runs
