# `qrnn train` also writes checkpoint.pt and train.log into the run folder; they are left
# undeclared on purpose. Snakemake deletes the declared outputs of a failed or interrupted
# job, and the checkpoint is what a rerun (--rerun-incomplete) resumes from; it also holds
# the weights of the run's best held-out evaluation, which `qrnn evaluate` scores. A
# checkpoint of older settings (the run's params changed) is discarded and the run starts over.
#
# With tuning on, the learning rate chosen for the run's task and model (rules/tuning.smk) is
# an input, so a new choice retrains exactly the runs of that task and model.
rule train:
    input:
        data=train_data,
        hyperparameters=tuned_choice,
    output:
        metrics="results/runs/{task}/{model}/{variant}/{seed}/metrics.json",
        history="results/runs/{task}/{model}/{variant}/{seed}/history.csv",
        run_config="results/runs/{task}/{model}/{variant}/{seed}/config.json",
    params:
        settings=run_settings,
        variant=lambda wildcards: wildcards.variant,
        seed=lambda wildcards: wildcards.seed,
        hyperparameters=hyperparameters_option,
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
        " --model {wildcards.model} --variant {params.variant} --seed {params.seed} {params.hyperparameters}"
        " --out {params.folder} {params.data} --device {params.device} --threads {threads} --quiet"
        " --discard-stale-checkpoint > {log} 2>&1"
