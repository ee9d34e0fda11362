# Input functions of the analysis rules (analysis.smk): which run folders each table and
# figure reads, picked out of RUNS (built in common.smk), and the targets the study asks for.
# Kept apart from common.smk so that the other rule files' helpers and these stay separate.

from qrnn.study.targets import GRADIENT_TASKS, ablation_variants, attention_models, noise_table_tasks

ANALYSIS = STUDY["analysis"]
ATTENTION_EXAMPLES = STUDY["tasks"]["translation"]["attention_examples"]
MAIN_VARIANTS = ("default", "full")  # as qrnn.tables.main.MAIN_VARIANTS: the variant a model stands for


def main_variant(task, model):
    variants = sorted({v for t, m, v, _ in RUNS if t == task and m == model})
    return next((v for v in MAIN_VARIANTS if v in variants), variants[0] if variants else None)


def main_runs(task):
    """Folders of every seed of each model's main variant in `task`."""
    return [
        f"results/runs/{t}/{m}/{v}/{s}"
        for t, m, v, s in RUNS
        if t == task and v == main_variant(task, m)
    ]


def quantum_variant_runs():
    """Quantum-RNN folders of the ablation table (qrnn.study.targets.ablation_variants says which)."""
    variants = ablation_variants(STUDY)
    return [f"results/runs/{t}/{m}/{v}/{s}" for t, m, v, s in RUNS if m == "qrnn" and v in variants.get(t, ())]


def first_quantum_run(task):
    seed = min(s for t, m, v, s in RUNS if t == task and m == "qrnn")
    return f"results/runs/{task}/qrnn/{main_variant(task, 'qrnn')}/{seed}"


def attention_run(model):
    """The run whose attention weights the figure shows: the first seed of the model's main translation variant."""
    variant = main_variant("translation", model)
    seed = min(s for t, m, v, s in RUNS if t == "translation" and m == model and v == variant)
    return f"results/runs/translation/{model}/{variant}/{seed}"


def attention_title(wildcards):
    from qrnn.tables.formats import MODEL_NAMES

    run = Path(attention_run(wildcards.model))
    return f"{MODEL_NAMES.get(wildcards.model, wildcards.model)}: translation run {run.parent.name}, seed {run.name}"


def noise_table_runs(wildcards):
    """The trained runs behind a task's noise sweeps (NOISE_RUNS: noise_common.smk)."""
    return [f"results/runs/{t}/{m}/{v}/{s}" for t, m, v, s in NOISE_RUNS if t == wildcards.task]


def compute_cost_settings(wildcards):
    """The part of the config the compute cost depends on: the first task and the two models' sections."""
    task = STUDY["study"]["tasks"][0]
    document = {"tasks": {task: STUDY["tasks"][task]}, "models": {m: STUDY["models"][m] for m in ("qrnn", "lstm")}}
    return json.dumps(document, sort_keys=True)


def analysis_outputs():
    """The targets of this file that the study's config asks for (added to final_outputs)."""
    tasks = STUDY["study"]["tasks"]
    models = set(STUDY["study"]["models"])
    outputs = [f"results/tables/{task}_main.{ext}" for task in tasks for ext in ("csv", "md", "tex", "provenance.json")]
    outputs += [f"results/tables/{task}_verdict.md" for task in tasks]
    if quantum_variant_runs():
        outputs += [f"results/tables/ablations.{ext}" for ext in ("csv", "md", "tex", "provenance.json")]
        outputs += [f"results/figures/ablations.{ext}" for ext in ("png", "pdf")]
    if "qrnn" in models and "copying" in tasks:
        outputs += [f"results/figures/copying_{kind}.{ext}" for kind in ("bloch_vectors", "readouts") for ext in ("png", "pdf")]
    outputs += [f"results/figures/{task}_gradient_norms.{ext}" for task in tasks if task in GRADIENT_TASKS for ext in ("png", "pdf")]
    if {"qrnn", "lstm"} <= models:
        outputs += [f"results/figures/compute_cost.{ext}" for ext in ("png", "pdf")]
    outputs += [f"results/figures/translation_attention_{model}.{ext}" for model in attention_models(STUDY) for ext in ("png", "pdf")]
    outputs += [f"results/tables/{task}_noise.{ext}" for task in noise_table_tasks(STUDY) for ext in ("csv", "md", "tex", "provenance.json")]
    return outputs
