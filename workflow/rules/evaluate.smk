# Reads the run's checkpoint.pt too (see train.smk for why it is not a declared file);
# metrics.json is written after the final checkpoint, so it stands for both. The data folder's
# manifest stands for its files (their hashes are in it and are checked).
rule evaluate:
    input:
        metrics="results/runs/{task}/{model}/{variant}/{seed}/metrics.json",
        run_config="results/runs/{task}/{model}/{variant}/{seed}/config.json",
        manifest=data_manifest,
    output:
        evaluation="results/runs/{task}/{model}/{variant}/{seed}/evaluation.json",
    params:
        run=lambda wildcards, input: Path(input.metrics).parent,
        data=lambda wildcards, input: Path(input.manifest).parent,
        device=device(EVALUATE),
    log:
        "results/logs/evaluate/{task}/{model}/{variant}/{seed}.log",
    benchmark:
        "results/benchmarks/evaluate/{task}/{model}/{variant}/{seed}.tsv"
    threads: EVALUATE["cpus"]
    resources:
        mem_mb=EVALUATE["mem_mb"],
        runtime=EVALUATE["runtime_minutes"],
        gpu=EVALUATE["gpus"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn evaluate --run {params.run} --data {params.data} --out {output.evaluation}"
        " --device {params.device} --threads {threads} > {log} 2>&1"


# A translation evaluation also writes the attention weights of the first
# tasks.translation.attention_examples test sentences: the same job, declaring attention.csv
# too so that the attention figure can ask for it. With attention_examples 0 no attention.csv
# is written and the plain rule wins (the rule stays defined for dvc.yaml's --until).
use rule evaluate as evaluate_translation with:
    output:
        evaluation="results/runs/{task}/{model}/{variant}/{seed}/evaluation.json",
        attention="results/runs/{task}/{model}/{variant}/{seed}/attention.csv",
    wildcard_constraints:
        task="translation",


if ATTENTION_EXAMPLES > 0:

    ruleorder: evaluate_translation > evaluate

else:

    ruleorder: evaluate > evaluate_translation
