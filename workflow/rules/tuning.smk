# Equal-budget learning-rate selection (config section tuning, qrnn/study/tuning.py): for
# every (task, model) one run per value of tuning.learning_rates on tuning.seed, then the
# choice results/tuning/{task}/{model}.json, an input of every training run of that pair
# (rules/train.smk). A tuning run's folder is named by its learning rate, so a changed grid
# trains only its new values, and the choice (and what trains on it) is redone.
use rule train as tune_train with:
    input:
        data=train_data,
        hyperparameters=[],
    output:
        metrics="results/tuning/{task}/{model}/{candidate}/metrics.json",
        history="results/tuning/{task}/{model}/{candidate}/history.csv",
        run_config="results/tuning/{task}/{model}/{candidate}/config.json",
    params:
        settings=tuning_run_settings,
        variant=TUNED_VARIANT,
        seed=STUDY["tuning"]["seed"],
        hyperparameters="",
    log:
        "results/logs/tune_train/{task}/{model}/{candidate}.log",
    benchmark:
        "results/benchmarks/tune_train/{task}/{model}/{candidate}.tsv"


rule tune_select:
    input:
        metrics=tuning_files("metrics.json"),
        histories=tuning_files("history.csv"),
        run_configs=tuning_files("config.json"),
    output:
        "results/tuning/{task}/{model}.json",
    params:
        runs=lambda wildcards: tuning_candidates(wildcards.task, wildcards.model),
    log:
        "results/logs/tune_select/{task}/{model}.log",
    benchmark:
        "results/benchmarks/tune_select/{task}/{model}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn tune select --task {wildcards.task} --model {wildcards.model} --runs {params.runs}"
        " --out {output} > {log} 2>&1"


rule tuning_table:
    input:
        [choice_path(task, model) for task, model in TUNED_PAIRS],
    output:
        csv="results/tables/tuning.csv",
        md=report(
            "results/tables/tuning.md",
            caption="../report/tuning.rst",
            category="Settings",
            labels={"content": "learning-rate selection"},
        ),
    log:
        "results/logs/tuning_table/tuning.log",
    benchmark:
        "results/benchmarks/tuning_table/tuning.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn tables tuning --choices {input} --out-prefix results/tables/tuning > {log} 2>&1"
