# `qrnn train` also writes checkpoint.pt and train.log into the run folder; they are left
# undeclared on purpose. Snakemake deletes the declared outputs of a failed or interrupted
# job, and the checkpoint is what a rerun (--rerun-incomplete) resumes from; it also holds
# the weights of the run's best held-out evaluation, which `qrnn evaluate` scores. A
# checkpoint of older settings (the run's params changed) is discarded and the run starts over.
rule train:
    input:
        data=train_data,
    output:
        metrics="results/runs/{task}/{model}/{variant}/{seed}/metrics.json",
        history="results/runs/{task}/{model}/{variant}/{seed}/history.csv",
        run_config="results/runs/{task}/{model}/{variant}/{seed}/config.json",
    params:
        settings=run_settings,
        folder=lambda wildcards, output: Path(output.metrics).parent,
        device=device(TRAIN),
        data=train_data_option,
    log:
        "results/logs/train/{task}/{model}/{variant}/{seed}.log",
    benchmark:
        "results/benchmarks/train/{task}/{model}/{variant}/{seed}.tsv"
    threads: TRAIN["cpus"]
    resources:
        mem_mb=TRAIN["mem_mb"],
        runtime=TRAIN["runtime_minutes"],
        gpu=TRAIN["gpus"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn train --config - --task {wildcards.task}"
        " --model {wildcards.model} --variant {wildcards.variant} --seed {wildcards.seed}"
        " --out {params.folder} {params.data} --device {params.device} --threads {threads} --quiet"
        " --discard-stale-checkpoint > {log} 2>&1"
