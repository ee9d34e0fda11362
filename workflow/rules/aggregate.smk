rule aggregate:
    input:
        evaluations=run_files("evaluation.json"),
        metrics=run_files("metrics.json"),
        histories=run_files("history.csv"),
    output:
        table_csv="results/tables/{task}.csv",
        table_md=report(
            "results/tables/{task}.md",
            caption="../report/table.rst",
            category="Results",
            labels={"task": "{task}", "content": "test-set table"},
        ),
        table_json="results/tables/{task}.json",
        curves="results/tables/{task}_curves.csv",
        curves_mean="results/tables/{task}_curves_mean.csv",
    params:
        runs=lambda wildcards: run_folders(wildcards.task),
    log:
        "results/logs/aggregate/{task}.log",
    benchmark:
        "results/benchmarks/aggregate/{task}.tsv"
    threads: 1
    resources:
        **SMALL_JOB_RESOURCES,
    conda:
        CONDA_ENVIRONMENT
    shell:
        "qrnn aggregate --task {wildcards.task} --runs {params.runs} --out-csv {output.table_csv}"
        " --out-md {output.table_md} --out-json {output.table_json} --out-curves {output.curves}"
        " --out-curves-mean {output.curves_mean} > {log} 2>&1"
