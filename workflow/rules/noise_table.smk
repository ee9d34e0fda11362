# The noise table of each task with noise sweeps: every sweep point's metrics over the
# evaluated seeds and their change from the ideal readout (qrnn/tables/noise.py). The noise
# CSVs come from noise_common.smk (noise_files), the runs from analysis_inputs.smk.


rule noise_table:
    input:
        csv=lambda wildcards: noise_files("noise", wildcards.task, ".csv"),
        json=lambda wildcards: noise_files("noise", wildcards.task, ".json"),
        metrics=lambda wildcards: [f"{folder}/metrics.json" for folder in noise_table_runs(wildcards)],
    output:
        csv="results/tables/{task}_noise.csv",
        md=report(
            "results/tables/{task}_noise.md",
            caption="../report/noise_table.rst",
            category="Noise and hardware",
            labels={"task": "{task}", "content": "noise table"},
        ),
        tex="results/tables/{task}_noise.tex",
        provenance="results/tables/{task}_noise.provenance.json",
    params:
        runs=noise_table_runs,
        prefix=lambda wildcards, output: output.csv.removesuffix(".csv"),
    log:
        "results/logs/noise_table/{task}.log",
    benchmark:
        "results/benchmarks/noise_table/{task}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn tables noise --noise {input.csv} --runs {params.runs} --out-prefix {params.prefix} > {log} 2>&1"
