# data/{task}/: copying's fixed test set, or a real data set's processed splits (downloads of
# full sources go to data/downloads/). manifest.json is written last and holds the sha256 of
# every other file, which readers check; so it stands for the whole folder.
rule prepare_data:
    output:
        manifest="data/{task}/manifest.json",
    params:
        settings=data_settings,
        folder=lambda wildcards, output: Path(output.manifest).parent,
    log:
        "results/logs/prepare_data/{task}.log",
    benchmark:
        "results/benchmarks/prepare_data/{task}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "printf '%s' {params.settings:q} | qrnn prepare-data --config - --task {wildcards.task}"
        " --out {params.folder} --download-dir data/downloads --quiet > {log} 2>&1"
