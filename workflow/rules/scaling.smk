# The scaling study (config.scaling): one table over every scaling run, one figure per task.
rule scaling_table:
    input:
        evaluations=lambda wildcards: [f"{folder}/evaluation.json" for folder in scaling_folders()],
        configs=lambda wildcards: [f"{folder}/config.json" for folder in scaling_folders()],
        metrics=lambda wildcards: [f"{folder}/metrics.json" for folder in scaling_folders()],  # stop reasons: converged or not
    output:
        csv="results/tables/scaling.csv",
        md=report(
            "results/tables/scaling.md",
            caption="../report/scaling.rst",
            category="Scaling",
            labels={"content": "scaling table"},
        ),
    params:
        runs=lambda wildcards: scaling_folders(),
    log:
        "results/logs/scaling_table/scaling.log",
    benchmark:
        "results/benchmarks/scaling_table/scaling.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn scaling-table --runs {params.runs} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule scaling_figure:
    input:
        table="results/tables/scaling.csv",
    output:
        png=report(
            "results/figures/scaling_{task}.png",
            caption="../report/scaling.rst",
            category="Scaling",
            labels={"task": "{task}", "content": "scaling figure"},
        ),
        pdf="results/figures/scaling_{task}.pdf",
    log:
        "results/logs/scaling_figure/{task}.log",
    benchmark:
        "results/benchmarks/scaling_figure/{task}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn figures scaling --table {input.table} --task {wildcards.task} --out-png {output.png}"
        " --out-pdf {output.pdf} > {log} 2>&1"
