rule prepare_data:
    output:
        test_set="results/data/{task}/test.pt",
        manifest="results/data/{task}/manifest.json",
    params:
        settings=data_settings,
        folder=lambda wildcards, output: Path(output.manifest).parent,
    log:
        "results/logs/prepare_data/{task}.log",
    benchmark:
        "results/benchmarks/prepare_data/{task}.tsv"
    threads: 1
    resources:
        mem_mb=SMALL_JOB["mem_mb"],
        runtime=SMALL_JOB["runtime_minutes"],
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn prepare-data --config - --task {wildcards.task}"
        " --out {params.folder} > {log} 2>&1"
